"""The journal download in the console (R15.1): /staff/finance/journal.

Finance (`finance.reconcile`) picks local days (China Standard Time; none given: this
month so far), sees the entries of the period page by page, each balanced, and
downloads the whole period as CSV or XLSX — the same files as
`GET /api/v1/finance/journal`. Bad or reversed dates and ranges over 366 days are
said beside the form.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from returnflow.domain.text import DomainError
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.steps import perform
from returnflow.services import journal, journal_kinds
from returnflow.services.journal import JournalFile, JournalRow
from returnflow.services.liability_queries import ZONE
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.web.guards import StaffSession
from returnflow.web.paging import PageAsked, page_number, pager
from returnflow.web.roles import Reconciler
from returnflow.web.staff_page import render_staff

router = APIRouter(include_in_schema=False)

DateFrom = Annotated[str, Query(alias="from", max_length=10)]
DateTo = Annotated[str, Query(alias="to", max_length=10)]
PAGE_SIZE = 25  # entries per page on screen


def default_days(now: datetime) -> tuple[str, str]:
    today = now.astimezone(ZONE).date()
    return today.replace(day=1).isoformat(), today.isoformat()


def _entries(rows: tuple[JournalRow, ...]) -> list[list[JournalRow]]:
    """Rows grouped by entry, in order: the page shows each entry as one block."""
    grouped: list[list[JournalRow]] = []
    for row in rows:
        if grouped and grouped[-1][0].entry_id == row.entry_id:
            grouped[-1].append(row)
        else:
            grouped.append([row])
    return grouped


def _page(
    request: Request, session: StaffSession, values: dict[str, Any], status_code: int = 200
) -> Response:
    return render_staff(
        request, session, "staff/journal.html", values, section="finance", status_code=status_code
    )


@router.get("/staff/finance/journal")
def journal_page(
    request: Request,
    context: Context,
    session: Reconciler,
    date_from: DateFrom = "",
    date_to: DateTo = "",
    page: PageAsked = "1",
) -> Response:
    """The period's entries, a page at a time, with the download buttons."""
    if not date_from and not date_to:
        date_from, date_to = default_days(context.clock())
    form = {"from": date_from, "to": date_to}
    try:
        when = journal.period(date_from, date_to)
    except DomainError as refused:
        return _page(request, session, {"form": form, "error": refused.message}, 422)

    def read(uow: UnitOfWork, now: datetime) -> journal.JournalPage:
        found = journal.journal_page(uow, when, page_number(page), PAGE_SIZE)
        if found.page > found.pages:  # past the last page: the last
            found = journal.journal_page(uow, when, found.pages, PAGE_SIZE)
        return found

    found = perform(context, read)
    kept = {"from": date_from, "to": date_to}
    values = {
        "form": form,
        "found": found,
        "pager": pager("/staff/finance/journal", found.total_entries, found.page, kept, PAGE_SIZE),
        "entries": _entries(found.rows),
        "unbalanced": journal.unbalanced_entries(found.rows),
        "labels": journal.ACCOUNT_LABELS,
        "describe": journal_kinds.describe,  # the entry in the reader's language
        "error": None,
    }
    return _page(request, session, values)


@router.get("/staff/finance/journal/download")
def journal_download(
    request: Request,
    context: Context,
    session: Reconciler,
    date_from: DateFrom = "",
    date_to: DateTo = "",
    fmt: Annotated[Literal["csv", "xlsx"], Query(alias="format")] = "csv",
) -> Response:
    """The whole period as a file; refused dates come back to the form."""
    try:
        when = journal.period(date_from, date_to)
    except DomainError as refused:
        form = {"from": date_from, "to": date_to}
        return _page(request, session, {"form": form, "error": refused.message}, 422)

    def read(uow: UnitOfWork, now: datetime) -> JournalFile:
        return journal.export(uow, when, fmt)

    file = perform(context, read)
    headers = {"Content-Disposition": f'attachment; filename="{file.filename}"'}
    return StreamingResponse(iter(file.chunks), media_type=file.media_type, headers=headers)
