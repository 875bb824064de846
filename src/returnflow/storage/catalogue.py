"""The order system's price feed, stored: what a replacement costs and whether it is in stock.

Exchange prices used to come from whoever chose the replacement, so a price of 0 (or
10^12) moved money. Now the order system pushes its catalogue here and every
replacement is priced from it; the caller names only the SKU and the quantity.
Availability goes to `stock_levels`, where reservations are already counted, so there
is one place that says how many units are left.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from returnflow.domain.money import Money
from returnflow.storage.resolutions import Stock
from returnflow.storage.schema import CatalogueItemRow, StockLevelRow


@dataclass(frozen=True, slots=True)
class CatalogueItem:
    """One product as the order system sells it now; `available` None: never reported."""

    sku: str
    title: str
    price: Money
    available: int | None = None


@dataclass(frozen=True, slots=True)
class PriceUpdate:
    """One line of the feed, already bounded by the API."""

    sku: str
    title: str
    unit_price: int  # fen
    currency: str
    available: int


class Catalogue:
    def __init__(self, session: Session) -> None:
        self.session = session

    def upsert(
        self, merchant_id: str, updates: Iterable[PriceUpdate], actor: str, now: datetime
    ) -> int:
        """Insert or replace each SKU's price and availability; returns how many changed."""
        stock = Stock(self.session)
        count = 0
        for update in updates:
            row = self.session.get(CatalogueItemRow, (merchant_id, update.sku))
            if row is None:
                row = CatalogueItemRow(merchant_id=merchant_id, sku=update.sku)
                self.session.add(row)
            row.title, row.currency, row.unit_price = (
                update.title,
                update.currency,
                update.unit_price,
            )
            row.updated_at, row.updated_by = now, actor
            stock.report(merchant_id, update.sku, update.available, now)
            count += 1
        self.session.flush()
        return count

    def get(self, merchant_id: str, sku: str) -> CatalogueItem | None:
        found = self.session.execute(
            select(CatalogueItemRow, StockLevelRow.available)
            .outerjoin(
                StockLevelRow,
                (StockLevelRow.merchant_id == CatalogueItemRow.merchant_id)
                & (StockLevelRow.sku == CatalogueItemRow.sku),
            )
            .where(CatalogueItemRow.merchant_id == merchant_id, CatalogueItemRow.sku == sku)
        ).first()
        if found is None:
            return None
        row, available = found
        return _item(row, available)

    def listing(self, merchant_id: str, limit: int = 200) -> list[CatalogueItem]:
        rows = self.session.execute(
            select(CatalogueItemRow, StockLevelRow.available)
            .outerjoin(
                StockLevelRow,
                (StockLevelRow.merchant_id == CatalogueItemRow.merchant_id)
                & (StockLevelRow.sku == CatalogueItemRow.sku),
            )
            .where(CatalogueItemRow.merchant_id == merchant_id)
            .order_by(CatalogueItemRow.title, CatalogueItemRow.sku)
            .limit(limit)
        )
        return [_item(row, available) for row, available in rows]


def _item(row: CatalogueItemRow, available: int | None) -> CatalogueItem:
    return CatalogueItem(row.sku, row.title, Money(row.unit_price, row.currency), available)


def catalogue(session: Session, merchant_id: str, limit: int = 200) -> list[CatalogueItem]:
    """What the pages offer as replacements: the fed catalogue, in stock or never reported."""
    return [
        item
        for item in Catalogue(session).listing(merchant_id, limit)
        if item.available is None or item.available > 0
    ]
