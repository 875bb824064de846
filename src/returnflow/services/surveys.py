"""The satisfaction survey (R7.2, seed 001 §7.1.3): invited on completion, answered once.

`invite_after_completion` is the message bus's handler for "return.completed"
(bootstrap.py): it puts one "return.survey_invite" in the outbox, which the notice
channels deliver in the customer's way (notify/notices.py holds its words). A request
completed again after an overturn is not invited twice (a mark in the idempotency store).
`answer_survey` stores the customer's one answer, only once the request is completed or
confirmed; the answer names the merchant and the last person who handled the request.
"""

from __future__ import annotations

from datetime import datetime

from returnflow.domain import surveys
from returnflow.domain.events import DomainEvent
from returnflow.domain.lifecycle import Status
from returnflow.domain.surveys import Scores, Survey
from returnflow.domain.text import Text
from returnflow.services.errors import Conflict, return_not_found
from returnflow.services.unit_of_work import UnitOfWork

INVITE_TOPIC = "return.survey_invite"
INVITE_SCOPE = "surveys.invite"  # the once-only mark, in the idempotency store
FINISHED = frozenset({Status.COMPLETED, Status.CONFIRMED})


def invite_after_completion(uow: UnitOfWork, event: DomainEvent, now: datetime) -> None:
    """The bus's handler: invite the customer of a completed request to the survey, once."""
    rma_no = event.data.get("rma_no")
    if isinstance(rma_no, str) and rma_no:
        invite(uow, rma_no, now)  # the bus commits


def invite(uow: UnitOfWork, rma_no: str, now: datetime) -> bool:
    """Put the invitation in the outbox; False when answered, invited before or not done."""
    request = uow.returns.get(rma_no)
    if request is None or request.status not in FINISHED:
        return False
    if uow.surveys.get(rma_no) is not None or uow.idempotency.get(INVITE_SCOPE, rma_no):
        return False
    uow.idempotency.claim(INVITE_SCOPE, rma_no, "", now)
    payload = {
        "rma_no": rma_no,
        "order_no": request.order_no,
        "customer_id": request.customer_id,
        "merchant_id": request.merchant_id,
        "email": request.contact.get("email", ""),
        "phone": request.contact.get("phone", ""),
        "invited_at": now.isoformat(),
    }
    uow.outbox.put(INVITE_TOPIC, payload, now)
    return True


def answer_survey(
    uow: UnitOfWork,
    rma_no: str,
    scores: Scores,
    comment: str,
    actor: str,
    now: datetime,
    *,
    customer_id: str | None = None,
) -> Survey:
    """Store the one answer to a completed request's survey (caller commits).

    `customer_id`: the customer the caller acts for; another customer's request is not found.
    """
    request = uow.returns.get(rma_no, for_update=True)
    if request is None or (customer_id is not None and request.customer_id != customer_id):
        raise return_not_found(rma_no)
    already = uow.surveys.get(rma_no)
    if already is not None:
        raise Conflict(
            "already_answered",
            Text("您已提交过满意度调查", "You have already answered the survey"),
        )
    survey = surveys.answer(
        rma_no=rma_no,
        merchant_id=request.merchant_id,
        customer_id=request.customer_id,
        finished=request.status in FINISHED,
        already=already,
        history_actors=[step.actor for step in request.history],
        scores=scores,
        comment=comment,
        actor=actor,
        now=now,
    )
    uow.surveys.add(survey)
    return survey


def survey_of(uow: UnitOfWork, rma_no: str) -> Survey | None:
    return uow.surveys.get(rma_no)
