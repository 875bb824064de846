"""The plain GROUP BYs over the raw tables that the rollups are made of (issue 14).

Each function returns a SELECT over the raw tables for the instants `since`..`until`
(UTC, None: unbounded) whose columns are the rollup table's columns, grouped by China
Standard Time day. The same SELECTs rebuild everything, recompute a day the worker saw
touched, and are what the benchmark compares the rollups with.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    CompoundSelect,
    Date,
    Select,
    and_,
    case,
    distinct,
    func,
    literal_column,
    select,
    true,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from returnflow.domain import metrics
from returnflow.storage.schema import (
    OrderLineRow,
    OrderRow,
    RefundRow,
    ReturnRow,
)
from returnflow.storage.schema.complaints import ComplaintRow
from returnflow.storage.schema.returns import ReturnEventRow, ReturnLineRow
from returnflow.storage.schema.shipping import ShipmentRow
from returnflow.storage.schema.surveys import SurveyRow
from returnflow.storage.schema.warehouse import DispositionRow

EMPTY: ColumnElement[str] = literal_column("''")
ZERO: ColumnElement[int] = literal_column("0")


class cst_day(FunctionElement[date]):
    """The China Standard Time date of a UTC timestamp column (UTC+8, no DST)."""

    type = Date()
    name = "cst_day"
    inherit_cache = True


@compiles(cst_day, "postgresql")
def _pg_day(element: cst_day, compiler: SQLCompiler, **kw: Any) -> str:
    (column,) = list(element.clauses)
    return f"CAST(({compiler.process(column, **kw)} AT TIME ZONE 'Asia/Shanghai') AS DATE)"


@compiles(cst_day)
def _sqlite_day(element: cst_day, compiler: SQLCompiler, **kw: Any) -> str:
    (column,) = list(element.clauses)
    return f"date({compiler.process(column, **kw)}, '+8 hours')"


class seconds_between(FunctionElement[int]):
    """Whole seconds from the first timestamp to the second."""

    type = BigInteger()
    name = "seconds_between"
    inherit_cache = True


@compiles(seconds_between, "postgresql")
def _pg_seconds(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(ROUND(EXTRACT(EPOCH FROM ({end} - {start}))) AS BIGINT)"


@compiles(seconds_between)
def _sqlite_seconds(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(ROUND((julianday({end}) - julianday({start})) * 86400) AS INTEGER)"


def within(column: Any, since: datetime | None, until: datetime | None) -> ColumnElement[bool]:
    parts = [column.is_not(None)]
    if since is not None:
        parts.append(column >= since)
    if until is not None:
        parts.append(column < until)
    return and_(true(), *parts)


def return_days(since: datetime | None, until: datetime | None) -> Select[Any]:
    """analytics_return_days rows for orders delivered in the range."""
    o, ol, r, rl, f = OrderRow, OrderLineRow, ReturnRow, ReturnLineRow, RefundRow
    day = cst_day(o.delivered_at)
    delivered = (
        select(
            day.label("day"),
            o.merchant_id.label("merchant_id"),
            ol.category.label("category"),
            ol.sku.label("sku"),
            EMPTY.label("reason"),
            EMPTY.label("carrier"),
            func.count(distinct(o.id)).label("orders"),
            func.sum(ol.quantity).label("units_delivered"),
            ZERO.label("units_returned"),
            ZERO.label("refund_amount"),
        )
        .join(ol, ol.order_id == o.id)
        .where(within(o.delivered_at, since, until))
        .group_by(day, o.merchant_id, ol.category, ol.sku)
    )
    carrier = func.coalesce(r.carrier, EMPTY)
    paid = case((f.status == "succeeded", rl.refund_amount), else_=0)
    returned = (
        select(
            day,
            o.merchant_id,
            ol.category,
            ol.sku,
            rl.reason_code,
            carrier,
            ZERO,
            ZERO,
            func.sum(rl.quantity),
            func.sum(paid),
        )
        .select_from(rl)
        .join(r, r.id == rl.return_id)
        .join(o, o.id == r.order_id)
        .join(ol, and_(ol.order_id == o.id, ol.line_no == rl.line_no))
        .outerjoin(f, f.return_id == r.id)
        .where(within(o.delivered_at, since, until), r.status.not_in(metrics.NOT_COUNTED))
        .group_by(day, o.merchant_id, ol.category, ol.sku, rl.reason_code, carrier)
    )
    u = union_all(delivered, returned).subquery()
    keys = (u.c.day, u.c.merchant_id, u.c.category, u.c.sku, u.c.reason, u.c.carrier)
    sums = (u.c.orders, u.c.units_delivered, u.c.units_returned, u.c.refund_amount)
    return select(*keys, *(func.sum(c) for c in sums)).group_by(*keys)


RETURN_DAY_COLUMNS = (
    "day",
    "merchant_id",
    "category",
    "sku",
    "reason",
    "carrier",
    "orders",
    "units_delivered",
    "units_returned",
    "refund_amount",
)
MEASURE_COLUMNS = ("day", "merchant_id", "category", "measure", "count", "amount")
DURATION_COLUMNS = ("day", "merchant_id", "metric", "bucket", "count", "total_seconds")


def _measure(
    name: str, at: Any, merchant: Any, count: Any, amount: Any, category: Any = EMPTY
) -> Select[Any]:
    day = cst_day(at)
    keys = [day, merchant] + ([] if category is EMPTY else [category])
    return select(day, merchant, category, literal_column(f"'{name}'"), count, amount).group_by(
        *keys
    )


def day_measures(since: datetime | None, until: datetime | None) -> CompoundSelect[Any]:
    """analytics_day_measures rows: orders, complaints, surveys, costs, recovery, refunds."""
    return union_all(
        *_order_measures(since, until), *_survey_measures(since, until), *_money(since, until)
    )


def _order_measures(since: datetime | None, until: datetime | None) -> list[Select[Any]]:
    o, ol, c = OrderRow, OrderLineRow, ComplaintRow
    delivered = within(o.delivered_at, since, until)
    per_category = func.count(distinct(o.id))
    return [
        _measure("orders", o.delivered_at, o.merchant_id, func.count(), ZERO).where(delivered),
        _measure("orders", o.delivered_at, o.merchant_id, per_category, ZERO, ol.category)
        .join(ol, ol.order_id == o.id)
        .where(delivered),
        _measure(
            "complaints", c.filed_at, func.coalesce(c.merchant_id, EMPTY), func.count(), ZERO
        ).where(within(c.filed_at, since, until)),
    ]


def _survey_measures(since: datetime | None, until: datetime | None) -> list[Select[Any]]:
    s = SurveyRow
    total = s.speed + s.attitude + s.effectiveness + s.process
    tests = {
        "survey_answers": true(),
        "csat_satisfied": total >= metrics.SATISFIED_TOTAL,
        "nps_promoters": s.nps >= metrics.PROMOTER_MIN,
        "nps_detractors": s.nps <= metrics.DETRACTOR_MAX,
    }
    answered = within(s.answered_at, since, until)
    return [
        _measure(name, s.answered_at, s.merchant_id, func.count(), ZERO).where(answered, test)
        for name, test in tests.items()
    ]


def _money(since: datetime | None, until: datetime | None) -> list[Select[Any]]:
    sh, d, f, r = ShipmentRow, DispositionRow, RefundRow, ReturnRow
    paid = and_(f.status == "succeeded", within(f.paid_at, since, until))
    cost = sh.label_cost + sh.pickup_cost + sh.insurance_cost
    shipped = func.count(distinct(sh.rma_no))
    recovered = (func.sum(d.quantity), func.sum(d.value), d.category)
    refunds = {
        "refunds_paid": paid,
        "refunds_with_deadline": and_(paid, f.due_by.is_not(None)),
        "refunds_on_time": and_(paid, f.due_by.is_not(None), f.paid_at <= f.due_by),
    }
    return [
        _measure("logistics_cost", sh.created_at, r.merchant_id, shipped, func.sum(cost))
        .join(r, r.rma_no == sh.rma_no)
        .where(within(sh.created_at, since, until)),
        _measure("recovery", d.decided_at, d.merchant_id, *recovered).where(
            within(d.decided_at, since, until), d.chosen.in_(metrics.RECOVERING)
        ),
        *(
            _measure(name, f.paid_at, r.merchant_id, func.count(), func.sum(f.amount))
            .join(r, r.id == f.return_id)
            .where(test)
            for name, test in refunds.items()
        ),
    ]


def _stage_times(since: datetime | None, until: datetime | None) -> Any:
    """Per request: when it first reached each stage (a subquery)."""
    e, r = ReturnEventRow, ReturnRow
    reached = {
        "filed": e.action == "submit",
        "decided": e.to_status.in_(("approved", "rejected")),
        "shipped": e.to_status == "in_transit",
        "received": e.to_status == "received",
        "inspected": e.to_status.in_(("inspected", "inspection_failed")),
        "refunded": e.to_status == "refunded",
        "completed": e.to_status == "completed",
    }
    stages = [func.min(case((test, e.at))).label(name) for name, test in reached.items()]
    query = (
        select(r.merchant_id.label("merchant_id"), *stages)
        .select_from(e)
        .join(r, r.id == e.return_id)
        .group_by(e.return_id, r.merchant_id)
    )
    if since is not None or until is not None:
        touched = select(e.return_id).where(within(e.at, since, until))
        query = query.where(e.return_id.in_(touched))
    return query.subquery()


def _duration(metric: str, merchant: Any, start: Any, end: Any) -> Select[Any]:
    return select(
        cst_day(end).label("day"),
        merchant.label("merchant_id"),
        literal_column(f"'{metric}'").label("metric"),
        seconds_between(start, end).label("seconds"),
    ).where(start.is_not(None))


def day_durations(since: datetime | None, until: datetime | None) -> Select[Any]:
    """analytics_day_durations rows: a histogram per day the duration ended."""
    c, f, r = ComplaintRow, RefundRow, ReturnRow
    p = _stage_times(since, until)
    parts = [
        _duration(f"stage_{a}_{b}", p.c.merchant_id, p.c[a], p.c[b]).where(
            within(p.c[b], since, until)
        )
        for a, b in metrics.STAGE_PAIRS
    ]
    merchant = func.coalesce(c.merchant_id, EMPTY)
    parts += [
        _duration("complaint_first_response", merchant, c.filed_at, c.first_responded_at).where(
            within(c.first_responded_at, since, until)
        ),
        _duration("complaint_resolution", merchant, c.filed_at, c.resolved_at).where(
            within(c.resolved_at, since, until)
        ),
        _duration("refund_cycle", r.merchant_id, r.created_at, f.paid_at)
        .select_from(f)
        .join(r, r.id == f.return_id)
        .where(f.status == "succeeded", within(f.paid_at, since, until)),
    ]
    u = union_all(*parts).subquery()
    s = case((u.c.seconds < 0, 0), else_=u.c.seconds)
    bucket = case(
        (s < metrics.HOUR, s - s % metrics.MINUTE),
        (s < metrics.DAY, s - s % metrics.QUARTER),
        else_=s - s % metrics.HOUR,
    )
    v = select(
        u.c.day, u.c.merchant_id, u.c.metric, bucket.label("bucket"), s.label("s")
    ).subquery()
    keys = (v.c.day, v.c.merchant_id, v.c.metric, v.c.bucket)
    return select(*keys, func.count(), func.sum(v.c.s)).group_by(*keys)
