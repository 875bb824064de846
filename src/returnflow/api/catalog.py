"""The order system's catalogue price feed: what replacements cost and how many are left.

Exchanges are priced only from here (issue 9). The feed is a bulk upsert by the
integration (or an administrator/manager importing orders): each item replaces that
SKU's price and availability for its merchant.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from returnflow.api.roles import Feeder, OrderViewer
from returnflow.api.schemas import Money as MoneyOut
from returnflow.domain.price_feed import MAX_AVAILABLE, MAX_UNIT_PRICE, PriceUpdate
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.steps import perform
from returnflow.services import replacements
from returnflow.services.unit_of_work import UnitOfWork

catalog_router = APIRouter(prefix="/api/v1", tags=["catalog"])

Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._\-]+$")]


class CatalogItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    merchant_id: Id
    sku: Id
    title: str = Field(min_length=1, max_length=300)
    unit_price: int = Field(
        ge=1, le=MAX_UNIT_PRICE, description="fen; a free product is no replacement"
    )
    currency: str = Field(default="CNY", pattern=r"^[A-Z]{3}$")
    available: int = Field(ge=0, le=MAX_AVAILABLE)


class CatalogFeedIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[CatalogItemIn] = Field(min_length=1, max_length=1000)


class FeedOut(BaseModel):
    updated: int


class CatalogItemOut(BaseModel):
    sku: str
    title: str
    unit_price: MoneyOut
    available: int | None


class CatalogOut(BaseModel):
    items: list[CatalogItemOut]


@catalog_router.put("/catalog/items")
def feed_catalog(body: CatalogFeedIn, context: Context, principal: Feeder) -> FeedOut:
    """Bulk upsert of prices (fen) and availability per merchant and SKU."""
    by_merchant: dict[str, list[PriceUpdate]] = {}
    for item in body.items:
        by_merchant.setdefault(item.merchant_id, []).append(
            PriceUpdate(item.sku, item.title, item.unit_price, item.currency, item.available)
        )

    def step(uow: UnitOfWork, now: datetime) -> int:
        return sum(
            replacements.feed(uow, merchant, updates, principal.actor, now)
            for merchant, updates in sorted(by_merchant.items())
        )

    return FeedOut(updated=perform(context, step))


@catalog_router.get("/catalog/items")
def list_catalog(merchant_id: Id, context: Context, principal: OrderViewer) -> CatalogOut:
    """One merchant's replacement catalogue as the feed left it."""
    if principal.merchant_scope is not None and principal.merchant_scope != merchant_id:
        return CatalogOut(items=[])
    with context.uow() as uow:
        items = replacements.listing(uow, merchant_id, limit=1000)
    return CatalogOut(
        items=[
            CatalogItemOut(
                sku=item.sku,
                title=item.title,
                unit_price=MoneyOut(amount=item.price.cents, currency=item.price.currency),
                available=item.available,
            )
            for item in items
        ]
    )
