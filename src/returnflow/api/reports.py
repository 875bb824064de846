"""The periodic reports over the API (issue 14, R9.3): list them, take their files.

`GET /api/v1/reports?page=` lists the stored weekly and monthly reports, newest first,
with their headline and the links to their files; `GET /api/v1/reports/{id}.pdf?lang=zh|en`
and `GET /api/v1/reports/{id}.xlsx` hand out the files. Finance, managers and
administrators (`reports.view`), like the page /staff/reports/periodic.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel
from starlette.responses import Response

from returnflow.api.roles import Reporter
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.files import attachment
from returnflow.entrypoints.params import RowId
from returnflow.entrypoints.steps import perform_read
from returnflow.services import reports
from returnflow.services.unit_of_work import UnitOfWork

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])
PAGE_SIZE = 20


class ReportFilesOut(BaseModel):
    pdf_zh: str
    pdf_en: str
    xlsx: str


class ReportOut(BaseModel):
    id: int
    kind: Literal["week", "month"]
    start: date  # local day (China Standard Time), inclusive
    end: date
    created_at: datetime
    headline_zh: str
    headline_en: str
    suggestions_zh: list[str]
    suggestions_en: list[str]
    files: ReportFilesOut
    sizes: dict[str, int]


class ReportListOut(BaseModel):
    page: int
    pages: int
    total: int
    reports: list[ReportOut]


def report_out(report: reports.StoredReport) -> ReportOut:
    base = f"/api/v1/reports/{report.id}"
    return ReportOut(
        id=report.id,
        kind="month" if report.kind == "month" else "week",
        start=report.start,
        end=report.end,
        created_at=report.created_at,
        headline_zh=report.headline_zh,
        headline_en=report.headline_en,
        suggestions_zh=report.summary_zh.splitlines(),
        suggestions_en=report.summary_en.splitlines(),
        files=ReportFilesOut(
            pdf_zh=f"{base}.pdf?lang=zh", pdf_en=f"{base}.pdf?lang=en", xlsx=f"{base}.xlsx"
        ),
        sizes={
            "pdf_zh": report.pdf_zh_size,
            "pdf_en": report.pdf_en_size,
            "xlsx": report.xlsx_size,
        },
    )


@router.get("", response_model=ReportListOut)
def list_reports(
    context: Context, principal: Reporter, page: Annotated[int, Query(ge=1, le=10_000)] = 1
) -> ReportListOut:
    """Stored reports, newest period first, 20 a page."""

    def read(uow: UnitOfWork, now: datetime) -> ReportListOut:
        found = reports.listing(uow, page, PAGE_SIZE)
        return ReportListOut(
            page=found.page, pages=found.pages, total=found.total,
            reports=[report_out(r) for r in found.reports],
        )  # fmt: skip

    return perform_read(context, read)


def _file(context: Context, report_id: int, fmt: str, language: str) -> Response:
    def read(uow: UnitOfWork, now: datetime) -> reports.ReportFile:
        return reports.download(uow, report_id, fmt, language)

    file = perform_read(context, read)
    return attachment(file.content, file.media_type, file.filename)


@router.get(
    "/{report_id}.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def report_pdf(
    context: Context,
    principal: Reporter,
    report_id: RowId,
    lang: Annotated[Literal["zh", "en"], Query()] = "zh",
) -> Response:
    """The report as a PDF in Chinese or English."""
    return _file(context, report_id, "pdf", lang)


@router.get(
    "/{report_id}.xlsx",
    response_class=Response,
    responses={200: {"content": {reports.XLSX: {}}}},
)
def report_xlsx(context: Context, principal: Reporter, report_id: RowId) -> Response:
    """The report's tables, one sheet each, headers in both languages."""
    return _file(context, report_id, "xlsx", "zh")
