"""The dashboards' reads (issue 14, R9.3): `uow.analytics_series`.

Every chart reads the daily rollups only (storage/schema/analytics.py), a SUM per day
and key over an index range, so a year of 10 M return lines answers as fast as a KPI.
Filters: merchant (every rollup), category (return days; the orders and recovery
measures), carrier (return days only: a carrier is the request's, so delivered units
are never split by it and a carrier's rate is its returns ÷ every unit delivered).

`requests` is the drill-down: the requests behind a chart point, read from the raw
tables (orders, lines, requests) with the rollup's own definition (a return counts on
its order's local delivery day, rejected or cancelled ones are left out), paged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, distinct, func, or_, select
from sqlalchemy.orm import Session

from returnflow.domain import metrics
from returnflow.storage.analytics import day_bounds
from returnflow.storage.schema import OrderLineRow, OrderRow, ReturnRow
from returnflow.storage.schema.analytics import DayDurationRow, DayMeasureRow, ReturnDayRow
from returnflow.storage.schema.returns import ReturnLineRow

NO_CARRIER = "none"  # the filter's word for a request without a carrier ("" in the rollups)


@dataclass(frozen=True, slots=True)
class SeriesScope:
    """Local days start..end (both inclusive) and the filters; None: all."""

    start: date
    end: date
    merchant: str | None = None
    category: str | None = None
    carrier: str | None = None
    reason: str | None = None  # the drill-down only


@dataclass(frozen=True, slots=True)
class RequestLine:
    """One request behind a chart point: its units in scope."""

    rma_no: str
    status: str
    merchant_id: str
    order_no: str
    carrier: str
    filed_at: datetime
    delivered_at: datetime
    units: int
    reasons: tuple[str, ...]
    categories: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RequestPage:
    requests: int  # requests in scope, every page
    units: int  # their units in scope
    lines: tuple[RequestLine, ...]


@dataclass(frozen=True, slots=True)
class FilterOptions:
    merchants: tuple[str, ...]
    categories: tuple[str, ...]
    carriers: tuple[str, ...]  # "none": requests without a carrier


def _carrier_code(carrier: str | None) -> str | None:
    if carrier is None:
        return None
    return "" if carrier == NO_CARRIER else carrier


def _line(
    req: ReturnRow, delivered: datetime, units: int | None, kinds: dict[int, Any]
) -> RequestLine:
    reasons, categories = kinds.get(req.id, (set(), set()))
    return RequestLine(
        rma_no=req.rma_no,
        status=req.status,
        merchant_id=req.merchant_id,
        order_no=req.order_no,
        carrier=req.carrier or "",
        filed_at=req.created_at,
        delivered_at=delivered,
        units=int(units or 0),
        reasons=tuple(sorted(reasons)),
        categories=tuple(sorted(categories)),
    )


class AnalyticsSeries:
    def __init__(self, session: Session) -> None:
        self.session = session

    def return_days(self, scope: SeriesScope) -> list[tuple[date, str, int, int]]:
        """(day, category, units delivered, units returned) per delivery day and category."""
        t = ReturnDayRow
        carrier = _carrier_code(scope.carrier)
        returned: Any = t.units_returned
        if carrier is not None:
            returned = case((and_(t.reason != "", t.carrier == carrier), t.units_returned), else_=0)
        query = (
            select(t.day, t.category, func.sum(t.units_delivered), func.sum(returned))
            .where(self._where(t, scope))
            .group_by(t.day, t.category)
            .order_by(t.day, t.category)
        )
        return [(d, c, int(n or 0), int(r or 0)) for d, c, n, r in self.session.execute(query)]

    def reasons(self, scope: SeriesScope) -> list[tuple[str, int]]:
        """Units returned per reason, most first."""
        t = ReturnDayRow
        conditions = [self._where(t, scope), t.reason != ""]
        carrier = _carrier_code(scope.carrier)
        if carrier is not None:
            conditions.append(t.carrier == carrier)
        units = func.sum(t.units_returned)
        query = select(t.reason, units).where(*conditions).group_by(t.reason)
        found = [(str(k), int(n or 0)) for k, n in self.session.execute(query)]
        return sorted((row for row in found if row[1] > 0), key=lambda r: (-r[1], r[0]))

    def measure_days(
        self, scope: SeriesScope, measures: tuple[str, ...]
    ) -> list[tuple[date, str, int, int]]:
        """(day, measure, count, amount) per day; the category filter reaches only the
        measures that have one (orders, recovery), the others are every category's."""
        m = DayMeasureRow
        by_category = ("orders", "recovery")
        if scope.category is None:
            category: ColumnElement[bool] = (m.category == "") | (m.measure == "recovery")
        else:
            category = or_(
                and_(m.measure.in_(by_category), m.category == scope.category),
                and_(m.measure.not_in(by_category), m.category == ""),
            )
        query = (
            select(m.day, m.measure, func.sum(m.count), func.sum(m.amount))
            .where(self._days(m, scope), m.measure.in_(measures), category)
            .group_by(m.day, m.measure)
            .order_by(m.day, m.measure)
        )
        return [(d, str(k), int(n or 0), int(a or 0)) for d, k, n, a in self.session.execute(query)]

    def histograms(
        self, scope: SeriesScope, metrics_wanted: tuple[str, ...]
    ) -> dict[str, dict[int, int]]:
        """metric → {bucket lower bound (s): count} over the period (merchant only)."""
        d = DayDurationRow
        query = (
            select(d.metric, d.bucket, func.sum(d.count))
            .where(self._days(d, scope), d.metric.in_(metrics_wanted))
            .group_by(d.metric, d.bucket)
        )
        found: dict[str, dict[int, int]] = {}
        for metric, bucket, count in self.session.execute(query):
            found.setdefault(str(metric), {})[int(bucket)] = int(count or 0)
        return found

    def within_days(
        self, scope: SeriesScope, metric: str, limit_seconds: int
    ) -> list[tuple[date, int, int]]:
        """(day, durations under the limit, all durations) per day the duration ended;
        exact when the limit is a bucket bound (whole hours past a day, quarters under)."""
        d = DayDurationRow
        under = case((d.bucket < limit_seconds, d.count), else_=0)
        query = (
            select(d.day, func.sum(under), func.sum(d.count))
            .where(self._days(d, scope), d.metric == metric)
            .group_by(d.day)
            .order_by(d.day)
        )
        return [(day, int(n or 0), int(t or 0)) for day, n, t in self.session.execute(query)]

    def options(self, scope: SeriesScope) -> FilterOptions:
        """What the filter form offers: who, which categories and carriers had rows."""
        t = ReturnDayRow
        where = self._days(t, scope)
        merchants = self.session.scalars(select(t.merchant_id).distinct().where(where))
        categories = self.session.scalars(select(t.category).distinct().where(where))
        carriers = self.session.scalars(
            select(t.carrier).distinct().where(where, t.reason != "", t.units_returned > 0)
        )
        return FilterOptions(
            tuple(sorted(merchants)),
            tuple(sorted(categories)),
            tuple(sorted(c or NO_CARRIER for c in carriers)),
        )

    def requests(self, scope: SeriesScope, offset: int, limit: int) -> RequestPage:
        """The requests whose counted lines make up a return-days point, newest delivery first."""
        o, ol, r, rl = OrderRow, OrderLineRow, ReturnRow, ReturnLineRow
        since, _ = day_bounds(scope.start)
        _, until = day_bounds(scope.end)
        conditions = [
            o.delivered_at >= since,
            o.delivered_at < until,
            r.status.not_in(metrics.NOT_COUNTED),
        ]
        if scope.merchant is not None:
            conditions.append(o.merchant_id == scope.merchant)
        if scope.category is not None:
            conditions.append(ol.category == scope.category)
        if scope.reason is not None:
            conditions.append(rl.reason_code == scope.reason)
        carrier = _carrier_code(scope.carrier)
        if carrier is not None:
            conditions.append(func.coalesce(r.carrier, "") == carrier)
        lines = (
            select(r.id.label("return_id"), rl.quantity, rl.reason_code, ol.category)
            .select_from(rl)
            .join(r, r.id == rl.return_id)
            .join(o, o.id == r.order_id)
            .join(ol, and_(ol.order_id == o.id, ol.line_no == rl.line_no))
            .where(*conditions)
            .subquery()
        )
        requests, units = self.session.execute(
            select(func.count(distinct(lines.c.return_id)), func.sum(lines.c.quantity))
        ).one()
        per_request = (
            select(lines.c.return_id, func.sum(lines.c.quantity).label("units"))
            .group_by(lines.c.return_id)
            .subquery()
        )
        rows = self.session.execute(
            select(r, o.delivered_at, per_request.c.units)
            .join(per_request, per_request.c.return_id == r.id)
            .join(o, o.id == r.order_id)
            .order_by(o.delivered_at.desc(), r.id.desc())
            .offset(offset)
            .limit(limit)
        ).all()
        kinds = self._kinds(lines, [row[0].id for row in rows])
        found = tuple(_line(req, delivered, n, kinds) for req, delivered, n in rows)
        return RequestPage(int(requests or 0), int(units or 0), found)

    def _kinds(self, lines: Any, ids: list[int]) -> dict[int, tuple[set[str], set[str]]]:
        found: dict[int, tuple[set[str], set[str]]] = {}
        if not ids:
            return found
        query = select(lines.c.return_id, lines.c.reason_code, lines.c.category).where(
            lines.c.return_id.in_(ids)
        )
        for return_id, reason, category in self.session.execute(query):
            reasons, categories = found.setdefault(int(return_id), (set(), set()))
            reasons.add(str(reason))
            categories.add(str(category))
        return found

    @staticmethod
    def _days(table: Any, scope: SeriesScope) -> ColumnElement[bool]:
        parts = [table.day >= scope.start, table.day <= scope.end]
        if scope.merchant is not None:
            parts.append(table.merchant_id == scope.merchant)
        return and_(*parts)

    def _where(self, table: Any, scope: SeriesScope) -> ColumnElement[bool]:
        where = self._days(table, scope)
        if scope.category is not None:
            where = and_(where, table.category == scope.category)
        return where
