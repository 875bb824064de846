"""Names the incident and monitor pages show for a breach's key (issue 14, R13.1): `uow.names`.

A monitor keyed by SKU keeps the bare SKU; its product's title comes from the products
the orders brought (one title per SKU: the first merchant's, by merchant id).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from returnflow.storage.schema import ProductRow

MAX_KEYS = 500


class NameQueries:
    def __init__(self, session: Session) -> None:
        self.session = session

    def product_titles(self, skus: Iterable[str]) -> dict[str, str]:
        """SKU → product title, for the SKUs asked (at most `MAX_KEYS`)."""
        wanted = sorted({sku for sku in skus if sku})[:MAX_KEYS]
        if not wanted:
            return {}
        rows = self.session.execute(
            select(ProductRow.sku, ProductRow.title)
            .where(ProductRow.sku.in_(wanted))
            .order_by(ProductRow.sku, ProductRow.merchant_id)
        ).all()
        titles: dict[str, str] = {}
        for sku, title in rows:
            if title:
                titles.setdefault(str(sku), str(title))
        return titles
