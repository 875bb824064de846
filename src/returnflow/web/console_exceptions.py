"""The logistics exceptions queue in the console (R4.4): open tasks with their age,
filtered by kind, each resolved with a remedy and a note that keep who and when.

The remedies a task's kind allows are offered with what each does (domain/
exception_remedies.py): refund without the goods, a new label, compensation as store
credit (typed in yuan), or the note alone; a resolved task shows the remedy taken.
The queue shows 20 tasks a page (each a card of several lines) with the console's one
pager (`web/paging.py`), each open task's form folded away until it is wanted (a
refused form comes back unfolded, on the page it was sent from).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.app_context import AppContext
from returnflow.domain.access import Permission, Principal
from returnflow.domain.exception_remedies import Remedy, offered
from returnflow.domain.input_bounds import MAX_AMOUNT
from returnflow.domain.shipment_alerts import AlertKind
from returnflow.domain.text import DomainError, Text
from returnflow.entrypoints import params
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.language import preferred_language
from returnflow.entrypoints.params import FormText, RowId, ShortFormText
from returnflow.entrypoints.steps import Refused, attempt
from returnflow.services.exception_queries import PER_PAGE
from returnflow.services.exception_queries import exceptions_page as queue_page
from returnflow.services.exception_remedies import RemedyChoice, RemedyDeps, resolve_with_remedy
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.web.guards import StaffSession, check_csrf
from returnflow.web.paging import page_number, pager
from returnflow.web.roles import ExceptionHandler
from returnflow.web.staff_page import render_staff

router = APIRouter(include_in_schema=False)

_STATES = ("open", "resolved", "all")
PageText = Annotated[str, Query(max_length=10)]


def open_count(context: AppContext, principal: Principal) -> int | None:
    """The open exceptions, for the console home's tile (issue 16: a role's home opens on
    its work); None for a reader who does not work the queue."""
    if not principal.can(Permission.LOGISTICS_EXCEPTIONS):
        return None
    with context.uow() as uow:
        return queue_page(uow, state="open", per_page=1).total


def _page_number(value: str) -> int:
    """The page asked for; anything that is not one is the first page."""
    return page_number(value)


def _kept(kind: str, state: str) -> dict[str, str]:
    """The filters the pager's links keep (the default "open" is left out)."""
    return {"kind": kind, "state": "" if state == "open" else state}


def _queue_url(kind: str, state: str, page: int, **extra: str) -> str:
    query = {"kind": kind, "state": "" if state == "open" else state, **extra}
    query["page"] = str(page) if page > 1 else ""
    kept = {name: value for name, value in query.items() if value}
    return "/staff/exceptions" + (f"?{urlencode(kept)}" if kept else "")


def _queue(
    request: Request,
    context: AppContext,
    session: StaffSession,
    *,
    kind: str,
    state: str,
    page: int = 1,
    status_code: int = 200,
    error: Text | None = None,
    failed_task: int | None = None,
    note: str = "",
    notice: Text | None = None,
    remedy: str = "",
    compensation: str = "",
) -> Response:
    chosen = kind if kind in {k.value for k in AlertKind} else ""
    state = state if state in _STATES else "open"
    now = context.clock()
    registry = context.carrier_registry()
    with context.uow() as uow:
        found = queue_page(uow, state=state, kind=chosen or None, page=page, carriers=registry)
    values = {
        "tasks": found.tasks,
        "listing": found,
        "carried_by": found.carried_by,
        "pager": pager(
            "/staff/exceptions", found.total, found.page, _kept(chosen, state), PER_PAGE
        ),
        "kinds": list(AlertKind),
        "kind": chosen,
        "state": state,
        "now": now,
        "error": error,
        "failed_task": failed_task,
        "note": note,
        "offered": offered,
        "chosen_remedy": remedy,
        "compensation": compensation,
    }
    return render_staff(
        request,
        session,
        "staff/exceptions.html",
        values,
        section="exceptions",
        status_code=status_code,
        notice=notice.in_language(preferred_language(request)) if notice else None,
    )


@router.get("/staff/exceptions")
def exceptions_page(
    request: Request,
    context: Context,
    session: ExceptionHandler,
    kind: str = "",
    state: str = "open",
    done: str = "",
    page: PageText = "",
) -> Response:
    notice = None
    if (task_id := params.digits(done, 1, params.MAX_ROW_ID)) is not None:
        notice = Text("异常任务 {id} 已处理", "Exception task {id} resolved").format(id=task_id)
    number = _page_number(page)
    return _queue(request, context, session, kind=kind, state=state, page=number, notice=notice)


@router.post("/staff/exceptions/{task_id}/resolve")
def resolve(
    request: Request,
    task_id: RowId,
    context: Context,
    session: ExceptionHandler,
    csrf_token: FormText = "",
    note: FormText = "",
    kind: FormText = "",
    remedy: ShortFormText = "close",
    compensation: ShortFormText = "",
    page: ShortFormText = "",
) -> Response:
    check_csrf(session, csrf_token)
    actor = session.principal.actor
    deps = RemedyDeps(context.settings, context.carrier_registry())

    def step(uow: UnitOfWork, now: datetime) -> object:
        return resolve_with_remedy(
            uow, task_id, _choice(remedy, note, compensation), actor, now, deps
        )

    result = attempt(context, step)
    if isinstance(result, Refused):
        return _queue(
            request,
            context,
            session,
            kind=kind,
            state="open",
            page=_page_number(page),
            status_code=result.status,
            error=result.message,
            failed_task=task_id,
            note=note,
            remedy=remedy,
            compensation=compensation,
        )
    back = _queue_url(kind, "open", _page_number(page), done=str(task_id))
    return RedirectResponse(back, status_code=303)


def _choice(remedy: str, note: str, compensation: str) -> RemedyChoice:
    """The form's choice; an unknown remedy or a malformed amount is refused beside the form."""
    if remedy not in {r.value for r in Remedy}:
        raise DomainError(
            "remedy_unknown", Text("请选择处理方式", "Choose a remedy"), field="remedy"
        )
    chosen = Remedy(remedy)
    cents = None
    if chosen is Remedy.COMPENSATION and compensation.strip():
        cents = params.cents(compensation, "compensation", 1, MAX_AMOUNT)
    return RemedyChoice(chosen, note, cents)
