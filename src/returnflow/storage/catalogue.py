"""The order system's price feed, stored: prices in `catalogue_items`, availability in
`stock_levels` (where reservations are already counted, so one place says how many
units are left). The value types live in `domain/price_feed.py`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from returnflow.domain.money import Money
from returnflow.domain.price_feed import CatalogueItem as CatalogueItem
from returnflow.domain.price_feed import PriceUpdate as PriceUpdate
from returnflow.storage.schema.resolutions import CatalogueItemRow, StockLevelRow
from returnflow.storage.stock import Stock


class Catalogue:
    def __init__(self, session: Session) -> None:
        self.session = session

    def upsert(
        self, merchant_id: str, updates: Iterable[PriceUpdate], actor: str, now: datetime
    ) -> int:
        """Insert or replace each SKU's price and availability; returns how many changed."""
        stock = Stock(self.session)  # availability is stock's, in the same transaction
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
            _with_stock().where(
                CatalogueItemRow.merchant_id == merchant_id, CatalogueItemRow.sku == sku
            )
        ).first()
        if found is None:
            return None
        row, available = found
        return _item(row, available)

    def listing(self, merchant_id: str, limit: int = 200) -> list[CatalogueItem]:
        rows = self.session.execute(
            _with_stock()
            .where(CatalogueItemRow.merchant_id == merchant_id)
            .order_by(CatalogueItemRow.title, CatalogueItemRow.sku)
            .limit(limit)
        )
        return [_item(row, available) for row, available in rows]


def _with_stock() -> Select[CatalogueItemRow, int]:
    return select(CatalogueItemRow, StockLevelRow.available).outerjoin(
        StockLevelRow,
        (StockLevelRow.merchant_id == CatalogueItemRow.merchant_id)
        & (StockLevelRow.sku == CatalogueItemRow.sku),
    )


def _item(row: CatalogueItemRow, available: int | None) -> CatalogueItem:
    return CatalogueItem(row.sku, row.title, Money(row.unit_price, row.currency), available)
