"""The bounded reads behind the analyses (issue 14, R9.2, R9.5): `uow.analysis`.

Every read covers one period (UTC instants; the services turn local days into them) and
at most `LIMIT` rows, the newest first, so an analysis of a busy year reads a sample of
its latest rows rather than the whole table. A merchant scope narrows each read to that
merchant's orders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from returnflow.domain.metrics import NOT_COUNTED  # the return rate's one rule
from returnflow.storage.schema import (
    InspectionRow,
    OrderLineRow,
    OrderRow,
    ReturnLineRow,
    ReturnRow,
)

LIMIT = 50_000  # rows one analysis reads at most


@dataclass(frozen=True, slots=True)
class ReturnFact:
    """One returned order line as the customer described it."""

    rma_no: str
    customer_id: str
    merchant_id: str
    sku: str
    title: str
    category: str
    reason_code: str
    text: str
    quantity: int
    value: int  # fen: the line's price less its discount, for the units returned
    filed_at: datetime  # UTC
    delivered_at: datetime | None
    counted: bool  # not rejected or cancelled


@dataclass(frozen=True, slots=True)
class SoldLine:
    """One delivered order line and the units returned from it (counted requests only)."""

    merchant_id: str
    sku: str
    title: str
    category: str
    unit_price: int  # fen
    discount: int  # fen, for the whole line
    quantity: int
    delivery_days: float | None  # delivered − placed
    units_returned: int


class AnalysisQueries:
    """One unit of work's reads; a page showing several analyses of one period reads the
    return lines once (kept for the unit of work, which is one transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._facts: dict[tuple[datetime, datetime, str | None], list[ReturnFact]] = {}

    def return_facts(
        self, since: datetime, until: datetime, merchant: str | None = None
    ) -> list[ReturnFact]:
        """Return lines of requests filed in [since, until), newest first, at most LIMIT."""
        key = (since, until, merchant)
        if key not in self._facts:
            self._facts[key] = self._read_facts(since, until, merchant)
        return list(self._facts[key])

    def _read_facts(
        self, since: datetime, until: datetime, merchant: str | None
    ) -> list[ReturnFact]:
        query = (
            select(
                ReturnRow.rma_no,
                ReturnRow.customer_id,
                ReturnRow.merchant_id,
                OrderLineRow.sku,
                OrderLineRow.title,
                OrderLineRow.category,
                ReturnLineRow.reason_code,
                ReturnLineRow.reason_text,
                ReturnLineRow.quantity,
                OrderLineRow.unit_price,
                OrderLineRow.quantity,
                OrderLineRow.discount,
                ReturnRow.created_at,
                OrderRow.delivered_at,
                ReturnRow.status,
            )
            .join(ReturnLineRow, ReturnLineRow.return_id == ReturnRow.id)
            .join(OrderRow, OrderRow.id == ReturnRow.order_id)
            .join(
                OrderLineRow,
                and_(
                    OrderLineRow.order_id == ReturnRow.order_id,
                    OrderLineRow.line_no == ReturnLineRow.line_no,
                ),
            )
            .where(ReturnRow.created_at >= since, ReturnRow.created_at < until)
            .order_by(ReturnRow.created_at.desc(), ReturnRow.id.desc(), ReturnLineRow.line_no)
            .limit(LIMIT)
        )
        if merchant is not None:
            query = query.where(ReturnRow.merchant_id == merchant)
        facts = []
        for row in self.session.execute(query):
            (rma, customer, merchant_id, sku, title, category, reason, text, qty) = row[:9]
            price, ordered, discount, filed, delivered, status = row[9:]
            share = discount * qty // ordered if ordered else 0
            facts.append(
                ReturnFact(
                    rma, customer, merchant_id, sku, title, category, reason, text or "",
                    qty, price * qty - share, filed, delivered, status not in NOT_COUNTED,
                )
            )  # fmt: skip
        return facts

    def sold_lines(
        self, since: datetime, until: datetime, merchant: str | None = None
    ) -> list[SoldLine]:
        """Lines of orders delivered in [since, until), with their counted returned units."""
        returned = (
            select(
                ReturnRow.order_id.label("order_id"),
                ReturnLineRow.line_no.label("line_no"),
                func.sum(ReturnLineRow.quantity).label("units"),
            )
            .join(ReturnLineRow, ReturnLineRow.return_id == ReturnRow.id)
            .where(ReturnRow.status.not_in(NOT_COUNTED))
            .group_by(ReturnRow.order_id, ReturnLineRow.line_no)
            .subquery()
        )
        query = (
            select(
                OrderRow.merchant_id,
                OrderLineRow.sku,
                OrderLineRow.title,
                OrderLineRow.category,
                OrderLineRow.unit_price,
                OrderLineRow.discount,
                OrderLineRow.quantity,
                OrderRow.placed_at,
                OrderRow.delivered_at,
                func.coalesce(returned.c.units, 0),
            )
            .join(OrderLineRow, OrderLineRow.order_id == OrderRow.id)
            .outerjoin(
                returned,
                and_(
                    returned.c.order_id == OrderRow.id,
                    returned.c.line_no == OrderLineRow.line_no,
                ),
            )
            .where(OrderRow.delivered_at >= since, OrderRow.delivered_at < until)
            .order_by(OrderRow.delivered_at.desc(), OrderLineRow.id)
            .limit(LIMIT)
        )
        if merchant is not None:
            query = query.where(OrderRow.merchant_id == merchant)
        lines = []
        for (
            merchant_id,
            sku,
            title,
            category,
            price,
            discount,
            qty,
            placed,
            delivered,
            units,
        ) in self.session.execute(query):
            days = (delivered - placed).total_seconds() / 86400 if delivered and placed else None
            lines.append(
                SoldLine(merchant_id, sku, title, category, price, discount, qty, days, int(units))
            )
        return lines

    def filed_times(
        self, since: datetime, until: datetime, merchant: str | None = None
    ) -> list[datetime]:
        """When each request of [since, until) was filed (the forecast's history)."""
        query = select(ReturnRow.created_at).where(
            ReturnRow.created_at >= since, ReturnRow.created_at < until
        )
        if merchant is not None:
            query = query.where(ReturnRow.merchant_id == merchant)
        return list(self.session.scalars(query.order_by(ReturnRow.created_at).limit(LIMIT * 4)))

    def inspections(self, since: datetime, until: datetime) -> list[tuple[str, datetime]]:
        """(who, when) of each inspection in [since, until): the warehouse's own pace."""
        query = (
            select(InspectionRow.inspected_by, InspectionRow.inspected_at)
            .where(InspectionRow.inspected_at >= since, InspectionRow.inspected_at < until)
            .limit(LIMIT)
        )
        return [(who, at) for who, at in self.session.execute(query)]
