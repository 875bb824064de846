"""Console pages for resolutions: the exchange / repair / reissue / credit panel on the
request page, the shipment requests list and the store-credit page per customer.

The panel is a partial (`staff/_resolution.html`) included by the request page; it
reads its data through the `resolution_panel` template global registered here, so the
shared request page needs one include line and no new code. A refused step shows the
shared error page with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.api.resolutions import _work
from returnflow.app_context import AppContext
from returnflow.domain.access import Permission, Principal
from returnflow.domain.kinds import RequestType
from returnflow.domain.lifecycle import Status
from returnflow.domain.repairs import RepairStatus
from returnflow.domain.returns import ReturnRequest
from returnflow.domain.store_credit import bonus_for
from returnflow.domain.text import DomainError, Text
from returnflow.entrypoints import params
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.params import FormText, RowId
from returnflow.services import exchanges as exchange_service
from returnflow.services import repairs as repair_service
from returnflow.services import replacements
from returnflow.services import store_credit as credit_service
from returnflow.services.replacements import Wanted
from returnflow.services.returns import get_return
from returnflow.storage.catalogue import CatalogueItem
from returnflow.storage.resolutions import (
    CreditEntryView,
    ShipmentRequests,
    StoreCredit,
)
from returnflow.web import templating
from returnflow.web.guards import StaffPage, StaffSession, check_csrf
from returnflow.web.staff_page import render_staff

router = APIRouter(include_in_schema=False)
P = Permission
Viewer = Annotated[StaffSession, Depends(StaffPage(P.RETURNS_VIEW))]
Resolver = Annotated[StaffSession, Depends(StaffPage(P.RETURNS_RESOLVE))]
Payer = Annotated[StaffSession, Depends(StaffPage(P.REFUNDS_PAY))]
CreditManager = Annotated[StaffSession, Depends(StaffPage(P.CREDIT_MANAGE))]


@dataclass(frozen=True)
class Panel:
    state: exchange_service.ResolutionState
    catalogue: list[CatalogueItem]
    can_choose_exchange: bool
    can_release: bool
    can_open_repair: bool
    repair_steps: list[str]  # the repair steps possible now
    can_reissue: bool
    credit_offer: credit_service.CreditGrant | None


def panel_for(context: AppContext, request: ReturnRequest) -> Panel:
    with context.uow() as uow:
        state = exchange_service.state(uow, request.rma_no)
        products = (
            replacements.offered(uow, request, uow.orders.get(request.order_no))
            if request.request_type is RequestType.EXCHANGE
            else []
        )
        uow.session.expunge_all()  # the rows are read after the session closes
    exchange, repair = state.exchange, state.repair
    repair_steps: list[str] = []
    if repair is not None:
        repair_steps = {
            RepairStatus.RECEIVED: ["diagnose"],
            RepairStatus.AWAITING_APPROVAL: ["answer_cost"],
            RepairStatus.DIAGNOSED: ["repaired"],
            RepairStatus.REPAIRED: ["ship_back"],
            RepairStatus.DECLINED: ["ship_back"],
        }.get(repair.status, [])
    offer = None
    if credit_service.credit_open(request) and request.estimate.total.cents > 0:
        percent = context.settings.store_credit_bonus_percent
        offer = credit_service.CreditGrant(
            request.estimate.total, bonus_for(request.estimate.total, percent)
        )
    return Panel(
        state=state,
        catalogue=products,
        can_choose_exchange=request.request_type is RequestType.EXCHANGE
        and exchange is None
        and request.status
        in (Status.APPROVED, Status.IN_TRANSIT, Status.RECEIVED, Status.INSPECTED),
        can_release=exchange is not None
        and exchange.status.value == "reserved"
        and request.status is Status.INSPECTED,
        can_open_repair=request.request_type is RequestType.REPAIR
        and repair is None
        and request.status is Status.INSPECTED,
        repair_steps=repair_steps,
        can_reissue=request.request_type is RequestType.REISSUE
        and request.status is Status.APPROVED
        and not state.shipment_requests,
        credit_offer=offer,
    )


def _resolution_panel(request: Request, rma: ReturnRequest) -> Panel:
    return panel_for(request.app.state.context, rma)


for _environment in templating._ENVIRONMENTS.values():
    _environment.globals["resolution_panel"] = _resolution_panel


def _back(rma_no: str, done: str) -> RedirectResponse:
    return RedirectResponse(
        f"/staff/returns/{quote(rma_no, safe='')}?done={done}#resolution", status_code=303
    )


def parse_yuan(value: str, field: str) -> int | None:
    """ "99.5" → 9950 cents; blank → None."""
    if not value.strip():
        return None
    return params.cents(value, field, 0, 10**11)  # ASCII digits: no NaN, no 1e999999


def _scope(principal: Principal) -> str | None:
    return principal.merchant_scope


@router.post("/staff/returns/{rma_no}/exchange-order")
def choose_exchange(
    rma_no: str,
    context: Context,
    session: Resolver,
    csrf_token: FormText = "",
    sku: FormText = "",
    quantity: FormText = "1",
    fast: FormText = "",
) -> Response:
    """The replacement's price is the catalogue's; the form names only SKU and quantity."""
    check_csrf(session, csrf_token)
    now = context.clock()
    principal = session.principal
    with _work(context) as uow:
        request = get_return(uow, rma_no, merchant_scope=_scope(principal), for_update=True)
        if not sku.strip():
            raise DomainError(
                "replacement_required",
                Text("请选择换货商品", "Choose the replacement item"),
                field="sku",
            )
        count = params.digits(quantity, 1, params.MAX_QUANTITY) or 0
        if count < 1:
            raise DomainError(
                "replacement_invalid",
                Text("换货商品的数量不正确", "The replacement's quantity is wrong"),
                field="quantity",
            )
        item = Wanted(request.lines[0].line_no, sku.strip()[:64], count)
        choice = exchange_service.ExchangeChoice((item,), fast=bool(fast))
        exchange_service.choose(uow, context.settings, rma_no, choice, principal.actor, now)
    return _back(rma_no, "exchange_chosen")


@router.post("/staff/returns/{rma_no}/exchange-order/release")
def release(
    rma_no: str, context: Context, session: Resolver, csrf_token: FormText = ""
) -> Response:
    check_csrf(session, csrf_token)
    principal = session.principal
    with _work(context) as uow:
        get_return(uow, rma_no, merchant_scope=_scope(principal))
        exchange_service.release(uow, rma_no, principal.actor, context.clock())
    return _back(rma_no, "exchange_released")


@router.post("/staff/returns/{rma_no}/repair-order")
def repair(
    rma_no: str,
    context: Context,
    session: Resolver,
    csrf_token: FormText = "",
    step: FormText = "open",
    note: FormText = "",
    cost: FormText = "",
    approved: FormText = "",
) -> Response:
    """One repair step: open, diagnose (note, cost), answer_cost, repaired, ship_back."""
    check_csrf(session, csrf_token)
    principal = session.principal
    now = context.clock()
    with _work(context) as uow:
        get_return(uow, rma_no, merchant_scope=_scope(principal))
        if step == "open":
            repair_service.open_repair(uow, rma_no, principal.actor, now)
        elif step in ("diagnose", "answer_cost", "repaired", "ship_back"):
            repair_service.step(
                uow,
                rma_no,
                step,
                principal.actor,
                now,
                note=note,
                cost=parse_yuan(cost, "cost") or 0,
                approved=approved == "yes",
            )
        else:
            raise DomainError("repair_step_unknown", Text("未知的维修步骤", "Unknown repair step"))
    return _back(rma_no, "repair_step")


@router.post("/staff/returns/{rma_no}/reissue-order")
def reissue(
    rma_no: str, context: Context, session: Resolver, csrf_token: FormText = ""
) -> Response:
    check_csrf(session, csrf_token)
    principal = session.principal
    with _work(context) as uow:
        get_return(uow, rma_no, merchant_scope=_scope(principal))
        repair_service.reissue(uow, rma_no, [], principal.actor, context.clock())
    return _back(rma_no, "reissue_requested")


@router.post("/staff/returns/{rma_no}/store-credit")
def store_credit(
    rma_no: str, context: Context, session: Payer, csrf_token: FormText = ""
) -> Response:
    check_csrf(session, csrf_token)
    principal = session.principal
    with _work(context) as uow:
        credit_service.refund_as_credit(
            uow,
            context.settings,
            rma_no,
            principal.actor,
            context.clock(),
            merchant_scope=_scope(principal),
        )
    return _back(rma_no, "credited")


def _staff_page(
    request: Request, session: StaffSession, template: str, values: dict[str, Any], section: str
) -> Response:
    return render_staff(request, session, template, values, section=section)


@router.get("/staff/shipment-requests")
def shipment_requests(
    request: Request, context: Context, session: Viewer, status: str = "pending"
) -> Response:
    """What the order system has been asked to ship; staff may record a waybill by hand."""
    wanted = status if status in ("pending", "shipped") else None
    with context.uow() as uow:
        rows = ShipmentRequests(uow.session).listing(
            status=wanted, merchant_scope=session.principal.merchant_scope
        )
        uow.session.expunge_all()
    return _staff_page(
        request,
        session,
        "staff/shipment_requests.html",
        {"rows": rows, "status": wanted or ""},
        "shipments",
    )


@router.post("/staff/shipment-requests/{request_id}/shipped")
def shipped(
    request_id: RowId,
    context: Context,
    session: Resolver,
    csrf_token: FormText = "",
    carrier: FormText = "",
    waybill_no: FormText = "",
) -> Response:
    check_csrf(session, csrf_token)
    principal = session.principal
    with _work(context) as uow:
        exchange_service.mark_shipped(
            uow,
            request_id,
            carrier,
            waybill_no,
            principal.actor,
            context.clock(),
            merchant_scope=principal.merchant_scope,
        )
    return RedirectResponse("/staff/shipment-requests?status=shipped", status_code=303)


@router.get("/staff/store-credit")
def store_credit_page(
    request: Request, context: Context, session: CreditManager, customer_id: str = ""
) -> Response:
    """A customer's balance and every grant, bonus, spend and expiry (CREDIT_MANAGE)."""
    wanted = customer_id.strip()[:64]
    entries: list[CreditEntryView] = []
    with context.uow() as uow:
        credit = StoreCredit(uow.session)
        balance = credit.balance(wanted) if wanted else None
        if wanted:
            entries = credit.entries(wanted)
        accounts = [] if wanted else credit.customers()
        uow.session.expunge_all()
    return _staff_page(
        request,
        session,
        "staff/store_credit.html",
        {"customer_id": wanted, "balance": balance, "entries": entries, "accounts": accounts},
        "credit",
    )
