"""The periodic report as a PDF a manager forwards (issue 14, R9.3): reportlab platypus.

One language per file. Sections: the overview (headline, KPI table against the previous
period, returns per day), return rate by category (chart, table, merchants), reasons
(Pareto chart), customer profile (segments in words), problem products, improvement
suggestions, then the definitions. Chinese text uses reportlab's built-in CID font
STSong-Light, as the evidence bundle and the labels do (no font file, text stays
searchable); in the English file, runs of Chinese (product titles, merchant names)
switch to it, the rest is Helvetica. Charts come from services/report_charts.py.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime
from typing import Any

from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.platypus import (  # type: ignore[import-untyped]
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
)

from returnflow.domain import reports as rules
from returnflow.domain.metrics import DEFINITIONS
from returnflow.domain.text import Text
from returnflow.services import report_charts as charts
from returnflow.services.report_data import OVERVIEW, KpiLine, ReportData
from returnflow.services.report_layout import CJK, MARGIN, MUTED, RULE, Writer
from returnflow.services.report_words import (
    CATEGORY_COLUMNS,
    MERCHANT_COLUMNS,
    PROBLEM_COLUMNS,
    REASON_COLUMNS,
    W,
    change,
    value,
)


def _overview(w: Writer, data: ReportData) -> list[Any]:
    say = w.say
    rows = [
        [
            say(_kpi_label(k)),
            value(k.now, k.unit, k.name, w.language),
            value(k.before, k.unit, k.name, w.language),
            change(k, w.language),
        ]
        for k in data.kpis
    ]
    header = (W["kpi"], W["this_period"], W["previous"], W["change"])
    days = data.days
    chart = charts.daily_rate(
        [d.day.strftime("%m-%d") for d in days],
        [d.rate for d in days],
        [d.returned for d in days],
        w.language,
        (W["units_returned"], W["return_rate"]),
    )
    return [
        w.p(W["overview"], w.h1),
        w.p(data.headline, w.lead),
        w.table(header, rows, (0.43, 0.19, 0.19, 0.19), numeric=(1, 2, 3)),
        Spacer(1, 4 * mm),
        KeepTogether([w.p(W["per_day"], w.body), w.image(chart, 0.92)]),
    ]


def _kpi_label(k: KpiLine) -> Text:
    return W.get(f"kpi_{k.name}", k.label)


def _categories(w: Writer, data: ReportData) -> list[Any]:
    shown = data.categories[:12]
    if not shown:
        return [w.p(W["by_category"], w.h1), w.p(W["nothing"])]
    chart = charts.rate_by_category(
        [c.label for c in shown],
        [c.rate for c in shown],
        [c.before for c in shown],
        w.language,
        (W["this_period"], W["previous"]),
    )
    lang = w.language
    rows = [
        [
            w.say(c.label),
            f"{c.delivered:,}",
            f"{c.returned:,}",
            rules.pct(c.rate),
            rules.pct(c.before),
            rules.pct(c.fault_rate),
            value(c.refund_amount, "fen", "", lang),
        ]
        for c in shown
    ]
    header = CATEGORY_COLUMNS
    return [
        KeepTogether([w.p(W["by_category"], w.h1), w.image(chart, 0.92)]),
        Spacer(1, 2 * mm),
        w.table(
            header, rows, (0.2, 0.12, 0.11, 0.12, 0.12, 0.15, 0.18), numeric=(1, 2, 3, 4, 5, 6)
        ),
        Spacer(1, 3 * mm),
        _merchants(w, data),
    ]


NUMBERS = (1, 2, 3, 4, 5)


def _merchants(w: Writer, data: ReportData) -> KeepTogether:
    """The merchants with the most returns, beside their rate before."""
    lang = w.language
    merchants = [
        [
            w.say(m.label),
            f"{m.delivered:,}",
            f"{m.returned:,}",
            rules.pct(m.rate),
            rules.pct(m.before),
            value(m.refund_amount, "fen", "", lang),
        ]
        for m in data.merchants
    ]
    m_header = MERCHANT_COLUMNS
    return KeepTogether(
        [
            w.p(W["merchants"], w.lead),
            w.table(m_header, merchants, (0.3, 0.13, 0.12, 0.13, 0.13, 0.19), numeric=NUMBERS),
        ]
    )


def _reasons(w: Writer, data: ReportData) -> list[Any]:
    if not data.reasons:
        return [w.p(W["reasons"], w.h1), w.p(W["nothing"])]
    chart = charts.reasons_pareto(
        [r.label for r in data.reasons],
        [r.units for r in data.reasons],
        w.language,
        (W["units_returned"], W["cumulative"]),
    )
    rows = [
        [w.say(r.label), f"{r.units:,}", rules.pct(r.share), rules.pct(r.before)]
        for r in data.reasons
    ]
    header = REASON_COLUMNS
    return [
        KeepTogether(
            [w.p(W["reasons"], w.h1), w.p(W["reasons_lead"], w.body), w.image(chart, 0.9)]
        ),
        w.table(header, rows, (0.4, 0.2, 0.2, 0.2), numeric=(1, 2, 3)),
    ]


def _customers(w: Writer, data: ReportData) -> list[Any]:
    report = data.segments
    if not report.segments:
        return [w.p(W["customers"], w.h1), w.p(W["nothing"])]
    lang = w.language
    rows = [
        [
            w.say(s.description),
            f"{s.customers:,}",
            rules.pct(s.share),
            f"{s.returns_per_customer:.1f}",
            value(s.average_value, "fen", "", lang),
            rules.pct(s.no_reason_share),
            f"{s.days_after_delivery:.1f}",
        ]
        for s in report.segments
    ]
    header = (
        W["segment"],
        W["customers_n"],
        W["share"],
        W["returns_each"],
        W["avg_value"],
        W["no_reason"],
        W["days_after"],
    )
    lead = W["customers_lead"].format(n=f"{report.customers:,}")
    widths = (0.32, 0.11, 0.09, 0.1, 0.13, 0.12, 0.13)
    table = w.table(header, rows, widths, numeric=(1, 2, 3, 4, 5, 6))
    return [KeepTogether([w.p(W["customers"], w.h1), w.p(lead, w.body), table])]


def _problems(w: Writer, data: ReportData) -> list[Any]:
    if not data.problems:
        return [w.p(W["problems"], w.h1), w.p(W["no_problems"])]
    sep = "、" if w.language == "zh" else ", "
    rows = [
        [
            f"{x.title}<br/>{x.sku}",
            x.merchant,
            w.say(x.category),
            f"{x.delivered:,}",
            f"{x.fault_returns:,}",
            rules.pct(x.rate),
            rules.pct(x.category_rate),
            f"{x.lift:.1f}×",
            sep.join(x.terms),
        ]
        for x in data.problems
    ]
    header = PROBLEM_COLUMNS
    table = w.table(
        header, rows, (0.17, 0.13, 0.1, 0.08, 0.08, 0.1, 0.09, 0.07, 0.18), numeric=(3, 4, 5, 6, 7)
    )
    for r, x in enumerate(data.problems, start=1):  # the title and SKU on two lines
        table._cellvalues[r][0] = Paragraph(
            f"{w.markup(x.title)}<br/><font size=7 color='{MUTED}'>{w.markup(x.sku)}</font>", w.cell
        )
    return [KeepTogether([w.p(W["problems"], w.h1), w.p(W["problems_lead"], w.body), table])]


def _suggestions(w: Writer, data: ReportData) -> list[Any]:
    items = [w.p(f"{n}. {w.say(s)}", w.body) for n, s in enumerate(data.suggestions, start=1)]
    return [KeepTogether([w.p(W["suggestions"], w.h1), *items])]


def _definitions(w: Writer) -> list[Any]:
    lines = [w.p(W["definitions"], w.lead)]
    for name in OVERVIEW:  # the figures the overview shows
        lines.append(w.p(w.say(DEFINITIONS[name].words), w.small))
    lines.append(w.p(W["definitions_note"], w.small))
    return [Spacer(1, 6 * mm), KeepTogether(lines)]


def _cover(w: Writer, data: ReportData, now: datetime) -> list[Any]:
    p = data.period
    title = Text(
        f"退换货{rules.KIND_LABELS[p.kind].zh}", f"Returns — {rules.KIND_LABELS[p.kind].en}"
    )
    subtitle = W["period_line"].format(
        period=w.say(p.label),
        start=p.start.isoformat(),
        end=p.end.isoformat(),
        previous=w.say(data.previous.label),
    )
    made = now.astimezone(rules.ZONE).strftime("%Y-%m-%d %H:%M")
    return [
        w.p(title, w.title),
        w.p(subtitle, w.body),
        w.p(W["generated"].format(at=made), w.small),
        Spacer(1, 2 * mm),
    ]


def render(data: ReportData, language: str, now: datetime) -> bytes:
    """The report's PDF in `language` (zh | en)."""
    w = Writer(language)
    buffer = io.BytesIO()
    footer = w.say(W["footer"]).format(
        kind=w.say(rules.KIND_LABELS[data.period.kind]),
        start=data.period.start.isoformat(),
        end=data.period.end.isoformat(),
    )
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=14 * mm,
        bottomMargin=16 * mm,
        title=footer,
        author="ReturnFlow",
    )
    story: list[Any] = [
        *_cover(w, data, now),
        *_overview(w, data),
        *_suggestions(w, data),
        *_categories(w, data),
        *_reasons(w, data),
        *_customers(w, data),
        *_problems(w, data),
        *_definitions(w),
    ]
    draw = _footer(footer, w.body_font)
    document.build(story, onFirstPage=draw, onLaterPages=draw)
    return buffer.getvalue()


def _footer(line: str, font: str) -> Callable[[Any, Any], None]:
    def draw(canvas: Any, document: Any) -> None:
        canvas.saveState()
        canvas.setFont(CJK if font == CJK else "Helvetica", 7.5)
        canvas.setFillColor(colors.HexColor(MUTED))
        canvas.drawString(MARGIN, 9 * mm, line)
        canvas.drawRightString(A4[0] - MARGIN, 9 * mm, str(document.page))
        canvas.setStrokeColor(colors.HexColor(RULE))
        canvas.line(MARGIN, 12 * mm, A4[0] - MARGIN, 12 * mm)
        canvas.restoreState()

    return draw
