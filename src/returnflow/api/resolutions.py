"""Exchanges, repairs, reissues, credit refunds and the order system's shipment requests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from returnflow.api.catalog import catalog_router
from returnflow.api.schemas import RowId
from returnflow.app_context import AppContext
from returnflow.domain.access import Permission, Principal
from returnflow.domain.money import Money
from returnflow.domain.text import DomainError
from returnflow.entrypoints.deps import Allowed, Context
from returnflow.services import exchanges as exchange_service
from returnflow.services import repairs as repair_service
from returnflow.services import store_credit as credit_service
from returnflow.services.errors import Conflict, NotFound
from returnflow.services.replacements import Wanted
from returnflow.services.returns import get_return
from returnflow.storage.resolutions import ShipmentRequests, StoreCredit
from returnflow.storage.schema import ShipmentRequestRow
from returnflow.storage.uow import UnitOfWork

router = APIRouter(prefix="/api/v1", tags=["resolutions"])
__all__ = ["catalog_router", "router"]

Cents = Annotated[int, Field(ge=0, le=10**12)]
Sku = Annotated[str, Field(min_length=1, max_length=64)]
_STATE_CONFLICTS = {
    "exchange_not_open",
    "exchange_exists",
    "exchange_step_not_allowed",
    "exchange_waits_for_inspection",
    "repair_not_open",
    "repair_exists",
    "repair_step_not_allowed",
    "reissue_not_open",
    "reissue_exists",
    "shipment_request_shipped",
    "waybill_in_use",
    "store_credit_not_open",
    "store_credit_insufficient",
    "fast_exchange_refused",
}


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


@contextmanager
def _work(context: AppContext) -> Iterator[UnitOfWork]:
    """A unit of work whose state refusals are 409s, committed when the block ends."""
    with context.uow() as uow:
        try:
            yield uow
        except NotFound:
            raise
        except DomainError as error:
            if error.code in _STATE_CONFLICTS:
                raise Conflict(error.code, error.message, field=error.field) from error
            raise
        uow.commit(context.clock())


def _money(amount: Money | None) -> dict[str, Any] | None:
    return None if amount is None else {"amount": amount.cents, "currency": amount.currency}


def shipment_request_out(row: ShipmentRequestRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "rma_no": row.rma_no,
        "order_no": row.order_no,
        "merchant_id": row.merchant_id,
        "customer_id": row.customer_id,
        "purpose": row.purpose,
        "items": row.items,
        "price": {"amount": row.price, "currency": row.currency},
        "status": row.status,
        "carrier": row.carrier,
        "waybill_no": row.waybill_no,
        "created_at": row.created_at.isoformat(),
        "shipped_at": row.shipped_at.isoformat() if row.shipped_at else None,
    }


def resolution_out(uow: UnitOfWork, rma_no: str) -> dict[str, Any]:
    found = exchange_service.state(uow, rma_no)
    request = uow.returns.get(rma_no)
    exchange = found.exchange
    repair = found.repair
    return {
        "rma_no": rma_no,
        "status": request.status.value if request else None,
        "exchange": None
        if exchange is None
        else {
            "status": exchange.status.value,
            "fast": exchange.fast,
            "items": [item.as_json() for item in exchange.items],
            "returned_value": _money(exchange.returned_value),
            "replacement_value": _money(exchange.replacement_value),
            "difference": _money(exchange.difference),
            "settlement": exchange.settlement.value,
            "return_due_at": exchange.return_due_at.isoformat() if exchange.return_due_at else None,
            "charged": _money(exchange.charged),
            "history": [
                {"at": s.at.isoformat(), "actor": s.actor, "step": s.step, "note": s.note}
                for s in exchange.history
            ],
        },
        "reservations": found.reservations,
        "repair": None
        if repair is None
        else {
            "status": repair.status.value,
            "diagnosis": repair.diagnosis,
            "cost": _money(repair.cost),
            "cost_approved": repair.cost_approved,
            "steps": [
                {"at": s.at.isoformat(), "actor": s.actor, "step": s.step, "note": s.note}
                for s in repair.steps
            ],
        },
        "shipment_requests": [shipment_request_out(row) for row in found.shipment_requests],
        "refund_intents": found.refund_intents,
    }


def _act(
    context: AppContext,
    principal: Principal,
    rma_no: str,
    change: Callable[[UnitOfWork], object],
) -> dict[str, Any]:
    with _work(context) as uow:
        get_return(uow, rma_no, merchant_scope=principal.merchant_scope, for_update=True)
        change(uow)
        uow.returns.sync()
        out = resolution_out(uow, rma_no)
    return out


Resolver = Annotated[Principal, Depends(Allowed(Permission.RETURNS_RESOLVE))]
Viewer = Annotated[Principal, Depends(Allowed(Permission.RETURNS_VIEW))]


@router.get("/returns/{rma_no}/resolution")
def get_resolution(rma_no: str, context: Context, principal: Viewer) -> dict[str, Any]:
    """Exchange order, reservations, repair order and outbound shipment requests."""
    with context.uow() as uow:
        get_return(uow, rma_no, merchant_scope=principal.merchant_scope)
        return resolution_out(uow, rma_no)


@router.post("/returns/{rma_no}/exchange-order", status_code=201)
def choose_exchange(
    rma_no: str, body: ExchangeIn, context: Context, principal: Resolver
) -> dict[str, Any]:
    """Pick the replacement (another variant or product); stock is reserved.

    The price is the catalogue's (`PUT /api/v1/catalog/items`), never the caller's; a
    SKU the catalogue does not list is refused (422 `replacement_unknown_sku`) unless
    it is the returned line's own SKU in the same quantity (like-for-like: no price
    difference); one out of stock is 422 `replacement_out_of_stock`. `fast` ships it
    before the return arrives, within the configured limits.
    """
    now = context.clock()

    def change(uow: UnitOfWork) -> None:
        items = tuple(Wanted(i.line_no, i.sku, i.quantity) for i in body.items)
        choice = exchange_service.ExchangeChoice(items, body.fast)
        exchange_service.choose(uow, context.settings, rma_no, choice, principal.actor, now)

    return _act(context, principal, rma_no, change)


@router.post("/returns/{rma_no}/exchange-order/release")
def release_exchange(rma_no: str, context: Context, principal: Resolver) -> dict[str, Any]:
    """After inspection: ask the order system to ship the reserved replacement."""
    now = context.clock()
    return _act(
        context,
        principal,
        rma_no,
        lambda uow: exchange_service.release(uow, rma_no, principal.actor, now),
    )


@router.post("/returns/{rma_no}/repair-order", status_code=201)
def open_repair(rma_no: str, context: Context, principal: Resolver) -> dict[str, Any]:
    now = context.clock()
    return _act(
        context,
        principal,
        rma_no,
        lambda uow: repair_service.open_repair(uow, rma_no, principal.actor, now),
    )


@router.post("/returns/{rma_no}/repair-order/diagnose")
def diagnose(
    rma_no: str, body: DiagnoseIn, context: Context, principal: Resolver
) -> dict[str, Any]:
    """A cost above zero waits for the customer's approval."""
    now = context.clock()
    return _act(
        context,
        principal,
        rma_no,
        lambda uow: repair_service.step(
            uow, rma_no, "diagnose", principal.actor, now, note=body.note, cost=body.cost
        ),
    )


@router.post("/returns/{rma_no}/repair-order/cost-answer")
def answer_cost(
    rma_no: str, body: CostAnswerIn, context: Context, principal: Resolver
) -> dict[str, Any]:
    """The customer's answer to a chargeable repair, recorded on their behalf."""
    now = context.clock()
    return _act(
        context,
        principal,
        rma_no,
        lambda uow: repair_service.step(
            uow, rma_no, "answer_cost", principal.actor, now, approved=body.approved
        ),
    )


def _repair_step(name: Literal["repaired", "ship_back"], path: str, summary: str) -> None:
    def endpoint(
        rma_no: str, context: Context, principal: Resolver, body: NoteIn | None = None
    ) -> dict[str, Any]:
        now = context.clock()
        return _act(
            context,
            principal,
            rma_no,
            lambda uow: repair_service.step(
                uow, rma_no, name, principal.actor, now, note=body.note if body else ""
            ),
        )

    endpoint.__name__ = f"repair_{name}"
    router.add_api_route(
        f"/returns/{{rma_no}}/repair-order/{path}", endpoint, methods=["POST"], summary=summary
    )


_repair_step("repaired", "repaired", "The repair is done")
_repair_step("ship_back", "ship-back", "Ask the order system to send the goods back")


@router.post("/returns/{rma_no}/reissue-order", status_code=201)
def reissue(
    rma_no: str, context: Context, principal: Resolver, body: ReissueIn | None = None
) -> dict[str, Any]:
    """Missing parts as a zero-price shipment request; REISSUE follows the waybill."""
    now = context.clock()
    parts = [part.model_dump() for part in body.items] if body else []
    return _act(
        context,
        principal,
        rma_no,
        lambda uow: repair_service.reissue(uow, rma_no, parts, principal.actor, now),
    )


@router.post("/returns/{rma_no}/store-credit")
def refund_as_credit(
    rma_no: str,
    context: Context,
    principal: Annotated[Principal, Depends(Allowed(Permission.REFUNDS_PAY))],
) -> dict[str, Any]:
    """Refund as store credit (plus the configured bonus) instead of money."""
    now = context.clock()
    with _work(context) as uow:
        grant = credit_service.refund_as_credit(
            uow,
            context.settings,
            rma_no,
            principal.actor,
            now,
            merchant_scope=principal.merchant_scope,
        )
        request = get_return(uow, rma_no)
        balance = StoreCredit(uow.session).balance(request.customer_id)
    return {
        "rma_no": rma_no,
        "status": request.status.value,
        "customer_id": request.customer_id,
        "credited": _money(grant.principal),
        "bonus": _money(grant.bonus),
        "balance": _money(balance),
    }


@router.get("/shipment-requests")
def list_shipment_requests(
    context: Context,
    principal: Viewer,
    status: Literal["pending", "shipped"] | None = None,
) -> dict[str, Any]:
    """What the order system should ship (replacements, reissued parts, repaired goods)."""
    with context.uow() as uow:
        rows = ShipmentRequests(uow.session).listing(
            status=status, merchant_scope=principal.merchant_scope
        )
        return {"items": [shipment_request_out(row) for row in rows]}


@router.post("/shipment-requests/{request_id}/shipped")
def report_shipped(
    request_id: RowId, body: ShippedIn, context: Context, principal: Resolver
) -> dict[str, Any]:
    """The order system reports the waybill; the exchange, repair or reissue step follows."""
    now = context.clock()
    with _work(context) as uow:
        row = exchange_service.mark_shipped(
            uow,
            request_id,
            body.carrier,
            body.waybill_no,
            principal.actor,
            now,
            merchant_scope=principal.merchant_scope,
        )
        uow.returns.sync()
        out = shipment_request_out(row)
        request = uow.returns.get(row.rma_no)
        out["return_status"] = request.status.value if request else None
    return out
