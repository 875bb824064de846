"""Risk at intake in the staff console (issue 15, R10.3).

- The request page's risk panel (`staff/_risk.html`, read by `risk_panel` inside the
  page's own unit of work): score, level, every signal with its message, the actions it
  set, staff's verdicts; for risk.view only (merchants have none).
- `POST /staff/returns/{rma_no}/risk/feedback` (risk.judge, CSRF): fraud or safe, a note.
- `/staff/risk/watch-list` (risk.manage): the entries in force, paged; add one (customer,
  reason, an optional last day, local time), remove one.
- `/staff/risk/tuning` (risk.manage): the kept verdicts of 180 days per score band, the
  precision and recall of "high" and "review" for fraud, at the thresholds and ±10
  (services/risk_tuning.py); `/staff/risk/tuning.csv` the same as a file.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.app_context import AppContext
from returnflow.domain.staff_notices import LOCAL_ZONE
from returnflow.domain.text import Text
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.files import attachment
from returnflow.entrypoints.language import preferred_language
from returnflow.entrypoints.params import RowId
from returnflow.entrypoints.steps import Refused, attempt, perform
from returnflow.services import risk_staff, risk_tuning
from returnflow.services.risk_staff import WatchPage
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.web.console_request import request_page_response
from returnflow.web.guards import StaffSession, check_csrf
from returnflow.web.paging import PageAsked, page_number, pager
from returnflow.web.roles import RiskJudge, RiskManager
from returnflow.web.staff_page import render_staff

router = APIRouter(include_in_schema=False)
Csrf = Annotated[str, Form(max_length=100)]
Short = Annotated[str, Form(max_length=64)]
Note = Annotated[str, Form(max_length=2000)]
WATCH = "/staff/risk/watch-list"
PAGE_SIZE = 25


@router.post("/staff/returns/{rma_no}/risk/feedback")
def judge(
    request: Request,
    rma_no: str,
    context: Context,
    session: RiskJudge,
    csrf_token: Csrf = "",
    verdict: Annotated[str, Form(max_length=10)] = "",
    note: Note = "",
) -> Response:
    check_csrf(session, csrf_token)
    rma = rma_no[:32]
    done = attempt(
        context,
        lambda uow, now: risk_staff.judge(
            uow,
            rma,
            verdict,
            note,
            session.principal.actor,
            now,
            merchant_scope=session.principal.merchant_scope,
        ),
    )
    if isinstance(done, Refused):
        form = {"verdict": verdict, "note": note}
        return request_page_response(
            request, context, session, rma, status_code=done.status, error=done.message, form=form
        )
    return RedirectResponse(f"/staff/returns/{rma}#risk", status_code=303)


def _watch_page(
    request: Request,
    context: AppContext,
    session: StaffSession,
    page: int,
    *,
    error: Text | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    def read(uow: UnitOfWork, now: datetime) -> WatchPage:
        found = risk_staff.watch_list(uow, now, page, PAGE_SIZE)
        if found.page > found.pages:  # past the last page: the last
            found = risk_staff.watch_list(uow, now, found.pages, PAGE_SIZE)
        return found

    found = perform(context, read)
    control = pager(WATCH, found.total, found.page, {}, PAGE_SIZE)
    values: dict[str, Any] = {"found": found, "error": error, "form": form or {}, "pager": control}
    return render_staff(
        request,
        session,
        "staff/risk_watch_list.html",
        values,
        section="risk",
        status_code=status_code,
    )


@router.get(WATCH)
def watch_list(
    request: Request,
    context: Context,
    session: RiskManager,
    page: PageAsked = "1",
) -> Response:
    return _watch_page(request, context, session, page_number(page))


def _last_day(value: str) -> datetime | None:
    """A local last day: the entry ends when that day ends (China Standard Time)."""
    day = date.fromisoformat(value)
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=LOCAL_ZONE)


@router.post(WATCH)
def add_watch(
    request: Request,
    context: Context,
    session: RiskManager,
    csrf_token: Csrf = "",
    customer_id: Short = "",
    reason: Annotated[str, Form(max_length=500)] = "",
    last_day: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    check_csrf(session, csrf_token)
    form = {"customer_id": customer_id, "reason": reason, "last_day": last_day}
    try:
        expires = _last_day(last_day) if last_day else None
    except ValueError:
        message = Text("请选择有效的日期", "Choose a valid date")
        return _watch_page(request, context, session, 1, error=message, form=form, status_code=422)
    done = attempt(
        context,
        lambda uow, now: risk_staff.add_to_watch_list(
            uow, customer_id, reason, expires, session.principal.actor, now
        ),
    )
    if isinstance(done, Refused):
        return _watch_page(
            request, context, session, 1, error=done.message, form=form, status_code=done.status
        )
    return RedirectResponse(WATCH, status_code=303)


@router.post(WATCH + "/{entry_id}/remove")
def remove_watch(
    request: Request,
    context: Context,
    session: RiskManager,
    entry_id: RowId,
    csrf_token: Csrf = "",
) -> Response:
    check_csrf(session, csrf_token)
    done = attempt(
        context,
        lambda uow, now: risk_staff.remove_from_watch_list(
            uow, entry_id, session.principal.actor, now
        ),
    )
    if isinstance(done, Refused):
        return _watch_page(
            request, context, session, 1, error=done.message, status_code=done.status
        )
    return RedirectResponse(WATCH, status_code=303)


@router.get("/staff/risk/tuning")
def tuning(request: Request, context: Context, session: RiskManager) -> Response:
    report = perform(context, lambda uow, now: risk_tuning.tuning(uow, now))
    values: dict[str, Any] = {"report": report, "window_days": risk_tuning.WINDOW_DAYS}
    return render_staff(request, session, "staff/risk_tuning.html", values, section="risk")


@router.get("/staff/risk/tuning.csv")
def tuning_file(request: Request, context: Context, session: RiskManager) -> Response:
    report = perform(context, lambda uow, now: risk_tuning.tuning(uow, now))
    out = risk_tuning.tuning_csv(report, preferred_language(request))
    return attachment(out.content, out.media_type, out.filename)
