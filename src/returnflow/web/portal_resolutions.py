"""The customer's side of resolutions: pick an exchange replacement, take the refund as
store credit, and see the credit balance and its history.

Shown on the request page through the `portal/_resolution.html` partial (one include
line) as a link to this page, read in one transaction (`services/resolution_queries`).
The signed link proves the customer, as everywhere in the portal; each choice first
checks the request belongs to the link's order and customer.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from urllib.parse import quote

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.app_context import AppContext
from returnflow.domain.orders import Order
from returnflow.domain.returns import ReturnRequest
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.params import ShortFormText as FormText
from returnflow.entrypoints.steps import perform
from returnflow.services import exchanges as exchange_service
from returnflow.services import portal as portal_service
from returnflow.services import resolution_queries
from returnflow.services import store_credit as credit_service
from returnflow.services.resolution_errors import as_conflicts
from returnflow.services.resolution_queries import CustomerPanel
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.web.portal_common import PortalRoute, access_of, actor
from returnflow.web.portal_links import link_invalid
from returnflow.web.templating import render

# the portal's own route class: a refused link answers with the look-up form
router = APIRouter(prefix="/portal", include_in_schema=False, route_class=PortalRoute)

# a customer's choice: the unit of work, who makes it, their request (locked), now
Choice = Callable[[UnitOfWork, str, ReturnRequest, datetime], object]


@router.get("/o/{token}/r/{rma_no}/resolution")
def resolution_page(request: Request, token: str, rma_no: str, context: Context) -> Response:
    """Choose the replacement or store credit; the credit balance and its history."""
    access = access_of(context, token)
    percent = context.settings.store_credit_bonus_percent

    def read(uow: UnitOfWork, now: datetime) -> tuple[Order, ReturnRequest, CustomerPanel]:
        order = portal_service.customer_order(uow, access.order_no, access.customer_id)
        if order is None:
            raise link_invalid()
        found = portal_service.customer_request(uow, order, rma_no)
        return order, found, resolution_queries.customer_panel(uow, found, percent)

    order, found, panel = perform(context, read)
    values = {"token": token, "order": order, "req": found, "cr": panel}
    return render(request, "portal/resolution.html", values)


def _choose(context: AppContext, token: str, rma_no: str, choice: Choice) -> RedirectResponse:
    """One choice on the link's own request, in one transaction; back to the page."""
    access = access_of(context, token)

    def step(uow: UnitOfWork, now: datetime) -> None:
        order = portal_service.customer_order(uow, access.order_no, access.customer_id)
        if order is None:
            raise link_invalid()
        found = portal_service.customer_request(uow, order, rma_no, for_update=True)
        choice(uow, actor(access), found, now)

    perform(context, as_conflicts(step))
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
    """The customer picks the replacement from the merchant's products, at its price,
    as many as they sent back."""

    def choice(uow: UnitOfWork, who: str, found: ReturnRequest, now: datetime) -> object:
        return exchange_service.choose_for_first_line(
            uow, context.settings, found.rma_no, sku, None, who, now, fast=bool(fast)
        )

    return _choose(context, token, rma_no, choice)


@router.post("/o/{token}/r/{rma_no}/store-credit")
def take_store_credit(token: str, rma_no: str, context: Context) -> Response:
    """The refund is due: the customer takes it as store credit, with the bonus."""

    def choice(uow: UnitOfWork, who: str, found: ReturnRequest, now: datetime) -> object:
        return credit_service.refund_as_credit(
            uow, context.settings, found.rma_no, who, now, request=found
        )

    return _choose(context, token, rma_no, choice)
