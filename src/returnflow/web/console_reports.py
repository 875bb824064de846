"""The periodic reports page (issue 14, R9.3): /staff/reports/periodic.

Finance, managers and administrators (`Reporter`, reports.view) see every stored weekly
and monthly report, newest first, 20 a page, each with its headline and its downloads
(the PDF in Chinese or English, the XLSX of its tables), and subscribe or unsubscribe
themselves, choosing the kinds and the language of the mail. The mail goes to the
account's notification address; an account without one is told so beside the form.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Query
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.domain.reports import KIND_LABELS
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.files import attachment
from returnflow.entrypoints.params import RowId
from returnflow.entrypoints.steps import Refused, attempt, perform, perform_read
from returnflow.services import reports
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.web.guards import StaffSession, check_csrf
from returnflow.web.paging import PageAsked, page_number, pager
from returnflow.web.roles import Reporter
from returnflow.web.staff_page import render_staff

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 20
Csrf = Annotated[str, Form(max_length=100)]
PATH = "/staff/reports/periodic"


def _page(
    request: Request,
    context: Context,
    session: StaffSession,
    page: int = 1,
    refused: Refused | None = None,
) -> Response:
    user_id = session.principal.user_id

    def own(uow: UnitOfWork, now: datetime) -> tuple[reports.Subscription | None, bool]:
        return reports.subscription(uow, user_id), reports.has_address(uow, user_id)

    found = perform_read(context, lambda uow, now: reports.listing(uow, page, PAGE_SIZE))
    mine, addressed = perform(context, own)  # the primary: a change just made shows at once
    values: dict[str, Any] = {
        "found": found,
        "pager": pager(PATH, found.total, found.page, {}, PAGE_SIZE),
        "mine": mine,
        "addressed": addressed,
        "kinds": KIND_LABELS,
        "error": refused.message if refused else None,
        "size": _size,
    }
    status = refused.status if refused else 200
    return render_staff(
        request, session, "staff/reports_periodic.html", values, section="reports",
        status_code=status,
    )  # fmt: skip


def _size(count: int) -> str:
    return f"{count / 1024:,.0f} KB" if count < 1024 * 1024 else f"{count / 1048576:.1f} MB"


@router.get(PATH)
def periodic_reports(
    request: Request, context: Context, session: Reporter, page: PageAsked = "1"
) -> Response:
    return _page(request, context, session, page_number(page))


@router.get(PATH + "/{report_id}.pdf")
def report_pdf(
    context: Context,
    session: Reporter,
    report_id: RowId,
    lang: Annotated[Literal["zh", "en"], Query()] = "zh",
) -> Response:
    def read(uow: UnitOfWork, now: datetime) -> reports.ReportFile:
        return reports.download(uow, report_id, "pdf", lang)

    file = perform_read(context, read)
    return attachment(file.content, file.media_type, file.filename)


@router.get(PATH + "/{report_id}.xlsx")
def report_xlsx(context: Context, session: Reporter, report_id: RowId) -> Response:
    def read(uow: UnitOfWork, now: datetime) -> reports.ReportFile:
        return reports.download(uow, report_id, "xlsx", "zh")

    file = perform_read(context, read)
    return attachment(file.content, file.media_type, file.filename)


@router.post(PATH + "/subscription")
def subscription(
    request: Request,
    context: Context,
    session: Reporter,
    csrf_token: Csrf = "",
    action: Annotated[Literal["subscribe", "unsubscribe"], Form()] = "subscribe",
    kinds: Annotated[list[str] | None, Form(max_length=10)] = None,
    language: Annotated[Literal["zh", "en"], Form()] = "zh",
) -> Response:
    """Subscribe (kinds, language) or unsubscribe the signed-in account."""
    check_csrf(session, csrf_token)
    user_id = session.principal.user_id

    def change(uow: UnitOfWork, now: datetime) -> None:
        if action == "unsubscribe":
            reports.unsubscribe(uow, user_id)
        else:
            reports.subscribe(uow, user_id, list(kinds or [])[:2], language, now)

    done = attempt(context, change)
    if isinstance(done, Refused):
        return _page(request, context, session, refused=done)
    return RedirectResponse(PATH, status_code=303)
