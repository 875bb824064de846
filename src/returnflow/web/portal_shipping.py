"""Customer pages for sending the goods back (R4.1–R4.2): choose a method, get the label.

The request page shows the offered methods and, once chosen, the label, the drop-off code
or the parcel (`portal/_shipping.html`); choosing happens on its own page, one small form
per method, so each works without JavaScript on a phone.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.api.shipping import dropoff_code_of, pdf_response
from returnflow.app_context import AppContext
from returnflow.domain.shipping import ReturnMethod
from returnflow.domain.text import DomainError, Text
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.params import RowId
from returnflow.entrypoints.params import ShortFormText as FormText
from returnflow.entrypoints.problems import status_for
from returnflow.logistics.carriers import TRACKING_FORMATS
from returnflow.logistics.counter_code import qr_png
from returnflow.logistics.labels import render_label
from returnflow.services import portal as portal_service
from returnflow.services import shipping as shipping_service
from returnflow.services.errors import NotFound
from returnflow.web.portal import _actor, _customer_order, _PortalRoute, _request_url
from returnflow.web.templating import render

router = APIRouter(prefix="/portal", include_in_schema=False, route_class=_PortalRoute)


def _choose_page(
    request: Request,
    context: AppContext,
    token: str,
    rma_no: str,
    *,
    error: Text | None = None,
    typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    now = context.clock()
    with _customer_order(context, token, now) as opened:
        portal_service.customer_request(opened.uow, opened.order, rma_no)
        found = shipping_service.options(opened.uow, rma_no, now, context.carrier_registry())
    return render(
        request,
        "portal/shipping.html",
        {
            "token": token,
            "order": found.order,
            "req": found.request,
            "shipping": found,
            "brands": TRACKING_FORMATS,
            "error": error,
            "typed": typed or {},
        },
        status_code=status_code,
    )


@router.get("/o/{token}/r/{rma_no}/shipping")
def choose_form(request: Request, token: str, rma_no: str, context: Context) -> Response:
    return _choose_page(request, context, token, rma_no)


@router.post("/o/{token}/r/{rma_no}/shipping")
def choose(
    request: Request,
    token: str,
    rma_no: str,
    context: Context,
    method: FormText = "",
    slot: FormText = "",
    brand: FormText = "",
    brand_name: FormText = "",
    tracking_no: FormText = "",
) -> Response:
    typed = {
        "method": method,
        "slot": slot,
        "brand": brand,
        "brand_name": brand_name,
        "tracking_no": tracking_no,
    }
    now = context.clock()
    try:
        chosen = ReturnMethod(method)
    except ValueError:
        return _choose_page(
            request,
            context,
            token,
            rma_no,
            error=Text("请选择寄回方式", "Choose how to send it back"),
            typed=typed,
            status_code=422,
        )
    try:
        with _customer_order(context, token, now) as opened:
            portal_service.customer_request(opened.uow, opened.order, rma_no, for_update=True)
            shipping_service.choose(
                opened.uow,
                rma_no,
                shipping_service.Choice(
                    chosen,
                    slot=slot,
                    brand=brand.strip().lower(),
                    brand_name=brand_name,
                    tracking_no=tracking_no,
                ),
                now,
                _actor(opened.access),
                context.carrier_registry(),
            )
            opened.uow.commit(now)
    except NotFound:
        raise
    except DomainError as refused:
        return _choose_page(
            request,
            context,
            token,
            rma_no,
            error=refused.message,
            typed=typed,
            status_code=status_for(refused),
        )
    return RedirectResponse(_request_url(token, rma_no, "arranged"), status_code=303)


@router.post("/o/{token}/r/{rma_no}/shipping/{shipment_id}/cancel")
def cancel_pickup(
    request: Request, token: str, rma_no: str, shipment_id: RowId, context: Context
) -> Response:
    now = context.clock()
    with _customer_order(context, token, now) as opened:
        portal_service.customer_request(opened.uow, opened.order, rma_no, for_update=True)
        shipping_service.cancel_pickup(opened.uow, rma_no, shipment_id, now)
        opened.uow.commit(now)
    return RedirectResponse(_request_url(token, rma_no, "pickup_cancelled"), status_code=303)


@router.get("/o/{token}/r/{rma_no}/label.pdf")
def label(token: str, rma_no: str, context: Context) -> Response:
    now = context.clock()
    with _customer_order(context, token, now) as opened:
        portal_service.customer_request(opened.uow, opened.order, rma_no)
        found = shipping_service.label_for(opened.uow, rma_no)
    return pdf_response(render_label(found), rma_no)


@router.get("/o/{token}/r/{rma_no}/dropoff.png")
def dropoff_qr(token: str, rma_no: str, context: Context) -> Response:
    now = context.clock()
    with _customer_order(context, token, now) as opened:
        portal_service.customer_request(opened.uow, opened.order, rma_no)
        code = dropoff_code_of(opened.uow, rma_no, None)
    return Response(qr_png(code), media_type="image/png")
