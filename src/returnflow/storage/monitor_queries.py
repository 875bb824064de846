"""The monitors' numbers: one (numerator, denominator) per scope key per 24-hour window.

The days are 24-hour windows ending at the moment of the evaluation (the current day and
the baseline's days before it), the same on SQLite and PostgreSQL: no date functions,
so no time zone enters (a China-time midnight is just another instant). Each indicator
reads its whole series in one pass per table: the rows of the series' time range
(filtered on a timestamp column, indexed by migration 0028), each placed in its day by
a CASE over the days' bounds, counted per scope key and day (GROUP BY key, day). An
evaluation costs two statements per monitor, not two per monitor and day (issue 11: the
demo's replay and the worker's 15-minute evaluation spent most of their time on 58).
The analytics rollups (issue 14, services/analytics.py) were not ready when these were
written; the definitions follow the README's (units in requests not rejected or
cancelled ÷ units delivered: domain/metrics.py NOT_COUNTED).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from returnflow.domain.metrics import NOT_COUNTED  # the return rate's one rule
from returnflow.domain.monitors import Indicator, Scope
from returnflow.storage.schema.complaints import ComplaintRow
from returnflow.storage.schema.orders import OrderLineRow, OrderRow
from returnflow.storage.schema.refunds import RefundRow
from returnflow.storage.schema.returns import ReturnEventRow, ReturnLineRow, ReturnRow
from returnflow.storage.schema.shipping import ShipmentExceptionRow, ShipmentRow

DAY = timedelta(days=1)
BACKLOG_REACH = timedelta(days=30)  # a parcel older than this is a lost parcel, not backlog
Series = dict[str, list[tuple[int, int]]]
Counted = Iterable[Any]  # rows of (key, day index, count)
Reader = Callable[[Session, Scope, "Days"], Series]


class Days:
    """The series' windows: day i is [ends[i] - DAY, ends[i]); together one time range."""

    def __init__(self, now: datetime, days: int) -> None:
        self.ends = [now - DAY * (days - 1 - index) for index in range(days)]
        self.start = self.ends[0] - DAY
        self.end = now

    def of(self, at: Any) -> Any:
        """The day index of `at` (which the caller keeps inside [start, end))."""
        bounds = self.ends[:-1]
        if not bounds:
            return literal(0)
        return case(*[(at < end, index) for index, end in enumerate(bounds)], else_=len(bounds))

    def within(self, at: Any) -> Any:
        return and_(at >= self.start, at < self.end)


def series(
    session: Session, indicator: Indicator, scope: Scope, now: datetime, days: int
) -> Series:
    """Per key, `days` (numerator, denominator) pairs, oldest first; the last is today's."""
    if days < 1:
        return {}
    return _READERS[indicator](session, scope, Days(now, days))


def _key(column: Any) -> Any:
    """The scope's column, or one constant key for the whole platform."""
    return literal("") if column is None else column


def _per_day(days: Days, key: Any, at: Any, value: Any, source: Any, *where: Any) -> Any:
    """SUM(value) per (key, day) over `source`'s rows whose `at` falls in the series.

    The day is computed in a subquery and grouped on outside it: PostgreSQL would not
    see a CASE with bound parameters in GROUP BY as the one in the select list."""
    rows = (
        select(
            _key(key).label("key"),
            days.of(at).label("day"),
            literal(1).label("n") if value is None else value.label("n"),
        )
        .select_from(source)
        .where(days.within(at), *where)
        .subquery()
    )
    return select(rows.c.key, rows.c.day, func.sum(rows.c.n)).group_by(rows.c.key, rows.c.day)


def _merge(days: Days, whole: bool, numerators: Counted, denominators: Counted) -> Series:
    """Per key, a (numerator, denominator) pair per day, (0, 0) where a day had no rows.

    `whole`: the whole platform's one key "", present even when nothing happened."""
    found: Series = {"": [(0, 0)] * len(days.ends)} if whole else {}
    for side, rows in enumerate((numerators, denominators)):
        for key, day, value in rows:
            pairs = found.setdefault(str(key or ""), [(0, 0)] * len(days.ends))
            num, den = pairs[int(day)]
            count = int(value or 0)
            pairs[int(day)] = (count, den) if side == 0 else (num, count)
    return found


def _return_rate(session: Session, scope: Scope, days: Days) -> Series:
    returned_key = {
        Scope.MERCHANT: ReturnRow.merchant_id,
        Scope.CATEGORY: OrderLineRow.category,
        Scope.SKU: OrderLineRow.sku,
    }.get(scope)
    lines = ReturnLineRow.__table__.join(
        ReturnRow.__table__, ReturnLineRow.return_id == ReturnRow.id
    ).join(
        OrderLineRow.__table__,
        and_(
            OrderLineRow.order_id == ReturnRow.order_id,
            OrderLineRow.line_no == ReturnLineRow.line_no,
        ),
    )
    returned = _per_day(
        days,
        returned_key,
        ReturnRow.created_at,
        ReturnLineRow.quantity,
        lines,
        ReturnRow.status.not_in(NOT_COUNTED),
    )
    delivered_key = {
        Scope.MERCHANT: OrderRow.merchant_id,
        Scope.CATEGORY: OrderLineRow.category,
        Scope.SKU: OrderLineRow.sku,
    }.get(scope)
    sold = OrderLineRow.__table__.join(OrderRow.__table__, OrderLineRow.order_id == OrderRow.id)
    delivered = _per_day(days, delivered_key, OrderRow.delivered_at, OrderLineRow.quantity, sold)
    return _merge(days, returned_key is None, session.execute(returned), session.execute(delivered))


def _complaint_rate(session: Session, scope: Scope, days: Days) -> Series:
    c_key = ComplaintRow.merchant_id if scope is Scope.MERCHANT else None
    o_key = OrderRow.merchant_id if scope is Scope.MERCHANT else None
    complaints = _per_day(days, c_key, ComplaintRow.filed_at, None, ComplaintRow)
    orders = _per_day(days, o_key, OrderRow.delivered_at, None, OrderRow)
    return _merge(days, c_key is None, session.execute(complaints), session.execute(orders))


def _sla_breach_rate(session: Session, scope: Scope, days: Days) -> Series:
    late = _per_day(days, None, ComplaintRow.first_response_breached_at, None, ComplaintRow)
    due = _per_day(days, None, ComplaintRow.first_response_due_at, None, ComplaintRow)
    return _merge(days, True, session.execute(late), session.execute(due))


def _carrier_exceptions(session: Session, scope: Scope, days: Days) -> Series:
    key = ShipmentRow.carrier if scope is Scope.CARRIER else None
    parcels = ShipmentExceptionRow.__table__.join(
        ShipmentRow.__table__, ShipmentExceptionRow.shipment_id == ShipmentRow.id
    )
    raised = _per_day(days, key, ShipmentExceptionRow.raised_at, None, parcels)
    booked = _per_day(days, key, ShipmentRow.created_at, None, ShipmentRow)
    return _merge(days, key is None, session.execute(raised), session.execute(booked))


def _parcels(days: Days) -> Any:
    """Each request shipped within reach of the series: when it was shipped, first
    received and first inspected (NULL: not yet), from its events (one GROUP BY: the
    times are read once per request, not once per day)."""
    step = aliased(ReturnEventRow)
    received = ("received",)
    inspected = ("inspected", "inspection_failed")
    return (
        select(
            ReturnRow.shipped_at.label("shipped"),
            func.min(case((step.to_status.in_(received), step.at))).label("received"),
            func.min(case((step.to_status.in_(inspected), step.at))).label("inspected"),
        )
        .select_from(ReturnRow)
        .outerjoin(
            step, and_(step.return_id == ReturnRow.id, step.to_status.in_(received + inspected))
        )
        .where(
            ReturnRow.shipped_at >= days.ends[0] - BACKLOG_REACH,
            ReturnRow.shipped_at < days.end,
        )
        .group_by(ReturnRow.id, ReturnRow.shipped_at)
        .subquery()
    )


def _backlog(session: Session, scope: Scope, days: Days) -> Series:
    """At each day's end: parcels shipped (within BACKLOG_REACH) and not received, or
    received and not inspected; that is, shipped and not both received and inspected."""
    parcels = _parcels(days)
    p = parcels.c
    waiting = [
        func.sum(
            case(
                (
                    and_(
                        p.shipped >= end - BACKLOG_REACH,
                        p.shipped < end,
                        or_(
                            p.received.is_(None),
                            p.received >= end,
                            p.inspected.is_(None),
                            p.inspected >= end,
                        ),
                    ),
                    1,
                ),
                else_=0,
            )
        )
        for end in days.ends
    ]
    totals = session.execute(select(*waiting)).one()
    return {"": [(int(t or 0), int(t or 0)) for t in totals]}


def _refund_failures(session: Session, scope: Scope, days: Days) -> Series:
    failed = _per_day(
        days,
        None,
        RefundRow.requested_at,
        None,
        RefundRow,
        RefundRow.status.in_(("retrying", "escalated")),
    )
    asked = _per_day(days, None, RefundRow.requested_at, None, RefundRow)
    return _merge(days, True, session.execute(failed), session.execute(asked))


_READERS: dict[Indicator, Reader] = {
    Indicator.RETURN_RATE: _return_rate,
    Indicator.COMPLAINT_RATE: _complaint_rate,
    Indicator.SLA_BREACH_RATE: _sla_breach_rate,
    Indicator.CARRIER_EXCEPTION_RATE: _carrier_exceptions,
    Indicator.BACKLOG: _backlog,
    Indicator.REFUND_FAILURES: _refund_failures,
}
