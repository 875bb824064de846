"""Warehouse API, the goods in store (R5.4): stock levels, the ledger, manual moves,
return-to-vendor batches and bin labels. Included by `api/warehouse.py` under its prefix.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from starlette.responses import Response

from returnflow.api.roles import Disposer, StockViewer
from returnflow.api.warehouse_models import (
    BatchesOut,
    BatchWithItemsOut,
    LedgerOut,
    MovedOut,
    MovementIn,
    ShipBatchIn,
    StockOut,
)
from returnflow.api.warehouse_views import batch_out, batch_with_items_out, movement_out, stock_out
from returnflow.domain.access import Permission
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.params import RowId
from returnflow.entrypoints.steps import perform
from returnflow.services import warehouse as warehouse_service
from returnflow.services import warehouse_queries as queries
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.services.warehouse_labels import bin_label as bin_label_file

router = APIRouter()
P = Permission


@router.get("/stock")
def stock(
    context: Context,
    principal: StockViewer,
    merchant_id: str | None = None,
    sku: str | None = None,
    location: str | None = None,
    grade: str | None = None,
) -> StockOut:
    """Units per SKU, location and grade: the ledger's sum (never negative)."""
    where = queries.stock_filter(merchant_id, sku, location, grade)
    with context.uow() as uow:
        return stock_out(queries.stock_levels(uow, where))


@router.get("/ledger")
def ledger(
    context: Context,
    principal: StockViewer,
    merchant_id: str | None = None,
    sku: str | None = None,
    location: str | None = None,
    grade: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> LedgerOut:
    """Movements, newest first."""
    where = queries.stock_filter(merchant_id, sku, location, grade)
    with context.uow() as uow:
        return LedgerOut(items=[movement_out(m) for m in queries.movements(uow, where, limit)])


@router.post("/movements", status_code=201)
def move(body: MovementIn, context: Context, principal: Disposer) -> MovedOut:
    """Move between bins, sell or scrap stored goods; refused if the source is short."""

    def step(uow: UnitOfWork, now: datetime) -> MovedOut:
        movement = warehouse_service.move_stock(
            uow,
            kind=body.kind,
            merchant_id=body.merchant_id,
            sku=body.sku,
            grade=body.grade.value,
            quantity=body.quantity,
            from_location=body.from_location,
            to_location=body.to_location,
            actor=principal.actor,
            now=now,
            note=body.note,
        )
        return MovedOut(
            kind=movement.kind.value,
            from_location=movement.from_location,
            to_location=movement.to_location,
            quantity=movement.quantity,
        )

    return perform(context, step)


@router.get("/rtv-batches")
def rtv_batches(
    context: Context,
    principal: StockViewer,
    status: Literal["open", "shipped"] | None = None,
) -> BatchesOut:
    with context.uow() as uow:
        return BatchesOut(items=[batch_out(b) for b in queries.batches(uow, status)])


@router.get("/rtv-batches/{batch_id}")
def rtv_batch(batch_id: RowId, context: Context, principal: StockViewer) -> BatchWithItemsOut:
    """One batch with its items: the manifest."""
    with context.uow() as uow:
        return batch_with_items_out(queries.batch(uow, batch_id))


@router.post("/rtv-batches/{batch_id}/ship")
def ship_batch(
    batch_id: RowId,
    context: Context,
    principal: Disposer,
    body: ShipBatchIn | None = None,
) -> BatchWithItemsOut:
    """Close the batch and send it to the merchant; its goods leave the stock."""
    given = body or ShipBatchIn()

    def step(uow: UnitOfWork, now: datetime) -> BatchWithItemsOut:
        shipped = warehouse_service.ship_batch(
            uow, batch_id, principal.actor, now, carrier=given.carrier, waybill_no=given.waybill_no
        )
        return batch_with_items_out(shipped)

    return perform(context, step)


@router.get(
    "/bins/{bin_code}/label.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def bin_label(
    bin_code: str,
    principal: Disposer,
    sku: Annotated[str, Query(max_length=64)] = "",
    grade: Annotated[str, Query(max_length=2)] = "",
    rma_no: Annotated[str, Query(max_length=32)] = "",
) -> Response:
    """The 100 × 50 mm bin label with the bin's Code128."""
    label = bin_label_file(bin_code, sku=sku, grade=grade, rma_no=rma_no)
    return Response(
        label.pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{label.filename}"'},
    )
