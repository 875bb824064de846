"""Staff pages for return shipping: arrange on the customer's behalf, cancel a pickup,
and the reverse-logistics cost report (R4.1, R4.5).

The request page shows the shipments through `staff/_shipment.html`; the label link there
is the API's, which a signed-in session may read.
"""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.app_context import AppContext
from returnflow.domain.access import Forbidden, Permission
from returnflow.domain.money import Money
from returnflow.domain.shipping import ReturnMethod
from returnflow.domain.text import DomainError, Text
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.params import RowId
from returnflow.entrypoints.params import ShortFormText as FormText
from returnflow.entrypoints.problems import status_for
from returnflow.services import shipping as shipping_service
from returnflow.services.errors import NotFound
from returnflow.storage.uow import ConcurrentUpdate
from returnflow.web import console
from returnflow.web.guards import StaffPage, StaffSession, check_csrf
from returnflow.web.staff_page import render_staff

router = APIRouter(include_in_schema=False)

Shipper = Annotated[StaffSession, Depends(StaffPage(Permission.RETURNS_SHIP))]
Reporter = Annotated[StaffSession, Depends(StaffPage(Permission.REPORTS_VIEW))]


def _back(rma_no: str, done: str) -> RedirectResponse:
    return RedirectResponse(
        f"/staff/returns/{quote(rma_no, safe='')}?done={done}#shipments", status_code=303
    )


def _refused(
    request: Request, context: AppContext, session: StaffSession, rma_no: str, error: Exception
) -> Response:
    if isinstance(error, (NotFound, Forbidden)):
        raise error
    if isinstance(error, DomainError):
        message, status = error.message, status_for(error)
    else:
        message = Text(
            "该申请刚被他人修改，请查看最新状态后重试",
            "Someone else just changed this request: check its status and try again",
        )
        status = 409
    return console._request_page(
        request, context, session, rma_no, status_code=status, error=message
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
    now = context.clock()
    try:
        chosen = ReturnMethod(method)
        with context.uow() as uow:
            shipping_service.choose(
                uow,
                rma_no,
                shipping_service.Choice(
                    chosen,
                    slot=slot,
                    brand=brand.strip().lower(),
                    brand_name=brand_name,
                    tracking_no=tracking_no,
                ),
                now,
                principal.actor,
                context.carrier_registry(),
                merchant_scope=principal.merchant_scope,
            )
            uow.commit(now)
    except ValueError:
        error = DomainError("method_required", Text("请选择寄回方式", "Choose a method"))
        return _refused(request, context, session, rma_no, error)
    except (DomainError, ConcurrentUpdate) as refused:
        return _refused(request, context, session, rma_no, refused)
    return _back(rma_no, "arranged")


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
    now = context.clock()
    try:
        with context.uow() as uow:
            shipping_service.cancel_pickup(
                uow, rma_no, shipment_id, now, merchant_scope=session.principal.merchant_scope
            )
            uow.commit(now)
    except (DomainError, ConcurrentUpdate) as refused:
        return _refused(request, context, session, rma_no, refused)
    return _back(rma_no, "pickup_cancelled")


@router.get("/staff/reports/shipping-costs")
def cost_report(
    request: Request,
    context: Context,
    session: Reporter,
    by: Literal["carrier", "merchant"] = "carrier",
) -> Response:
    """R4.5: label, pickup and insurance costs of return shipments, by carrier or merchant."""
    with context.uow() as uow:
        rows = uow.shipments.costs(by, merchant_id=session.principal.merchant_scope)
    totals: dict[str, int] = {}
    for row in rows:
        totals[row.currency] = totals.get(row.currency, 0) + row.net_cost
    return render_staff(
        request,
        session,
        "staff/costs.html",
        {"rows": rows, "by": by, "totals": totals, "as_money": Money},
        section="costs",
    )
