"""The analyses in the console (issue 14, R9.2, R9.5): /staff/analytics/insights.

One page for those with the analytics permission (a merchant: its own orders): the
14-day forecast of incoming returns with its interval and the inspectors it needs (an
SVG chart drawn here, on the server: no script), the problem products, the customers'
reasons in clusters, the segments of returning customers and the correlations of the
return rate. A period of local days (none given: the last 90) applies to all but the
forecast, which always looks at the last 12 weeks. Each table downloads as CSV or XLSX
(`/staff/analytics/insights/{table}.{csv|xlsx}`, the same period and scope; the files
are built in services/analysis_exports.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from starlette.requests import Request
from starlette.responses import Response

from returnflow.domain.analyses import category_label
from returnflow.domain.kinds import reason_label
from returnflow.domain.money import Money
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.files import attachment
from returnflow.entrypoints.language import preferred_language
from returnflow.services import analyses, analysis_exports
from returnflow.services import analyses_forecast as forecasting
from returnflow.services.merchants import merchant_names
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.web.roles import Analyst
from returnflow.web.staff_page import render_staff

router = APIRouter(include_in_schema=False)

DateFrom = Annotated[str, Query(alias="from", max_length=10)]
DateTo = Annotated[str, Query(alias="to", max_length=10)]
By = Literal["sku", "listing", "merchant"]
TableName = Annotated[
    Literal["problems", "reasons", "segments", "correlations", "forecast"], Path()
]
Fmt = Annotated[Literal["csv", "xlsx"], Path()]
WIDTH, HEIGHT, PAD = 720, 220, 36
SHOWN_HISTORY = 28  # days of history drawn before the forecast


@dataclass(frozen=True)
class Chart:
    """The forecast chart's shapes in SVG coordinates."""

    history: str  # polyline points
    expected: str
    band: str  # polygon points: the interval
    today_x: float
    top: int  # the value at the top of the axis
    ticks: tuple[tuple[float, str], ...]  # (x, "MM-DD") under the axis
    width: int = WIDTH
    height: int = HEIGHT
    pad: int = PAD


def _points(values: list[tuple[float, float]]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in values)


def chart(forecast: forecasting.ReturnsForecast) -> Chart:
    history = forecast.history[-SHOWN_HISTORY:]
    days = forecast.days
    total = len(history) + len(days)
    top = max([1, *(d.count for d in history), *(d.high for d in days)])
    top = int(top * 1.1) + 1

    def x(i: int) -> float:
        return PAD + (WIDTH - 2 * PAD) * i / max(1, total - 1)

    def y(v: float) -> float:
        return HEIGHT - PAD - (HEIGHT - 2 * PAD) * v / top

    start = len(history)
    upper = [(x(start + i), y(d.high)) for i, d in enumerate(days)]
    lower = [(x(start + i), y(d.low)) for i, d in enumerate(days)]
    ticks = tuple(
        (x(i), (history[i].day if i < start else days[i - start].day).strftime("%m-%d"))
        for i in range(0, total, 7)
    )
    return Chart(
        history=_points([(x(i), y(d.count)) for i, d in enumerate(history)]),
        expected=_points([(x(start + i), y(d.expected)) for i, d in enumerate(days)]),
        band=_points(upper + lower[::-1]),
        today_x=x(start),
        top=top,
        ticks=ticks,
    )


@router.get("/staff/analytics/insights")
def insights(
    request: Request,
    context: Context,
    session: Analyst,
    by: By = "sku",
    date_from: DateFrom = "",
    date_to: DateTo = "",
) -> Response:
    """Forecast and staffing, problem products, reason clusters, segments, correlations."""
    now = context.clock()
    when = analyses.window(date_from, date_to, now)
    scope = session.principal.merchant_scope
    with context.read_uow() as uow:
        forecast = forecasting.incoming_forecast(uow, now, merchant_scope=scope)
        problems = analyses.problem_products(uow, when, by, merchant_scope=scope)
        values = {
            "period": when,
            "by": by,
            "forecast": forecast,
            "chart": chart(forecast),
            "problems": problems,
            "merchant_names": _merchants(uow, problems),
            "reasons": analyses.reason_clusters(uow, when, merchant_scope=scope),
            "segments": analyses.customer_segments(uow, when, merchant_scope=scope),
            "correlations": analyses.correlations(uow, when, merchant_scope=scope),
            "reason_label": reason_label,
            "fen": Money,  # averages are integer fen (CNY)
            "category_label": category_label,
        }
    return render_staff(request, session, "staff/insights.html", values, section="insights")


def _merchants(uow: UnitOfWork, report: analyses.ProblemReport) -> dict[str, str]:
    """A ranking by merchant or listing names its merchants (id → name)."""
    if report.by == "sku":
        return {}
    return merchant_names(uow, [p.key.split("/", 1)[0] for p in report.products])


@router.get("/staff/analytics/insights/{table}.{fmt}")
def download(
    request: Request,
    context: Context,
    session: Analyst,
    table: TableName,
    fmt: Fmt,
    by: By = "sku",
    date_from: DateFrom = "",
    date_to: DateTo = "",
) -> Response:
    """One table of the page as CSV or XLSX: the same period, scope and figures."""
    now = context.clock()
    when = analyses.window(date_from, date_to, now)
    scope = session.principal.merchant_scope
    language = preferred_language(request)
    with context.read_uow() as uow:
        if table == "problems":
            report = analyses.problem_products(uow, when, by, merchant_scope=scope)
            made = analysis_exports.problems(report, _merchants(uow, report), language)
        elif table == "reasons":
            clusters = analyses.reason_clusters(uow, when, merchant_scope=scope)
            made = analysis_exports.reasons(clusters, language)
        elif table == "segments":
            groups = analyses.customer_segments(uow, when, merchant_scope=scope)
            made = analysis_exports.segments(groups, language)
        elif table == "correlations":
            found = analyses.correlations(uow, when, merchant_scope=scope)
            made = analysis_exports.correlations(found, language)
        else:
            ahead = forecasting.incoming_forecast(uow, now, merchant_scope=scope)
            made = analysis_exports.forecast(ahead)
    out = analysis_exports.file(made, fmt, language)
    return attachment(out.content, out.media_type, out.filename)
