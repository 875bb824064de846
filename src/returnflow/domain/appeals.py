"""Appeals (R3.2): a customer asks a person to look again at a decision, once.

Three decisions can be appealed: a rejection (the request goes back to review,
`ReturnRequest.appeal`), a failed inspection, and a partial-refund offer after one.
`subject_for` says which of them a request's state is; `Appeal.file` checks the words,
the photos' number and the window since the decision; `decide` records the person's
answer: upheld (the decision stands) or overturned. Each step appends a `DomainEvent`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from returnflow.domain.events import DomainEvent
from returnflow.domain.lifecycle import Status
from returnflow.domain.photos import MAX_PHOTOS
from returnflow.domain.text import DomainError, Text

MAX_STATEMENT = 2000  # characters of the customer's words
MAX_REASON = 2000  # characters of the decider's reason


class AppealSubject(StrEnum):
    REJECTION = "rejection"
    INSPECTION = "inspection"
    PARTIAL_OFFER = "partial_offer"

    @property
    def label(self) -> Text:
        return _SUBJECT_LABELS[self]


class AppealStatus(StrEnum):
    OPEN = "open"
    UPHELD = "upheld"
    OVERTURNED = "overturned"

    @property
    def label(self) -> Text:
        return _STATUS_LABELS[self]


class Outcome(StrEnum):
    """What the person decides: the decision stands, or it is overturned."""

    UPHOLD = "uphold"
    OVERTURN = "overturn"


def subject_for(status: Status, offer_status: str | None) -> AppealSubject | None:
    """What an appeal of a request in `status` is about; None: nothing to appeal.

    `offer_status` is the partial-refund offer's ("offered" | "accepted" | "declined"),
    None without one. An accepted offer settled the failure: it is not appealed.
    """
    if status is Status.REJECTED:
        return AppealSubject.REJECTION
    if status is not Status.INSPECTION_FAILED or offer_status == "accepted":
        return None
    return AppealSubject.PARTIAL_OFFER if offer_status == "offered" else AppealSubject.INSPECTION


def not_appealable(status: Status) -> DomainError:
    return DomainError(
        "not_appealable",
        Text(
            "只有被拒绝、验收未通过或收到部分退款方案的申请可以申诉（当前：{zh}）",
            "Only a rejected request, a failed inspection or a partial-refund offer can be "
            "appealed (the request is {en})",
        ).format(zh=status.label.zh, en=status.label.en),
    )


def _required(value: str, limit: int, field_name: str, what: Text) -> str:
    text = value.strip()
    if not text:
        raise DomainError("reason_required", what, field=field_name)
    if len(text) > limit:
        raise DomainError(
            "text_too_long",
            Text("最多 {n} 个字", "At most {n} characters").format(n=limit),
            field=field_name,
        )
    return text


@dataclass
class Appeal:
    rma_no: str
    merchant_id: str
    customer_id: str
    subject: AppealSubject
    statement: str
    photos: tuple[str, ...]
    filed_by: str
    filed_at: datetime
    appealed_decision_at: datetime  # when the decision being appealed was taken
    status: AppealStatus = AppealStatus.OPEN
    decided_by: str | None = None
    decided_at: datetime | None = None
    reason: str | None = None
    # events raised since loading, for the unit of work to hand on
    events: list[DomainEvent] = field(default_factory=list, repr=False)

    @classmethod
    def file(
        cls,
        *,
        rma_no: str,
        merchant_id: str,
        customer_id: str,
        subject: AppealSubject,
        statement: str,
        photos: tuple[str, ...],
        decision_at: datetime,
        window_days: int,
        actor: str,
        now: datetime,
    ) -> Appeal:
        """R3.2: words (and photos) within `window_days` of the decision appealed."""
        words = _required(
            statement,
            MAX_STATEMENT,
            "statement",
            Text("请说明申诉理由", "Say why the decision should be looked at again"),
        )
        if len(photos) > MAX_PHOTOS:
            raise DomainError(
                "too_many_photos",
                Text("最多上传 {n} 张照片", "At most {n} photos").format(n=MAX_PHOTOS),
                field="photos",
            )
        closes = decision_at + timedelta(days=window_days)
        if now > closes:
            raise DomainError(
                "appeal_window_closed",
                Text(
                    "申诉期限已过（决定后 {n} 天内可申诉）",
                    "The time to appeal has passed ({n} days after the decision)",
                ).format(n=window_days),
            )
        appeal = cls(
            rma_no, merchant_id, customer_id, subject, words, photos, actor, now, decision_at
        )
        appeal._record("appeal.filed", now)
        return appeal

    @property
    def is_open(self) -> bool:
        return self.status is AppealStatus.OPEN

    def decide(self, outcome: Outcome, actor: str, now: datetime, reason: str) -> None:
        """A person's answer, once, with the reason the customer reads."""
        if not self.is_open:
            raise DomainError(
                "appeal_decided",
                Text("该申诉已处理", "This appeal has already been decided"),
            )
        self.reason = _required(
            reason,
            MAX_REASON,
            "reason",
            Text("处理申诉时必须说明原因", "Deciding an appeal must give the reason"),
        )
        self.status = (
            AppealStatus.OVERTURNED if outcome is Outcome.OVERTURN else AppealStatus.UPHELD
        )
        self.decided_by, self.decided_at = actor, now
        self._record("appeal.decided", now, outcome=self.status.value)

    def _record(self, name: str, now: datetime, **data: object) -> None:
        payload = {
            "rma_no": self.rma_no,
            "merchant_id": self.merchant_id,
            "customer_id": self.customer_id,
            "subject": self.subject.value,
            **data,
        }
        self.events.append(DomainEvent(name, now, payload))


_SUBJECT_LABELS = {
    AppealSubject.REJECTION: Text("申请被拒绝", "the rejection"),
    AppealSubject.INSPECTION: Text("验收未通过", "the failed inspection"),
    AppealSubject.PARTIAL_OFFER: Text("部分退款方案", "the partial-refund offer"),
}
_STATUS_LABELS = {
    AppealStatus.OPEN: Text("待处理", "open"),
    AppealStatus.UPHELD: Text("维持原决定", "upheld"),
    AppealStatus.OVERTURNED: Text("已改判", "overturned"),
}
