"""A merchant statement or the carrier-claims report as a CSV or XLSX file to download.

Amounts are written in major units with two decimals (120.50) beside their currency;
times in local time (China Standard Time). A cell that a spreadsheet would read as a
formula (=, +, -, @ first) is written with a leading apostrophe, so a memo or an id
can never run as one. Codes (source, reference, carrier) keep their own columns for
machines; `description` and `carrier_name` say the same for people, in the language asked.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime

from returnflow.domain.money import Money
from returnflow.services.liability_queries import ZONE, ClaimsReport, Statement
from returnflow.services.reconciliation import Export

Cell = str | int
STATEMENT_COLUMNS = (
    "date",
    "rma_no",
    "source",
    "reference",
    "description",
    "memo",
    "amount",
    "balance",
    "currency",
)
CLAIM_COLUMNS = (
    "carrier",
    "carrier_name",
    "date",
    "rma_no",
    "reference",
    "description",
    "waybill",
    "memo",
    "amount",
    "currency",
)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def major(money: Money) -> str:
    sign = "-" if money.cents < 0 else ""
    whole, cents = divmod(abs(money.cents), 100)
    return f"{sign}{whole}.{cents:02d}"


def local(at: datetime) -> str:
    return at.astimezone(ZONE).strftime("%Y-%m-%d %H:%M")


def safe(value: Cell) -> Cell:
    """Text a spreadsheet would take for a formula is kept as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        if value[:1] == "-" and value[1:].replace(".", "", 1).isdigit():
            return value  # a negative amount stays a number
        return "'" + value
    return value


def statement_rows(statement: Statement, language: str = "zh") -> list[list[Cell]]:
    rows: list[list[Cell]] = [
        ["", "", "opening", "", "", "", "", major(statement.opening), statement.currency]
    ]
    for line in statement.lines:
        rows.append(
            [
                local(line.at),
                line.rma_no,
                line.source,
                line.reference,
                line.description.in_language(language),
                line.memo,
                major(line.amount),
                major(line.balance),
                statement.currency,
            ]
        )
    closing: list[Cell] = ["", "", "closing", "", "", "", major(statement.charged)]
    rows.append([*closing, major(statement.closing), statement.currency])
    return rows


def claim_rows(report: ClaimsReport, language: str = "zh") -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    for group in report.carriers:
        name = group.carrier_name.in_language(language) or group.carrier
        for claim in group.claims:
            rows.append(
                [
                    group.carrier,
                    name,
                    local(claim.at),
                    claim.rma_no,
                    claim.reference,
                    claim.description.in_language(language),
                    claim.waybill,
                    claim.memo,
                    major(claim.amount),
                    report.currency,
                ]
            )
        total: list[Cell] = [group.carrier, name, "", "total", "", "", "", ""]
        rows.append([*total, major(group.total), report.currency])
    return rows


def _file(
    columns: Sequence[str], rows: list[list[Cell]], fmt: str, name: str, sheet_title: str
) -> Export:
    cleaned = [[safe(cell) for cell in row] for row in rows]
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(columns)
        writer.writerows(cleaned)
        return Export(buffer.getvalue().encode(), "text/csv; charset=utf-8", f"{name}.csv")
    from openpyxl import Workbook  # with the first download, not the API (issue 11: RSS)

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = sheet_title
    sheet.append(list(columns))
    for row in cleaned:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return Export(out.getvalue(), XLSX, f"{name}.xlsx")


def _slug(value: str) -> str:
    """A party id as part of a file name: letters, digits, - and _ only."""
    kept = "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "_" for c in value)
    return kept[:64] or "party"


def statement_file(statement: Statement, fmt: str, language: str = "zh") -> Export:
    p = statement.period
    name = f"statement-{_slug(statement.merchant_id)}-{p.start.isoformat()}-{p.end.isoformat()}"
    rows = statement_rows(statement, language)
    return _file(STATEMENT_COLUMNS, rows, fmt, name, "statement")


def claims_file(report: ClaimsReport, fmt: str, language: str = "zh") -> Export:
    p = report.period
    name = f"carrier-claims-{p.start.isoformat()}-{p.end.isoformat()}"
    return _file(CLAIM_COLUMNS, claim_rows(report, language), fmt, name, "claims")
