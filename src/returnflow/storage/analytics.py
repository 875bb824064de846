"""The KPI rollups (issue 14, R9.1, R9.4): `uow.analytics`.

Writing: `rebuild` empties the rollups and fills them from the raw tables;
`refresh` is the worker's step: it reads the outbox rows after the high-water mark
(and the orders imported since the last pass, by id: importing an order raises no event),
finds the days they touch (the day each happened, and the delivery day of the order a
request belongs to) and recomputes exactly those days from the raw tables, then moves
the mark, all in one transaction. Recomputing a day is idempotent, so a retried pass
or a crash before commit leaves nothing doubled.

One writer at a time (issue 11: two workers on one PostgreSQL met on the unique keys).
Every write first takes a transaction-level advisory lock on PostgreSQL: the worker's
pass only tries it (`pg_try_advisory_xact_lock`) and skips when another holds it; a
rebuild or a recompute waits for it. The lock exists before any row does, so it also
covers the very first pass (no mark yet, two fresh workers both rebuilding) and a
rebuild beside a pass (which re-inserted the days the pass had just written). SQLite
needs none: every write transaction there holds the database's write lock from BEGIN.

Reading: `return_rates` and `kpi_inputs` only SUM rollup rows of a day range.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, delete, func, insert, select, text
from sqlalchemy.orm import Session

from returnflow.storage import analytics_queries as raw
from returnflow.storage.schema import OrderRow, OutboxRow, ReturnRow
from returnflow.storage.schema.analytics import (
    DayDurationRow,
    DayMeasureRow,
    ReturnDayRow,
    RollupMarkRow,
)

ZONE = ZoneInfo("Asia/Shanghai")
OUTBOX_MARK, ORDERS_MARK = "outbox", "orders"
BATCH = 5_000  # outbox rows read per pass
GROUPS = ("day", "merchant", "category", "sku", "reason", "carrier")
# the rollups' advisory lock on PostgreSQL: a fixed key of their own
ROLLUP_LOCK = int.from_bytes(b"rf-rollup", "big") % 2**63


@dataclass(frozen=True, slots=True)
class ReturnRateFigures:
    key: str
    orders: int
    units_delivered: int
    units_returned: int
    refund_amount: int  # fen


@dataclass(frozen=True, slots=True)
class KpiInputs:
    orders: int
    units_delivered: int
    units_returned: int
    measures: dict[str, tuple[int, int]]  # measure → (count, amount)
    histograms: dict[str, dict[int, int]] = field(default_factory=dict)  # metric → bucket → n
    seconds: dict[str, int] = field(default_factory=dict)  # metric → total seconds


def local_day(at: datetime) -> date:
    return at.astimezone(ZONE).date()


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=ZONE).astimezone(UTC)
    return start, start + timedelta(days=1)


class AnalyticsStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    # --- writing -------------------------------------------------------------------
    def rebuild(self, now: datetime) -> int:
        """Every rollup row from the raw tables; the marks move to now. Rows written."""
        self._writer(wait=True)
        for table in (ReturnDayRow, DayMeasureRow, DayDurationRow):
            self.session.execute(delete(table))
        written = self._fill(None, None)
        last = self.session.scalar(select(func.max(OutboxRow.id))) or 0
        newest = self.session.scalar(select(func.max(OrderRow.id))) or 0
        self._set_mark(OUTBOX_MARK, last, now)
        self._set_mark(ORDERS_MARK, newest, now)
        return written

    def recompute(self, days: Iterable[date]) -> int:
        """The rollup rows of these local days, from the raw tables again."""
        self._writer(wait=True)
        written = 0
        for day in sorted(set(days)):
            for table in (ReturnDayRow, DayMeasureRow, DayDurationRow):
                self.session.execute(delete(table).where(table.day == day))
            written += self._fill(*day_bounds(day))
        return written

    def refresh(self, now: datetime, batch: int = BATCH) -> int | None:
        """The worker's pass; the days recomputed, None when another worker holds the mark.

        The very first pass (no mark yet) rebuilds everything instead: a database that
        had history before the rollups existed (or the demo's made-up past) is counted whole.
        """
        if not self._writer(wait=False):
            return None  # another worker (or a rebuild) is writing the rollups
        if self.session.get(RollupMarkRow, OUTBOX_MARK) is None:
            self.rebuild(now)
            return 0
        mark = self._lock_mark(OUTBOX_MARK, now)
        orders_mark = self._lock_mark(ORDERS_MARK, now)
        if mark is None or orders_mark is None:
            return None
        rows = self.session.execute(
            select(OutboxRow.id, OutboxRow.created_at, OutboxRow.payload)
            .where(OutboxRow.id > mark.outbox_id)
            .order_by(OutboxRow.id)
            .limit(batch)
        ).all()
        days, rmas, order_nos = _touched(rows)
        imported = self.session.execute(
            select(OrderRow.id, OrderRow.delivered_at)
            .where(OrderRow.id > orders_mark.outbox_id)
            .order_by(OrderRow.id)
            .limit(batch)
        ).all()
        days |= {local_day(at) for _, at in imported if at is not None}
        days |= self._delivery_days(rmas, order_nos)
        if days:
            self.recompute(days)
        if rows:
            mark.outbox_id = rows[-1].id
        if imported:
            orders_mark.outbox_id = imported[-1].id
        mark.updated_at = orders_mark.updated_at = now
        return len(days)

    def current_through(self, at: datetime) -> bool:
        """The rollups hold everything that happened before `at`: both marks exist and
        no outbox row written, nor order imported, before `at` lies past them. A report
        read from rollups still catching up (a worker back after a pause, a backlog over
        several passes) would be stored with numbers missing, for good (issue 11)."""
        marks = dict(
            self.session.execute(
                select(RollupMarkRow.name, RollupMarkRow.outbox_id).where(
                    RollupMarkRow.name.in_((OUTBOX_MARK, ORDERS_MARK))
                )
            ).all()
        )
        if len(marks) < 2:
            return False
        behind = select(OutboxRow.id).where(
            OutboxRow.id > marks[OUTBOX_MARK], OutboxRow.created_at < at
        )
        unread = select(OrderRow.id).where(
            OrderRow.id > marks[ORDERS_MARK], OrderRow.imported_at < at
        )
        return self.session.scalar(behind.limit(1)) is None and (
            self.session.scalar(unread.limit(1)) is None
        )

    def _delivery_days(self, rmas: set[str], order_nos: set[str]) -> set[date]:
        found: set[date] = set()
        for chunk in _chunks(sorted(rmas)):
            query = select(OrderRow.delivered_at).join(ReturnRow, ReturnRow.order_id == OrderRow.id)
            found |= self._days(query.where(ReturnRow.rma_no.in_(chunk)))
        for chunk in _chunks(sorted(order_nos)):
            found |= self._days(select(OrderRow.delivered_at).where(OrderRow.order_no.in_(chunk)))
        return found

    def _days(self, query: Any) -> set[date]:
        return {local_day(at) for at in self.session.scalars(query) if at is not None}

    def _fill(self, since: datetime | None, until: datetime | None) -> int:
        """Insert the raw GROUP BYs' rows; how many rows the rollups hold in that range."""
        written = 0
        for table, columns, query in (
            (ReturnDayRow, raw.RETURN_DAY_COLUMNS, raw.return_days(since, until)),
            (DayMeasureRow, raw.MEASURE_COLUMNS, raw.day_measures(since, until)),
            (DayDurationRow, raw.DURATION_COLUMNS, raw.day_durations(since, until)),
        ):
            self.session.execute(insert(table).from_select(list(columns), query))
            counted = select(func.count()).select_from(table)
            if since is not None and until is not None:
                counted = counted.where(table.day == local_day(since))
            written += self.session.scalar(counted) or 0
        return written

    def _writer(self, wait: bool) -> bool:
        """This transaction writes the rollups alone (see the module's docstring): False
        when `wait` is off and another holds them. Taken again in the same transaction,
        the lock is already ours."""
        if self.session.get_bind().dialect.name != "postgresql":
            return True
        if wait:
            self.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ROLLUP_LOCK})
            return True
        query = text("SELECT pg_try_advisory_xact_lock(:key)")
        return bool(self.session.scalar(query, {"key": ROLLUP_LOCK}))

    def _lock_mark(self, name: str, now: datetime) -> RollupMarkRow | None:
        query = select(RollupMarkRow).where(RollupMarkRow.name == name)
        row = self.session.scalar(query.with_for_update(skip_locked=True))
        if row is not None:
            return row
        if self.session.get(RollupMarkRow, name) is not None:
            return None  # it exists and another worker holds it
        row = RollupMarkRow(name=name, outbox_id=0, updated_at=now)
        self.session.add(row)
        self.session.flush()
        return row

    def _set_mark(self, name: str, outbox_id: int, at: datetime) -> None:
        row = self.session.get(RollupMarkRow, name)
        if row is None:
            self.session.add(RollupMarkRow(name=name, outbox_id=outbox_id, updated_at=at))
        else:
            row.outbox_id, row.updated_at = outbox_id, at

    # --- reading -------------------------------------------------------------------
    def return_rates(
        self, group_by: str, start: date, end: date, merchant: str | None
    ) -> list[ReturnRateFigures]:
        """Sums per key of the rollups of local days start..end (both inclusive)."""
        if group_by not in GROUPS:
            raise ValueError(group_by)
        t = ReturnDayRow
        scope = _scope(t, start, end, merchant)
        if group_by in ("reason", "carrier"):
            return self._by_return_attribute(group_by, scope, start, end, merchant)
        key = {"day": t.day, "merchant": t.merchant_id, "category": t.category, "sku": t.sku}[
            group_by
        ]
        units = self.session.execute(
            select(
                key,
                func.sum(t.orders),
                func.sum(t.units_delivered),
                func.sum(t.units_returned),
                func.sum(t.refund_amount),
            )
            .where(scope)
            .group_by(key)
        ).all()
        orders = self._orders_by(group_by, start, end, merchant) if group_by != "sku" else {}
        figures = []
        for k, by_sku, delivered, returned, refunded in units:
            count = by_sku if group_by == "sku" else orders.get(_text(k), 0)
            figures.append(
                ReturnRateFigures(
                    _text(k), int(count or 0), int(delivered), int(returned), int(refunded)
                )
            )
        return sorted(figures, key=lambda f: f.key)

    def _orders_by(
        self, group_by: str, start: date, end: date, merchant: str | None
    ) -> dict[str, int]:
        m = DayMeasureRow
        key = {"day": m.day, "merchant": m.merchant_id, "category": m.category}[group_by]
        category = m.category != "" if group_by == "category" else m.category == ""
        query = (
            select(key, func.sum(m.count))
            .where(_scope(m, start, end, merchant), m.measure == "orders", category)
            .group_by(key)
        )
        return {_text(k): int(n) for k, n in self.session.execute(query)}

    def _by_return_attribute(
        self,
        group_by: str,
        scope: ColumnElement[bool],
        start: date,
        end: date,
        merchant: str | None,
    ) -> list[ReturnRateFigures]:
        """A reason's or carrier's returns against every unit delivered in scope."""
        t = ReturnDayRow
        key = t.reason if group_by == "reason" else t.carrier
        delivered = self.session.scalar(select(func.sum(t.units_delivered)).where(scope)) or 0
        orders = self._orders_by("merchant", start, end, merchant)
        total_orders = sum(orders.values())
        rows = self.session.execute(
            select(key, func.sum(t.units_returned), func.sum(t.refund_amount))
            .where(scope, t.reason != "")
            .group_by(key)
        ).all()
        figures = [
            ReturnRateFigures(k or "none", total_orders, int(delivered), int(n), int(amount))
            for k, n, amount in rows
        ]
        return sorted(figures, key=lambda f: (-f.units_returned, f.key))

    def kpi_inputs(self, start: date, end: date, merchant: str | None) -> KpiInputs:
        t, m, d = ReturnDayRow, DayMeasureRow, DayDurationRow
        delivered, returned = self.session.execute(
            select(func.sum(t.units_delivered), func.sum(t.units_returned)).where(
                _scope(t, start, end, merchant)
            )
        ).one()
        measures: dict[str, tuple[int, int]] = {}
        query = (
            select(m.measure, func.sum(m.count), func.sum(m.amount))
            .where(_scope(m, start, end, merchant), (m.category == "") | (m.measure == "recovery"))
            .group_by(m.measure)
        )
        for name, count, amount in self.session.execute(query):
            measures[name] = (int(count or 0), int(amount or 0))
        inputs = KpiInputs(
            orders=measures.get("orders", (0, 0))[0],
            units_delivered=int(delivered or 0),
            units_returned=int(returned or 0),
            measures=measures,
        )
        histograms = (
            select(d.metric, d.bucket, func.sum(d.count), func.sum(d.total_seconds))
            .where(_scope(d, start, end, merchant))
            .group_by(d.metric, d.bucket)
        )
        for metric, bucket, count, seconds in self.session.execute(histograms):
            inputs.histograms.setdefault(metric, {})[int(bucket)] = int(count)
            inputs.seconds[metric] = inputs.seconds.get(metric, 0) + int(seconds)
        return inputs


def _scope(table: Any, start: date, end: date, merchant: str | None) -> ColumnElement[bool]:
    parts = [table.day >= start, table.day <= end]
    if merchant is not None:
        parts.append(table.merchant_id == merchant)
    return and_(*parts)


def _text(key: object) -> str:
    return key.isoformat() if isinstance(key, date) else str(key)


def _touched(rows: Iterable[Any]) -> tuple[set[date], set[str], set[str]]:
    """The days, requests and orders a batch of outbox rows speaks of."""
    days: set[date] = set()
    rmas: set[str] = set()
    order_nos: set[str] = set()
    for row in rows:
        days.add(local_day(row.created_at))
        payload = row.payload if isinstance(row.payload, dict) else {}
        with contextlib.suppress(KeyError, TypeError, ValueError):
            days.add(local_day(datetime.fromisoformat(str(payload["occurred_at"]))))
        if isinstance(payload.get("rma_no"), str):
            rmas.add(payload["rma_no"])
        if isinstance(payload.get("order_no"), str):
            order_nos.add(payload["order_no"])
    return days, rmas, order_nos


def _chunks(values: list[str], size: int = 500) -> Iterable[list[str]]:
    for index in range(0, len(values), size):
        yield values[index : index + size]
