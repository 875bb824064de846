"""Disputes (R8.3, R8.4): when customer and merchant still disagree after an appeal.

A dispute is opened by one side (the customer, the merchant, or the platform stepping
in) with a statement; the other side has until `evidence_due_at` to answer. Both sides
add statements, photos, documents and carrier records (`Evidence`). A mediator records
an agreement or a platform ruling (`Ruling`): the outcome, the liable party and the
remedy. Missing the evidence deadline rules against the silent side (`default_ruling`).

Deadline boundary: the window is half-open, [opened_at, evidence_due_at). Evidence
arriving at exactly `evidence_due_at` is late, and at that instant a silent side is
silent (the sweep may rule): one instant is never both "in time" and "overdue".

open → under_review (both sides heard, or the deadline passed with both heard)
     → ruled | agreed (once).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from returnflow.domain.awards import Liable
from returnflow.domain.dispute_reasons import reason_words, silent_code
from returnflow.domain.events import DomainEvent
from returnflow.domain.money import Money
from returnflow.domain.text import DomainError, Text

STATEMENT_MAX = 4000
PHOTOS_MAX = 9


class Side(StrEnum):
    CUSTOMER = "customer"
    MERCHANT = "merchant"
    CARRIER = "carrier"
    PLATFORM = "platform"

    @property
    def label(self) -> Text:
        return _SIDE_LABELS[self]


class EvidenceKind(StrEnum):
    STATEMENT = "statement"
    PHOTO = "photo"
    DOCUMENT = "document"
    CARRIER_RECORD = "carrier_record"

    @property
    def label(self) -> Text:
        return _KIND_LABELS[self]


class DisputeStatus(StrEnum):
    OPEN = "open"  # waiting for evidence
    UNDER_REVIEW = "under_review"  # both sides heard (or the deadline passed): the mediator's turn
    RULED = "ruled"  # a platform ruling
    AGREED = "agreed"  # the sides agreed, recorded by a mediator

    @property
    def label(self) -> Text:
        return _STATUS_LABELS[self]

    @property
    def is_closed(self) -> bool:
        return self in (DisputeStatus.RULED, DisputeStatus.AGREED)


class Outcome(StrEnum):
    CUSTOMER = "customer"  # for the customer
    MERCHANT = "merchant"  # for the merchant: nothing is paid
    SPLIT = "split"  # part of the refund

    @property
    def label(self) -> Text:
        return _OUTCOME_LABELS[self]


OPENER_SIDES = frozenset({Side.CUSTOMER, Side.MERCHANT, Side.PLATFORM})
_PARTIES = (Side.CUSTOMER, Side.MERCHANT)  # the two sides whose silence decides


@dataclass(frozen=True, slots=True)
class Party:
    """Who acts on a dispute, and for which side they speak."""

    actor: str  # "customer:c-1", "merchant:acme", "mediator:wu", "system"
    side: Side
    merchant_scope: str | None = None  # a merchant account: its merchant id
    customer_id: str | None = None  # the customer themselves (the portal)
    staff: bool = False  # platform staff (agents speak for the customer, but are staff)


@dataclass(frozen=True, slots=True)
class Evidence:
    side: Side
    kind: EvidenceKind
    text: str
    photos: tuple[str, ...]
    added_by: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Ruling:
    outcome: Outcome
    liable: Liable
    refund: Money | None  # None: the request's full computed refund (when money moves)
    compensation: Money
    reason: str
    ruled_by: str
    at: datetime
    agreement: bool = False  # an agreement the sides reached, or a platform ruling

    @property
    def names_money(self) -> bool:
        """A refund (None: the full one) or compensation above zero is named."""
        refund = self.refund is None or self.refund.cents > 0
        return refund or self.compensation.cents > 0

    @property
    def pays(self) -> bool:
        """Whether money goes to the customer (the refund life pays it)."""
        return self.outcome is not Outcome.MERCHANT and self.names_money

    @property
    def reason_text(self) -> Text:
        """The reason in both languages (a default ruling's is stored as a code)."""
        return reason_words(self.reason)


@dataclass
class Dispute:
    dispute_no: str
    rma_no: str
    order_no: str
    customer_id: str
    merchant_id: str
    opened_by: str
    opener: Side
    statement: str
    opened_at: datetime
    evidence_due_at: datetime
    status: DisputeStatus = DisputeStatus.OPEN
    evidence: list[Evidence] = field(default_factory=list)
    ruling: Ruling | None = None
    version: int = 0
    events: list[DomainEvent] = field(default_factory=list, repr=False)

    @classmethod
    def open(
        cls,
        *,
        dispute_no: str,
        rma_no: str,
        order_no: str,
        customer_id: str,
        merchant_id: str,
        by: Party,
        statement: str,
        now: datetime,
        evidence_window: timedelta,
    ) -> Dispute:
        if by.side not in OPENER_SIDES:
            raise DomainError(
                "dispute_opener", Text("该方不能发起争议", "This side cannot open a dispute")
            )
        text = _checked_text(statement, "statement")
        if evidence_window <= timedelta(0):
            raise ValueError("the evidence window must be positive")
        dispute = cls(
            dispute_no=dispute_no,
            rma_no=rma_no,
            order_no=order_no,
            customer_id=customer_id,
            merchant_id=merchant_id,
            opened_by=by.actor,
            opener=by.side,
            statement=text,
            opened_at=now,
            evidence_due_at=now + evidence_window,
        )
        dispute.evidence.append(Evidence(by.side, EvidenceKind.STATEMENT, text, (), by.actor, now))
        dispute._record(
            "dispute.opened",
            now,
            opened_by=by.actor,
            side=by.side.value,
            evidence_due_at=dispute.evidence_due_at.isoformat(),
        )
        return dispute

    # --- reading ----------------------------------------------------------------------

    @property
    def is_closed(self) -> bool:
        return self.status.is_closed

    def heard(self, side: Side) -> bool:
        return any(item.side is side for item in self.evidence)

    def accepts_evidence(self, now: datetime) -> bool:
        """Open and before the deadline: at exactly `evidence_due_at` it is late."""
        return not self.is_closed and now < self.evidence_due_at

    def evidence_of(self, side: Side) -> tuple[Evidence, ...]:
        return tuple(item for item in self.evidence if item.side is side)

    def silent_side(self, now: datetime) -> Side | None:
        """The one side (customer or merchant) that said nothing by the deadline.

        None before the deadline, once closed, and when both or neither were heard
        (neither heard: a platform-opened dispute goes to the mediator instead).
        """
        if self.is_closed or now < self.evidence_due_at:
            return None
        silent = [side for side in _PARTIES if not self.heard(side)]
        return silent[0] if len(silent) == 1 else None

    def default_ruling(self, now: datetime, currency: str) -> Ruling | None:
        """The ruling against the silent side, or None when nobody is silent (yet).

        The merchant silent: for the customer, the merchant liable, the full refund.
        The customer silent: for the merchant, nothing paid.
        """
        silent = self.silent_side(now)
        if silent is None:
            return None
        nothing = Money(0, currency)
        outcome, liable, refund = _DEFAULTS[silent]
        refund_money = None if refund else nothing
        code = silent_code(silent.value)  # each reader sees it in their language
        return Ruling(outcome, liable, refund_money, nothing, code, "system", now)

    def both_heard(self) -> bool:
        return all(self.heard(side) for side in _PARTIES)

    # --- changing ---------------------------------------------------------------------

    def add_evidence(
        self,
        by: Party,
        side: Side,
        kind: EvidenceKind,
        text: str,
        photos: tuple[str, ...],
        now: datetime,
    ) -> Evidence:
        self.check_open()
        if now >= self.evidence_due_at:
            raise DomainError(
                "evidence_late",
                Text("举证期限已过（{due}）", "The evidence deadline has passed ({due})").format(
                    due=self.evidence_due_at.isoformat()
                ),
            )
        if len(photos) > PHOTOS_MAX:
            raise DomainError(
                "too_many_photos",
                Text("每次最多 {n} 张照片", "At most {n} photos at a time").format(n=PHOTOS_MAX),
                field="photo_ids",
            )
        if kind is EvidenceKind.PHOTO and not photos:
            raise DomainError(
                "photo_missing", Text("请附上照片", "Attach the photos"), field="photo_ids"
            )
        body = _checked_text(text, "text") if kind is not EvidenceKind.PHOTO else text.strip()
        item = Evidence(side, kind, body, photos, by.actor, now)
        self.evidence.append(item)
        self._record(
            "dispute.evidence_added", now, side=side.value, kind=kind.value, added_by=by.actor
        )
        return item

    def review(self, now: datetime) -> bool:
        """To the mediator: both sides heard, or the deadline passed. True if it moved."""
        if self.status is not DisputeStatus.OPEN:
            return False
        if not self.both_heard() and now < self.evidence_due_at:
            return False
        self.status = DisputeStatus.UNDER_REVIEW
        return True

    def rule(self, ruling: Ruling) -> None:
        """A platform ruling or a recorded agreement: once."""
        self.check_open()
        if ruling.outcome is Outcome.SPLIT and ruling.refund is None:
            raise DomainError(
                "split_needs_refund",
                Text("部分支持的裁决须写明退款金额", "A split ruling must name its refund"),
                field="refund",
            )
        if ruling.outcome is Outcome.MERCHANT and ruling.names_money:
            raise DomainError(
                "merchant_outcome_pays",
                Text(
                    "支持商家的裁决不向顾客付款",
                    "A ruling for the merchant pays the customer nothing",
                ),
            )
        if ruling.outcome is not Outcome.MERCHANT and ruling.liable is Liable.CUSTOMER:
            raise DomainError(
                "customer_liable_pays",
                Text(
                    "顾客担责时不能裁决向顾客付款",
                    "The customer is liable: nothing is paid to them",
                ),
                field="liable",
            )
        _checked_text(ruling.reason, "reason")
        self.ruling = ruling
        self.status = DisputeStatus.AGREED if ruling.agreement else DisputeStatus.RULED
        self._record(
            "dispute.agreed" if ruling.agreement else "dispute.ruled",
            ruling.at,
            outcome=ruling.outcome.value,
            liable=ruling.liable.value,
            refund=None if ruling.refund is None else ruling.refund.cents,
            compensation=ruling.compensation.cents,
            currency=ruling.compensation.currency,
            ruled_by=ruling.ruled_by,
        )

    def check_open(self) -> None:
        """Refuse anything more once ruled or agreed."""
        if self.is_closed:
            raise DomainError(
                "dispute_closed",
                Text("争议 {no} 已有结论", "Dispute {no} is already decided").format(
                    no=self.dispute_no
                ),
            )

    def _record(self, name: str, now: datetime, **data: Any) -> None:
        self.events.append(
            DomainEvent(
                name,
                now,
                {
                    "dispute_no": self.dispute_no,
                    "rma_no": self.rma_no,
                    "order_no": self.order_no,
                    "customer_id": self.customer_id,
                    "merchant_id": self.merchant_id,
                    **data,
                },
            )
        )


# the codes a caller shows as "not now" (409) rather than "bad input"
STATE_CODES = frozenset({"dispute_closed", "evidence_late"})


def _checked_text(text: str, name: str) -> str:
    value = text.strip()
    if not value:
        raise DomainError("text_required", Text("请填写说明", "Write a statement"), field=name)
    if len(value) > STATEMENT_MAX:
        raise DomainError(
            "text_too_long",
            Text("说明最多 {n} 字", "At most {n} characters").format(n=STATEMENT_MAX),
            field=name,
        )
    return value


_SIDE_LABELS = {
    Side.CUSTOMER: Text("顾客", "customer"),
    Side.MERCHANT: Text("商家", "merchant"),
    Side.CARRIER: Text("承运商", "carrier"),
    Side.PLATFORM: Text("平台", "platform"),
}
_KIND_LABELS = {
    EvidenceKind.STATEMENT: Text("陈述", "statement"),
    EvidenceKind.PHOTO: Text("照片", "photo"),
    EvidenceKind.DOCUMENT: Text("文件", "document"),
    EvidenceKind.CARRIER_RECORD: Text("物流记录", "carrier record"),
}
_STATUS_LABELS = {
    DisputeStatus.OPEN: Text("举证中", "awaiting evidence"),
    DisputeStatus.UNDER_REVIEW: Text("调解中", "under review"),
    DisputeStatus.RULED: Text("已裁决", "ruled"),
    DisputeStatus.AGREED: Text("已和解", "agreed"),
}
_OUTCOME_LABELS = {
    Outcome.CUSTOMER: Text("支持顾客", "for the customer"),
    Outcome.MERCHANT: Text("支持商家", "for the merchant"),
    Outcome.SPLIT: Text("部分支持", "split"),
}
# the silent side → (outcome, liable, full refund?)
_DEFAULTS = {
    Side.MERCHANT: (Outcome.CUSTOMER, Liable.MERCHANT, True),
    Side.CUSTOMER: (Outcome.MERCHANT, Liable.CUSTOMER, False),
}
