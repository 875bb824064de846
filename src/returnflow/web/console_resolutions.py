"""Console pages for resolutions: the exchange / repair / reissue / credit panel on the
request page, the shipment requests list and the store-credit page per customer.

The panel is a partial (`staff/_resolution.html`) included by the request page; the
page reads it with everything else in its one unit of work
(`services/request_queries.py`, from `services/resolution_queries.py`) and hands it to
the partial as `resolution_view`. A refused step shows the shared error page with the
reason.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.app_context import AppContext
from returnflow.domain.access import Permission, Principal
from returnflow.domain.repairs import STEP_NAMES
from returnflow.entrypoints import params
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.params import FormText, RowId
from returnflow.entrypoints.steps import perform
from returnflow.services import exchanges as exchange_service
from returnflow.services import repairs as repair_service
from returnflow.services import shipment_requests as shipment_service
from returnflow.services import store_credit as credit_service
from returnflow.services import store_credit_queries
from returnflow.services.resolution_errors import as_conflicts
from returnflow.services.returns import get_return
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.web.guards import StaffSession, check_csrf
from returnflow.web.paging import PAGE_SIZE, page_number, pager
from returnflow.web.roles import CreditManager, Payer, Resolver, Viewer
from returnflow.web.staff_page import render_staff

router = APIRouter(include_in_schema=False)
P = Permission


def _perform(
    context: AppContext,
    principal: Principal,
    rma_no: str,
    change: Callable[[UnitOfWork, datetime], object],
) -> None:
    """One step on a request of the staff member's scope, in one transaction; a state
    refusal is 409 and shows the shared error page with the reason, as on the API."""

    def step(uow: UnitOfWork, now: datetime) -> None:
        get_return(uow, rma_no, merchant_scope=principal.merchant_scope, for_update=True)
        change(uow, now)

    perform(context, as_conflicts(step))


def _back(rma_no: str, done: str) -> RedirectResponse:
    return RedirectResponse(
        f"/staff/returns/{quote(rma_no, safe='')}?done={done}#resolution", status_code=303
    )


def parse_yuan(value: str, field: str) -> int | None:
    """ "99.5" → 9950 cents; blank → None."""
    if not value.strip():
        return None
    return params.cents(value, field, 0, 10**11)  # ASCII digits: no NaN, no 1e999999


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
    actor = session.principal.actor
    count = params.digits(quantity, 1, params.MAX_QUANTITY) or 0  # 0: refused as invalid
    _perform(
        context,
        session.principal,
        rma_no,
        lambda uow, now: exchange_service.choose_for_first_line(
            uow, context.settings, rma_no, sku, count, actor, now, fast=bool(fast)
        ),
    )
    return _back(rma_no, "exchange_chosen")


@router.post("/staff/returns/{rma_no}/exchange-order/release")
def release(
    rma_no: str, context: Context, session: Resolver, csrf_token: FormText = ""
) -> Response:
    check_csrf(session, csrf_token)
    actor = session.principal.actor
    _perform(
        context,
        session.principal,
        rma_no,
        lambda uow, now: exchange_service.release(uow, rma_no, actor, now),
    )
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
    actor = session.principal.actor

    def change(uow: UnitOfWork, now: datetime) -> None:
        if step == "open":
            repair_service.open_repair(uow, rma_no, actor, now)
            return
        charge = (parse_yuan(cost, "cost") or 0) if step in STEP_NAMES else 0
        repair_service.step(
            uow, rma_no, step, actor, now, note=note, cost=charge, approved=approved == "yes"
        )

    _perform(context, session.principal, rma_no, change)
    return _back(rma_no, "repair_step")


@router.post("/staff/returns/{rma_no}/reissue-order")
def reissue(
    rma_no: str, context: Context, session: Resolver, csrf_token: FormText = ""
) -> Response:
    check_csrf(session, csrf_token)
    actor = session.principal.actor
    _perform(
        context,
        session.principal,
        rma_no,
        lambda uow, now: repair_service.reissue(uow, rma_no, [], actor, now),
    )
    return _back(rma_no, "reissue_requested")


@router.post("/staff/returns/{rma_no}/store-credit")
def store_credit(
    rma_no: str, context: Context, session: Payer, csrf_token: FormText = ""
) -> Response:
    check_csrf(session, csrf_token)
    principal = session.principal
    _perform(
        context,
        principal,
        rma_no,
        lambda uow, now: credit_service.refund_as_credit(
            uow,
            context.settings,
            rma_no,
            principal.actor,
            now,
            merchant_scope=principal.merchant_scope,
        ),
    )
    return _back(rma_no, "credited")


def _staff_page(
    request: Request, session: StaffSession, template: str, values: dict[str, Any], section: str
) -> Response:
    return render_staff(request, session, template, values, section=section)


@router.get("/staff/shipment-requests")
def shipment_requests(
    request: Request, context: Context, session: Viewer, status: str = "pending", page: str = ""
) -> Response:
    """What the order system has been asked to ship; staff may record a waybill by hand."""
    wanted = status if status in ("pending", "shipped") else None
    number = page_number(page)  # issue 16: 50 a page with the console's pager
    with context.uow() as uow:
        rows, total = shipment_service.listing_page(
            uow,
            status=wanted,
            merchant_scope=session.principal.merchant_scope,
            page=number,
            size=PAGE_SIZE,
        )
    kept = {"status": status if status in ("pending", "shipped", "all") else ""}
    values = {
        "rows": rows,
        "status": wanted or "",
        "pager": pager("/staff/shipment-requests", total, number, kept, PAGE_SIZE),
    }
    return _staff_page(request, session, "staff/shipment_requests.html", values, "shipments")


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
    perform(
        context,
        as_conflicts(
            lambda uow, now: shipment_service.mark_shipped(
                uow,
                request_id,
                carrier,
                waybill_no,
                principal.actor,
                now,
                merchant_scope=principal.merchant_scope,
            )
        ),
    )
    return RedirectResponse("/staff/shipment-requests?status=shipped", status_code=303)


@router.get("/staff/store-credit")
def store_credit_page(
    request: Request,
    context: Context,
    session: CreditManager,
    customer_id: str = "",
    page: str = "",
) -> Response:
    """A customer's balance and every grant, bonus, spend and expiry (CREDIT_MANAGE)."""
    wanted = customer_id.strip()[:64]
    number = page_number(page)  # issue 16: the accounts, 50 a page with the console's pager
    with context.uow() as uow:
        found = store_credit_queries.history(uow, wanted) if wanted else None
        accounts, total = (
            ([], 0) if wanted else store_credit_queries.accounts_page(uow, number, PAGE_SIZE)
        )
    values = {
        "customer_id": wanted,
        "balance": found.balance if found else None,
        "entries": found.entries if found else [],
        "accounts": accounts,
        "pager": pager("/staff/store-credit", total, number, {}, PAGE_SIZE),
    }
    return _staff_page(request, session, "staff/store_credit.html", values, "credit")
