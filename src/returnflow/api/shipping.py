"""Return methods, shipments, labels and return-shipping costs (R4.1, R4.2, R4.5).

Routes translate bodies into service calls (`services/shipping*.py`) and read models into
the bodies of `api/shipping_schemas.py`; a change is one transaction through
`entrypoints.steps.perform`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path
from pydantic import AwareDatetime
from starlette.responses import Response

from returnflow.api.roles import PolicyViewer, Publisher, Reporter, Shipper, Viewer
from returnflow.api.shipping_schemas import (
    AdjustmentIn,
    BookOut,
    ChoiceIn,
    CostReportOut,
    OptionsOut,
    ShipmentOut,
    adjustment_of,
    book_out,
    cost_report_out,
    options_out,
    shipment_out,
)
from returnflow.domain.pickup_address import pickup_address
from returnflow.domain.shipping import ANY
from returnflow.entrypoints.deps import Context, Language
from returnflow.entrypoints.files import attachment
from returnflow.entrypoints.params import RowId
from returnflow.entrypoints.steps import perform
from returnflow.services import shipping as service
from returnflow.services import shipping_queries as queries
from returnflow.services import shipping_settings as settings
from returnflow.services.unit_of_work import UnitOfWork

router = APIRouter(prefix="/api/v1", tags=["shipping"])


@router.get("/returns/{rma_no}/shipping-options", response_model=OptionsOut)
def shipping_options(
    rma_no: str,
    context: Context,
    language: Language,
    principal: Viewer,
) -> OptionsOut:
    """R4.1: each method's fee (by who pays), expected days and instructions; pickup slots."""
    now = context.clock()
    with context.uow() as uow:
        found = service.options(
            uow, rma_no, now, context.carrier_registry(), merchant_scope=principal.merchant_scope
        )
    return options_out(found, language)


@router.get("/returns/{rma_no}/shipments", response_model=list[ShipmentOut])
def list_shipments(
    rma_no: str,
    context: Context,
    principal: Viewer,
) -> list[ShipmentOut]:
    with context.uow() as uow:
        found = queries.shipments_of(uow, rma_no, merchant_scope=principal.merchant_scope)
    return [shipment_out(s) for s in found]


@router.post("/returns/{rma_no}/shipments", status_code=201, response_model=ShipmentOut)
def choose_method(
    rma_no: str,
    body: ChoiceIn,
    context: Context,
    principal: Shipper,
) -> ShipmentOut:
    """Arrange the return. Pickup and drop-off answer "requested" at once; the carrier's
    waybill follows through the worker. Self-ship moves the request to in transit.
    A pickup comes to `pickup_to` when given (checked: 422 `pickup_phone_invalid`,
    `pickup_address_incomplete`, `pickup_address_too_long`), else to the order's address."""
    typed = body.pickup_to
    choice = service.Choice(
        body.method,
        slot=body.slot,
        brand=body.carrier.strip().lower(),
        brand_name=body.carrier_name,
        tracking_no=body.tracking_no,
        pickup_to=pickup_address(**typed.model_dump()) if typed else None,
    )

    def step(uow: UnitOfWork, now: datetime) -> ShipmentOut:
        shipment = service.choose(
            uow,
            rma_no,
            choice,
            now,
            principal.actor,
            context.carrier_registry(),
            merchant_scope=principal.merchant_scope,
        )
        return shipment_out(shipment)

    return perform(context, step)


@router.post("/returns/{rma_no}/shipments/{shipment_id}/cancel", response_model=ShipmentOut)
def cancel_pickup(
    rma_no: str,
    shipment_id: RowId,
    context: Context,
    principal: Shipper,
) -> ShipmentOut:
    """Call off a door pickup not collected yet; the carrier is told through the outbox."""

    def step(uow: UnitOfWork, now: datetime) -> ShipmentOut:
        shipment = service.cancel_pickup(
            uow, rma_no, shipment_id, now, merchant_scope=principal.merchant_scope
        )
        return shipment_out(shipment)

    return perform(context, step)


@router.get(
    "/returns/{rma_no}/label.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def label_pdf(
    rma_no: str,
    context: Context,
    principal: Viewer,
) -> Response:
    """R4.2: the 100 × 150 mm label with the return address, Code128 waybill and QR RMA."""
    pdf = perform(
        context,
        lambda uow, now: queries.staff_label_pdf(
            uow, rma_no, principal.actor, now, merchant_scope=principal.merchant_scope
        ),
    )
    return attachment(pdf, queries.LABEL_MEDIA_TYPE, queries.label_file_name(rma_no))


@router.get(
    "/returns/{rma_no}/dropoff.png",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}},
)
def dropoff_qr(
    rma_no: str,
    context: Context,
    principal: Viewer,
) -> Response:
    """The drop-off code as a QR image, to show at the counter."""
    with context.uow() as uow:
        png = queries.dropoff_qr(uow, rma_no, principal.merchant_scope)
    return Response(png, media_type="image/png")


# --- settings: the method book per merchant and province -----------------------------


@router.get("/shipping/methods", response_model=BookOut)
def get_methods(
    context: Context,
    principal: PolicyViewer,
    merchant_id: str = ANY,
    province: str = ANY,
) -> BookOut:
    """The method book as it applies to a merchant in a province, and the stored adjustments."""
    with context.uow() as uow:
        found = settings.method_book(
            uow, merchant_id, province, merchant_scope=principal.merchant_scope
        )
    return book_out(found)


@router.put("/shipping/methods/{merchant_id}/{province}", response_model=BookOut)
def put_methods(
    merchant_id: Annotated[str, Path(max_length=64)],
    province: Annotated[str, Path(max_length=40)],
    body: AdjustmentIn,
    context: Context,
    principal: Publisher,
) -> BookOut:
    """Store the adjustment for a merchant and province ("*" for all); replaces the previous."""
    adjustment = adjustment_of(merchant_id, province, body)
    found = perform(
        context, lambda uow, now: settings.put_methods(uow, adjustment, principal.actor, now)
    )
    return book_out(found)


@router.delete("/shipping/methods/{merchant_id}/{province}", status_code=204)
def delete_methods(
    merchant_id: str,
    province: str,
    context: Context,
    principal: Publisher,
) -> Response:
    perform(context, lambda uow, now: settings.remove_methods(uow, merchant_id, province))
    return Response(status_code=204)


# --- cost report (R4.5) --------------------------------------------------------------


@router.get("/reports/return-shipping-costs", response_model=CostReportOut)
def cost_report(
    context: Context,
    principal: Reporter,
    by: Literal["carrier", "merchant"] = "carrier",
    created_from: AwareDatetime | None = None,
    created_to: AwareDatetime | None = None,
) -> CostReportOut:
    """Label, pickup and insurance costs of return shipments, by carrier or by merchant."""
    with context.uow() as uow:
        report = queries.cost_report(
            uow,
            by,
            merchant_scope=principal.merchant_scope,
            created_from=created_from,
            created_to=created_to,
        )
    return cost_report_out(report)
