"""What follows a domain event in the refund capability: the message bus calls these.

Each handler runs in its own unit of work right after the change that raised the event
was committed (bootstrap.py lists them; the bus commits). Each is idempotent: the
worker's pollers in `jobs/refunds.py` stay as safety nets and call the same functions
(`request_when_due`, `pay_instantly`, `refunds.release_decided`), so whichever comes
second finds the refund already there, or already released, and does nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from returnflow.domain.authority import SYSTEM
from returnflow.domain.events import DomainEvent
from returnflow.domain.kinds import RequestType
from returnflow.domain.lifecycle import Status
from returnflow.domain.returns import ReturnRequest
from returnflow.services import refund_recoveries
from returnflow.services import refunds as refund_service
from returnflow.services.errors import Conflict
from returnflow.services.refunds import REFUND_EXISTS, RefundRules
from returnflow.services.risk import holds_refund
from returnflow.services.unit_of_work import UnitOfWork

log = logging.getLogger("returnflow.refunds")

# when policy asks for the refund by itself, per request type (R6.1)
DUE = {
    RequestType.REFUND: (Status.INSPECTED, Status.INSPECTION_FAILED),
    RequestType.REFUND_ONLY: (Status.APPROVED,),
}


def request_after_inspection(
    uow: UnitOfWork, event: DomainEvent, now: datetime, rules: RefundRules
) -> None:
    """ "return.inspected" / "return.inspection_failed": the returned goods were judged."""
    request_when_due(uow, _rma_no(event), now, rules)


def request_after_approval(
    uow: UnitOfWork, event: DomainEvent, now: datetime, rules: RefundRules
) -> None:
    """ "return.approved": a refund-only request is refunded under its approver's authority."""
    request_when_due(uow, _rma_no(event), now, rules)


def instant_after_first_scan(
    uow: UnitOfWork, event: DomainEvent, now: datetime, rules: RefundRules
) -> None:
    """ "return.in_transit": within the limits the refund goes out before the goods are back."""
    pay_instantly(uow, _rma_no(event), now, rules)


def release_after_decision(
    uow: UnitOfWork, event: DomainEvent, now: datetime, rules: RefundRules
) -> None:
    """ "approval.decided": the manager's decision releases (or declines) the waiting refund."""
    approval_id = event.data.get("approval_id")
    if event.data.get("kind") != "refund" or not isinstance(approval_id, int):
        return
    refund_service.release_decided(uow, approval_id, now)


# --- shared with the worker's safety nets ------------------------------------------------


def request_when_due(uow: UnitOfWork, rma_no: str, now: datetime, rules: RefundRules) -> bool:
    """Ask for the refund policy owes now; False when it is not due or already there.

    After a failed inspection only an accepted partial-refund offer pays (R5.3), so
    such a request waits for the customer's answer.
    """
    if not rules.auto_request or not rma_no:
        return False
    request = uow.returns.get(rma_no)
    if request is None or request.status not in DUE.get(request.request_type, ()):
        return False
    if uow.refunds.get(rma_no) is not None:
        return False
    offered = list(uow.warehouse.accepted_deductions(rma_no))
    if request.status is Status.INSPECTION_FAILED and not offered:
        return False
    approved = request.status is Status.APPROVED
    if approved and holds_refund(uow, rma_no):
        return False  # R10.3: a risky refund-only request waits for a person's verdict
    approver = approver_of(request) if approved else SYSTEM
    trigger = "approval" if approved else "inspection"
    return _request_once(uow, rma_no, approver, now, rules, trigger)


def pay_instantly(uow: UnitOfWork, rma_no: str, now: datetime, rules: RefundRules) -> bool:
    """The instant refund at the first scan (R6.4), when the limits allow it."""
    if not rules.instant_enabled or not rma_no:
        return False
    request = uow.returns.get(rma_no)
    if request is None or request.request_type is not RequestType.REFUND:
        return False
    if request.status is not Status.IN_TRANSIT or uow.refunds.get(rma_no) is not None:
        return False
    if not refund_recoveries.instant_allowed(uow, request, rules):
        return False
    return _request_once(uow, rma_no, SYSTEM, now, rules, "instant")


def _request_once(
    uow: UnitOfWork, rma_no: str, actor: str, now: datetime, rules: RefundRules, trigger: str
) -> bool:
    """Ask for the refund; False, quietly, when another process asked first (issue 11).

    The look for an existing refund above runs without a lock, so the bus (in the API
    process) and a worker's safety net can both pass it. `request_refund` takes the
    request's row lock and then sees the winner's refund: the loser recognises it and
    leaves it alone (the refund's unique request key would refuse a second one anyway).
    Nothing has been written when that refusal comes.
    """
    try:
        refund_service.request_refund(uow, rma_no, actor, now, rules, trigger=trigger)
    except Conflict as refusal:
        if refusal.code != REFUND_EXISTS:
            raise
        log.info("refund for %s already requested elsewhere (%s): nothing to do", rma_no, trigger)
        return False
    return True


def approver_of(request: ReturnRequest) -> str:
    """Who approved a refund-only request: their authority bounds its refund (R12.3)."""
    for change in reversed(request.history):
        if change.action.value in ("approve", "auto_approve", "overturn"):  # issue 12
            return SYSTEM if change.action.value == "auto_approve" else str(change.actor)
    return SYSTEM


def _rma_no(event: DomainEvent) -> str:
    rma_no: Any = event.data.get("rma_no")
    return rma_no if isinstance(rma_no, str) else ""
