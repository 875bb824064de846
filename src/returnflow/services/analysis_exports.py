"""The analyses' and scorecards' tables as files (issue 14, R9.2, R9.5, R11.2, R12.2).

Each table of /staff/analytics/insights (problem products, reason clusters, segments,
correlations, the 14-day forecast) and of /staff/scorecards (merchants, staff) as CSV
(UTF-8 with a BOM, so spreadsheet apps read Chinese) or XLSX. The figures are the
page's, rounded as the page shows them: rates as percentages with one decimal, hours
with one, money in yuan with two; headers and labels in the reader's language. A text
cell a spreadsheet would run as a formula is neutralised by liability_exports.safe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from returnflow.domain.analyses import category_label
from returnflow.domain.kinds import Reason
from returnflow.domain.money import Money
from returnflow.domain.text import Text
from returnflow.services.analyses import (
    CorrelationReport,
    ProblemReport,
    ReasonReport,
    SegmentReport,
)
from returnflow.services.analyses_forecast import ReturnsForecast
from returnflow.services.liability_exports import XLSX, major, safe
from returnflow.services.reconciliation import Export
from returnflow.services.scorecards import MerchantBoard, StaffBoard

Cell = str | int | float
Format = Literal["csv", "xlsx"]
TABLES = ("problems", "reasons", "segments", "correlations", "forecast")


@dataclass(frozen=True)
class Table:
    name: str  # the file's name, without its extension
    sheet: str
    columns: tuple[Text, ...]
    rows: list[list[Cell]]


def pct(value: float | None) -> Cell:
    """A share as the page shows it: percent, one decimal ("" when there is none)."""
    return "" if value is None else round(value * 100, 1)


def one(value: float | None, digits: int = 1) -> Cell:
    return "" if value is None else round(value, digits)


def yuan(fen: int) -> str:
    return major(Money(int(fen)))


def _reason(code: str, language: str) -> str:
    try:
        return Reason(code).label.in_language(language)
    except ValueError:
        return ""


def _period(name: str, report: ProblemReport | ReasonReport | SegmentReport) -> str:
    return f"{name}-{report.period.start.isoformat()}-{report.period.end.isoformat()}"


def problems(report: ProblemReport, names: dict[str, str], language: str) -> Table:
    """`names`: merchant id → name, for a ranking by merchant or listing."""
    rows: list[list[Cell]] = []
    for p in report.products:
        merchant = p.key.split("/", 1)[0] if report.by != "sku" else ""
        name = p.title or names.get(merchant, p.key)
        category = category_label(p.category).in_language(language) if p.category else ""
        rows.append(
            [
                p.key,
                name,
                names.get(merchant, merchant),
                category,
                p.delivered,
                p.fault_returns,
                pct(p.rate),
                pct(p.category_rate),
                one(p.lift),
                " · ".join(p.terms),
                " | ".join(p.quotes),
            ]
        )
    columns = (
        Text("编号", "Key"),
        Text("名称", "Name"),
        Text("商家", "Merchant"),
        Text("商品类目", "Category"),
        Text("妥投件数", "Units delivered"),
        Text("质量类退货", "Fault returns"),
        Text("质量类退货率 %", "Fault return rate %"),
        Text("类目退货率 %", "Category rate %"),
        Text("为类目的倍数", "Times the category"),
        Text("顾客用词", "Customers' words"),
        Text("顾客原话", "Quotes"),
    )
    return Table(_period(f"problem-products-{report.by}", report), "problems", columns, rows)


def reasons(report: ReasonReport, language: str) -> Table:
    assorted = Text("杂项：共同点少", "Assorted: little in common").in_language(language)
    rows: list[list[Cell]] = [
        [
            n,
            assorted if c.mixed else " · ".join(c.terms[:4]),
            c.size,
            pct(c.share),
            _reason(c.reason, language),
            " | ".join(c.examples),
        ]
        for n, c in enumerate(report.clusters, start=1)
    ]
    columns = (
        Text("序号", "No."),
        Text("主题", "Theme"),
        Text("条数", "Texts"),
        Text("占比 %", "Share %"),
        Text("多数申请原因", "Mostly filed as"),
        Text("示例", "Examples"),
    )
    return Table(_period("reason-clusters", report), "reasons", columns, rows)


def segments(report: SegmentReport, language: str) -> Table:
    rows: list[list[Cell]] = [
        [
            s.description.in_language(language),
            s.customers,
            pct(s.share),
            one(s.returns_per_customer),
            yuan(s.average_value),
            pct(s.no_reason_share),
            one(s.days_after_delivery),
        ]
        for s in report.segments
    ]
    columns = (
        Text("顾客分群", "Customer segment"),
        Text("退货顾客数", "Returning customers"),
        Text("占比 %", "Share %"),
        Text("人均申请数", "Requests each"),
        Text("每行金额（元）", "Value per line (CNY)"),
        Text("无理由占比 %", "No-reason share %"),
        Text("妥投后天数", "Days after delivery"),
    )
    return Table(_period("customer-segments", report), "segments", columns, rows)


def correlations(report: CorrelationReport, language: str) -> Table:
    rows: list[list[Cell]] = [
        [
            r.label.in_language(language),
            one(r.coefficient, 3),
            r.n,
            r.words.in_language(language),
            pct(r.group_rate),
        ]
        for r in report.rows
    ]
    columns = (
        Text("因素", "Factor"),
        Text("相关系数 r", "r"),
        Text("样本数 n", "n"),
        Text("解读", "In words"),
        Text("该组退货率 %", "Its return rate %"),
    )
    p = report.period
    return Table(f"correlations-{p.start}-{p.end}", "correlations", columns, rows)


def forecast(report: ReturnsForecast) -> Table:
    rows: list[list[Cell]] = [
        [
            d.day.isoformat(),
            d.expected,
            d.low,
            d.high,
            d.inspectors,
            d.more_inspectors if report.roster else "",
        ]
        for d in report.days
    ]
    columns = (
        Text("日期", "Day"),
        Text("预计到件", "Expected parcels"),
        Text("区间下限", "Interval low"),
        Text("区间上限", "Interval high"),
        Text("所需质检员", "Inspectors needed"),
        Text("比平常多", "More than usual"),
    )
    first = report.days[0].day.isoformat() if report.days else "none"
    return Table(f"returns-forecast-{first}", "forecast", columns, rows)


def merchant_scorecards(board: MerchantBoard) -> Table:
    rows: list[list[Cell]] = []
    for card in board.cards:
        f = card.figures
        rows.append(
            [
                card.rank,
                board.total,
                board.names.get(f.merchant_id, f.merchant_id),
                one(f.score),
                one(card.trend),
                f.requests,
                one(f.median_answer_hours),
                f.decisions,
                pct(f.approval_rate),
                pct(f.overturn_rate),
                f.overturned,
                pct(f.dispute_rate),
                f.disputes,
                f.rulings_against,
                pct(f.return_rate),
                pct(f.category_rate),
                one(f.survey.csat, 2),
                f.survey.answers,
                yuan(f.charged_back),
            ]
        )
    columns = (
        Text("排名", "Rank"),
        Text("参与排名商家数", "Merchants ranked"),
        Text("商家", "Merchant"),
        Text("得分", "Score"),
        Text("较上期", "Trend"),
        Text("申请数", "Requests"),
        Text("答复时长中位数（小时）", "Time to answer, median (h)"),
        Text("审核决定数", "Decisions"),
        Text("同意率 %", "Approval rate %"),
        Text("申诉改判率 %", "Overturn rate %"),
        Text("被改判数", "Overturned"),
        Text("纠纷率 %", "Dispute rate %"),
        Text("纠纷数", "Disputes"),
        Text("判定商家担责", "Ruled against"),
        Text("退货率 %", "Return rate %"),
        Text("类目退货率 %", "Category rate %"),
        Text("满意度（1–5）", "Satisfaction (1–5)"),
        Text("问卷答复数", "Survey answers"),
        Text("向商家追偿（元）", "Charged back (CNY)"),
    )
    p = board.period
    return Table(f"merchant-scorecards-{p.start}-{p.end}", "merchants", columns, rows)


def staff_scorecards(board: StaffBoard, team_label: Callable[[str], Text], language: str) -> Table:
    """Teams first, then every person (not only the page shown)."""
    rows: list[list[Cell]] = []
    lines = [("team", line) for line in board.teams] + [("person", p) for p in board.people]
    for kind, line in lines:
        is_team = kind == "team"
        name = team_label(line.key).in_language(language) if is_team else line.key.split(":")[-1]
        team = "" if is_team else team_label(line.team).in_language(language)
        rows.append(
            [
                name,
                team,
                line.requests_handled,
                one(line.median_review_hours),
                line.complaints_handled,
                one(line.median_complaint_hours),
                line.overturned,
                one(line.survey.csat, 2),
                line.survey.answers,
                line.inspections,
                one(line.inspections_per_hour, 2),
            ]
        )
    columns = (
        Text("团队 / 人员", "Team / person"),
        Text("所属团队", "Team"),
        Text("处理申请数", "Requests handled"),
        Text("审核时长中位数（小时）", "Review time, median (h)"),
        Text("解决投诉数", "Complaints resolved"),
        Text("解决时长中位数（小时）", "Resolution time, median (h)"),
        Text("被申诉改判", "Overturned on appeal"),
        Text("满意度（1–5）", "Satisfaction (1–5)"),
        Text("问卷答复数", "Survey answers"),
        Text("质检数", "Inspections"),
        Text("每小时质检", "Inspections per hour"),
    )
    p = board.period
    return Table(f"staff-scorecards-{p.start}-{p.end}", "staff", columns, rows)


def file(table: Table, fmt: Format, language: str) -> Export:
    """The table as CSV (UTF-8 with BOM) or XLSX, every text cell made formula-safe."""
    header = [c.in_language(language) for c in table.columns]
    cleaned = [[_safe(cell) for cell in row] for row in table.rows]
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        writer.writerows(cleaned)
        content = ("\ufeff" + buffer.getvalue()).encode()
        return Export(content, "text/csv; charset=utf-8", f"{table.name}.csv")
    return Export(_xlsx(table.sheet, header, cleaned), XLSX, f"{table.name}.xlsx")


def _safe(cell: Cell) -> Cell:
    return safe(cell) if isinstance(cell, str) else cell


def _xlsx(title: str, header: Sequence[str], rows: list[list[Cell]]) -> bytes:
    from openpyxl import Workbook  # with the first download, not the API (issue 11: RSS)

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    sheet.append(list(header))
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
