"""The order system's price feed (issue 9): what a replacement costs and how many are left.

Exchange prices used to come from whoever chose the replacement, so a price of 0 (or
10^12) moved money. The order system pushes its catalogue instead and every replacement
is priced from it; the caller names only the SKU and the quantity.
"""

from __future__ import annotations

from dataclasses import dataclass

from returnflow.domain.money import Money

MAX_UNIT_PRICE = 10_000_000_000  # ¥100,000,000.00 in fen: above this is a feed error
MAX_AVAILABLE = 10_000_000


@dataclass(frozen=True, slots=True)
class CatalogueItem:
    """One product as the order system sells it now; `available` None: never reported."""

    sku: str
    title: str
    price: Money
    available: int | None = None

    @property
    def offered(self) -> bool:
        """In stock, or never reported (the order system stays the judge of its stock)."""
        return self.available is None or self.available > 0


@dataclass(frozen=True, slots=True)
class PriceUpdate:
    """One line of the feed, already bounded by the API."""

    sku: str
    title: str
    unit_price: int  # fen
    currency: str
    available: int
