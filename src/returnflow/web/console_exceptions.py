"""The logistics exceptions queue in the console (R4.4): open tasks with their age,
filtered by kind, each resolved with a note that keeps who and when.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.domain.access import Permission
from returnflow.domain.shipment_alerts import AlertKind
from returnflow.domain.text import DomainError, Text
from returnflow.entrypoints import params
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.language import preferred_language
from returnflow.entrypoints.params import FormText, RowId
from returnflow.entrypoints.problems import status_for
from returnflow.services import tracking as tracking_service
from returnflow.services.errors import NotFound
from returnflow.web.guards import StaffPage, StaffSession, check_csrf
from returnflow.web.staff_page import render_staff

router = APIRouter(include_in_schema=False)
Handler = Annotated[StaffSession, Depends(StaffPage(Permission.LOGISTICS_EXCEPTIONS))]

_STATES = ("open", "resolved", "all")


def _queue(
    request: Request,
    context: Any,
    session: StaffSession,
    *,
    kind: str,
    state: str,
    status_code: int = 200,
    error: Text | None = None,
    failed_task: int | None = None,
    note: str = "",
    notice: Text | None = None,
) -> Response:
    chosen = kind if kind in {k.value for k in AlertKind} else ""
    state = state if state in _STATES else "open"
    now = context.clock()
    with context.uow() as uow:
        tasks = uow.tracking.tasks(state=state, kind=chosen or None)
    values = {
        "tasks": tasks,
        "kinds": list(AlertKind),
        "kind": chosen,
        "state": state,
        "now": now,
        "error": error,
        "failed_task": failed_task,
        "note": note,
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
    session: Handler,
    kind: str = "",
    state: str = "open",
    done: str = "",
) -> Response:
    notice = None
    if (task_id := params.digits(done, 1, params.MAX_ROW_ID)) is not None:
        notice = Text("异常任务 {id} 已处理", "Exception task {id} resolved").format(id=task_id)
    return _queue(request, context, session, kind=kind, state=state, notice=notice)


@router.post("/staff/exceptions/{task_id}/resolve")
def resolve(
    request: Request,
    task_id: RowId,
    context: Context,
    session: Handler,
    csrf_token: FormText = "",
    note: FormText = "",
    kind: FormText = "",
) -> Response:
    check_csrf(session, csrf_token)
    now = context.clock()
    try:
        with context.uow() as uow:
            tracking_service.resolve_task(uow, task_id, session.principal.actor, note, now)
            uow.commit(now)
    except NotFound:
        raise
    except DomainError as refused:
        return _queue(
            request,
            context,
            session,
            kind=kind,
            state="open",
            status_code=status_for(refused),
            error=refused.message,
            failed_task=task_id,
            note=note,
        )
    query = urlencode({"kind": kind, "done": task_id} if kind else {"done": task_id})
    return RedirectResponse(f"/staff/exceptions?{query}", status_code=303)
