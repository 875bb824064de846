"""Staff pages for return shipping: arrange on the customer's behalf, cancel a pickup,
and the reverse-logistics cost report (R4.1, R4.5).

The request page shows the shipments through `staff/_shipment.html`; the label link there
is the API's, which a signed-in session may read. Each change is one
`entrypoints.steps.attempt`: a refusal shows the request page again with the reason.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from urllib.parse import quote

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.app_context import AppContext
from returnflow.domain.money import Money
from returnflow.domain.shipping import ReturnMethod
from returnflow.domain.text import Text
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.params import RowId
from returnflow.entrypoints.params import ShortFormText as FormText
from returnflow.entrypoints.steps import Refused, Step, attempt
from returnflow.services import shipping as shipping_service
from returnflow.services import shipping_queries
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.web.console_request import request_page_response
from returnflow.web.guards import StaffSession, check_csrf
from returnflow.web.roles import Reporter, Shipper
from returnflow.web.staff_page import render_staff

router = APIRouter(include_in_schema=False)


def _act(
    request: Request,
    context: AppContext,
    session: StaffSession,
    rma_no: str,
    done: str,
    step: Step[object],
) -> Response:
    """Run one step; back to the request's shipments, or its page with the refusal."""
    result = attempt(context, step)
    if isinstance(result, Refused):
        return request_page_response(
            request, context, session, rma_no, status_code=result.status, error=result.message
        )
    return RedirectResponse(
        f"/staff/returns/{quote(rma_no, safe='')}?done={done}#shipments", status_code=303
    )


@router.post("/staff/returns/{rma_no}/shipping")
def arrange(
    request: Request,
    rma_no: str,
    context: Context,
    session: Shipper,
    csrf_token: FormText = "",
    method: FormText = "",
    slot: FormText = "",
    brand: FormText = "",
    brand_name: FormText = "",
    tracking_no: FormText = "",
) -> Response:
    """An agent arranges the return for a customer on the phone."""
    check_csrf(session, csrf_token)
    principal = session.principal
    if method not in {m.value for m in ReturnMethod}:
        return request_page_response(
            request, context, session, rma_no, status_code=422, error=_CHOOSE_A_METHOD
        )
    choice = shipping_service.Choice(
        ReturnMethod(method),
        slot=slot,
        brand=brand.strip().lower(),
        brand_name=brand_name,
        tracking_no=tracking_no,
    )

    def step(uow: UnitOfWork, now: datetime) -> object:
        return shipping_service.choose(
            uow,
            rma_no,
            choice,
            now,
            principal.actor,
            context.carrier_registry(),
            merchant_scope=principal.merchant_scope,
        )

    return _act(request, context, session, rma_no, "arranged", step)


_CHOOSE_A_METHOD = Text("请选择寄回方式", "Choose a method")


@router.post("/staff/returns/{rma_no}/shipping/{shipment_id}/cancel")
def cancel_pickup(
    request: Request,
    rma_no: str,
    shipment_id: RowId,
    context: Context,
    session: Shipper,
    csrf_token: FormText = "",
) -> Response:
    check_csrf(session, csrf_token)
    scope = session.principal.merchant_scope

    def step(uow: UnitOfWork, now: datetime) -> object:
        return shipping_service.cancel_pickup(uow, rma_no, shipment_id, now, merchant_scope=scope)

    return _act(request, context, session, rma_no, "pickup_cancelled", step)


@router.get("/staff/reports/shipping-costs")
def cost_report(
    request: Request,
    context: Context,
    session: Reporter,
    by: Literal["carrier", "merchant"] = "carrier",
) -> Response:
    """R4.5: label, pickup and insurance costs of return shipments, by carrier or merchant."""
    with context.uow() as uow:
        report = shipping_queries.cost_report(
            uow, by, merchant_scope=session.principal.merchant_scope
        )
    return render_staff(
        request,
        session,
        "staff/costs.html",
        {"rows": report.rows, "by": by, "totals": report.totals, "as_money": Money},
        section="costs",
    )
