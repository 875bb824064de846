"""Amounts over someone's authority wait here for a manager (R12.3).

Asking opens an `AmountApproval`; deciding records the manager's name beside the
requester's and raises "approval.decided". What the decision releases is not decided
here: the message bus runs each kind's handler right after the decision is committed
(bootstrap.py: a refund's is `refund_handlers.release_after_decision`), and the worker's
safety net releases what a crash in between left waiting.
"""

from __future__ import annotations

from datetime import datetime

from returnflow.domain.approvals import AmountApproval
from returnflow.domain.authority import AuthorityCheck
from returnflow.domain.money import Money
from returnflow.domain.text import Text
from returnflow.services.errors import Conflict, NotFound
from returnflow.services.unit_of_work import UnitOfWork


def ask(
    uow: UnitOfWork,
    kind: str,
    subject: str,
    amount: Money,
    requester: str,
    authority: AuthorityCheck,
    now: datetime,
) -> AmountApproval:
    """Queue `amount` for a manager; a second pending one for the same subject loses at commit."""
    approval = AmountApproval.ask(
        kind,
        subject,
        amount,
        requester,
        authority.limit,
        f"{authority.role} limit {authority.limit}",
        now,
    )
    uow.approvals.add(approval)
    return approval


def decide(
    uow: UnitOfWork, approval_id: int, approve: bool, decider: str, now: datetime, note: str = ""
) -> AmountApproval:
    """Approve or decline once; never one's own request; a decline says why."""
    approval = uow.approvals.get(approval_id, for_update=True)
    if approval is None:
        raise NotFound(
            "approval_not_found",
            Text("找不到审批 {id}", "Approval {id} was not found").format(id=str(approval_id)),
        )
    if not approval.is_pending:
        raise Conflict(
            "approval_decided",
            Text("该审批已处理", "This approval has already been decided"),
        )
    approval.decide(approve, decider, now, note)
    return approval


def listing(uow: UnitOfWork, status: str = "pending") -> list[AmountApproval]:
    """The queue (or the decided ones), oldest first."""
    return uow.approvals.listing(status)
