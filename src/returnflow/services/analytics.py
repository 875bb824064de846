"""The numbers of the operation (issue 14, R9.1, R9.4): return rates and KPIs from the rollups.

`return_rates` and `kpis` read only the daily rollups (`uow.analytics`), so a period of
millions of return lines answers in well under a second; the definitions live in
`domain/metrics.py`, and each KPI carries the inputs its definition names. `rebuild`
and `refresh` keep the rollups (the CLI and the worker call them). Other capabilities
(dashboards, monitors, scorecards) call these functions with their own unit of work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from returnflow.domain import metrics
from returnflow.domain.access import Principal, forbidden
from returnflow.domain.input_bounds import required_days
from returnflow.domain.text import Text
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.storage.analytics import KpiInputs

GroupBy = Literal["day", "merchant", "category", "sku", "reason", "carrier"]
MAX_DAYS = 366
ZONE = ZoneInfo("Asia/Shanghai")
InputValue = int | float | None


@dataclass(frozen=True, slots=True)
class Period:
    """Local days (China Standard Time) start..end, both inclusive."""

    start: date
    end: date


@dataclass(frozen=True, slots=True)
class ReturnRateRow:
    key: str
    orders: int
    units_delivered: int
    units_returned: int
    return_rate: float | None  # units_returned ÷ units_delivered
    refund_amount: int  # fen


@dataclass(frozen=True, slots=True)
class ReturnRateReport:
    group_by: GroupBy
    period: Period
    merchant: str | None
    rows: tuple[ReturnRateRow, ...]


@dataclass(frozen=True, slots=True)
class Kpi:
    name: str
    value: float | None
    unit: str  # ratio, percent, seconds, fen
    label: Text
    inputs: dict[str, InputValue]


@dataclass(frozen=True, slots=True)
class KpiReport:
    period: Period
    merchant: str | None
    kpis: tuple[Kpi, ...]

    def get(self, name: str) -> Kpi:
        return next(kpi for kpi in self.kpis if kpi.name == name)


def period(date_from: str, date_to: str) -> Period:
    """Both days required (`YYYY-MM-DD`), `from` ≤ `to`, at most 366 days."""
    return Period(*required_days(date_from, date_to, MAX_DAYS))


def scope(principal: Principal, merchant: str | None) -> str | None:
    """Whose numbers: a merchant account sees only its own, asking for another is refused."""
    if principal.merchant_id is not None:
        if merchant not in (None, "", principal.merchant_id):
            raise forbidden()
        return principal.merchant_id
    return merchant or None


def return_rates(
    uow: UnitOfWork, group_by: GroupBy, when: Period, merchant: str | None = None
) -> ReturnRateReport:
    figures = uow.analytics.return_rates(group_by, when.start, when.end, merchant)
    rows = tuple(
        ReturnRateRow(
            key=f.key,
            orders=f.orders,
            units_delivered=f.units_delivered,
            units_returned=f.units_returned,
            return_rate=metrics.rate(f.units_returned, f.units_delivered),
            refund_amount=f.refund_amount,
        )
        for f in figures
    )
    return ReturnRateReport(group_by, when, merchant, rows)


def kpis(uow: UnitOfWork, when: Period, merchant: str | None = None) -> KpiReport:
    """Every KPI of the period with its definition's inputs."""
    found = uow.analytics.kpi_inputs(when.start, when.end, merchant)
    values = _ratios(found)
    for metric in metrics.DURATION_METRICS:
        histogram = found.histograms.get(metric, {})
        values[metric] = _duration(histogram, found.seconds.get(metric, 0))
    listed = tuple(
        Kpi(name, values[name][0], d.unit, d.words, values[name][1])
        for name, d in metrics.DEFINITIONS.items()
    )
    return KpiReport(when, merchant, listed)


def _ratios(found: KpiInputs) -> dict[str, tuple[float | None, dict[str, InputValue]]]:
    m = found.measures

    def count(name: str) -> int:
        return m.get(name, (0, 0))[0]

    def amount(name: str) -> int:
        return m.get(name, (0, 0))[1]

    answers, satisfied = count("survey_answers"), count("csat_satisfied")
    promoters, detractors = count("nps_promoters"), count("nps_detractors")
    shipped, cost = count("logistics_cost"), amount("logistics_cost")
    on_time, with_deadline = count("refunds_on_time"), count("refunds_with_deadline")
    returned, delivered = found.units_returned, found.units_delivered
    return {
        "return_rate": (
            metrics.rate(returned, delivered),
            {"units_returned": returned, "units_delivered": delivered, "orders": found.orders},
        ),
        "csat": (
            _percent(metrics.rate(satisfied, answers)),
            {"satisfied": satisfied, "answers": answers},
        ),
        "nps": (
            metrics.nps(promoters, detractors, answers),
            {"promoters": promoters, "detractors": detractors, "answers": answers},
        ),
        "complaint_rate": (
            metrics.rate(count("complaints"), found.orders),
            {"complaints": count("complaints"), "orders": found.orders},
        ),
        "logistics_cost_per_return": (
            metrics.per(cost, shipped),
            {"cost": cost, "returns_shipped": shipped},
        ),
        "recovery_value": (
            float(amount("recovery")),
            {"value": amount("recovery"), "units": count("recovery")},
        ),
        "refund_deadline_compliance": (
            metrics.rate(on_time, with_deadline),
            {
                "on_time": on_time,
                "with_deadline": with_deadline,
                "paid": count("refunds_paid"),
                "paid_amount": amount("refunds_paid"),
            },
        ),
    }


def _percent(share: float | None) -> float | None:
    return None if share is None else round(100 * share, 2)


def _duration(
    histogram: dict[int, int], total_seconds: int
) -> tuple[float | None, dict[str, InputValue]]:
    n = sum(histogram.values())
    p50 = metrics.percentile(histogram, 0.5)
    inputs: dict[str, InputValue] = {
        "count": n,
        "p50_seconds": p50,
        "p90_seconds": metrics.percentile(histogram, 0.9),
        "mean_seconds": metrics.per(total_seconds, n),
    }
    return (None if p50 is None else float(p50)), inputs


def rebuild(uow: UnitOfWork, now: datetime) -> int:
    """Every rollup from the raw tables (`returnflow analytics rebuild`); rows written."""
    return uow.analytics.rebuild(now)


def refresh(uow: UnitOfWork, now: datetime) -> int | None:
    """The worker's step: recompute the days new events touched; None if another holds it."""
    return uow.analytics.refresh(now)


def rollups_current(uow: UnitOfWork, at: datetime) -> bool:
    """Whether the rollups hold every event and order from before `at` (the periodic
    report waits for that before it reads them)."""
    return uow.analytics.current_through(at)


def recompute_recent(uow: UnitOfWork, now: datetime) -> int:
    """Today and yesterday (local days) again: the safety net behind the high-water mark."""
    today = now.astimezone(ZONE).date()
    uow.analytics.recompute((today, today - timedelta(days=1)))
    return 2
