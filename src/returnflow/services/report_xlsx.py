"""The periodic report's tables as one XLSX workbook (issue 14, R9.3), one sheet per table.

Headers in both languages ("退货率 / Return rate"), so one file serves every reader.
Numbers stay numbers: rates as shares formatted as percentages, money in yuan with two
decimals, durations in hours. Text cells pass through liability_exports.safe, so a
product title or a customer's word starting with "=" is never taken for a formula.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from returnflow.domain import reports as rules
from returnflow.domain.text import Text
from returnflow.services.liability_exports import safe
from returnflow.services.report_data import ReportData
from returnflow.services.report_words import (
    CATEGORY_COLUMNS,
    MERCHANT_COLUMNS,
    PROBLEM_COLUMNS,
    REASON_COLUMNS,
    W,
)

Cell = str | int | float | None
PERCENT, YUAN, HOURS = "0.0%", "#,##0.00", "0.0"
HEAD_FILL = PatternFill("solid", fgColor="2F6FDE")


def _both(words: Text) -> str:
    return f"{words.zh} / {words.en}"


def _sheet(
    book: Workbook,
    title: Text,
    header: Sequence[Text],
    rows: Sequence[Sequence[Cell]],
    formats: dict[int, str] | None = None,
) -> Worksheet:
    sheet = book.create_sheet(f"{title.zh} {title.en}"[:31])
    sheet.append([_both(h) for h in header])
    for cell in sheet[1]:
        cell.font, cell.fill = Font(bold=True, color="FFFFFF"), HEAD_FILL
    for row in rows:
        sheet.append(
            [value if value is None or isinstance(value, float) else safe(value) for value in row]
        )
    for column, fmt in (formats or {}).items():
        for (cell,) in sheet.iter_rows(min_row=2, min_col=column + 1, max_col=column + 1):
            cell.number_format = fmt
    for index, _ in enumerate(header):
        sheet.column_dimensions[chr(ord("A") + index)].width = 18 if index else 30
    sheet.freeze_panes = "A2"
    return sheet


def _kpi_value(number: float | None, unit: str) -> float | None:
    if number is None:
        return None
    if unit == "seconds":
        return round(number / 3600, 2)
    if unit == "fen":
        return number / 100
    if unit == "percent":
        return number  # CSAT in percent, NPS a score
    return number


def _unit(unit: str, name: str) -> Text:
    return {
        "ratio": Text("比率", "share"),
        "seconds": Text("小时", "hours"),
        "fen": Text("元", "yuan"),
        "percent": Text("分" if name == "nps" else "%", "score" if name == "nps" else "%"),
    }.get(unit, Text("", ""))


def _overview(book: Workbook, data: ReportData) -> None:
    rows = [
        [
            _both(W.get(f"kpi_{k.name}", k.label)),
            _both(_unit(k.unit, k.name)),
            _kpi_value(k.now, k.unit),
            _kpi_value(k.before, k.unit),
            k.name,
        ]
        for k in data.kpis
    ]
    rows += [
        [_both(W["delivered"]), "", data.units_delivered, None, "units_delivered"],
        [_both(W["returned"]), "", data.units_returned, None, "units_returned"],
        [_both(Text("订单数", "Orders delivered")), "", data.orders, None, "orders"],
    ]
    header = (W["kpi"], Text("单位", "Unit"), W["this_period"], W["previous"], Text("代码", "Key"))
    sheet = _sheet(book, W["overview"], header, rows)
    for row, k in enumerate(data.kpis, start=2):
        if k.unit == "ratio":
            for column in ("C", "D"):
                sheet[f"{column}{row}"].number_format = PERCENT


def _tables(book: Workbook, data: ReportData) -> None:
    """Categories and merchants: where the returns come from."""
    _sheet(
        book,
        W["by_category"],
        CATEGORY_COLUMNS,
        [
            [
                _both(c.label),
                c.delivered,
                c.returned,
                c.rate,
                c.before,
                c.fault_rate,
                c.refund_amount / 100,
            ]
            for c in data.categories
        ],
        {3: PERCENT, 4: PERCENT, 5: PERCENT, 6: YUAN},
    )
    _sheet(
        book,
        W["merchants"],
        MERCHANT_COLUMNS,
        [
            [m.label.zh, m.delivered, m.returned, m.rate, m.before, m.refund_amount / 100]
            for m in data.merchants
        ],
        {3: PERCENT, 4: PERCENT, 5: YUAN},
    )


def _return_tables(book: Workbook, data: ReportData) -> None:
    """Reasons, customers, problem products and the days: why and who."""
    _sheet(
        book,
        W["reasons"],
        REASON_COLUMNS,
        [[_both(r.label), r.units, r.share, r.before] for r in data.reasons],
        {2: PERCENT, 3: PERCENT},
    )
    _sheet(
        book,
        W["customers"],
        (
            W["segment"],
            W["customers_n"],
            W["share"],
            W["returns_each"],
            W["avg_value"],
            W["no_reason"],
            W["days_after"],
        ),
        [
            [
                _both(s.description),
                s.customers,
                s.share,
                s.returns_per_customer,
                s.average_value / 100,
                s.no_reason_share,
                s.days_after_delivery,
            ]
            for s in data.segments.segments
        ],
        {2: PERCENT, 4: YUAN, 5: PERCENT},
    )


def _product_tables(book: Workbook, data: ReportData) -> None:
    """Problem products and the days behind the overview's chart."""
    _sheet(
        book,
        W["problems"],
        (PROBLEM_COLUMNS[0], Text("SKU", "SKU"), *PROBLEM_COLUMNS[1:]),
        [
            [
                x.title,
                x.sku,
                x.merchant,
                _both(x.category),
                x.delivered,
                x.fault_returns,
                x.rate,
                x.category_rate,
                x.lift,
                " ".join(x.terms),
            ]
            for x in data.problems
        ],
        {6: PERCENT, 7: PERCENT},
    )
    _sheet(
        book,
        Text("每日", "Days"),
        (Text("签收日", "Delivery day"), W["delivered"], W["returned"], W["return_rate"]),
        [[d.day.isoformat(), d.delivered, d.returned, d.rate] for d in data.days],
        {3: PERCENT},
    )


def render(data: ReportData) -> bytes:
    book = Workbook()
    if book.active is not None:
        book.remove(book.active)
    _overview(book, data)
    _tables(book, data)
    _return_tables(book, data)
    _product_tables(book, data)
    _sheet(
        book,
        W["suggestions"],
        (Text("中文", "Chinese"), Text("英文", "English")),
        [[s.zh, s.en] for s in data.suggestions],
    )
    p = data.period
    _sheet(
        book,
        W["sheet_about"],
        (Text("项目", "Item"), Text("值", "Value")),
        [
            [_both(rules.KIND_LABELS[p.kind]), f"{p.start.isoformat()} – {p.end.isoformat()}"],
            [
                _both(W["previous"]),
                f"{data.previous.start.isoformat()} – {data.previous.end.isoformat()}",
            ],
            [_both(Text("时区", "Time zone")), "Asia/Shanghai"],
        ],
    )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
