"""The journal export (R15.1): `GET /api/v1/finance/journal?from=&to=&format=`.

Finance (`finance.reconcile`) pulls the ledger's postings for local days `from`..`to`
(China Standard Time, both inclusive, at most 366 days): as JSON, paged by whole
entries; as CSV or XLSX, the whole period in one download (CSV sent piece by piece).
Bad or reversed dates and too long a range are problem+json 422s with stable codes.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel
from starlette.responses import Response, StreamingResponse

from returnflow.api.roles import Reconciler
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.steps import perform
from returnflow.services import journal
from returnflow.services.journal import JournalFile, JournalPage, JournalRow
from returnflow.services.unit_of_work import UnitOfWork

router = APIRouter(prefix="/api/v1/finance", tags=["finance"])

DateFrom = Annotated[str, Query(alias="from", max_length=10)]
DateTo = Annotated[str, Query(alias="to", max_length=10)]
Format = Annotated[Literal["json", "csv", "xlsx"], Query(alias="format")]
_FILES = {
    "text/csv": {"schema": {"type": "string"}},
    journal.XLSX: {"schema": {"type": "string", "format": "binary"}},
}


class JournalRowOut(BaseModel):
    entry_id: int
    posted_at: str  # local time (China Standard Time)
    account: str
    debit: str  # yuan, two decimals
    credit: str
    debit_fen: int
    credit_fen: int
    currency: str
    rma_no: str
    refund_id: int | None
    memo: str
    party: str


class JournalOut(BaseModel):
    start: date
    end: date
    timezone: str
    page: int
    page_size: int
    pages: int
    total_entries: int
    rows: list[JournalRowOut]


def row_out(row: JournalRow) -> JournalRowOut:
    return JournalRowOut.model_validate(row, from_attributes=True)


def page_out(found: JournalPage) -> JournalOut:
    return JournalOut(
        start=found.period.start,
        end=found.period.end,
        timezone="Asia/Shanghai",
        page=found.page,
        page_size=found.page_size,
        pages=found.pages,
        total_entries=found.total_entries,
        rows=[row_out(row) for row in found.rows],
    )


def download(file: JournalFile) -> Response:
    """The whole period, sent piece by piece, saved under its own name."""
    headers = {"Content-Disposition": f'attachment; filename="{file.filename}"'}
    return StreamingResponse(iter(file.chunks), media_type=file.media_type, headers=headers)


@router.get("/journal", response_model=JournalOut, responses={200: {"content": _FILES}})
def journal_export(
    context: Context,
    principal: Reconciler,
    date_from: DateFrom,
    date_to: DateTo,
    fmt: Format = "json",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Response | JournalOut:
    """Ledger postings of local days `from`..`to`, each entry whole and balanced."""
    when = journal.period(date_from, date_to)
    if fmt != "json":
        kind: Literal["csv", "xlsx"] = "csv" if fmt == "csv" else "xlsx"

        def read_file(uow: UnitOfWork, now: datetime) -> JournalFile:
            return journal.export(uow, when, kind)

        return download(perform(context, read_file))

    def read(uow: UnitOfWork, now: datetime) -> JournalOut:
        return page_out(journal.journal_page(uow, when, page, page_size))

    return perform(context, read)
