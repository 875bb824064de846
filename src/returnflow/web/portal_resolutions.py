"""The customer's side of resolutions: pick an exchange replacement, take the refund as
store credit, and see the credit balance and its history.

Shown on the request page through the `portal/_resolution.html` partial (one include
line); its data comes from the `portal_resolution` template global registered here.
The signed link proves the customer, as everywhere in the portal.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.api.resolutions import _work
from returnflow.domain.money import Money
from returnflow.domain.text import DomainError, Text
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.params import ShortFormText as FormText
from returnflow.services import exchanges as exchange_service
from returnflow.services import portal as portal_service
from returnflow.services import store_credit as credit_service
from returnflow.services.replacements import Wanted
from returnflow.storage.resolutions import CreditEntryView, StoreCredit
from returnflow.web.console_resolutions import Panel, panel_for
from returnflow.web.portal import _PortalRoute
from returnflow.web.portal_links import link_invalid, read_token
from returnflow.web.templating import render

# the portal's own route class: a refused link answers with the look-up form
router = APIRouter(prefix="/portal", include_in_schema=False, route_class=_PortalRoute)


@dataclass(frozen=True)
class CustomerPanel:
    panel: Panel
    balance: Money
    entries: list[CreditEntryView]


@router.get("/o/{token}/r/{rma_no}/resolution")
def resolution_page(request: Request, token: str, rma_no: str, context: Context) -> Response:
    """Choose the replacement or store credit; the credit balance and its history."""
    now = context.clock()
    access = read_token(context.secret_key, token, now)
    with context.uow() as uow:
        order = portal_service.customer_order(uow, access.order_no, access.customer_id)
        if order is None:
            raise link_invalid()
        found = portal_service.customer_request(uow, order, rma_no)
        credit = StoreCredit(uow.session)
        balance = credit.balance(found.customer_id, found.estimate.total.currency)
        entries = credit.entries(found.customer_id, limit=10)
    panel = CustomerPanel(panel_for(context, found), balance, entries)
    values = {"token": token, "order": order, "req": found, "cr": panel}
    return render(request, "portal/resolution.html", values)


def _actor(customer_id: str) -> str:
    return f"customer:{customer_id}"


def _back(token: str, rma_no: str) -> RedirectResponse:
    return RedirectResponse(
        f"/portal/o/{token}/r/{quote(rma_no, safe='')}/resolution", status_code=303
    )


@router.post("/o/{token}/r/{rma_no}/exchange")
def choose_exchange(
    token: str,
    rma_no: str,
    context: Context,
    sku: FormText = "",
    fast: FormText = "",
) -> Response:
    """The customer picks the replacement from the merchant's products, at its price."""
    now = context.clock()
    access = read_token(context.secret_key, token, now)
    with _work(context) as uow:
        order = portal_service.customer_order(uow, access.order_no, access.customer_id)
        if order is None:
            raise link_invalid()
        found = portal_service.customer_request(uow, order, rma_no, for_update=True)
        if not sku.strip():
            raise DomainError(
                "replacement_required",
                Text("请选择换货商品", "Choose the replacement item"),
                field="sku",
            )
        line = found.lines[0]
        item = Wanted(line.line_no, sku.strip()[:64], line.quantity)  # priced by the server
        choice = exchange_service.ExchangeChoice((item,), fast=bool(fast))
        exchange_service.choose(
            uow, context.settings, rma_no, choice, _actor(access.customer_id), now
        )
    return _back(token, rma_no)


@router.post("/o/{token}/r/{rma_no}/store-credit")
def take_store_credit(token: str, rma_no: str, context: Context) -> Response:
    """The refund is due: the customer takes it as store credit, with the bonus."""
    now = context.clock()
    access = read_token(context.secret_key, token, now)
    with _work(context) as uow:
        order = portal_service.customer_order(uow, access.order_no, access.customer_id)
        if order is None:
            raise link_invalid()
        found = portal_service.customer_request(uow, order, rma_no, for_update=True)
        credit_service.refund_as_credit(
            uow, context.settings, rma_no, _actor(access.customer_id), now, request=found
        )
    return _back(token, rma_no)
