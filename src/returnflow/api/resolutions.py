"""Exchanges, repairs, reissues, credit refunds and the order system's shipment requests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from returnflow.api.catalog import catalog_router
from returnflow.api.resolution_models import (
    CreditRefundOut,
    ResolutionOut,
    ShipmentRequestOut,
    ShipmentRequestsOut,
    ShippedOut,
)
from returnflow.api.roles import Payer, Resolver, Viewer
from returnflow.app_context import AppContext
from returnflow.domain.access import Principal
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.params import RowId
from returnflow.entrypoints.steps import perform
from returnflow.services import exchanges as exchange_service
from returnflow.services import repairs as repair_service
from returnflow.services import resolution_queries
from returnflow.services import shipment_requests as shipment_service
from returnflow.services import store_credit as credit_service
from returnflow.services.replacements import Wanted
from returnflow.services.resolution_errors import as_conflicts
from returnflow.services.returns import get_return
from returnflow.services.unit_of_work import UnitOfWork

router = APIRouter(prefix="/api/v1", tags=["resolutions"])
__all__ = ["catalog_router", "router"]

Cents = Annotated[int, Field(ge=0, le=10**12)]
Sku = Annotated[str, Field(min_length=1, max_length=64)]
# state refusals (a second replacement, a step out of order) answer 409: see
# services/resolution_errors.py, shared with the console pages


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReplacementIn(_In):
    """Which product replaces a returned line; its price and stock come from the catalogue."""

    line_no: int = Field(ge=1, le=10_000)
    sku: Sku
    quantity: int = Field(ge=1, le=10_000)


class ExchangeIn(_In):
    items: list[ReplacementIn] = Field(min_length=1, max_length=50)
    fast: bool = False


class DiagnoseIn(_In):
    note: str = Field(min_length=1, max_length=2000)
    cost: Cents = 0


class CostAnswerIn(_In):
    approved: bool


class NoteIn(_In):
    note: str = Field(default="", max_length=2000)


class PartIn(_In):
    sku: Sku
    title: str = Field(default="", max_length=300)
    quantity: int = Field(ge=1, le=10_000)


class ReissueIn(_In):
    items: list[PartIn] = Field(default_factory=list, max_length=50)


class ShippedIn(_In):
    carrier: str = Field(min_length=1, max_length=32)
    waybill_no: str = Field(min_length=4, max_length=64, pattern=r"^[A-Za-z0-9\-]+$")


def _resolved(
    context: AppContext,
    principal: Principal,
    rma_no: str,
    change: Callable[[UnitOfWork, datetime], object],
) -> ResolutionOut:
    """Perform `change` in one transaction and answer the request's resolution after it."""
    scope = principal.merchant_scope

    def step(uow: UnitOfWork, now: datetime) -> resolution_queries.ResolutionView:
        get_return(uow, rma_no, merchant_scope=scope, for_update=True)
        change(uow, now)
        return resolution_queries.resolution(uow, rma_no)

    return ResolutionOut.of(perform(context, as_conflicts(step)))


@router.get("/returns/{rma_no}/resolution")
def get_resolution(rma_no: str, context: Context, principal: Viewer) -> ResolutionOut:
    """Exchange order, reservations, repair order and outbound shipment requests."""
    with context.uow() as uow:
        view = resolution_queries.resolution(uow, rma_no, merchant_scope=principal.merchant_scope)
    return ResolutionOut.of(view)


@router.post("/returns/{rma_no}/exchange-order", status_code=201)
def choose_exchange(
    rma_no: str, body: ExchangeIn, context: Context, principal: Resolver
) -> ResolutionOut:
    """Pick the replacement (another variant or product); stock is reserved.

    The price is the catalogue's (`PUT /api/v1/catalog/items`), never the caller's; a
    SKU the catalogue does not list is refused (422 `replacement_unknown_sku`) unless
    it is the returned line's own SKU in the same quantity (like-for-like: no price
    difference); one out of stock is 422 `replacement_out_of_stock`. `fast` ships it
    before the return arrives, within the configured limits.
    """
    items = tuple(Wanted(i.line_no, i.sku, i.quantity) for i in body.items)
    choice = exchange_service.ExchangeChoice(items, body.fast)

    def change(uow: UnitOfWork, now: datetime) -> None:
        exchange_service.choose(uow, context.settings, rma_no, choice, principal.actor, now)

    return _resolved(context, principal, rma_no, change)


@router.post("/returns/{rma_no}/exchange-order/release")
def release_exchange(rma_no: str, context: Context, principal: Resolver) -> ResolutionOut:
    """After inspection: ask the order system to ship the reserved replacement."""
    return _resolved(
        context,
        principal,
        rma_no,
        lambda uow, now: exchange_service.release(uow, rma_no, principal.actor, now),
    )


@router.post("/returns/{rma_no}/repair-order", status_code=201)
def open_repair(rma_no: str, context: Context, principal: Resolver) -> ResolutionOut:
    return _resolved(
        context,
        principal,
        rma_no,
        lambda uow, now: repair_service.open_repair(uow, rma_no, principal.actor, now),
    )


@router.post("/returns/{rma_no}/repair-order/diagnose")
def diagnose(rma_no: str, body: DiagnoseIn, context: Context, principal: Resolver) -> ResolutionOut:
    """A cost above zero waits for the customer's approval."""
    return _resolved(
        context,
        principal,
        rma_no,
        lambda uow, now: repair_service.step(
            uow, rma_no, "diagnose", principal.actor, now, note=body.note, cost=body.cost
        ),
    )


@router.post("/returns/{rma_no}/repair-order/cost-answer")
def answer_cost(
    rma_no: str, body: CostAnswerIn, context: Context, principal: Resolver
) -> ResolutionOut:
    """The customer's answer to a chargeable repair, recorded on their behalf."""
    return _resolved(
        context,
        principal,
        rma_no,
        lambda uow, now: repair_service.step(
            uow, rma_no, "answer_cost", principal.actor, now, approved=body.approved
        ),
    )


def _repair_step(name: Literal["repaired", "ship_back"], path: str, summary: str) -> None:
    def endpoint(
        rma_no: str, context: Context, principal: Resolver, body: NoteIn | None = None
    ) -> ResolutionOut:
        note = body.note if body else ""
        return _resolved(
            context,
            principal,
            rma_no,
            lambda uow, now: repair_service.step(
                uow, rma_no, name, principal.actor, now, note=note
            ),
        )

    endpoint.__name__ = f"repair_{name}"
    router.add_api_route(
        f"/returns/{{rma_no}}/repair-order/{path}",
        endpoint,
        methods=["POST"],
        summary=summary,
        response_model=ResolutionOut,
    )


_repair_step("repaired", "repaired", "The repair is done")
_repair_step("ship_back", "ship-back", "Ask the order system to send the goods back")


@router.post("/returns/{rma_no}/reissue-order", status_code=201)
def reissue(
    rma_no: str, context: Context, principal: Resolver, body: ReissueIn | None = None
) -> ResolutionOut:
    """Missing parts as a zero-price shipment request; REISSUE follows the waybill."""
    parts = [part.model_dump() for part in body.items] if body else []
    return _resolved(
        context,
        principal,
        rma_no,
        lambda uow, now: repair_service.reissue(uow, rma_no, parts, principal.actor, now),
    )


@router.post("/returns/{rma_no}/store-credit")
def refund_as_credit(
    rma_no: str,
    context: Context,
    principal: Payer,
) -> CreditRefundOut:
    """Refund as store credit (plus the configured bonus) instead of money."""
    done = perform(
        context,
        as_conflicts(
            lambda uow, now: credit_service.take_as_credit(
                uow,
                context.settings,
                rma_no,
                principal.actor,
                now,
                merchant_scope=principal.merchant_scope,
            )
        ),
    )
    return CreditRefundOut.of(done)


@router.get("/shipment-requests")
def list_shipment_requests(
    context: Context,
    principal: Viewer,
    status: Literal["pending", "shipped"] | None = None,
) -> ShipmentRequestsOut:
    """What the order system should ship (replacements, reissued parts, repaired goods)."""
    with context.uow() as uow:
        found = shipment_service.listing(
            uow, status=status, merchant_scope=principal.merchant_scope
        )
    return ShipmentRequestsOut(items=[ShipmentRequestOut.of(view) for view in found])


@router.post("/shipment-requests/{request_id}/shipped")
def report_shipped(
    request_id: RowId, body: ShippedIn, context: Context, principal: Resolver
) -> ShippedOut:
    """The order system reports the waybill; the exchange, repair or reissue step follows."""

    def step(uow: UnitOfWork, now: datetime) -> ShippedOut:
        view = shipment_service.mark_shipped(
            uow,
            request_id,
            body.carrier,
            body.waybill_no,
            principal.actor,
            now,
            merchant_scope=principal.merchant_scope,
        )
        request = get_return(uow, view.rma_no)
        fields = ShipmentRequestOut.fields_of(view)
        return ShippedOut(**fields, return_status=request.status.value)

    return perform(context, as_conflicts(step))
