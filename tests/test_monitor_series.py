"""The monitors' series read in one grouped query agree with the old one-query-per-day
read, on SQLite and PostgreSQL, at day boundaries (issue 11).

Seeded demo data (a fortnight of a shop, China-time days); the series are read at the
demo's moment, at a China-time midnight (16:00 UTC), at a UTC midnight, and at moments
that put a row's own timestamp exactly on a day's bound (a window includes its start
and excludes its end): the row's time itself, the row's time plus five days (between
two days of the series) and plus eight days (the series' first start); for the backlog,
a parcel's shipping time plus 30 days (the backlog's reach). Every indicator, every
scope. The planted figures must not be all zero, or the comparison proves nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from returnflow.app_context import AppContext
from returnflow.demo.generator import generate
from returnflow.domain.monitors import Indicator
from returnflow.storage import monitor_queries
from returnflow.storage.schema.complaints import ComplaintRow
from returnflow.storage.schema.orders import OrderRow
from returnflow.storage.schema.refunds import RefundRow
from returnflow.storage.schema.returns import ReturnEventRow, ReturnRow
from returnflow.storage.schema.shipping import ShipmentExceptionRow, ShipmentRow
from tests.support import monitor_days

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)  # 18:00 in Shanghai
SHANGHAI = ZoneInfo("Asia/Shanghai")
DAYS = 8  # a week's baseline and today: the demo's fortnight spans it (29 once, below)
ORDERS = 60  # a fortnight (the demo's shortest history); every indicator sees some
DAY = timedelta(days=1)
# the timestamps each indicator's windows cut
CUT: dict[Indicator, tuple[Any, ...]] = {
    Indicator.RETURN_RATE: (ReturnRow.created_at, OrderRow.delivered_at),
    Indicator.COMPLAINT_RATE: (ComplaintRow.filed_at, OrderRow.delivered_at),
    Indicator.SLA_BREACH_RATE: (
        ComplaintRow.first_response_breached_at,
        ComplaintRow.first_response_due_at,
    ),
    Indicator.CARRIER_EXCEPTION_RATE: (ShipmentExceptionRow.raised_at, ShipmentRow.created_at),
    Indicator.BACKLOG: (ReturnRow.shipped_at, ReturnEventRow.at),
    Indicator.REFUND_FAILURES: (RefundRow.requested_at,),
}


def _median(session: Session, column: Any) -> datetime | None:
    """A row's own timestamp from the middle of the column's values."""
    found = session.scalars(select(column).where(column.is_not(None)).order_by(column)).all()
    return found[len(found) // 2] if found else None


def _moments(session: Session, indicator: Indicator) -> list[datetime]:
    china_midnight = datetime.combine(NOW.astimezone(SHANGHAI).date(), datetime.min.time())
    moments = [china_midnight.replace(tzinfo=SHANGHAI).astimezone(UTC), NOW.replace(hour=0)]
    for first, column in enumerate(CUT[indicator]):
        at = _median(session, column)
        if at is not None:
            moments += [at + 5 * DAY, at + DAYS * DAY, at] if first == 0 else [at + 5 * DAY]
    shipped = _median(session, ReturnRow.shipped_at)
    if indicator is Indicator.BACKLOG and shipped is not None:
        moments.append(shipped + monitor_queries.BACKLOG_REACH)
    return moments


def test_grouped_series_equal_the_daily_windows(context: AppContext) -> None:
    generate(context, orders=ORDERS, seed=7, now=NOW)
    volume: dict[Indicator, int] = {}
    with context.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(ComplaintRow))
        for indicator in Indicator:
            for at in _moments(session, indicator):
                for scope in indicator.scopes:
                    expected = monitor_days.series(session, indicator, scope, at, DAYS)
                    found = monitor_queries.series(session, indicator, scope, at, DAYS)
                    assert found == expected, (indicator, scope, at)
                    volume[indicator] = volume.get(indicator, 0) + sum(
                        n + d for pairs in found.values() for n, d in pairs
                    )
            for days in (1, 29):  # one day alone; the default baseline's 28 days and today
                scope = indicator.scopes[-1]
                expected = monitor_days.series(session, indicator, scope, NOW, days)
                assert monitor_queries.series(session, indicator, scope, NOW, days) == expected
    assert all(volume[indicator] > 0 for indicator in Indicator), volume
