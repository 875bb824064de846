"""Amounts over someone's authority wait here for a manager (R12.3).

Each kind of amount ("refund", and others slices add: "compensation", …) registers
what happens when it is approved or declined; the decision records the manager's
name beside the requester's, and nobody approves their own request.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from returnflow.domain.text import DomainError, Text
from returnflow.services.errors import Conflict, NotFound
from returnflow.storage.refunds import Approvals
from returnflow.storage.schema import AmountApprovalRow
from returnflow.storage.uow import UnitOfWork

# (uow, approval, approved?, decider, now) -> None
Handler = Callable[[UnitOfWork, AmountApprovalRow, bool, str, datetime], None]
HANDLERS: dict[str, Handler] = {}


def register(kind: str, handler: Handler) -> None:
    HANDLERS[kind] = handler


def decide(
    uow: UnitOfWork, approval_id: int, approve: bool, decider: str, now: datetime, note: str = ""
) -> AmountApprovalRow:
    approvals = Approvals(uow.session)
    row = approvals.get(approval_id, for_update=True)
    if row is None:
        raise NotFound(
            "approval_not_found",
            Text("找不到审批 {id}", "Approval {id} was not found").format(id=str(approval_id)),
        )
    if row.status != "pending":
        raise Conflict(
            "approval_decided",
            Text("该审批已处理", "This approval has already been decided"),
        )
    if row.requested_by == decider:
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
    row.status = "approved" if approve else "declined"
    row.decided_by, row.decided_at, row.decision_note = decider, now, note.strip()
    row.open_key = None
    handler = HANDLERS.get(row.kind)
    if handler is not None:
        handler(uow, row, approve, decider, now)
    return row
