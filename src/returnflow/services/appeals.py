"""Appeals and overturns (R3.2): a decision goes back to a person, once, audited.

A customer (in the portal, or an agent or the app on their behalf) appeals a rejection,
a failed inspection or a partial-refund offer with words and photos, within
`settings.appeal_window_days` of that decision (`file_appeal`). A rejection goes back
to review at once (`rejected → pending_review`); a failed inspection keeps its status.
A person decides (`decide_appeal`): a rejection appeal is approved through the normal
approve path (policy, ship-by) or rejected again with the reason; an inspection or
offer appeal is overturned (`inspection_failed → inspected`, and the refund follows
through the bus, "return.inspected") or upheld (nothing moves). A reviewer who approves
or rejects an appealed request with the ordinary buttons decides its appeal too
(`decide_after_review`, on the bus). Staff overturn an automated decision with a reason
(`overturn`). Merchants act only on their own requests (`merchant_scope`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from returnflow.domain.appeals import (
    Appeal,
    AppealSubject,
    Outcome,
    not_appealable,
    subject_for,
)
from returnflow.domain.events import DomainEvent
from returnflow.domain.lifecycle import Action, Status
from returnflow.domain.returns import ReturnRequest
from returnflow.domain.text import DomainError, Text
from returnflow.services import photo_refs
from returnflow.services import returns as return_service
from returnflow.services.errors import Conflict, NotFound
from returnflow.services.returns import get_return, policy_for
from returnflow.services.unit_of_work import UnitOfWork

# the reason an appeal records when a reviewer's own approval left no note
APPROVED_ON_REVIEW = "复核后通过 / Approved on review"


def appeal_not_found(rma_no: str) -> NotFound:
    return NotFound(
        "appeal_not_found",
        Text("申请 {rma} 没有申诉", "Request {rma} has no appeal").format(rma=rma_no),
    )


def already_appealed(rma_no: str) -> Conflict:
    return Conflict(
        "already_appealed",
        Text(
            "申请 {rma} 已申诉过，每个申请只能申诉一次",
            "Request {rma} has already been appealed: a request is appealed once",
        ).format(rma=rma_no),
    )


def offer_status(uow: UnitOfWork, rma_no: str) -> str | None:
    """The partial-refund offer's status after a failed inspection, if there is one."""
    offer = uow.warehouse.offer(rma_no)
    return None if offer is None else offer.status.value


def decided_at(request: ReturnRequest) -> datetime:
    """When the request entered its current status: the decision an appeal is about."""
    for change in reversed(request.history):
        if change.to_status is request.status:
            return change.at
    return request.created_at


def appealable(uow: UnitOfWork, request: ReturnRequest) -> AppealSubject | None:
    """What an appeal of the request would be about now (None: nothing to appeal)."""
    if uow.appeals.get(request.rma_no) is not None:
        return None
    return subject_for(request.status, offer_status(uow, request.rma_no))


def _check_photos(uow: UnitOfWork, names: Sequence[str], rma_no: str) -> None:
    """Fresh uploads, or photos already on this very request; never another appeal's."""
    photo_refs.check_for_request(uow, names, rma_no=rma_no)
    for name in names:
        if uow.appeals.photo_owners(name) - {rma_no}:
            raise DomainError(
                "photo_not_found",
                Text(
                    "照片 {name} 不属于这个申请，请重新上传",
                    "The photo {name} does not belong to this request: upload it again",
                ).format(name=name[:80]),
                field="photos",
            )


def file_appeal(
    uow: UnitOfWork,
    rma_no: str,
    statement: str,
    photo_ids: Sequence[str],
    actor: str,
    now: datetime,
    window: int,
    *,
    merchant_scope: str | None = None,
) -> Appeal:
    """R3.2: one appeal per request, within `window` days of the decision appealed."""
    request = get_return(uow, rma_no, merchant_scope=merchant_scope, for_update=True)
    if uow.appeals.get(rma_no) is not None:
        raise already_appealed(rma_no)
    subject = subject_for(request.status, offer_status(uow, rma_no))
    if subject is None:
        refused = not_appealable(request.status)
        raise Conflict(refused.code, refused.message)
    photos = tuple(dict.fromkeys(photo_ids))
    _check_photos(uow, photos, request.rma_no)
    _, policy = policy_for(uow, request)
    appeal = Appeal.file(
        rma_no=request.rma_no,
        merchant_id=request.merchant_id,
        customer_id=request.customer_id,
        subject=subject,
        statement=statement,
        photos=photos,
        decision_at=decided_at(request),
        window_days=window,
        actor=actor,
        now=now,
    )
    request.appeal(
        actor, now, appeal.statement, review_due=now + timedelta(hours=policy.review_hours)
    )
    uow.appeals.add(appeal)
    return appeal


def decide_appeal(
    uow: UnitOfWork,
    rma_no: str,
    decision: str,
    reason: str,
    actor: str,
    now: datetime,
    *,
    merchant_scope: str | None = None,
) -> Appeal:
    """Uphold or overturn; the request moves as the appeal's subject says."""
    outcome = Outcome(decision)
    request = get_return(uow, rma_no, merchant_scope=merchant_scope, for_update=True)
    appeal = uow.appeals.get(rma_no, for_update=True)
    if appeal is None:
        raise appeal_not_found(rma_no)
    if not appeal.is_open:
        raise Conflict(
            "appeal_decided", Text("该申诉已处理", "This appeal has already been decided")
        )
    appeal.decide(outcome, actor, now, reason)  # checks the reason before anything moves
    if appeal.subject is AppealSubject.REJECTION:
        step = Action.APPROVE if outcome is Outcome.OVERTURN else Action.REJECT
        return_service.perform(
            uow, rma_no, step, actor, now, note=appeal.reason or "", merchant_scope=merchant_scope
        )
    elif outcome is Outcome.OVERTURN:
        _, policy = policy_for(uow, request)
        request.overturn(actor, now, appeal.reason or "", policy)
        withdraw_offer(uow, rma_no, now)
    return appeal


def withdraw_offer(uow: UnitOfWork, rma_no: str, now: datetime) -> None:
    """An overturned failed inspection is refunded in full: the warehouse's partial-refund
    offer, if it still waits for the customer, is withdrawn and no longer offered."""
    inspection = uow.warehouse.inspection(rma_no)
    if inspection is not None and inspection.withdraw_offer(now):
        uow.warehouse.save_inspection(inspection)


def overturnable(uow: UnitOfWork, request: ReturnRequest) -> bool:
    """Whether staff may overturn the request's decision now (`overturn`): an automated
    rejection, or a failed inspection not settled by an accepted offer."""
    if request.status is Status.REJECTED:
        return request.decision is not None and request.decision.decided_by == "auto"
    return (
        request.status is Status.INSPECTION_FAILED
        and offer_status(uow, request.rma_no) != "accepted"
    )


def overturn(
    uow: UnitOfWork,
    rma_no: str,
    reason: str,
    actor: str,
    now: datetime,
    *,
    merchant_scope: str | None = None,
) -> ReturnRequest:
    """Staff overturn an automated decision with a reason, audited in the history:
    an automated rejection is approved, a failed inspection becomes passed."""
    request = get_return(uow, rma_no, merchant_scope=merchant_scope, for_update=True)
    if not overturnable(uow, request):
        raise Conflict(
            "not_overturnable",
            Text(
                "只能推翻系统自动拒绝或验收未通过的决定（当前：{zh}）",
                "Only an automated rejection or a failed inspection can be overturned "
                "(the request is {en})",
            ).format(zh=request.status.label.zh, en=request.status.label.en),
        )
    failed = request.status is Status.INSPECTION_FAILED
    _, policy = policy_for(uow, request)
    request.overturn(actor, now, reason, policy)
    if failed:
        withdraw_offer(uow, rma_no, now)
    appeal = uow.appeals.get(rma_no, for_update=True)
    if appeal is not None and appeal.is_open:
        appeal.decide(Outcome.OVERTURN, actor, now, reason)
    return request


def decide_after_review(uow: UnitOfWork, event: DomainEvent, now: datetime) -> None:
    """ "return.approved" / "return.rejected": a reviewer's own approval or rejection of an
    appealed request decides its open appeal (overturned / upheld), as that reviewer."""
    rma_no: Any = event.data.get("rma_no")
    action = event.data.get("action")
    if not isinstance(rma_no, str) or action not in (Action.APPROVE.value, Action.REJECT.value):
        return
    appeal = uow.appeals.get(rma_no, for_update=True)
    request = uow.returns.get(rma_no)
    if appeal is None or not appeal.is_open or request is None:
        return
    if appeal.subject is not AppealSubject.REJECTION:
        return
    step = next((c for c in reversed(request.history) if c.action.value == action), None)
    if step is None:
        return
    outcome = Outcome.OVERTURN if action == Action.APPROVE.value else Outcome.UPHOLD
    appeal.decide(outcome, step.actor, step.at, step.note or APPROVED_ON_REVIEW)
