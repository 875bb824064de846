"""Risk at intake (issue 15, R10.3): score a request as it is filed, keep the score,
and tell the steps that follow (review, instant refund, fast exchange, the refund's
hold) what the score allows.

`assess_risk` runs inside `file_return`'s unit of work: it reads the customer's history
and the first round of the linked-accounts walk in one statement, keeps the filing's
identifiers (hashed), walks on only if someone else holds one, and returns the domain's
`Score`; `keep` stores it with the request. Every unit of work keeps a risk store
(`RiskWork`): the database's (storage/risk.py) or the service tests' in-memory twin
(tests/support/fake_risk.py), so mypy checks both against `RiskRecords`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Protocol

from returnflow.config import Settings
from returnflow.domain.linked_accounts import Identifier, IdentifierKind, identifier_hash, linked
from returnflow.domain.linked_accounts import normalise as normalise_identifier
from returnflow.domain.orders import Order
from returnflow.domain.returns import ReturnLine
from returnflow.domain.review import Assessment, with_risk
from returnflow.domain.risk import (
    WATCH_DAYS,
    Filing,
    History,
    Level,
    LineFact,
    RiskAction,
    Score,
    Thresholds,
    score,
)
from returnflow.domain.text import Text
from returnflow.storage.filing_facts import FilingFacts
from returnflow.storage.risk import StoredRisk

AUTO_WATCHER = "risk"  # who the "watch" action's entries are added by
Pair = tuple[str, Identifier]


class RiskRecords(Protocol):
    """What scoring and the holds ask of `uow.risk` (storage/risk.py `RiskStore`; the
    service tests' in-memory twin is tests/support/fake_risk.py)."""

    def read(
        self, customer_id: str, identifiers: set[Identifier], now: datetime
    ) -> tuple[History, set[Pair] | None]: ...

    def filing_facts(
        self,
        order_no: str,
        customer_id: str,
        identifiers: set[Identifier],
        now: datetime,
        sequence: str,
    ) -> FilingFacts | None: ...

    def link(
        self,
        customer_id: str,
        identifiers: set[Identifier],
        now: datetime,
        first_round: set[Pair] | None = None,
    ) -> list[Pair]: ...

    def add(
        self, rma_no: str, customer_id: str, merchant_id: str, scored: Score, now: datetime
    ) -> None: ...

    def get(self, rma_no: str) -> StoredRisk | None: ...

    def watching(self, customer_id: str, now: datetime) -> bool: ...

    def watch(
        self, customer_id: str, reason: str, expires_at: datetime | None, by: str, now: datetime
    ) -> int: ...


class RiskWork(Protocol):
    @property
    def risk(self) -> RiskRecords: ...


class Filed(Protocol):
    """What of a new request the score reads (services/returns.py NewReturn)."""

    @property
    def contact(self) -> dict[str, str]: ...

    @property
    def device_id(self) -> str: ...

    @property
    def lines(self) -> tuple[ReturnLine, ...]: ...


def thresholds_from(settings: Settings) -> Thresholds:
    defaults = dict(Thresholds().actions)
    for name, level in settings.risk_actions.items():
        defaults[RiskAction(name)] = Level(level)
    return Thresholds(settings.risk_medium, settings.risk_high, tuple(defaults.items()))


@lru_cache(maxsize=1)
def configured() -> Thresholds:
    """The process's thresholds, from RETURNFLOW_RISK_* (read once)."""
    return thresholds_from(Settings())


def identifiers_of(order: Order, contact: dict[str, str], device_id: str) -> set[Identifier]:
    """Phone (the order's customer, its delivery, the request's contact), the delivery
    address, and the device the filing came from; hashed, blanks left out."""
    values = [
        (IdentifierKind.PHONE, order.customer.phone),
        (IdentifierKind.PHONE, contact.get("phone", "")),
        (IdentifierKind.DEVICE, device_id),
    ]
    if order.ship_to is not None:
        to = order.ship_to
        values.append((IdentifierKind.PHONE, to.phone))
        values.append((IdentifierKind.ADDRESS, f"{to.province}{to.city}{to.district}{to.detail}"))
    found = {Identifier(kind, identifier_hash(kind, value)) for kind, value in values}
    return {identifier for identifier in found if identifier.value_hash}


def contact_differs(order: Order, contact: dict[str, str]) -> bool:
    """The request's phone or e-mail is not the order's (its customer's or delivery's)."""
    phone = normalise_identifier(IdentifierKind.PHONE, contact.get("phone", ""))
    known = {normalise_identifier(IdentifierKind.PHONE, order.customer.phone)}
    if order.ship_to is not None:
        known.add(normalise_identifier(IdentifierKind.PHONE, order.ship_to.phone))
    email = contact.get("email", "").strip().lower()
    return bool(phone and phone not in known) or bool(
        email and email != order.customer.email.strip().lower()
    )


def assess_risk(
    uow: RiskWork,
    order: Order,
    new: Filed,
    now: datetime,
    thresholds: Thresholds | None = None,
    read: tuple[History, set[Pair] | None] | None = None,
) -> Score:
    """The request's score at filing; `read`: the history and the walk's first round
    when the filing read them already (storage/filing_facts.py), else read here."""
    store = uow.risk
    customer = order.customer.id
    identifiers = identifiers_of(order, new.contact, new.device_id)
    history, first_round = read or store.read(customer, identifiers, now)  # one round trip
    pairs = store.link(customer, identifiers, now, first_round)
    delivered = order.delivered_at
    lines, value = _lines_of(order, new.lines)
    filing = Filing(
        value_cents=value,
        days_since_delivery=None if delivered is None else max(0, (now - delivered).days),
        lines=lines,
        contact_mismatch=contact_differs(order, new.contact),
        links=linked(customer, pairs),
    )
    return score(history, filing, thresholds or configured())


def _lines_of(order: Order, lines: tuple[ReturnLine, ...]) -> tuple[tuple[LineFact, ...], int]:
    """Each claimed line's reason, category and state, and the goods' value in cents."""
    facts, value = [], 0
    for line in lines:
        ordered = order.line(line.line_no)
        if ordered is None:
            continue  # the review refuses it with its reason
        facts.append(LineFact(line.reason, ordered.category, line.opened))
        value += ordered.unit_price.cents * line.quantity
    return tuple(facts), value


def review_with(assessment: Assessment, scored: Score | None) -> Assessment:
    """The automated review with the risk's reason to go to a person, if any (None:
    nothing scored, as benchmarks/bench_risk.py's stand-in answers)."""
    return assessment if scored is None else with_risk(assessment, scored.review_reason)


def keep(uow: RiskWork, rma_no: str, order: Order, scored: Score | None, now: datetime) -> None:
    """Store the score with the request; the "watch" action lists the customer."""
    if scored is None:
        return
    store = uow.risk
    store.add(rma_no, order.customer.id, order.merchant_id, scored, now)
    if scored.requires(RiskAction.WATCH) and not store.watching(order.customer.id, now):
        reason = f"risk {scored.score} at {rma_no}"
        store.watch(order.customer.id, reason, now + timedelta(days=WATCH_DAYS), AUTO_WATCHER, now)


def holds(uow: RiskWork, rma_no: str, action: RiskAction) -> bool:
    """Whether the request's stored score asks for `action`."""
    stored = uow.risk.get(rma_no)
    return stored is not None and action.value in stored.actions


def refuses_instant(uow: RiskWork, rma_no: str) -> bool:
    """No instant refund at the first scan (R6.4) for this request."""
    return holds(uow, rma_no, RiskAction.NO_INSTANT_REFUND)


def holds_refund(uow: RiskWork, rma_no: str) -> bool:
    """The refund is not asked for at approval: it waits for a person (or inspection)."""
    return holds(uow, rma_no, RiskAction.HOLD_REFUND)


def refuses_fast_exchange(uow: RiskWork, rma_no: str) -> bool:
    return holds(uow, rma_no, RiskAction.NO_FAST_EXCHANGE)


def refuses_keep_item(uow: RiskWork, rma_no: str) -> bool:
    """No refund that lets the customer keep the goods (none is offered today)."""
    return holds(uow, rma_no, RiskAction.NO_KEEP_ITEM)


# --- the read model the API and the request page show --------------------------------


@dataclass(frozen=True, slots=True)
class SignalView:
    code: str
    points: int
    message: Text


@dataclass(frozen=True, slots=True)
class RiskView:
    rma_no: str
    score: int
    level: Level
    signals: tuple[SignalView, ...]
    actions: tuple[RiskAction, ...]
    thresholds_version: str
    assessed_at: datetime


def view_of(stored: StoredRisk) -> RiskView:
    return RiskView(
        stored.rma_no,
        stored.score,
        Level(stored.level),
        tuple(
            SignalView(str(s["code"]), int(s["points"]), Text(str(s["zh"]), str(s["en"])))
            for s in stored.signals
        ),
        tuple(a for a in RiskAction if a.value in stored.actions),
        stored.thresholds_version,
        stored.created_at,
    )


def risk_of(uow: RiskWork, rma_no: str) -> RiskView | None:
    stored = uow.risk.get(rma_no)
    return None if stored is None else view_of(stored)
