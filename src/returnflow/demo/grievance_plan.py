"""Planning the demo's complaints (issue 12): who complains, about what, through which
channel, when, and how the handling goes.

Pure, like `orders_plan.py`: drawn from one `random.Random` from the planned orders;
each complaint gets its own random stream (`seed`) for the moments of its handling,
which `demo/grievances.py` plays through the services.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from returnflow.demo import catalog, catalog_grievances, catalog_staff
from returnflow.demo.catalog_grievances import Wording
from returnflow.demo.marketplace import Book, Brief
from returnflow.demo.timing import AGENT_HOURS, CUSTOMER_HOURS, open_hours

CHANNELS = ("portal", "app", "hotline", "email")
CHANNEL_WEIGHTS = (40, 30, 20, 10)
CATEGORY_WEIGHTS: dict[str, int] = {
    "product_quality": 30,
    "logistics": 22,
    "payment_refund": 16,
    "service_attitude": 9,
    "customer_error": 8,
    "order_info_error": 6,
    "account": 5,
    "other": 4,
}
ENGLISH_SHARE = 0.08
NO_ORDER = frozenset({"account", "other"})  # complaints that often name no order


class Fate(StrEnum):
    """How the handling goes; the moments come from the complaint's own stream."""

    WAITING = "waiting"  # filed moments ago, nobody has answered yet
    ANSWERED = "answered"  # answered, the resolution still running
    PROMPT = "prompt"  # answered and resolved in time, then rated
    SLOW_RESPONSE = "slow_response"  # nobody answered in time: breached, escalated
    SLOW_RESOLUTION = "slow_resolution"  # answered, but the resolution ran out
    ESCALATED = "escalated"  # the agent hands it to a manager
    REOPENED = "reopened"  # resolved, reopened by the customer, resolved again
    FLAGGED = "flagged"  # a threat or an abnormal pattern: routed to risk


@dataclass(frozen=True, slots=True)
class ComplaintPlan:
    filed_at: datetime
    channel: str
    filed_by: str  # "customer:<id>", an agent on the hotline, or "mail"
    customer_id: str | None
    order_no: str | None
    email: str
    wording: Wording
    fate: Fate
    flag: tuple[str, str] | None  # (flag, the agent's note) for risk
    seed: int


@dataclass(frozen=True, slots=True)
class _Who:
    customer_id: str | None
    email: str
    order: Brief | None


def complaint_count(orders: int) -> int:
    return max(30, min(300, orders // 40))


def plan_complaints(
    rng: random.Random, book: Book, now: datetime
) -> tuple[list[ComplaintPlan], tuple[str, ...]]:
    """The complaints in filing order, and the key-account customers among them."""
    orders = [brief for brief in book.briefs if brief.placed_at < now - timedelta(days=1)]
    if not orders:
        return [], ()
    keys = _key_accounts(book, complaint_count(book.count))
    risky = sorted(book.serial)
    fates = _fates(complaint_count(book.count))
    channels = list(CHANNELS) + rng.choices(CHANNELS, CHANNEL_WEIGHTS, k=len(fates) - 4)
    categories = list(CATEGORY_WEIGHTS) + rng.choices(
        list(CATEGORY_WEIGHTS), list(CATEGORY_WEIGHTS.values()), k=len(fates) - 8
    )
    rng.shuffle(channels)
    rng.shuffle(categories)
    by_customer: dict[str, list[Brief]] = {}
    for order in orders:
        by_customer.setdefault(order.customer.id, []).append(order)
    wanted_keys = [key for key in keys for _ in range(2)]
    start = min(order.placed_at for order in orders)
    planned = []
    for index, fate in enumerate(fates):
        category, channel, flag = categories[index], channels[index], None
        owner = wanted_keys.pop() if fate is Fate.PROMPT and wanted_keys else None
        if fate is Fate.FLAGGED:
            wording, *risk = catalog_grievances.RISKY[index % len(catalog_grievances.RISKY)]
            flag, category = (risk[0], risk[1]), wording.category
            owner = risky[index % len(risky)] if risky else None
        for _ in range(6):  # an order old enough to complain about by now
            who = _who(rng, orders, by_customer, owner, category)
            filed_at = _filed_at(rng, fate, channel, category, who.order, (start, now))
            filed_at = filed_at.replace(microsecond=0)
            about = who.order if who.order and who.order.placed_at < filed_at else None
            if about is not None or who.order is None:
                break
        if fate is not Fate.FLAGGED:
            wording = _wording(rng, category, about)
        planned.append(
            ComplaintPlan(
                filed_at=filed_at,
                channel=channel,
                filed_by=_filer(rng, channel, who.customer_id),
                customer_id=who.customer_id,
                order_no=about.order_no if about else None,
                email=who.email,
                wording=wording,
                fate=fate,
                flag=flag,
                seed=rng.getrandbits(64),
            )
        )
    _one_in_english(planned)
    planned.sort(key=lambda plan: plan.filed_at)
    return planned, keys


def _fates(count: int) -> list[Fate]:
    """A few waiting near now, some breached, escalated, flagged, reopened; most prompt."""
    fates = [Fate.WAITING] * 3 + [Fate.ANSWERED] * 2 + [Fate.FLAGGED] * (2 + (count >= 100))
    fates += [Fate.REOPENED] * (1 + count // 150)
    fates += [Fate.SLOW_RESPONSE] * max(2, count * 8 // 100)
    fates += [Fate.SLOW_RESOLUTION] * max(2, count * 6 // 100)
    fates += [Fate.ESCALATED] * max(1, count * 5 // 100)
    return fates + [Fate.PROMPT] * (count - len(fates))


def _key_accounts(book: Book, count: int) -> tuple[str, ...]:
    """The marketplace's biggest buyers who are not serial returners."""
    orders = [item for item in book.orders_of.items() if item[0] not in book.serial]
    ranked = sorted(orders, key=lambda item: (-item[1], item[0]))
    return tuple(customer for customer, _ in ranked[: 1 + (count >= 100)])


def _who(
    rng: random.Random,
    orders: list[Brief],
    by_customer: dict[str, list[Brief]],
    owner: str | None,
    category: str,
) -> _Who:
    if owner is not None and by_customer.get(owner):
        order = rng.choice(by_customer[owner])
    else:
        order = rng.choice(orders)
    if category in NO_ORDER and owner is None and rng.random() < 0.5:
        return _Who(order.customer.id, order.customer.email, None)
    return _Who(order.customer.id, order.customer.email, order)


def _wording(rng: random.Random, category: str, order: Brief | None) -> Wording:
    if category == "product_quality":
        merchant = _MERCHANT_CATEGORY.get(order.merchant_id, "home") if order else "home"
        choices = catalog_grievances.QUALITY.get(merchant) or catalog_grievances.QUALITY["home"]
    else:
        choices = catalog_grievances.GENERAL[category]
    english = [w for w in catalog_grievances.ENGLISH if w.category == category]
    if english and rng.random() < ENGLISH_SHARE:
        choices = tuple(english)
    return rng.choice(choices)


def _filed_at(
    rng: random.Random,
    fate: Fate,
    channel: str,
    category: str,
    order: Brief | None,
    span: tuple[datetime, datetime],
) -> datetime:
    """Near now for the ones still waiting; otherwise some days after the order."""
    start, now = span
    if fate is Fate.WAITING:
        return now - timedelta(minutes=rng.randint(8, 45))
    if fate is Fate.ANSWERED:
        return now - timedelta(minutes=rng.randint(180, 1_200))
    hours = AGENT_HOURS if channel == "hotline" else CUSTOMER_HOURS
    for _ in range(8):
        if order is None:
            base = start + (now - start) * rng.uniform(0.1, 0.95)
        elif category == "logistics" or order.delivered_at is None:
            base = order.placed_at + timedelta(days=rng.uniform(1, 5))
        else:
            base = order.delivered_at + timedelta(days=rng.uniform(0.1, 6))
        moment = open_hours(base + timedelta(minutes=rng.randint(0, 600)), rng, hours)
        if moment < now - timedelta(hours=1):
            return moment
        order = None  # too recent an order: a complaint about something else, earlier on
    return now - timedelta(hours=rng.uniform(2, 6))


def _filer(rng: random.Random, channel: str, customer_id: str | None) -> str:
    if channel == "hotline":
        return rng.choice(catalog_staff.AGENTS)  # the agent files for the caller
    if channel == "email":
        return "mail"
    return f"customer:{customer_id}"


def _one_in_english(planned: list[ComplaintPlan]) -> None:
    """At least one English complaint, whatever the draw."""
    if any(plan.wording in catalog_grievances.ENGLISH for plan in planned):
        return
    for index, plan in enumerate(planned):
        if plan.fate is Fate.PROMPT and plan.wording.category != "product_quality":
            english = [w for w in catalog_grievances.ENGLISH if w.category == plan.wording.category]
            if english:
                planned[index] = replace(plan, wording=english[0])
                return


_MERCHANT_CATEGORY = {merchant.id: merchant.category for merchant in catalog.MERCHANTS}
