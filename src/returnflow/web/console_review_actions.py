"""What the review queue's buttons do (issue 16, seed 000 §7.2.3): take, assign, bulk decide.

Take and assign come back to the queue with the same filters and a notice, or show the
queue with the reason when refused. Bulk approve or reject decides each ticked request
in its own transaction (`services/assignment_bulk.py`) and answers a page that says, in
words, which went through and which were refused and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.app_context import AppContext
from returnflow.domain.assignment import OverAuthority
from returnflow.domain.lifecycle import Action
from returnflow.domain.money import Money
from returnflow.domain.text import DomainError, Text
from returnflow.entrypoints import params
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.language import preferred_language
from returnflow.entrypoints.params import FormList, FormText, ShortFormText
from returnflow.entrypoints.problems import CONCURRENT_TEXT
from returnflow.entrypoints.steps import Refused, attempt, perform
from returnflow.services import assignment
from returnflow.services.assignment_bulk import BULK_MAX, decide_one
from returnflow.services.unit_of_work import ConcurrentUpdate, UnitOfWork
from returnflow.web.console_actions import compose_reason
from returnflow.web.console_request import request_page_response
from returnflow.web.console_review import FILTER_KEYS, QueueAsk, ask, queue_response
from returnflow.web.guards import StaffSession, check_csrf
from returnflow.web.roles import Assigner, Reviewer
from returnflow.web.staff_page import render_staff

router = APIRouter(include_in_schema=False)

_NONE_TICKED = Text("请先勾选要处理的申请", "Tick the requests to decide first")
_TOO_MANY = Text("一次最多处理 {n} 个申请", "At most {n} requests can be decided at once").format(
    n=BULK_MAX
)
_NO_REASON = Text("批量拒绝必须说明原因", "A bulk rejection must give the reason")


@dataclass(frozen=True, slots=True)
class Outcome:
    rma_no: str
    done: bool
    why: Text | None = None
    amount: Money | None = None  # over the money limit: the refund and the limit
    limit: Money | None = None


async def _posted(request: Request) -> QueueAsk:
    """The queue's filters, posted back as hidden fields by every form on it."""
    form = await request.form()
    return ask({key: str(form.get(key, ""))[:100] for key in (*FILTER_KEYS, "page")})


Posted = Annotated[QueueAsk, Depends(_posted)]


def _back(asked: QueueAsk, done: str, rma_no: str, back: str = "") -> RedirectResponse:
    if back == "request":  # posted from the request page: back to it
        return RedirectResponse(f"/staff/returns/{quote(rma_no)}?done={done}", status_code=303)
    query = {**asked.kept(), "done": done, "rma": rma_no}
    if asked.page > 1:
        query["page"] = str(asked.page)
    return RedirectResponse("/staff/review?" + urlencode(query), status_code=303)


@router.post("/staff/review/{rma_no}/take")
def take(
    request: Request,
    rma_no: str,
    context: Context,
    session: Reviewer,
    asked: Posted,
    csrf_token: FormText = "",
    back: ShortFormText = "",
) -> Response:
    """A reviewer takes an unassigned request for themselves (from the queue or its page)."""
    check_csrf(session, csrf_token)
    principal = session.principal
    result = attempt(context, lambda uow, now: assignment.take(uow, rma_no, principal, now))
    if isinstance(result, Refused):
        return _refused(request, context, session, asked, result, rma_no, back)
    return _back(asked, "taken", rma_no, back)


@router.post("/staff/review/{rma_no}/assign")
def assign(
    request: Request,
    rma_no: str,
    context: Context,
    session: Assigner,
    asked: Posted,
    csrf_token: FormText = "",
    assignee: ShortFormText = "",
    back: ShortFormText = "",
) -> Response:
    """A manager gives or moves the request to a person who may review (queue or page)."""
    check_csrf(session, csrf_token)
    principal = session.principal
    person = params.digits(assignee, 1, params.MAX_ROW_ID) or 0

    def step(uow: UnitOfWork, now: datetime) -> None:
        assignment.assign(uow, rma_no, person, principal, now)

    result = attempt(context, step)
    if isinstance(result, Refused):
        return _refused(request, context, session, asked, result, rma_no, back)
    return _back(asked, "assigned", rma_no, back)


def _refused(
    request: Request,
    context: AppContext,
    session: StaffSession,
    asked: QueueAsk,
    refused: Refused,
    rma_no: str,
    back: str,
) -> Response:
    """The page the action came from again, with the reason."""
    if back == "request":
        return request_page_response(
            request, context, session, rma_no, error=refused.message, status_code=refused.status
        )
    return queue_response(
        request, context, session, asked, error=refused.message, status_code=refused.status
    )


def _decide_each(
    context: AppContext, session: StaffSession, chosen: list[str], action: Action, reason: str
) -> list[Outcome]:
    principal = session.principal
    limits = dict(context.settings.authority_limits)
    outcomes = []
    for rma_no in chosen:

        def step(uow: UnitOfWork, now: datetime, rma_no: str = rma_no) -> None:
            decide_one(uow, rma_no, action, principal, now, reason=reason, limits=limits)

        try:
            perform(context, step)
        except OverAuthority as over:
            outcomes.append(Outcome(rma_no, False, over.message, over.amount, over.limit))
        except ConcurrentUpdate:
            outcomes.append(Outcome(rma_no, False, CONCURRENT_TEXT))
        except DomainError as refused:  # includes not found and forbidden: said in words
            outcomes.append(Outcome(rma_no, False, refused.message))
        else:
            outcomes.append(Outcome(rma_no, True))
    return outcomes


@router.post("/staff/review/bulk")
def bulk(
    request: Request,
    context: Context,
    session: Reviewer,
    asked: Posted,
    rma_no: FormList,
    csrf_token: FormText = "",
    decision: ShortFormText = "",
    template: ShortFormText = "",
    reason_text: FormText = "",
) -> Response:
    """Approve or reject every ticked request as a single decision would, one by one."""
    check_csrf(session, csrf_token)
    chosen = list(dict.fromkeys(no.strip() for no in rma_no if no.strip()))
    action = Action.REJECT if decision == "reject" else Action.APPROVE
    reason = compose_reason(template, reason_text, preferred_language(request))
    error = None
    if not chosen:
        error = _NONE_TICKED
    elif len(chosen) > BULK_MAX:
        error = _TOO_MANY
    elif action is Action.REJECT and not reason.strip():
        error = _NO_REASON
    if error is not None:
        return queue_response(request, context, session, asked, error=error, status_code=422)
    outcomes = _decide_each(context, session, chosen, action, reason)
    values = {
        "outcomes": outcomes,
        "action": action.value,
        "done_count": sum(1 for o in outcomes if o.done),
        "back": "/staff/review" + (f"?{urlencode(asked.kept())}" if asked.kept() else ""),
    }
    return render_staff(request, session, "staff/review_bulk.html", values, section="review")
