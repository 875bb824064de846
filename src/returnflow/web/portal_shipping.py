"""Customer pages for sending the goods back (R4.1–R4.2): choose a method, get the label.

The request page shows the offered methods and, once chosen, the label, the drop-off code
or the parcel (`portal/_shipping.html`); choosing happens on its own page, one small form
per method, so each works without JavaScript on a phone. Every read and step first checks
that the request belongs to the link's order and customer.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.app_context import AppContext
from returnflow.domain.pickup_address import PickupAddress, pickup_address
from returnflow.domain.shipping import ReturnMethod, Slot
from returnflow.domain.text import DomainError, Text
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.files import attachment
from returnflow.entrypoints.params import RowId
from returnflow.entrypoints.params import ShortFormText as FormText
from returnflow.entrypoints.steps import Refused, attempt, perform
from returnflow.logistics.carriers import TRACKING_FORMATS
from returnflow.services import portal as portal_service
from returnflow.services import shipping as shipping_service
from returnflow.services import shipping_queries
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.web.portal_common import PortalRoute, access_of, actor, request_url
from returnflow.web.portal_links import PortalAccess, link_invalid
from returnflow.web.templating import DISPLAY_ZONE, render

router = APIRouter(prefix="/portal", include_in_schema=False, route_class=PortalRoute)

_CHOOSE = Text("请选择寄回方式", "Choose how to send it back")


def _open(uow: UnitOfWork, access: PortalAccess, rma_no: str, *, for_update: bool = False) -> None:
    """The link's order must still be the customer's, and the request must be of it."""
    order = portal_service.customer_order(uow, access.order_no, access.customer_id)
    if order is None:
        raise link_invalid()
    portal_service.customer_request(uow, order, rma_no, for_update=for_update)


def slot_days(slots: list[Slot]) -> list[tuple[date, list[Slot]]]:
    """Pickup windows grouped by their local day (issue 16), in order."""
    days: dict[date, list[Slot]] = {}
    for slot in slots:
        days.setdefault(slot.start.astimezone(DISPLAY_ZONE).date(), []).append(slot)
    return list(days.items())


@dataclass(frozen=True)
class PickupForm:
    """The pickup address part of the form: the order's, or another one typed (issue 16)."""

    pickup_where: str = ""  # "order" | "other"
    pickup_name: str = ""
    pickup_phone: str = ""
    pickup_province: str = ""
    pickup_city: str = ""
    pickup_district: str = ""
    pickup_detail: str = ""

    def address(self) -> PickupAddress | None:
        """None keeps the order's address; another one is checked by the domain."""
        if self.pickup_where != "other":
            return None
        return pickup_address(
            self.pickup_name,
            self.pickup_phone,
            self.pickup_province,
            self.pickup_city,
            self.pickup_district,
            self.pickup_detail,
        )


def pickup_form(
    pickup_where: FormText = "",
    pickup_name: FormText = "",
    pickup_phone: FormText = "",
    pickup_province: FormText = "",
    pickup_city: FormText = "",
    pickup_district: FormText = "",
    pickup_detail: FormText = "",
) -> PickupForm:
    return PickupForm(
        pickup_where,
        pickup_name,
        pickup_phone,
        pickup_province,
        pickup_city,
        pickup_district,
        pickup_detail,
    )


def _choose_page(
    request: Request,
    context: AppContext,
    token: str,
    rma_no: str,
    *,
    error: Text | None = None,
    typed: dict[str, str] | None = None,
    status_code: int = 200,
    refused_part: DomainError | None = None,
) -> Response:
    access = access_of(context, token)
    carriers = context.carrier_registry()

    def read(uow: UnitOfWork, now: datetime) -> shipping_service.Options:
        _open(uow, access, rma_no)
        return shipping_service.options(uow, rma_no, now, carriers)

    found = perform(context, read)
    return render(
        request,
        "portal/shipping.html",
        {
            "token": token,
            "order": found.order,
            "req": found.request,
            "shipping": found,
            "slot_days": slot_days(found.slots),
            "brands": TRACKING_FORMATS,
            "error": error,
            "typed": typed or {},
            "pickup_error": refused_part.message if refused_part else None,
            "pickup_field": refused_part.field if refused_part else None,
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
    pickup: Annotated[PickupForm, Depends(pickup_form)] = PickupForm(),
) -> Response:
    typed = {
        "method": method,
        "slot": slot,
        "brand": brand,
        "brand_name": brand_name,
        "tracking_no": tracking_no,
        **asdict(pickup),
    }
    if method not in {m.value for m in ReturnMethod}:
        return _choose_page(
            request, context, token, rma_no, error=_CHOOSE, typed=typed, status_code=422
        )
    try:
        pickup_to = pickup.address() if method == ReturnMethod.PICKUP.value else None
    except DomainError as refused:
        return _choose_page(
            request, context, token, rma_no, typed=typed, status_code=422, refused_part=refused
        )
    access = access_of(context, token)
    choice = shipping_service.Choice(
        ReturnMethod(method),
        slot=slot,
        brand=brand.strip().lower(),
        brand_name=brand_name,
        tracking_no=tracking_no,
        pickup_to=pickup_to,
    )

    def step(uow: UnitOfWork, now: datetime) -> object:
        _open(uow, access, rma_no, for_update=True)
        carriers = context.carrier_registry()
        return shipping_service.choose(uow, rma_no, choice, now, actor(access), carriers)

    result = attempt(context, step)
    if isinstance(result, Refused):
        return _choose_page(
            request,
            context,
            token,
            rma_no,
            error=result.message,
            typed=typed,
            status_code=result.status,
        )
    return RedirectResponse(request_url(token, rma_no, "arranged"), status_code=303)


@router.post("/o/{token}/r/{rma_no}/shipping/{shipment_id}/cancel")
def cancel_pickup(
    request: Request, token: str, rma_no: str, shipment_id: RowId, context: Context
) -> Response:
    access = access_of(context, token)

    def step(uow: UnitOfWork, now: datetime) -> object:
        _open(uow, access, rma_no, for_update=True)
        return shipping_service.cancel_pickup(uow, rma_no, shipment_id, now)

    perform(context, step)
    return RedirectResponse(request_url(token, rma_no, "pickup_cancelled"), status_code=303)


@router.get("/o/{token}/r/{rma_no}/label.pdf")
def label(token: str, rma_no: str, context: Context) -> Response:
    access = access_of(context, token)

    def read(uow: UnitOfWork, now: datetime) -> bytes:
        _open(uow, access, rma_no)
        return shipping_queries.label_pdf(uow, rma_no)

    pdf = perform(context, read)
    return attachment(
        pdf, shipping_queries.LABEL_MEDIA_TYPE, shipping_queries.label_file_name(rma_no)
    )


@router.get("/o/{token}/r/{rma_no}/dropoff.png")
def dropoff_qr(token: str, rma_no: str, context: Context) -> Response:
    access = access_of(context, token)

    def read(uow: UnitOfWork, now: datetime) -> bytes:
        _open(uow, access, rma_no)
        return shipping_queries.dropoff_qr(uow, rma_no)

    return Response(perform(context, read), media_type="image/png")
