"""The on-call rota page (issue 14, R13.1): `/staff/incidents/on-call`, managers only.

One local week (`?week=YYYY-MM-DD`, any day of it; none: this week) as seven columns,
each shift cut into the days it touches, who is on call now, the shifts of the next 14
days with a remove button, and a form that adds a shift (local date and time, China
Standard Time). Included by web/console_incidents.py ahead of `/staff/incidents/{id}`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.app_context import AppContext
from returnflow.domain.on_call import MAX_SHIFT
from returnflow.domain.staff_notices import LOCAL_ZONE
from returnflow.domain.text import DomainError, Text
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.params import RowId
from returnflow.entrypoints.steps import Refused, attempt, perform
from returnflow.services import incident_rota
from returnflow.web.guards import StaffSession, check_csrf
from returnflow.web.roles import IncidentManager
from returnflow.web.staff_page import render_staff

router = APIRouter(include_in_schema=False)
Csrf = Annotated[str, Form(max_length=100)]
Short = Annotated[str, Form(max_length=20)]
Week = Annotated[str, Query(max_length=10)]
PAGE = "/staff/incidents/on-call"


def _week(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _rota_page(
    request: Request,
    context: AppContext,
    session: StaffSession,
    week: date | None = None,
    error: Text | None = None,
    status_code: int = 200,
) -> Response:
    rota = perform(context, lambda uow, now: incident_rota.rota_week(uow, week, now))
    start = (context.clock().astimezone(LOCAL_ZONE) + timedelta(hours=1)).replace(
        minute=0, second=0, microsecond=0
    )
    values: dict[str, Any] = {
        "rota": rota,
        "default_start": start.strftime("%Y-%m-%dT%H:%M"),
        "default_end": (start + timedelta(hours=12)).strftime("%Y-%m-%dT%H:%M"),
        "error": error,
        "max_days": MAX_SHIFT.days,
        "this_week": week is None,
    }
    return render_staff(
        request,
        session,
        "staff/incidents_on_call.html",
        values,
        section="incidents",
        status_code=status_code,
    )


@router.get(PAGE)
def rota_page(
    request: Request, context: Context, session: IncidentManager, week: Week = ""
) -> Response:
    chosen = _week(week)
    if week and chosen is None:
        message = Text("请选择有效的日期", "Choose a valid date")
        return _rota_page(request, context, session, None, message, 422)
    return _rota_page(request, context, session, chosen)


def _local(value: str, name: str) -> datetime:
    """A `datetime-local` field ("YYYY-MM-DDTHH:MM") read as China Standard Time."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise DomainError(
            "invalid_shift_time",
            Text("请填写有效的日期和时间", "Enter a valid date and time"),
            field=name,
        ) from None
    return moment.replace(tzinfo=LOCAL_ZONE) if moment.tzinfo is None else moment


@router.post(PAGE)
def add_shift(
    request: Request,
    context: Context,
    session: IncidentManager,
    csrf_token: Csrf = "",
    user_id: Short = "",
    starts_at: Short = "",
    ends_at: Short = "",
) -> Response:
    check_csrf(session, csrf_token)
    try:
        starts, ends = _local(starts_at, "starts_at"), _local(ends_at, "ends_at")
    except DomainError as refused:
        return _rota_page(request, context, session, None, refused.message, 422)
    member = int(user_id) if user_id.isdigit() else 0
    done = attempt(
        context,
        lambda uow, now: incident_rota.add_shift(
            uow, member, starts, ends, session.principal.actor, now
        ),
    )
    if isinstance(done, Refused):
        return _rota_page(request, context, session, None, done.message, done.status)
    week = starts.astimezone(LOCAL_ZONE).date().isoformat()
    return RedirectResponse(f"{PAGE}?week={week}", status_code=303)


@router.post(PAGE + "/{shift_id}/remove")
def remove_shift(
    request: Request,
    context: Context,
    session: IncidentManager,
    shift_id: RowId,
    csrf_token: Csrf = "",
) -> Response:
    check_csrf(session, csrf_token)
    done = attempt(context, lambda uow, now: incident_rota.remove_shift(uow, shift_id))
    if isinstance(done, Refused):
        return _rota_page(request, context, session, None, done.message, done.status)
    return RedirectResponse(PAGE, status_code=303)
