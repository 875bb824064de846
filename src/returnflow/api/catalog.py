"""The order system's catalogue price feed: what replacements cost and how many are left.

Exchanges are priced only from here (issue 9). The feed is a bulk upsert by the
integration (or an administrator/manager importing orders): each item replaces that
SKU's price and availability for its merchant.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from returnflow.domain.access import Permission, Principal
from returnflow.entrypoints.deps import Allowed, Context
from returnflow.services import replacements
from returnflow.storage.catalogue import Catalogue, PriceUpdate

catalog_router = APIRouter(prefix="/api/v1", tags=["catalog"])

Feeder = Annotated[Principal, Depends(Allowed(Permission.ORDERS_IMPORT))]
Viewer = Annotated[Principal, Depends(Allowed(Permission.ORDERS_VIEW))]
Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._\-]+$")]


class CatalogItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    merchant_id: Id
    sku: Id
    title: str = Field(min_length=1, max_length=300)
    unit_price: int = Field(
        ge=1, le=replacements.MAX_UNIT_PRICE, description="fen; a free product is no replacement"
    )
    currency: str = Field(default="CNY", pattern=r"^[A-Z]{3}$")
    available: int = Field(ge=0, le=replacements.MAX_AVAILABLE)


class CatalogFeedIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[CatalogItemIn] = Field(min_length=1, max_length=1000)


@catalog_router.put("/catalog/items")
def feed_catalog(body: CatalogFeedIn, context: Context, principal: Feeder) -> dict[str, Any]:
    """Bulk upsert of prices (fen) and availability per merchant and SKU."""
    now = context.clock()
    by_merchant: dict[str, list[PriceUpdate]] = {}
    for item in body.items:
        by_merchant.setdefault(item.merchant_id, []).append(
            PriceUpdate(item.sku, item.title, item.unit_price, item.currency, item.available)
        )
    with context.uow() as uow:
        count = sum(
            replacements.feed(uow, merchant, updates, principal.actor, now)
            for merchant, updates in sorted(by_merchant.items())
        )
        uow.commit(now)
    return {"updated": count}


@catalog_router.get("/catalog/items")
def list_catalog(merchant_id: Id, context: Context, principal: Viewer) -> dict[str, Any]:
    """One merchant's replacement catalogue as the feed left it."""
    if principal.merchant_scope is not None and principal.merchant_scope != merchant_id:
        return {"items": []}
    with context.uow() as uow:
        items = Catalogue(uow.session).listing(merchant_id, limit=1000)
    return {
        "items": [
            {
                "sku": item.sku,
                "title": item.title,
                "unit_price": {"amount": item.price.cents, "currency": item.price.currency},
                "available": item.available,
            }
            for item in items
        ]
    }
