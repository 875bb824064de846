"""The dashboards in the console (issue 14, R9.3): /staff/analytics and what hangs off it.

- `/staff/analytics`: the KPI tiles and seven charts (services/dashboards.py) with a
  filter form (GET: period, merchant, category, carrier); each chart is a plotly figure
  built here as JSON and a table under it, so the numbers read without script too.
- `/staff/analytics/requests`: the requests behind a point (a click on it, or the
  table's link), paged, each linking to its request page.
- `/staff/analytics/charts/{chart}.csv|.xlsx`: a chart's rows, with the same filters.
- `/static/vendor/plotly.min.js`: plotly.js from the installed plotly package (no CDN,
  no copy in the repository), cached for a year under a versioned URL.

Merchant accounts see their own numbers only (services/analytics.scope).
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from importlib import metadata, resources
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query
from starlette.requests import Request
from starlette.responses import Response

from returnflow.domain.analyses import category_label
from returnflow.domain.kinds import Reason, reason_label
from returnflow.domain.lifecycle import Status
from returnflow.domain.money import Money
from returnflow.domain.paging import page_count
from returnflow.domain.text import Text
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.files import attachment
from returnflow.entrypoints.language import preferred_language
from returnflow.entrypoints.steps import perform_read
from returnflow.services import dashboard_files, dashboards
from returnflow.services.analytics import KpiReport
from returnflow.services.carrier_names import carrier_label
from returnflow.services.dashboard_model import Chart, Filters, SlaTargets
from returnflow.services.errors import NotFound
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.web import dashboard_figures as figures
from returnflow.web.paging import PageAsked, page_number, pager
from returnflow.web.roles import Analyst
from returnflow.web.staff_page import render_staff
from returnflow.web.templating import money

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 25
DateFrom = Annotated[str, Query(alias="from", max_length=10)]
DateTo = Annotated[str, Query(alias="to", max_length=10)]
Key = Annotated[str, Query(max_length=64, pattern=r"^[A-Za-z0-9_.:-]*$")]
PLOTLY = "/static/vendor/plotly.min.js"
TILES = (  # the KPIs on the tiles, in this order, with their short names
    ("return_rate", Text("退货率", "Return rate")),
    ("complaint_rate", Text("投诉率", "Complaint rate")),
    ("csat", Text("满意度 CSAT", "CSAT")),
    ("nps", Text("净推荐值 NPS", "NPS")),
    ("refund_cycle", Text("退款周期（中位数）", "Refund cycle (median)")),
    ("refund_deadline_compliance", Text("退款时效达标率", "Refunds paid on time")),
    ("logistics_cost_per_return", Text("单件逆向物流成本", "Logistics cost per return")),
    ("recovery_value", Text("回收价值", "Recovery value")),
)


@cache
def _plotly() -> bytes:
    return (resources.files("plotly") / "package_data" / "plotly.min.js").read_bytes()


def plotly_url() -> str:
    return f"{PLOTLY}?v={metadata.version('plotly')}"


@router.get(PLOTLY)
def plotly_js() -> Response:
    """plotly.js from the installed package; the page asks for it under its version."""
    headers = {"Cache-Control": "public, max-age=31536000, immutable"}
    return Response(_plotly(), media_type="text/javascript; charset=utf-8", headers=headers)


def _value(unit: str, value: float | None, language: str) -> str:
    if value is None:
        return "—"
    if unit == "ratio":
        return f"{100 * value:.1f}%"
    if unit == "percent":
        return f"{value:.1f}%"
    if unit == "fen":
        return money(Money(round(value)), language)
    if unit == "seconds":
        hours = value / 3600
        if hours >= 48:
            return f"{hours / 24:.1f} 天" if language == "zh" else f"{hours / 24:.1f} days"
        return f"{hours:.1f} 小时" if language == "zh" else f"{hours:.1f} h"
    return f"{value:.1f}"


def tiles(report: KpiReport, language: str) -> list[dict[str, Any]]:
    """The KPI tiles: a short name, the value in plain words, the definition as a hint."""
    found = []
    for name, words in TILES:
        kpi = report.get(name)
        value = kpi.value
        if name == "nps" and value is not None:
            shown = f"{value:+.0f}" if round(value) else "0"
        else:
            shown = _value(kpi.unit, value, language)
        found.append(
            {
                "name": name,
                "label": words.in_language(language),
                "value": shown,
                "raw": value,
                "hint": kpi.label.in_language(language),
            }
        )
    return found


def chart_values(board: dashboards.Dashboard, language: str, context: Context) -> dict[str, Any]:
    """What the macros need to draw a dashboard's charts and tiles."""
    carriers = {
        c: carrier_label("" if c == "none" else c, context.carriers) for c in board.options.carriers
    }
    return {
        "tiles": tiles(board.kpis, language),
        "figure_json": lambda chart: figures.figure_json(chart, language),
        "cell": lambda value, kind: figures.cell(value, kind, language),
        "drill_url": figures.drill_url,
        "ignored": lambda chart: [n for n in chart.ignored if getattr(board.filters, n)],
        "plotly_url": plotly_url(),
        "carrier_names": carriers,
    }


def _chosen(
    context: Context,
    session: Analyst,
    date_from: DateFrom = "",
    date_to: DateTo = "",
    merchant: Key = "",
    category: Key = "",
    carrier: Key = "",
) -> Filters:
    """The page's filters, shared by the dashboard, its drill-down and its downloads."""
    return dashboards.filters(
        session.principal,
        date_from,
        date_to,
        context.clock(),
        merchant,
        category,
        carrier,
        SlaTargets.from_settings(context.settings),
    )


Chosen = Annotated[Filters, Depends(_chosen)]


@router.get("/staff/analytics")
def analytics_page(
    request: Request,
    context: Context,
    session: Analyst,
    chosen: Chosen,
) -> Response:
    """KPI tiles and the seven charts for a period, with filters and drill-downs."""

    def read(uow: UnitOfWork, now: datetime) -> dashboards.Dashboard:
        return dashboards.dashboard(uow, chosen, now)

    board = perform_read(context, read)
    language = preferred_language(request)
    values = {
        "d": chart_values(board, language, context),
        "board": board,
        "category_label": category_label,
        "filters": chosen,
        "own": session.principal.merchant_scope is not None,
        "reasons": list(Reason),
    }
    return render_staff(request, session, "staff/analytics.html", values, section="analytics")


def _back(chosen: Filters) -> str:
    kept = {k: v for k, v in (("merchant", chosen.merchant), ("carrier", chosen.carrier)) if v}
    return f"?{urlencode(kept)}" if kept else ""


def _label_of(status: str) -> Text:
    try:
        return Status(status).label
    except ValueError:
        return Text(status, status)


@router.get("/staff/analytics/requests")
def drill_down(
    request: Request,
    context: Context,
    session: Analyst,
    chosen: Chosen,
    reason: Key = "",
    page: PageAsked = "1",
) -> Response:
    """The requests behind a point of the return-rate or reasons chart, 25 a page."""
    number = page_number(page)

    def read(uow: UnitOfWork, now: datetime) -> dashboards.DrillDown:
        at = (number - 1) * PAGE_SIZE
        return dashboards.drill_down(uow, chosen, reason, at, PAGE_SIZE, now)

    found = perform_read(context, read)
    if number > page_count(found.page.requests, PAGE_SIZE):  # past the last page: the last
        number = page_count(found.page.requests, PAGE_SIZE)
        found = perform_read(context, read)
    kept = chosen.query(reason=reason or None)
    values = {
        "found": found,
        "filters": chosen,
        "pager": pager(request.url.path, found.page.requests, number, kept, PAGE_SIZE),
        "back": "/staff/analytics" + _back(chosen),
        "status_label": _label_of,
        "reason_label": reason_label,
        "category_label": category_label,
        "carrier_label": lambda code: carrier_label(code, context.carriers),
    }
    return render_staff(
        request, session, "staff/analytics_requests.html", values, section="analytics"
    )


def _not_found() -> NotFound:
    return NotFound("chart_not_found", Text("没有这个图表", "There is no such chart"))


@router.get("/staff/analytics/charts/{chart}.{fmt}")
def chart_file(
    request: Request,
    context: Context,
    session: Analyst,
    chart: str,
    fmt: str,
    chosen: Chosen,
) -> Response:
    """One chart's rows as CSV (UTF-8 with a BOM) or XLSX, with the page's filters."""
    if chart not in dashboards.CHARTS or fmt not in ("csv", "xlsx"):
        raise _not_found()

    def read(uow: UnitOfWork, now: datetime) -> Chart | None:
        return dashboards.chart(uow, chart, chosen, now)

    drawn = perform_read(context, read)
    if drawn is None:
        raise _not_found()
    made = dashboard_files.chart_file(drawn, chosen, fmt, preferred_language(request))
    return attachment(made.content, made.media_type, made.filename)
