"""The monitors' numbers as they were read before issue 11: one query per day.

The reference storage/monitor_queries.py must agree with (tests/test_monitor_series.py):
each indicator is one GROUP BY over one 24-hour window, run once per day of the series
(the current day and the baseline's days before it). Kept verbatim from the tree before
the series were read in one grouped query per table; not used by the product.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, literal, select
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
Counts = dict[str, tuple[int, int]]
Window = Callable[[Session, Scope, datetime, datetime], Counts]


def series(
    session: Session, indicator: Indicator, scope: Scope, now: datetime, days: int
) -> dict[str, list[tuple[int, int]]]:
    """Per key, `days` (numerator, denominator) pairs, oldest first; the last is today's."""
    window = _WINDOWS[indicator]
    found: dict[str, list[tuple[int, int]]] = {}
    for index in range(days):
        end = now - DAY * (days - 1 - index)
        for key, pair in window(session, scope, end - DAY, end).items():
            found.setdefault(key, [(0, 0)] * days)[index] = pair
    return found


def _key(column: Any) -> Any:
    """The scope's column, or one constant key for the whole platform (no GROUP BY)."""
    return literal("") if column is None else column


def _by(column: Any) -> tuple[Any, ...]:
    return () if column is None else (column,)


def _counted(table: Any, key: Any, at: Any, start: datetime, end: datetime) -> Any:
    """Rows of `table` whose `at` falls in [start, end), per scope key."""
    return (
        select(_key(key), func.count())
        .select_from(table)
        .where(at >= start, at < end)
        .group_by(*_by(key))
    )


def _merge(numerators: Any, denominators: Any) -> Counts:
    num = {str(k or ""): int(v or 0) for k, v in numerators}
    den = {str(k or ""): int(v or 0) for k, v in denominators}
    return {key: (num.get(key, 0), den.get(key, 0)) for key in num.keys() | den.keys()}


def _return_rate(session: Session, scope: Scope, start: datetime, end: datetime) -> Counts:
    returned_key = {
        Scope.MERCHANT: ReturnRow.merchant_id,
        Scope.CATEGORY: OrderLineRow.category,
        Scope.SKU: OrderLineRow.sku,
    }.get(scope)
    returned = (
        select(_key(returned_key), func.sum(ReturnLineRow.quantity))
        .select_from(ReturnLineRow)
        .join(ReturnRow, ReturnLineRow.return_id == ReturnRow.id)
        .join(
            OrderLineRow,
            and_(
                OrderLineRow.order_id == ReturnRow.order_id,
                OrderLineRow.line_no == ReturnLineRow.line_no,
            ),
        )
        .where(ReturnRow.created_at >= start, ReturnRow.created_at < end)
        .where(ReturnRow.status.not_in(NOT_COUNTED))
        .group_by(*_by(returned_key))
    )
    delivered_key = {
        Scope.MERCHANT: OrderRow.merchant_id,
        Scope.CATEGORY: OrderLineRow.category,
        Scope.SKU: OrderLineRow.sku,
    }.get(scope)
    delivered = (
        select(_key(delivered_key), func.sum(OrderLineRow.quantity))
        .select_from(OrderLineRow)
        .join(OrderRow, OrderLineRow.order_id == OrderRow.id)
        .where(OrderRow.delivered_at >= start, OrderRow.delivered_at < end)
        .group_by(*_by(delivered_key))
    )
    return _merge(session.execute(returned), session.execute(delivered))


def _complaint_rate(session: Session, scope: Scope, start: datetime, end: datetime) -> Counts:
    c_key = ComplaintRow.merchant_id if scope is Scope.MERCHANT else None
    o_key = OrderRow.merchant_id if scope is Scope.MERCHANT else None
    complaints = _counted(ComplaintRow, c_key, ComplaintRow.filed_at, start, end)
    orders = _counted(OrderRow, o_key, OrderRow.delivered_at, start, end)
    return _merge(session.execute(complaints), session.execute(orders))


def _sla_breach_rate(session: Session, scope: Scope, start: datetime, end: datetime) -> Counts:
    late = _counted(ComplaintRow, None, ComplaintRow.first_response_breached_at, start, end)
    due = _counted(ComplaintRow, None, ComplaintRow.first_response_due_at, start, end)
    return _merge(session.execute(late), session.execute(due))


def _carrier_exceptions(session: Session, scope: Scope, start: datetime, end: datetime) -> Counts:
    key = ShipmentRow.carrier if scope is Scope.CARRIER else None
    raised = (
        select(_key(key), func.count())
        .select_from(ShipmentExceptionRow)
        .join(ShipmentRow, ShipmentExceptionRow.shipment_id == ShipmentRow.id)
        .where(ShipmentExceptionRow.raised_at >= start, ShipmentExceptionRow.raised_at < end)
        .group_by(*_by(key))
    )
    booked = _counted(ShipmentRow, key, ShipmentRow.created_at, start, end)
    return _merge(session.execute(raised), session.execute(booked))


def _reached(status: tuple[str, ...], before: datetime) -> Any:
    step = aliased(ReturnEventRow)
    return exists().where(
        step.return_id == ReturnRow.id, step.to_status.in_(status), step.at < before
    )


def _backlog(session: Session, scope: Scope, start: datetime, end: datetime) -> Counts:
    """At the window's end: parcels shipped and not received, or received and not inspected."""
    shipped = and_(ReturnRow.shipped_at >= end - BACKLOG_REACH, ReturnRow.shipped_at < end)
    unreceived = select(func.count()).where(shipped, ~_reached(("received",), end))
    uninspected = select(func.count()).where(
        shipped,
        _reached(("received",), end),
        ~_reached(("inspected", "inspection_failed"), end),
    )
    total = int(session.scalar(unreceived) or 0) + int(session.scalar(uninspected) or 0)
    return {"": (total, total)}


def _refund_failures(session: Session, scope: Scope, start: datetime, end: datetime) -> Counts:
    window = and_(RefundRow.requested_at >= start, RefundRow.requested_at < end)
    failed = (
        select(_key(None), func.count())
        .select_from(RefundRow)
        .where(window, RefundRow.status.in_(("retrying", "escalated")))
    )
    asked = select(_key(None), func.count()).select_from(RefundRow).where(window)
    return _merge(session.execute(failed), session.execute(asked))


_WINDOWS: dict[Indicator, Window] = {
    Indicator.RETURN_RATE: _return_rate,
    Indicator.COMPLAINT_RATE: _complaint_rate,
    Indicator.SLA_BREACH_RATE: _sla_breach_rate,
    Indicator.CARRIER_EXCEPTION_RATE: _carrier_exceptions,
    Indicator.BACKLOG: _backlog,
    Indicator.REFUND_FAILURES: _refund_failures,
}
