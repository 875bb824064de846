"""Improvement proposals in the console (issue 17, R16.11): `/staff/improvements`.

Anyone on the staff proposes and follows their own proposals; managers see every one
(filtered by status and area, a page at a time), triage it to an owner with a priority,
mark it started and close it with an outcome and a note. The quarterly process review
is `web/console_process_review.py`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Form
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.app_context import AppContext
from returnflow.domain.proposals import MAX_TEXT, Area, Outcome, Priority, Status
from returnflow.domain.text import Text
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.language import preferred_language
from returnflow.entrypoints.params import RowId
from returnflow.entrypoints.steps import Refused, attempt, perform
from returnflow.services import proposals as service
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.web.guards import StaffSession, check_csrf
from returnflow.web.improvement_words import word
from returnflow.web.paging import PAGE_SIZE, Pager, page_number
from returnflow.web.roles import ImprovementManager, Proposer
from returnflow.web.staff_page import render_staff

router = APIRouter(include_in_schema=False)
PAGE = "/staff/improvements"
Csrf = Annotated[str, Form(max_length=100)]
Short = Annotated[str, Form(max_length=100)]
Body = Annotated[str, Form(max_length=MAX_TEXT + 100)]
_CHOOSE = Text("请选择一个有效的选项。", "Choose one of the options offered.")
_THANKS = Text("谢谢！您的建议已提交。", "Thank you: your proposal is filed.")
_SAVED = Text("已保存。", "Saved.")


E = TypeVar("E", Area, Status, Outcome, Priority)


def _choice(kind: type[E], value: str) -> E | None:
    return next((member for member in kind if member.value == value), None)


def _list_page(
    request: Request,
    context: AppContext,
    session: StaffSession,
    *,
    error: Text | None = None,
    done: Text | None = None,
    status_code: int = 200,
) -> Response:
    query = request.query_params
    status, area = _choice(Status, query.get("status", "")), _choice(Area, query.get("area", ""))
    page = page_number(query.get("page", ""))
    principal = session.principal
    found = perform(
        context, lambda uow, now: service.listing(uow, principal, page, status, area, PAGE_SIZE)
    )
    kept = {"status": status.value if status else "", "area": area.value if area else ""}
    values: dict[str, Any] = {
        "found": found,
        "pager": Pager(PAGE, found.total, page, PAGE_SIZE, kept),
        "kept": kept,
        "areas": list(Area),
        "statuses": list(Status),
        "priorities": list(Priority),
        "outcomes": list(Outcome),
        "word": lambda code: word(code, preferred_language(request)),
        "error": error,
        "done": done,
        "max_text": MAX_TEXT,
    }
    return render_staff(
        request,
        session,
        "staff/improvements.html",
        values,
        section="improvements",
        status_code=status_code,
    )


@router.get(PAGE)
def improvements_page(request: Request, context: Context, session: Proposer) -> Response:
    """Propose; the list (everyone's for managers, one's own otherwise)."""
    saved = _SAVED if request.query_params.get("saved") == "1" else None
    return _list_page(request, context, session, done=saved)


@router.post(PAGE)
def propose(
    request: Request,
    context: Context,
    session: Proposer,
    csrf_token: Csrf = "",
    area: Short = "",
    text: Body = "",
) -> Response:
    check_csrf(session, csrf_token)
    chosen = _choice(Area, area)
    if chosen is None:
        return _list_page(request, context, session, error=_CHOOSE, status_code=422)
    principal = session.principal
    done = attempt(context, lambda uow, now: service.propose(uow, principal, chosen, text, now))
    if isinstance(done, Refused):
        return _list_page(request, context, session, error=done.message, status_code=done.status)
    return _list_page(request, context, session, done=_THANKS)


def _after(request: Request, context: AppContext, session: StaffSession, done: object) -> Response:
    if isinstance(done, Refused):
        return _list_page(request, context, session, error=done.message, status_code=done.status)
    return RedirectResponse(PAGE + "?saved=1", status_code=303)


@router.post(PAGE + "/{proposal_id}/triage")
def triage(
    request: Request,
    context: Context,
    session: ImprovementManager,
    proposal_id: RowId,
    csrf_token: Csrf = "",
    owner: Short = "",
    priority: Short = "",
) -> Response:
    check_csrf(session, csrf_token)
    chosen = _choice(Priority, priority)
    if chosen is None:
        return _list_page(request, context, session, error=_CHOOSE, status_code=422)
    actor = session.principal.actor

    def step(uow: UnitOfWork, now: datetime) -> object:
        return service.triage(uow, proposal_id, owner, chosen, actor, now)

    return _after(request, context, session, attempt(context, step))


@router.post(PAGE + "/{proposal_id}/start")
def start(
    request: Request,
    context: Context,
    session: ImprovementManager,
    proposal_id: RowId,
    csrf_token: Csrf = "",
) -> Response:
    check_csrf(session, csrf_token)
    actor = session.principal.actor
    done = attempt(context, lambda uow, now: service.start(uow, proposal_id, actor, now))
    return _after(request, context, session, done)


@router.post(PAGE + "/{proposal_id}/close")
def close(
    request: Request,
    context: Context,
    session: ImprovementManager,
    proposal_id: RowId,
    csrf_token: Csrf = "",
    outcome: Short = "",
    note: Body = "",
) -> Response:
    check_csrf(session, csrf_token)
    chosen = _choice(Outcome, outcome)
    if chosen is None:
        return _list_page(request, context, session, error=_CHOOSE, status_code=422)
    actor = session.principal.actor

    def step(uow: UnitOfWork, now: datetime) -> object:
        return service.close(uow, proposal_id, chosen, note, actor, now)

    return _after(request, context, session, attempt(context, step))
