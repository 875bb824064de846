"""Disputes (R8.3, R8.4): opening one after an appeal, both sides' evidence, the ruling.

Who may open: the customer (the portal, or an agent for them) once the request's appeal
was upheld; the merchant when they contest an overturned decision; a mediator at any
time (the platform steps in; the statement is the reason). One undecided dispute per
request. The other side has `DisputeRules.evidence_window` to answer.

A ruling's money moves in the same unit of work through services/liability.py: the
award is the request's refund (authority limits apply: over the mediator's limit it
waits for a manager), so a refused award refuses the ruling with it. The worker's sweep
(`rule_overdue`) rules against a side silent past the deadline, as the system, and
hands disputes with both sides heard to the mediators.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from returnflow.config import Settings
from returnflow.domain.access import Principal, Role, forbidden
from returnflow.domain.authority import SYSTEM
from returnflow.domain.awards import RULING, Liable
from returnflow.domain.disputes import (
    STATE_CODES,
    Dispute,
    DisputeStatus,
    EvidenceKind,
    Outcome,
    Party,
    Ruling,
    Side,
)
from returnflow.domain.money import Money
from returnflow.domain.refund import Refund
from returnflow.domain.returns import ReturnRequest
from returnflow.domain.text import DomainError, Text
from returnflow.services import liability
from returnflow.services.errors import Conflict, NotFound, return_not_found
from returnflow.services.refunds import RefundRules
from returnflow.services.returns import get_return, policy_for
from returnflow.services.unit_of_work import UnitOfWork

T = TypeVar("T")

UPHELD, OVERTURNED = "upheld", "overturned"


@dataclass(frozen=True)
class DisputeRules:
    evidence_days: float = 3

    @property
    def evidence_window(self) -> timedelta:
        return timedelta(days=self.evidence_days)

    @classmethod
    def from_settings(cls, settings: Settings) -> DisputeRules:
        return cls(evidence_days=settings.dispute_evidence_days)


@dataclass(frozen=True)
class RulingValues:
    outcome: str
    liable: str
    reason: str
    refund_cents: int | None = None  # None: the full refund (outcome customer)
    compensation_cents: int = 0
    agreement: bool = False
    currencies: tuple[str, ...] = ()  # the currencies the caller named: the request's only


@dataclass(frozen=True)
class RulingResult:
    dispute: Dispute
    refund: Refund | None  # the refund the ruling asked for, when money moves


# --- who acts --------------------------------------------------------------------------


def party_for(principal: Principal) -> Party:
    """A staff member or merchant as a dispute party: merchants speak for themselves,
    agents for the customer, mediators, managers and admins for the platform."""
    if principal.role is Role.MERCHANT:
        return Party(principal.actor, Side.MERCHANT, merchant_scope=principal.merchant_id or "")
    if principal.role is Role.AGENT:
        return Party(principal.actor, Side.CUSTOMER, staff=True)
    return Party(principal.actor, Side.PLATFORM, staff=True)


def customer_party(customer_id: str) -> Party:
    """The customer themselves (the portal)."""
    return Party(f"customer:{customer_id}", Side.CUSTOMER, customer_id=customer_id)


SYSTEM_PARTY = Party(SYSTEM, Side.PLATFORM, staff=True)


# --- opening ---------------------------------------------------------------------------


def open_dispute(
    uow: UnitOfWork, rma_no: str, statement: str, actor: Party, now: datetime, rules: DisputeRules
) -> Dispute:
    """Open the request's dispute; the other side has the evidence window to answer."""
    request = _request(uow, rma_no, actor, for_update=True)  # the lock serialises openers
    if uow.disputes.open_for(rma_no) is not None:
        raise Conflict(
            "dispute_exists",
            Text("该申请已有进行中的争议", "This request already has an open dispute"),
        )
    _check_may_open(appeal_status(uow, rma_no), actor.side)
    _, policy = policy_for(uow, request)
    number = f"DP{policy.local_date(now):%Y%m%d}-{uow.disputes.next_number():06d}"
    dispute = Dispute.open(
        dispute_no=number,
        rma_no=request.rma_no,
        order_no=request.order_no,
        customer_id=request.customer_id,
        merchant_id=request.merchant_id,
        by=actor,
        statement=statement,
        now=now,
        evidence_window=rules.evidence_window,
    )
    uow.disputes.add(dispute)
    return dispute


def appeal_status(uow: UnitOfWork, rma_no: str) -> str | None:
    """The request's appeal: "open" | "upheld" | "overturned", or None (never appealed)."""
    appeal = uow.appeals.get(rma_no)
    return None if appeal is None else appeal.status.value


def _check_may_open(status: str | None, side: Side) -> None:
    if side is Side.PLATFORM:
        return  # a mediator may step in at any time
    needed = UPHELD if side is Side.CUSTOMER else OVERTURNED
    if side in (Side.CUSTOMER, Side.MERCHANT) and status == needed:
        return
    if side is Side.CUSTOMER:
        text = Text("申诉被驳回后才能发起争议", "A dispute opens once the appeal was turned down")
    else:
        text = Text(
            "平台改判后商家才能发起争议",
            "A merchant may dispute only a decision the platform overturned",
        )
    raise Conflict("dispute_not_open_yet", text)


# --- evidence --------------------------------------------------------------------------


def add_evidence(
    uow: UnitOfWork,
    dispute_no: str,
    side: str | None,
    kind: str,
    text: str,
    photo_ids: Sequence[str],
    actor: Party,
    now: datetime,
) -> Dispute:
    """One side's statement, photos, document or carrier record, before the deadline."""
    dispute = get_dispute(uow, dispute_no, actor, for_update=True)
    what = _enum(EvidenceKind, kind, "kind")
    if not side and what is EvidenceKind.CARRIER_RECORD:
        side = Side.CARRIER.value  # a carrier record speaks for the carrier
    speaking = _side_of(side, actor)
    if (what is EvidenceKind.CARRIER_RECORD) != (speaking is Side.CARRIER):
        raise DomainError(
            "carrier_record_side",
            Text("物流记录只能以承运商一方提交", "Carrier records are the carrier side's evidence"),
            field="kind",
        )
    _state(lambda: dispute.add_evidence(actor, speaking, what, text, tuple(photo_ids), now))
    dispute.review(now)  # both sides heard: the mediator's turn
    return dispute


def _side_of(side: str | None, actor: Party) -> Side:
    """The side the actor adds to: merchants and customers only their own."""
    wanted = _enum(Side, side, "side") if side else actor.side
    # staff may add carrier records as well
    allowed = {actor.side, Side.CARRIER} if actor.staff else {actor.side}
    if wanted not in allowed:
        raise forbidden()
    return wanted


# --- ruling ----------------------------------------------------------------------------


def rule_dispute(
    uow: UnitOfWork,
    dispute_no: str,
    values: RulingValues,
    actor: Party,
    now: datetime,
    refund_rules: RefundRules,
) -> RulingResult:
    """A mediator's agreement or platform ruling, once; its money moves with it."""
    if actor.side is not Side.PLATFORM or not actor.staff:
        raise forbidden()
    dispute = get_dispute(uow, dispute_no, actor, for_update=True)
    _state(dispute.check_open)  # a second ruling: 409
    request = get_return(uow, dispute.rma_no)
    currency = request.estimate.total.currency
    if any(named != currency for named in values.currencies):
        raise DomainError(
            "award_currency",
            Text("币种须为 {c}", "The currency must be {c}").format(c=currency),
            field="currency",
        )
    outcome = _enum(Outcome, values.outcome, "outcome")
    refund_cents = values.refund_cents
    if refund_cents is None and outcome is Outcome.MERCHANT:
        refund_cents = 0  # for the merchant: no refund unless one is (wrongly) named
    ruling = Ruling(
        outcome=outcome,
        liable=_enum(Liable, values.liable, "liable"),
        refund=None if refund_cents is None else Money(refund_cents, currency),
        compensation=Money(values.compensation_cents, currency),
        reason=values.reason,
        ruled_by=actor.actor,
        at=now,
        agreement=values.agreement,
    )
    return RulingResult(dispute, _decide(uow, dispute, ruling, actor.actor, now, refund_rules))


def _decide(
    uow: UnitOfWork,
    dispute: Dispute,
    ruling: Ruling,
    actor: str,
    now: datetime,
    refund_rules: RefundRules,
) -> Refund | None:
    """Record the ruling and pay its award in this unit of work (a refusal refuses both)."""
    _state(lambda: dispute.rule(ruling))
    return _pay(uow, dispute, ruling, actor, now, refund_rules)


def _pay(
    uow: UnitOfWork,
    dispute: Dispute,
    ruling: Ruling,
    actor: str,
    now: datetime,
    refund_rules: RefundRules,
) -> Refund | None:
    """The ruling's award as the request's refund, asked for by `actor` (their limit)."""
    if not ruling.pays:
        return None
    award = liability.award_for(
        uow,
        dispute.rma_no,
        source=RULING,
        reference=dispute.dispute_no,
        liable=ruling.liable,
        compensation=ruling.compensation,
        refund=ruling.refund,
    )
    return liability.pay_award(uow, dispute.rma_no, award, actor, now, refund_rules)


# --- the worker's sweep ----------------------------------------------------------------


def overdue(uow: UnitOfWork, now: datetime, limit: int = 200) -> list[str]:
    """Open disputes whose evidence deadline has come."""
    return uow.disputes.due(now, limit)


def settle_overdue(
    uow: UnitOfWork, dispute_no: str, now: datetime, refund_rules: RefundRules
) -> bool:
    """Past the deadline: rule against the silent side, else to the mediators.

    When the default ruling's money is refused (a refund already exists, the request
    cannot be settled any more), a mediator decides instead. True if the dispute moved.
    """
    dispute = uow.disputes.get(dispute_no, for_update=True)
    if dispute is None or dispute.status is not DisputeStatus.OPEN:
        return False
    request = get_return(uow, dispute.rma_no)
    ruling = dispute.default_ruling(now, request.estimate.total.currency)
    if ruling is None:
        return dispute.review(now)
    try:
        _pay(uow, dispute, ruling, SYSTEM, now, refund_rules)  # refused: nothing was changed
    except DomainError:
        return dispute.review(now)
    dispute.rule(ruling)
    return True


def rule_overdue(uow: UnitOfWork, now: datetime, refund_rules: RefundRules) -> int:
    """The sweep in one unit of work (the worker runs `settle_overdue` one by one)."""
    return sum(settle_overdue(uow, no, now, refund_rules) for no in overdue(uow, now))


# --- reading one -----------------------------------------------------------------------


def get_dispute(
    uow: UnitOfWork, dispute_no: str, actor: Party | None = None, *, for_update: bool = False
) -> Dispute:
    """A dispute by number; one the actor may not see is as unknown as a missing one."""
    dispute = uow.disputes.get(dispute_no, for_update=for_update)
    if dispute is None or (actor is not None and not _sees(actor, dispute)):
        raise NotFound(
            "dispute_not_found",
            Text("找不到争议 {no}", "Dispute {no} was not found").format(no=dispute_no),
        )
    return dispute


def _sees(actor: Party, dispute: Dispute) -> bool:
    if actor.merchant_scope is not None and actor.merchant_scope != dispute.merchant_id:
        return False
    return actor.customer_id is None or actor.customer_id == dispute.customer_id


def _request(uow: UnitOfWork, rma_no: str, actor: Party, *, for_update: bool) -> ReturnRequest:
    request = get_return(uow, rma_no, merchant_scope=actor.merchant_scope, for_update=for_update)
    if actor.customer_id is not None and actor.customer_id != request.customer_id:
        raise return_not_found(rma_no)  # another customer's: as unknown as a missing one
    return request


# --- small helpers ---------------------------------------------------------------------

E = TypeVar("E", Side, EvidenceKind, Outcome, Liable)


def _enum(kind: type[E], value: str, name: str) -> E:
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(member.value for member in kind)
        raise DomainError(
            f"{name}_unknown",
            Text("{name} 只能是 {choices}", "{name} must be one of {choices}").format(
                name=name, choices=choices
            ),
            field=name,
        ) from None


def _state(step: Callable[[], T]) -> T:
    """A domain refusal about the dispute's state answers 409, not 422."""
    try:
        return step()
    except DomainError as error:
        if error.code in STATE_CODES:
            raise Conflict(error.code, error.message, field=error.field) from error
        raise
