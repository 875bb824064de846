"""Planning the requests: which orders see one, why, when and through which channel.

Pure, like `orders_plan.py`: each request also gets its own random stream (`seed`),
so how its story plays out does not depend on the order the stories are written in.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from returnflow.demo import catalog_scenarios, catalog_staff
from returnflow.demo.catalog_scenarios import Scenario
from returnflow.demo.orders_plan import Shopper
from returnflow.demo.timing import AGENT_HOURS, CUSTOMER_HOURS, open_hours
from returnflow.domain.catalog import ItemFlag
from returnflow.domain.kinds import Channel, Reason, RequestType
from returnflow.domain.orders import Order, OrderLine
from returnflow.domain.returns import ReturnLine
from returnflow.services.returns import NewReturn

LOST_SHARE = 0.006  # parcels that never arrive
LATE_SHARE = 0.08  # customers who file after the no-reason window


@dataclass(frozen=True, slots=True)
class ReturnPlan:
    filed_at: datetime
    new: NewReturn
    filed_by: str
    shopper: Shopper
    category: str
    seed: int  # the story's own random stream, so it does not depend on write order


@dataclass(frozen=True, slots=True)
class OrderPlan:
    order: Order
    ret: ReturnPlan | None


def with_return(
    rng: random.Random, order: Order, category: str, shopper: Shopper, now: datetime
) -> OrderPlan:
    """The order as the order system reports it, and the request that followed, if any."""
    digital_only = all(ItemFlag.DIGITAL_DOWNLOAD in line.flags for line in order.lines)
    if order.delivered_at is not None and not digital_only and rng.random() < LOST_SHARE:
        lost = replace(order, delivered_at=None)
        return OrderPlan(lost, _plan_not_delivered(rng, lost, shopper, category, 72, 192, now))
    if order.delivered_at is None:
        wants_out = rng.random() < 0.03  # still on its way: some ask to stop it
        ret = _plan_not_delivered(rng, order, shopper, category, 4, 40, now) if wants_out else None
        return OrderPlan(order, ret)
    return OrderPlan(order, _plan_return(rng, order, category, shopper, now))


def _plan_not_delivered(
    rng: random.Random,
    order: Order,
    shopper: Shopper,
    category: str,
    low_hours: int,
    high_hours: int,
    now: datetime,
) -> ReturnPlan | None:
    after = order.placed_at + timedelta(hours=rng.randint(low_hours, high_hours))
    claim = _claim(
        rng, list(order.lines), catalog_scenarios.NOT_DELIVERED, shopper.serial, whole=True
    )
    return _return_plan(
        rng, order, catalog_scenarios.NOT_DELIVERED, claim, after, shopper, category, now
    )


def _plan_return(
    rng: random.Random, order: Order, category: str, shopper: Shopper, now: datetime
) -> ReturnPlan | None:
    assert order.delivered_at is not None
    rate = catalog_scenarios.RETURN_RATES.get(category, 0.08) * (3.5 if shopper.serial else 1.0)
    if rng.random() >= min(rate, 0.8):
        return None
    goods = [line for line in order.lines if ItemFlag.DIGITAL_DOWNLOAD not in line.flags]
    scenario = _pick_scenario(rng, category) if goods else catalog_scenarios.DIGITAL_ONLY
    whole = scenario.reason is Reason.NOT_DELIVERED
    claim = _claim(rng, goods or list(order.lines), scenario, shopper.serial, whole=whole)
    after = order.delivered_at + timedelta(days=_filing_delay_days(rng, scenario, category))
    return _return_plan(rng, order, scenario, claim, after, shopper, category, now)


def _pick_scenario(rng: random.Random, category: str) -> Scenario:
    if rng.random() < 0.03:
        return catalog_scenarios.DISPUTED_DELIVERY
    scenarios = catalog_scenarios.SCENARIOS[category]
    return rng.choices(scenarios, [s.weight for s in scenarios])[0]


def _filing_delay_days(rng: random.Random, scenario: Scenario, category: str) -> int:
    """Days from delivery to the request: mostly within the week, some too late."""
    if scenario.request_type is RequestType.REPAIR:
        return rng.randint(8, 75)  # faults that show with use, inside the warranty
    if category == "fresh_food" and scenario.reason is not Reason.NO_REASON:
        return rng.choices(range(5), (55, 30, 7, 5, 3))[0]  # fresh faults: 2 days to report
    if rng.random() < LATE_SHARE:
        return rng.randint(8, 16)
    return rng.choices(range(7), (8, 22, 20, 16, 13, 11, 10))[0]


def _claim(
    rng: random.Random,
    lines: Sequence[OrderLine],
    scenario: Scenario,
    serial: bool,
    *,
    whole: bool = False,
) -> tuple[ReturnLine, ...]:
    """Usually one line, sometimes the lot; all units or just one of them."""
    several = whole or (len(lines) > 1 and rng.random() < 0.2)
    chosen = list(lines) if several else [rng.choice(lines)]
    text = rng.choice(scenario.texts)
    return tuple(
        ReturnLine(
            line.line_no,
            line.quantity if whole or rng.random() < 0.7 else 1,
            scenario.reason,
            text,
            _opened(rng, line, scenario.reason, serial),
        )
        for line in chosen
    )


def _opened(rng: random.Random, line: OrderLine, reason: Reason, serial: bool) -> bool:
    """Faults are found by using things; sealed goods are sometimes opened anyway."""
    if reason is not Reason.NO_REASON:
        return rng.random() < 0.8
    if line.flags & {ItemFlag.HYGIENE_SEALED, ItemFlag.SEALED_MEDIA}:
        return rng.random() < (0.6 if serial else 0.25)
    return rng.random() < 0.4


def _return_plan(
    rng: random.Random,
    order: Order,
    scenario: Scenario,
    claim: tuple[ReturnLine, ...],
    after: datetime,
    shopper: Shopper,
    category: str,
    now: datetime,
) -> ReturnPlan | None:
    """Who files, when, through which channel; None if it would be after `now`."""
    channel = rng.choices((Channel.WEB, Channel.APP, Channel.HOTLINE), (55, 35, 10))[0]
    hotline = channel is Channel.HOTLINE
    delay = timedelta(seconds=rng.randint(1_800, 36_000))
    filed_at = open_hours(after + delay, rng, AGENT_HOURS if hotline else CUSTOMER_HOURS)
    if filed_at > now:
        return None
    new = NewReturn(
        order_no=order.order_no,
        request_type=scenario.request_type,
        channel=channel,
        lines=claim,
        photos=_photos(rng, order.order_no, claim, scenario.reason, 0.5 if hotline else 0.8),
    )
    filed_by = rng.choice(catalog_staff.AGENTS) if hotline else customer_actor(shopper)
    return ReturnPlan(filed_at, new, filed_by, shopper, category, rng.getrandbits(64))


def _photos(
    rng: random.Random,
    order_no: str,
    claim: tuple[ReturnLine, ...],
    reason: Reason,
    odds: float,
) -> tuple[str, ...]:
    """Fault claims mostly come with photos; the ones without go to a person (R1.2).

    Callers on the hotline often cannot send any. Named after the order and line, not
    the RMA: the number does not exist until `file_return` issues it.
    """
    if not reason.needs_photos or rng.random() >= odds:
        return ()
    line_no = claim[0].line_no
    return tuple(  # shaped like the photo store's names, which are all a request may carry
        hashlib.md5(f"{order_no}-{line_no}-{n}".encode()).hexdigest() + ".jpg"
        for n in range(1, rng.randint(1, 3) + 1)
    )


def customer_actor(shopper: Shopper) -> str:
    return f"customer:{shopper.customer.id}"
