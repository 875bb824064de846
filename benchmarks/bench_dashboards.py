"""The dashboards (issue 14, R9.3) over millions of return lines on PostgreSQL.

Fills a throw-away database with bench_analytics.py's data set (`--lines` return lines,
default 10,000,000, over 120 local days), rebuilds the rollups, then times what the
pages ask for: the whole /staff/analytics read (KPIs, seven charts, the filter form's
choices) for 30 days (daily points) and 120 days (weekly), with filters, and the
drill-down (a raw-table read, paged) of the busiest point of the return-rate chart,
checking that its units equal the point's.

    .venv/bin/python benchmarks/bench_dashboards.py [--lines N]
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime

from bench_analytics import run_seeded

from returnflow.app_context import AppContext
from returnflow.services import analytics, dashboards
from returnflow.services.dashboard_model import Filters

MONTH = analytics.Period(date(2026, 7, 1), date(2026, 7, 30))
ALL_DAYS = analytics.Period(date(2026, 6, 2), date(2026, 9, 29))


def _time(context: AppContext, label: str, f: Filters) -> dashboards.Dashboard:
    now = datetime.now(UTC)
    with context.uow() as uow:
        started = time.perf_counter()
        board = dashboards.dashboard(uow, f, now)
        took = time.perf_counter() - started
    points = sum(len(c.rows) for c in board.charts)
    print(f"| {label} | {took:.3f} s | {points} rows |")
    return board


def run(context: AppContext) -> int:
    print("| dashboard read | time | chart rows |\n|---|---:|---:|")
    board = _time(context, "30 days, every merchant", Filters(MONTH))
    _time(context, "120 days (weekly), every merchant", Filters(ALL_DAYS))
    _time(context, "30 days, one merchant, one category", Filters(MONTH, "m-001", "baby"))
    _time(context, "30 days, one carrier", Filters(MONTH, carrier="sf"))
    rates = next(c for c in board.charts if c.name == "return_rate")
    busiest = max(
        (r for r in rates.rows if r.key != "all" and r.drill),
        key=lambda r: int(r.cells["units_returned"] or 0),  # type: ignore[arg-type]
    )
    assert busiest.drill is not None
    day = date.fromisoformat(busiest.drill["from"])
    point = Filters(analytics.Period(day, day), category=busiest.drill["category"])
    with context.uow() as uow:
        started = time.perf_counter()
        found = dashboards.drill_down(uow, point, None, 0, 25, datetime.now(UTC))
        took = time.perf_counter() - started
    agree = found.page.units == busiest.cells["units_returned"]
    print(
        f"| drill-down {day} {busiest.key}: {found.page.requests:,} requests, "
        f"{found.page.units:,} units (chart: {busiest.cells['units_returned']:,}) | {took:.3f} s "
        f"| {'agree' if agree else 'DIFFER'} |"
    )
    return 0 if agree else 1


def main(argv: Sequence[str] | None = None) -> int:
    return run_seeded("bench_dashboards", run, argv)


if __name__ == "__main__":
    sys.exit(main())
