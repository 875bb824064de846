"""Merchants' display names for pages and reports: the name the order system gave, else the id.

The order import may carry a merchant's name (`Order.merchant_name`); merchants imported
without one are named by their id, so every id always has something to show.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol


class MerchantNameReader(Protocol):
    def merchant_names(self, ids: Iterable[str]) -> dict[str, str]: ...


class MerchantsWork(Protocol):
    @property
    def orders(self) -> MerchantNameReader: ...


def merchant_names(uow: MerchantsWork, ids: Iterable[str]) -> dict[str, str]:
    """id → display name for each id asked for (an unknown or unnamed merchant: its id)."""
    wanted = {merchant_id for merchant_id in ids if merchant_id}
    if not wanted:
        return {}
    stored = uow.orders.merchant_names(wanted)
    return {merchant_id: stored.get(merchant_id) or merchant_id for merchant_id in wanted}


def merchant_name(uow: MerchantsWork, merchant_id: str) -> str:
    """One merchant's display name (its id when it has none)."""
    return merchant_names(uow, [merchant_id]).get(merchant_id, merchant_id)
