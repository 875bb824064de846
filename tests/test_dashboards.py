"""The dashboards' charts (issue 14, R9.3) answer a hand count over a planted data set,
on SQLite and PostgreSQL, and the drill-down lists exactly the requests behind a point.

The data is the KPI API's (tests/api/test_analytics_planted.py); local delivery days:
O4 11-01 (toys 1), O1 11-03 (baby 2, toys 1), O2 11-04 (baby 3), O3 11-10 (home 4, m-b),
O5 10-31 (baby 5). Counted returns: R1 11-03 baby 1 quality sf, R3 11-04 baby 2
not_as_described zto, R4 11-10 home 1 quality sf, R5 10-31 baby 2 quality sf; R2 is
rejected, R6 cancelled. Refunds: R1 paid 11-06 on time after 52 h, R4 paid 11-12 late
after 48 h. Survey answers 11-07: 3, 2 satisfied, 1 promoter, 1 detractor. Shipments
11-04: R1 2,100 fen, R3 1,000. Recovery 11-05: R1 restocked, worth 8,900 fen.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from returnflow.app_context import AppContext
from returnflow.domain.access import Forbidden, Principal, Role
from returnflow.domain.text import DomainError
from returnflow.services import analytics, dashboards
from returnflow.services.dashboard_model import Chart, Filters, SlaTargets
from tests.api.test_analytics_planted import plant

NOVEMBER = Filters(analytics.Period(date(2026, 11, 1), date(2026, 11, 30)))


@pytest.fixture
def planted(context: AppContext) -> AppContext:
    plant(context)
    with context.uow(publish=False) as uow:
        analytics.rebuild(uow, context.clock())
        uow.commit(context.clock())
    return context


def _chart(context: AppContext, name: str, f: Filters = NOVEMBER) -> Chart:
    with context.uow() as uow:
        found = dashboards.chart(uow, name, f, context.clock())
    assert found is not None
    return found


def _cells(chart: Chart, *keys: str, key: str | None = None) -> list[tuple[Any, ...]]:
    return [tuple(r.cells[k] for k in keys) for r in chart.rows if key is None or r.key == key]


def _nonzero(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return [r for r in rows if any(v for v in r[1:] if isinstance(v, int))]


def _units(context: AppContext, f: Filters, reason: str | None = None) -> tuple[int, int]:
    with context.uow() as uow:
        found = dashboards.drill_down(uow, f, reason, 0, 100, context.clock())
    assert sum(line.units for line in found.page.lines) == found.page.units
    return found.page.requests, found.page.units


def test_return_rate_by_day_and_category_and_its_drill_down(planted: AppContext) -> None:
    chart = _chart(planted, "return_rate")
    assert not chart.weekly
    every = _nonzero(_cells(chart, "day", "units_delivered", "units_returned", key="all"))
    assert every == [
        ("2026-11-01", 1, 0),
        ("2026-11-03", 3, 1),
        ("2026-11-04", 3, 2),
        ("2026-11-10", 4, 1),
    ]
    baby = _cells(chart, "day", "units_delivered", "units_returned", "return_rate", key="baby")
    assert baby == [("2026-11-03", 2, 1, 0.5), ("2026-11-04", 3, 2, 0.6667)]
    # each point's drill-down lists exactly its returned units
    for row in chart.rows:
        assert row.drill is not None
        point = Filters(
            analytics.Period(
                date.fromisoformat(row.drill["from"]), date.fromisoformat(row.drill["to"])
            ),
            category=row.drill.get("category"),
        )
        assert _units(planted, point)[1] == row.cells["units_returned"], row
    day4 = Filters(analytics.Period(date(2026, 11, 4), date(2026, 11, 4)), category="baby")
    assert _units(planted, day4) == (1, 2)  # R3; R6 was cancelled


def test_a_long_period_is_drawn_per_week_and_drills_into_the_week(planted: AppContext) -> None:
    autumn = Filters(analytics.Period(date(2026, 9, 1), date(2026, 11, 30)))
    chart = _chart(planted, "return_rate", autumn)
    assert chart.weekly
    weeks = _nonzero(_cells(chart, "day", "units_delivered", "units_returned", key="all"))
    assert weeks == [
        ("2026-10-26/2026-11-01", 6, 2),  # O5 (10-31) and O4 (11-01); R5
        ("2026-11-02/2026-11-08", 6, 3),  # O1, O2; R1 and R3
        ("2026-11-09/2026-11-15", 4, 1),
    ]
    week = Filters(analytics.Period(date(2026, 11, 2), date(2026, 11, 8)))
    assert _units(planted, week) == (2, 3)


def test_reasons_pareto_with_filters(planted: AppContext) -> None:
    chart = _chart(planted, "reasons")
    assert [r.key for r in chart.rows] == ["not_as_described", "quality"]  # 2 each: by code
    assert _cells(chart, "units_returned", "share", "cumulative") == [(2, 0.5, 0.5), (2, 0.5, 1.0)]
    assert _units(planted, NOVEMBER, "quality") == (2, 2)  # R1, R4 (R5's order is October's)
    by_sf = Filters(NOVEMBER.period, carrier="sf")
    assert [(r.key, r.cells["units_returned"]) for r in _chart(planted, "reasons", by_sf).rows] == [
        ("quality", 2)
    ]
    assert _units(planted, by_sf, "quality") == (2, 2)
    baby_sf = _cells(
        _chart(planted, "return_rate", Filters(NOVEMBER.period, category="baby", carrier="sf")),
        "day",
        "units_delivered",
        "units_returned",
        key="baby",
    )
    assert baby_sf == [("2026-11-03", 2, 1), ("2026-11-04", 3, 0)]  # R3 went by zto
    only_b = Filters(NOVEMBER.period, merchant="m-b")
    assert _cells(_chart(planted, "reasons", only_b), "units_returned") == [(1,)]


def test_stage_times_refund_cycle_sla_satisfaction_and_cost(planted: AppContext) -> None:
    stages = {
        r.key: (r.cells["count"], r.cells["median_hours"], r.cells["p90_hours"])
        for r in _chart(planted, "stage_times").rows
    }
    assert stages["stage_filed_decided"] == (3, 0.33, 0.5)  # 30, 20 and 10 minutes
    assert stages["stage_decided_shipped"] == (1, 1.5, 1.5)
    assert stages["stage_inspected_refunded"] == (1, 25.0, 25.0)
    cycle = _chart(planted, "refund_cycle")
    assert [(r.key, r.cells["refunds"]) for r in cycle.rows if r.cells["refunds"]] == [("48", 2)]
    assert cycle.note is not None and "Median 48.0 h" in cycle.note.en
    sla = _nonzero(
        _cells(_chart(planted, "sla"), "day", "with_deadline", "on_time", "late", "compliance")
    )
    assert sla == [("2026-11-06", 1, 1, 0, 1.0), ("2026-11-12", 1, 0, 1, 0.0)]
    survey = _nonzero(_cells(_chart(planted, "satisfaction"), "day", "answers", "csat", "nps"))
    assert survey == [("2026-11-07", 3, 66.67, 0.0)]
    cost = _nonzero(
        _cells(
            _chart(planted, "cost"),
            "day",
            "returns_shipped",
            "cost",
            "cost_per_return",
            "recovery_value",
        )
    )
    assert cost == [("2026-11-04", 2, 3100, 1550.0, 0), ("2026-11-05", 0, 0, None, 8900)]
    toys = _nonzero(
        _cells(
            _chart(planted, "cost", Filters(NOVEMBER.period, category="toys")),
            "day",
            "returns_shipped",
            "recovery_value",
        )
    )
    assert toys == [("2026-11-04", 2, 0)]  # the category cuts the recovery value only
    assert _chart(planted, "stage_times", Filters(NOVEMBER.period, category="toys")).ignored == (
        "category",
        "carrier",
    )


def test_filters_default_to_the_last_30_days_and_keep_merchants_to_their_own(
    context: AppContext,
) -> None:
    now = context.clock()  # 2026-11-20 local
    manager = Principal(1, "boss", "Boss", Role.MANAGER)
    assert dashboards.filters(manager, "", "", now).period == analytics.Period(
        date(2026, 10, 22), date(2026, 11, 20)
    )
    shop = Principal(2, "shop", "Shop", Role.MERCHANT, merchant_id="m-a")
    assert dashboards.filters(shop, "", "", now).merchant == "m-a"
    assert dashboards.filters(shop, "", "", now, merchant="m-a").merchant == "m-a"
    with pytest.raises(Forbidden):
        dashboards.filters(shop, "", "", now, merchant="m-b")
    for start, end, code in (
        ("2026-11-30", "2026-11-01", "date_range_reversed"),
        ("2025-01-01", "2026-11-01", "date_range_too_long"),
        ("2026-13-01", "", "date_invalid"),
    ):
        with pytest.raises(DomainError) as refused:
            dashboards.filters(manager, start, end, now)
        assert refused.value.code == code


def _clock_totals(chart: Chart, name: str) -> tuple[int, int]:
    """(within, all) over the period: each row's share times its count, summed."""
    within = total = 0
    for row in chart.rows:
        count, share = row.cells[f"{name}_total"], row.cells[f"{name}_compliance"]
        assert isinstance(count, int) and (share is None or isinstance(share, float))
        total += count
        within += round(count * share) if share is not None else 0
    return within, total


def test_sla_compliance_counts_each_clock_against_its_target(planted: AppContext) -> None:
    """Reviews of 10, 20 and 30 minutes; R1 inspected 1 h after receipt; C1 answered in 45 min."""
    usual = _chart(planted, "sla")
    assert _clock_totals(usual, "review") == (3, 3)  # all within 5 days
    assert _clock_totals(usual, "inspection") == (1, 1)  # within 2 days
    assert _clock_totals(usual, "first_response") == (1, 1)  # within 24 h
    tight = replace(
        NOVEMBER,
        targets=SlaTargets(review_hours=0.25, inspection_hours=1, first_response_hours=1),
    )
    strict = _chart(planted, "sla", tight)
    assert _clock_totals(strict, "review") == (1, 3)  # only the 10-minute review
    assert _clock_totals(strict, "inspection") == (0, 1)  # exactly 1 h is not under 1 h
    assert _clock_totals(strict, "first_response") == (1, 1)
    days = {r.cells["day"]: r.cells["review_compliance"] for r in strict.rows}
    assert days["2026-11-04"] is not None and days["2026-11-01"] is None
    assert strict.note is not None and "0.25 h" in strict.note.en
