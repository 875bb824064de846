"""The inspection the warehouse keeps of one request (R5.2, R5.3): an aggregate.

`Inspection.record` judges the findings with `inspection.judge`, so a stored outcome can
never disagree with what the inspector found, and books the goods into the inspection
area with their grade. After a failure one of two things follows: the customer is
offered a partial refund (`offer_partial_refund`) and answers it (`answer_offer`), or
the goods go back (`send_back`); a declined offer sends them back too. The warehouse
keeps the goods (`keeps_goods`) only if the inspection passed or the customer accepted
the offer, and only kept goods can be disposed.

The ledger movements a change implies wait in `moves` until the repository books them
(storage refuses any movement that would take stock below zero, atomically); events
wait in `events`. The request's own status still moves through `ReturnRequest.inspect`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from returnflow.domain.disposition import RuleBook
from returnflow.domain.events import DomainEvent
from returnflow.domain.inspection import (
    Check,
    CheckResult,
    Findings,
    Grade,
    Responsibility,
    Verdict,
    check_offer,
    judge,
)
from returnflow.domain.inventory import (
    ARRIVAL,
    CUSTOMER,
    INSPECTION_AREA,
    UNGRADED,
    Movement,
    MovementKind,
)
from returnflow.domain.money import Money
from returnflow.domain.refunds import Deduction
from returnflow.domain.text import DomainError, Text

OFFER_CODE = "partial_refund_offer"


class OfferStatus(StrEnum):
    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"  # an appeal or a person overturned the failed inspection


@dataclass(frozen=True, slots=True)
class Goods:
    """One returned line as the warehouse handles it: the order line's SKU and the units."""

    line_no: int
    sku: str
    quantity: int


@dataclass
class PartialRefundOffer:
    """A deduction offered after a failed inspection; the customer answers it once."""

    deduction: Deduction
    offered_at: datetime
    offered_by: str
    status: OfferStatus = OfferStatus.OFFERED
    answered_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.status is OfferStatus.OFFERED

    @property
    def accepted(self) -> bool:
        return self.status is OfferStatus.ACCEPTED


@dataclass(frozen=True, slots=True)
class SendBack:
    """An outbound parcel taking failed goods back, as the shipments list shows it."""

    id: int
    carrier: str
    status: str


@dataclass(frozen=True, slots=True)
class SendBackOrder:
    """The outbound parcel a send-back asks for; storage writes it as a manual shipment."""

    requested_by: str
    at: datetime
    currency: str


@dataclass
class Inspection:
    rma_no: str
    merchant_id: str
    findings: Findings
    verdict: Verdict
    inspected_at: datetime
    inspected_by: str
    offer: PartialRefundOffer | None = None
    sent_back: bool = False
    # what the changes since loading imply, for the repository to write and hand on
    send_back_order: SendBackOrder | None = field(default=None, repr=False)
    moves: list[Movement] = field(default_factory=list, repr=False)
    events: list[DomainEvent] = field(default_factory=list, repr=False)

    @classmethod
    def record(
        cls,
        *,
        rma_no: str,
        merchant_id: str,
        required: Sequence[Check],
        findings: Findings,
        goods: Sequence[Goods],
        arrival_booked: bool,
        actor: str,
        now: datetime,
    ) -> Inspection:
        """Judge the findings and grade the goods; receiving may have booked them in already."""
        tidy = replace(
            findings,
            checks=tuple(CheckResult(c.check, c.mark, c.note.strip()) for c in findings.checks),
            serial_no=findings.serial_no.strip(),
            notes=findings.notes.strip(),
        )
        inspection = cls(rma_no, merchant_id, tidy, judge(required, tidy), now, actor)
        grade, by = tidy.grade.value, (actor, now)
        inspect = (INSPECTION_AREA, UNGRADED)
        for item in goods:
            if not arrival_booked:
                inspection._move(MovementKind.RECEIVE, item, (ARRIVAL, UNGRADED), inspect, by)
            inspection._move(MovementKind.GRADE, item, inspect, (INSPECTION_AREA, grade), by)
        inspection._raise(
            "inspection.recorded",
            now,
            passed=inspection.passed,
            grade=grade,
            responsibility=tidy.responsibility.value,
        )
        return inspection

    # --- what was found ---------------------------------------------------------------

    @property
    def passed(self) -> bool:
        return self.verdict.passed

    @property
    def grade(self) -> Grade:
        return self.findings.grade

    @property
    def responsibility(self) -> Responsibility:
        return self.findings.responsibility

    @property
    def reasons(self) -> tuple[Text, ...]:
        return self.verdict.reasons

    @property
    def summary(self) -> str:
        """The verdict in both languages and the inspector's notes: the request's history note."""
        text = f"{self.verdict.summary('zh')} / {self.verdict.summary('en')}"
        return f"{text} — {self.findings.notes}" if self.findings.notes else text

    @property
    def keeps_goods(self) -> bool:
        """The warehouse keeps the goods: passed, or the customer accepted a partial refund."""
        accepted = self.offer is not None and self.offer.accepted
        return (self.passed or accepted) and not self.sent_back

    # --- what follows a failure -------------------------------------------------------

    def offer_partial_refund(
        self,
        amount: Money,
        reason: str,
        *,
        book: RuleBook,
        for_refund: bool,
        refund_total: Money,
        actor: str,
        now: datetime,
    ) -> PartialRefundOffer:
        """R5.3: only after a failure, where the rules allow it, below the whole refund."""
        if self.passed:
            raise DomainError(
                "deduction_needs_failure",
                Text("验收通过时不能提出部分退款", "A partial refund is offered only on a failure"),
                field="deduction",
            )
        if not for_refund or not book.offers_partial_refund(self.grade, self.responsibility):
            raise DomainError(
                "partial_refund_not_allowed",
                Text(
                    "仓储规则不允许对该等级与责任方提出部分退款",
                    "The warehouse rules allow no partial refund for this grade and responsibility",
                ),
                field="deduction",
            )
        text = reason.strip()
        deduction = Deduction(OFFER_CODE, Text(text, text), amount)
        check_offer(deduction, refund_total.cents)
        self.offer = PartialRefundOffer(deduction, now, actor)
        self._raise("inspection.partial_refund_offered", now, deduction=amount.cents)
        return self.offer

    def answer_offer(self, accept: bool, now: datetime) -> PartialRefundOffer:
        """The customer's answer; an offer is answered once (a second tab changes nothing)."""
        offer = self.offer
        if offer is None or not offer.is_open:
            raise DomainError(
                "offer_not_open",
                Text("没有待答复的部分退款", "No partial refund is waiting for an answer"),
            )
        offer.status = OfferStatus.ACCEPTED if accept else OfferStatus.DECLINED
        offer.answered_at = now
        self._raise("inspection.offer_answered", now, accepted=accept)
        return offer

    def withdraw_offer(self, now: datetime) -> bool:
        """The failed inspection was overturned (R3.2): an offer still waiting for the
        customer's answer is closed, so it is no longer offered. False: none was open."""
        offer = self.offer
        if offer is None or not offer.is_open:
            return False
        offer.status = OfferStatus.WITHDRAWN
        offer.answered_at = now
        self._raise("inspection.offer_withdrawn", now)
        return True

    def send_back(
        self, goods: Sequence[Goods], reason: str, *, currency: str, actor: str, now: datetime
    ) -> None:
        """The goods go back to the customer with the reason, once, and only failed goods."""
        accepted = self.offer is not None and self.offer.accepted
        if self.passed or accepted or self.sent_back:
            raise DomainError(
                "send_back_not_allowed",
                Text("这些商品不应退回顾客", "These goods are not to be sent back"),
            )
        grade = self.grade.value
        for item in goods:
            self._move(
                MovementKind.SEND_BACK,
                item,
                (INSPECTION_AREA, grade),
                (CUSTOMER, grade),
                (actor, now),
                note=reason[:500],
            )
        self.sent_back = True
        self.send_back_order = SendBackOrder(actor, now, currency)
        self._raise("inspection.sent_back", now)

    # --- helpers --------------------------------------------------------------------------

    def _move(
        self,
        kind: MovementKind,
        item: Goods,
        source: tuple[str, str],
        target: tuple[str, str],
        by: tuple[str, datetime],
        note: str = "",
    ) -> None:
        """One ledger movement of a line's goods: (place, grade) to (place, grade)."""
        self.moves.append(
            Movement(
                kind,
                sku=item.sku,
                quantity=item.quantity,
                from_location=source[0],
                to_location=target[0],
                from_grade=source[1],
                to_grade=target[1],
                actor=by[0],
                at=by[1],
                rma_no=self.rma_no,
                merchant_id=self.merchant_id,
                note=note,
            )
        )

    def _raise(self, name: str, now: datetime, **data: object) -> None:
        self.events.append(DomainEvent(name, now, {"rma_no": self.rma_no, **data}))
