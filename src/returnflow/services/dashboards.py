"""The dashboards (issue 14, R9.3): each chart of /staff/analytics as plain data.

A chart is a title, a unit, columns and rows (cells: numbers, days, `Text` labels), so
the page draws it, lists it as a table and hands it out as CSV/XLSX from one source.
The charts' model is services/dashboard_model.py, the charts services/dashboard_charts.py.
Every number comes from the daily rollups (`uow.analytics_series`, a SUM per day), so
a year over 10 M return lines answers in well under a second; the definitions are
domain/metrics.py's. A period longer than 62 days is drawn per week (Monday first).

Filters: the period (local days, none given: the last 30, at most 366), merchant (a
merchant account: always its own), category, carrier. A rollup without a dimension
cannot be cut by it: durations have no category or carrier, the other measures no
carrier (and a category only for orders and the recovery value); such a chart lists
the filters it ignores (`ignored`) and the page says so beside it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from returnflow.domain.access import Principal
from returnflow.domain.input_bounds import day_range, optional_day, within_days
from returnflow.services import analytics
from returnflow.services import dashboard_charts as charts
from returnflow.services.analytics import ZONE, KpiReport, Period
from returnflow.services.dashboard_model import Chart, Filters, SlaTargets
from returnflow.services.merchants import merchant_names
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.storage.analytics_series import FilterOptions, RequestPage, SeriesScope

DEFAULT_DAYS = 30
MAX_DAYS = 366


@dataclass(frozen=True, slots=True)
class Dashboard:
    filters: Filters
    kpis: KpiReport
    charts: tuple[Chart, ...]
    options: FilterOptions
    merchant_names: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DrillDown:
    filters: Filters
    reason: str | None
    page: RequestPage
    merchant_names: dict[str, str]


def filters(
    principal: Principal,
    date_from: str,
    date_to: str,
    now: datetime,
    merchant: str = "",
    category: str = "",
    carrier: str = "",
    targets: SlaTargets | None = None,
) -> Filters:
    """The filters asked for; a merchant account always gets its own (another: refused).
    `targets`: the service levels of this installation (None: the defaults)."""
    today = now.astimezone(ZONE).date()
    first, last = day_range(
        optional_day(date_from, "from"), optional_day(date_to, "to"), today, DEFAULT_DAYS
    )
    first, last = within_days(first, last, MAX_DAYS)
    whose = analytics.scope(principal, merchant or None)
    chosen = Filters(Period(first, last), whose, category or None, carrier or None)
    return chosen if targets is None else replace(chosen, targets=targets)


CHARTS: dict[str, Callable[[UnitOfWork, Filters], Chart]] = {
    "return_rate": charts.return_rate_chart,
    "reasons": charts.reasons_chart,
    "stage_times": charts.stage_times_chart,
    "sla": charts.sla_chart,
    "refund_cycle": charts.refund_cycle_chart,
    "satisfaction": charts.satisfaction_chart,
    "cost": charts.cost_chart,
}
HOME_CHARTS = ("return_rate", "reasons")


def chart(uow: UnitOfWork, name: str, f: Filters, now: datetime) -> Chart | None:
    """One chart by name; None for a name there is no chart of."""
    build = CHARTS.get(name)
    return None if build is None else build(uow, f)


def dashboard(
    uow: UnitOfWork, f: Filters, now: datetime, names: tuple[str, ...] = tuple(CHARTS)
) -> Dashboard:
    """The KPIs (merchant filter only), the charts asked for and, for the full page (every
    chart), the filter form's choices; the console home asks for two charts and no form."""
    report = analytics.kpis(uow, f.period, f.merchant)
    drawn = tuple(CHARTS[name](uow, f) for name in names)
    options = FilterOptions((), (), ())
    if names == tuple(CHARTS):
        scope = SeriesScope(f.period.start, f.period.end, f.merchant)
        options = uow.analytics_series.options(scope)
    named = merchant_names(uow, [*options.merchants, *([f.merchant] if f.merchant else [])])
    return Dashboard(f, report, drawn, options, named)


def drill_down(
    uow: UnitOfWork, f: Filters, reason: str | None, offset: int, limit: int, now: datetime
) -> DrillDown:
    """The requests behind a point of the return-rate or reasons chart, from the raw tables."""
    s = f.scope()
    scope = SeriesScope(s.start, s.end, s.merchant, s.category, s.carrier, reason or None)
    page = uow.analytics_series.requests(scope, offset, limit)
    named = merchant_names(uow, {line.merchant_id for line in page.lines})
    return DrillDown(f, reason or None, page, named)
