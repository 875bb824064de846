"""A dashboard chart's rows as a file to download (issue 14, R9.3): CSV or XLSX.

The columns are the chart's, titled in the reader's language; a day column becomes
`from` and `to` (a week's point spans days); labels (categories, reasons, stages) are
names, with the code beside them for machines; amounts are yuan with two decimals
(XLSX: numbers formatted 0.00); shares stay ratios (0.1234). The CSV is UTF-8 with a
BOM so spreadsheet apps read the Chinese; any text a spreadsheet would take for a
formula is kept as text (liability_exports.safe, shared with the statements).
"""

from __future__ import annotations

import csv
import io

from returnflow.domain.money import Money
from returnflow.domain.text import Text
from returnflow.services.dashboard_model import Chart, Filters
from returnflow.services.liability_exports import XLSX, major, safe
from returnflow.services.reconciliation import Export

Value = str | int | float
KEYED = ("return_rate", "reasons", "stage_times")  # charts whose rows carry a code


def _header(chart: Chart, language: str) -> list[str]:
    names: list[str] = ["code"] if chart.name in KEYED else []
    for column in chart.columns:
        if column.kind == "day":
            names += ["from", "to"]
        else:
            names.append(column.title.in_language(language))
    return names


def _cells(chart: Chart, language: str, spreadsheet: bool) -> list[list[Value | None]]:
    rows: list[list[Value | None]] = []
    for row in chart.rows:
        cells: list[Value | None] = [row.key] if chart.name in KEYED else []
        for column in chart.columns:
            value = row.cells.get(column.key)
            if column.kind == "day":
                start, _, end = str(value).partition("/")
                cells += [start, end or start]
            elif isinstance(value, Text):
                cells.append(value.in_language(language))
            elif column.kind == "fen" and isinstance(value, int | float):
                cells.append(round(value / 100, 2) if spreadsheet else major(Money(int(value))))
            else:
                cells.append(value)
        rows.append(cells)
    return rows


def _clean(value: Value | None) -> Value:
    if value is None:
        return ""
    return safe(value) if isinstance(value, str) else value


def chart_file(chart: Chart, f: Filters, fmt: str, language: str) -> Export:
    """The chart's rows as `fmt` ("csv" or "xlsx"), named after the chart and period."""
    name = f"{chart.name}-{f.period.start.isoformat()}-{f.period.end.isoformat()}"
    header = [str(_clean(h)) for h in _header(chart, language)]
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        writer.writerows([_clean(v) for v in row] for row in _cells(chart, language, False))
        content = ("\ufeff" + buffer.getvalue()).encode()  # the BOM: Excel reads UTF-8
        return Export(content, "text/csv; charset=utf-8", f"{name}.csv")
    from openpyxl import Workbook  # with the first download, not the API (issue 11: RSS)
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet(chart.name[:31])
    sheet.append(header)
    fen_at = _fen_positions(chart)
    for row in _cells(chart, language, True):
        cells: list[object] = [_clean(v) for v in row]
        for index in fen_at:
            if isinstance(cells[index], float):
                money = WriteOnlyCell(sheet, value=cells[index])
                money.number_format = "0.00"
                cells[index] = money
        sheet.append(cells)
    about = book.create_sheet("filters")
    for key, value in f.query().items():
        about.append([key, safe(value)])
    about.append(["title", safe(chart.title.in_language(language))])
    about.append(["timezone", "Asia/Shanghai"])
    out = io.BytesIO()
    book.save(out)
    return Export(out.getvalue(), XLSX, f"{name}.xlsx")


def _fen_positions(chart: Chart) -> list[int]:
    positions, index = [], 1 if chart.name in KEYED else 0
    for column in chart.columns:
        if column.kind == "fen":
            positions.append(index)
        index += 2 if column.kind == "day" else 1
    return positions
