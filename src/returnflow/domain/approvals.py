"""An amount over someone's authority, waiting for a manager (R12.3).

The decision is the aggregate's own: it is taken once, never by the person who asked
for the amount, and a decline says why. What the decision releases (a refund, a
compensation) is not the approval's business: it announces "approval.decided" and
each kind's handler follows (`services/refund_handlers.py` for refunds).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from returnflow.domain.events import DomainEvent
from returnflow.domain.money import Money
from returnflow.domain.text import DomainError, Text

PENDING, APPROVED, DECLINED = "pending", "approved", "declined"


@dataclass
class AmountApproval:
    kind: str  # refund | compensation | ...
    subject: str  # the RMA number, usually
    amount: Money
    requested_by: str
    limit: Money | None  # the requester's limit; None: unlimited (never asked then)
    reason: str
    requested_at: datetime
    status: str = PENDING
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision_note: str | None = None
    id: int | None = None  # given by storage when first saved
    events: list[DomainEvent] = field(default_factory=list, repr=False)

    @classmethod
    def ask(
        cls,
        kind: str,
        subject: str,
        amount: Money,
        requested_by: str,
        limit: Money | None,
        reason: str,
        now: datetime,
    ) -> AmountApproval:
        approval = cls(kind, subject, amount, requested_by, limit, reason, now)
        approval._record("approval.requested", now, requested_by=requested_by)
        return approval

    @property
    def is_pending(self) -> bool:
        return self.status == PENDING

    @property
    def approved(self) -> bool:
        return self.status == APPROVED

    def decide(self, approve: bool, decider: str, now: datetime, note: str = "") -> None:
        """Once only, never one's own request, and a decline gives the reason."""
        if not self.is_pending:
            raise DomainError(
                "approval_decided",
                Text("该审批已处理", "This approval has already been decided"),
            )
        if self.requested_by == decider:
            raise DomainError(
                "approve_own_request",
                Text("不能审批自己发起的金额", "You cannot approve an amount you asked for"),
            )
        if not approve and not note.strip():
            raise DomainError(
                "reason_required",
                Text("驳回时必须说明原因", "A decline must give the reason"),
                field="note",
            )
        self.status = APPROVED if approve else DECLINED
        self.decided_by, self.decided_at, self.decision_note = decider, now, note.strip()
        self._record("approval.decided", now, approved=approve, decider=decider)

    def _record(self, name: str, now: datetime, **data: Any) -> None:
        payload = {"approval_id": self.id, "kind": self.kind, "subject": self.subject, **data}
        self.events.append(DomainEvent(name, now, payload))
