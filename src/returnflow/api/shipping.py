"""Return methods, shipments, labels and return-shipping costs (R4.1, R4.2, R4.5)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path
from pydantic import AwareDatetime, BaseModel, Field
from starlette.responses import Response

from returnflow.api.schemas import RowId
from returnflow.app_context import AppContext
from returnflow.domain.access import Permission, Principal
from returnflow.domain.kinds import ShippingPayer
from returnflow.domain.shipping import (
    ANY,
    WAREHOUSE_FIELDS,
    Adjustment,
    MethodBook,
    MethodChange,
    PickupHours,
    Quote,
    ReturnMethod,
    Warehouse,
    book_for,
)
from returnflow.domain.text import Text
from returnflow.entrypoints.deps import Allowed, Context, Language
from returnflow.logistics.counter_code import qr_png
from returnflow.logistics.labels import render_label
from returnflow.services import privacy as privacy_service
from returnflow.services import returns as return_service
from returnflow.services import shipping as service
from returnflow.services.errors import NotFound
from returnflow.storage.schema import ShipmentRow
from returnflow.storage.shipments import CostRow, ShipmentView, adjustment_to_json
from returnflow.storage.uow import UnitOfWork

router = APIRouter(prefix="/api/v1", tags=["shipping"])


class Amount(BaseModel):
    amount: int
    currency: str


class SlotOut(BaseModel):
    key: str
    start: datetime
    end: datetime


class OfferOut(BaseModel):
    method: ReturnMethod
    name: str
    carrier: str
    payer: ShippingPayer
    fee: Amount
    customer_fee: Amount
    insurance_covers: Amount
    merchant_pays: Amount
    expected_days: int
    instructions: str


class ShipmentOut(BaseModel):
    id: int
    rma_no: str
    direction: str
    method: str
    carrier: str
    carrier_name: str
    waybill_no: str | None
    status: str
    pickup_start: datetime | None
    pickup_end: datetime | None
    dropoff_code: str | None
    promised_by: datetime | None
    customer_fee: Amount
    insured: bool
    label_cost: Amount
    pickup_cost: Amount
    insurance_cost: Amount
    last_error: str | None
    created_at: datetime


class OptionsOut(BaseModel):
    rma_no: str
    status: str
    can_choose: bool
    return_address: list[str]
    offers: list[OfferOut]
    slots: list[SlotOut]
    shipments: list[ShipmentOut]


class ChoiceIn(BaseModel):
    method: ReturnMethod
    slot: str = Field(default="", max_length=40, description="pickup: a slot key from the options")
    carrier: str = Field(
        default="", max_length=32, description="self-ship: sf, zto, yto, jd, other"
    )
    carrier_name: str = Field(default="", max_length=64, description="self-ship with other")
    tracking_no: str = Field(default="", max_length=64)


class TextIn(BaseModel):
    zh: str = Field(min_length=1, max_length=1000)
    en: str = Field(min_length=1, max_length=1000)


class MethodChangeIn(BaseModel):
    enabled: bool | None = None
    carrier: str | None = Field(default=None, min_length=1, max_length=32)
    fee: int | None = Field(default=None, ge=0, le=10**9)
    expected_days: int | None = Field(default=None, ge=1, le=60)
    label_cost: int | None = Field(default=None, ge=0, le=10**9)
    pickup_cost: int | None = Field(default=None, ge=0, le=10**9)
    instructions: TextIn | None = None


class PickupHoursIn(BaseModel):
    first_hour: int = Field(ge=0, le=23)
    last_hour: int = Field(ge=1, le=24)
    window_hours: int = Field(ge=1, le=12)
    days_ahead: int = Field(ge=1, le=14)
    lead_minutes: int = Field(ge=0, le=1440)


class WarehouseIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    phone: str = Field(min_length=3, max_length=40)
    province: str = Field(min_length=1, max_length=40)
    city: str = Field(min_length=1, max_length=40)
    district: str = Field(default="", max_length=40)
    detail: str = Field(min_length=1, max_length=200)


class AdjustmentIn(BaseModel):
    methods: dict[ReturnMethod, MethodChangeIn] = Field(default_factory=dict)
    pickup_hours: PickupHoursIn | None = None
    warehouse: WarehouseIn | None = None


class MethodTermsOut(BaseModel):
    method: ReturnMethod
    carrier: str
    enabled: bool
    fee: int
    expected_days: int
    label_cost: int
    pickup_cost: int
    instructions: TextIn


class BookOut(BaseModel):
    merchant_id: str
    province: str
    methods: list[MethodTermsOut]
    pickup_hours: PickupHoursIn
    warehouse: WarehouseIn
    adjustments: list[dict[str, object]]


class CostRowOut(BaseModel):
    key: str
    currency: str
    shipments: int
    label_cost: int
    pickup_cost: int
    insurance_cost: int
    customer_fees: int
    carrier_cost: int
    net_cost: int


class CostReportOut(BaseModel):
    by: str
    rows: list[CostRowOut]


def _amount(cents: int, currency: str) -> Amount:
    return Amount(amount=cents, currency=currency)


def _offer(q: Quote, language: str) -> OfferOut:
    return OfferOut(
        method=q.method,
        name=q.method.label.in_language(language),
        carrier=q.terms.carrier,
        payer=q.payer,
        fee=_amount(q.fee.cents, q.fee.currency),
        customer_fee=_amount(q.customer_fee.cents, q.fee.currency),
        insurance_covers=_amount(q.insurance_covers.cents, q.fee.currency),
        merchant_pays=_amount(q.merchant_pays.cents, q.fee.currency),
        expected_days=q.terms.expected_days,
        instructions=q.terms.instructions.in_language(language),
    )


def shipment_out(row: ShipmentRow | ShipmentView) -> ShipmentOut:
    cur = row.currency
    return ShipmentOut(
        id=row.id,
        rma_no=row.rma_no,
        direction=row.direction,
        method=row.method,
        carrier=row.carrier,
        carrier_name=row.carrier_name,
        waybill_no=row.waybill_no,
        status=row.status,
        pickup_start=row.pickup_start,
        pickup_end=row.pickup_end,
        dropoff_code=row.dropoff_code,
        promised_by=row.promised_by,
        customer_fee=_amount(row.customer_fee, cur),
        insured=row.insured,
        label_cost=_amount(row.label_cost, cur),
        pickup_cost=_amount(row.pickup_cost, cur),
        insurance_cost=_amount(row.insurance_cost, cur),
        last_error=row.last_error,
        created_at=row.created_at,
    )


def options_out(found: service.Options, language: str) -> OptionsOut:
    return OptionsOut(
        rma_no=found.request.rma_no,
        status=found.request.status.value,
        can_choose=found.can_choose,
        return_address=[found.book.warehouse.name, *found.book.warehouse.lines],
        offers=[_offer(q, language) for q in found.quotes],
        slots=[SlotOut(key=s.key, start=s.start, end=s.end) for s in found.slots],
        shipments=[shipment_out(r) for r in found.shipments],
    )


@router.get("/returns/{rma_no}/shipping-options", response_model=OptionsOut)
def shipping_options(
    rma_no: str,
    context: Context,
    language: Language,
    principal: Annotated[Principal, Depends(Allowed(Permission.RETURNS_VIEW))],
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
    principal: Annotated[Principal, Depends(Allowed(Permission.RETURNS_VIEW))],
) -> list[ShipmentOut]:
    with context.uow() as uow:
        return_service.get_return(uow, rma_no, merchant_scope=principal.merchant_scope)
        return [shipment_out(r) for r in uow.shipments.for_rma(rma_no)]


@router.post("/returns/{rma_no}/shipments", status_code=201, response_model=ShipmentOut)
def choose_method(
    rma_no: str,
    body: ChoiceIn,
    context: Context,
    principal: Annotated[Principal, Depends(Allowed(Permission.RETURNS_SHIP))],
) -> ShipmentOut:
    """Arrange the return. Pickup and drop-off answer "requested" at once; the carrier's
    waybill follows through the worker. Self-ship moves the request to in transit."""
    return arrange(context, rma_no, body, principal.actor, principal.merchant_scope)


def arrange(
    context: AppContext, rma_no: str, body: ChoiceIn, actor: str, merchant_scope: str | None
) -> ShipmentOut:
    now = context.clock()
    choice = service.Choice(
        body.method,
        slot=body.slot,
        brand=body.carrier.strip().lower(),
        brand_name=body.carrier_name,
        tracking_no=body.tracking_no,
    )
    with context.uow() as uow:
        row = service.choose(
            uow,
            rma_no,
            choice,
            now,
            actor,
            context.carrier_registry(),
            merchant_scope=merchant_scope,
        )
        out = shipment_out(row)
        uow.commit(now)
    return out


@router.post("/returns/{rma_no}/shipments/{shipment_id}/cancel", response_model=ShipmentOut)
def cancel_pickup(
    rma_no: str,
    shipment_id: RowId,
    context: Context,
    principal: Annotated[Principal, Depends(Allowed(Permission.RETURNS_SHIP))],
) -> ShipmentOut:
    """Call off a door pickup not collected yet; the carrier is told through the outbox."""
    now = context.clock()
    with context.uow() as uow:
        row = service.cancel_pickup(
            uow, rma_no, shipment_id, now, merchant_scope=principal.merchant_scope
        )
        out = shipment_out(row)
        uow.commit(now)
    return out


@router.get(
    "/returns/{rma_no}/label.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def label_pdf(
    rma_no: str,
    context: Context,
    principal: Annotated[Principal, Depends(Allowed(Permission.RETURNS_VIEW))],
) -> Response:
    """R4.2: the 100 × 150 mm label with the return address, Code128 waybill and QR RMA."""
    now = context.clock()
    with context.uow() as uow:
        label = service.label_for(uow, rma_no, merchant_scope=principal.merchant_scope)
        privacy_service.log_address_access(uow, principal.actor, rma_no, now)  # R14.1
        uow.commit(now)
    return pdf_response(render_label(label), rma_no)


def pdf_response(pdf: bytes, rma_no: str) -> Response:
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="return-label-{rma_no}.pdf"'},
    )


@router.get(
    "/returns/{rma_no}/dropoff.png",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}},
)
def dropoff_qr(
    rma_no: str,
    context: Context,
    principal: Annotated[Principal, Depends(Allowed(Permission.RETURNS_VIEW))],
) -> Response:
    """The drop-off code as a QR image, to show at the counter."""
    with context.uow() as uow:
        code = dropoff_code_of(uow, rma_no, principal.merchant_scope)
    return Response(qr_png(code), media_type="image/png")


def dropoff_code_of(uow: UnitOfWork, rma_no: str, merchant_scope: str | None) -> str:
    return_service.get_return(uow, rma_no, merchant_scope=merchant_scope)
    for row in reversed(uow.shipments.for_rma(rma_no)):
        if row.dropoff_code and row.status not in ("cancelled", "failed"):
            return row.dropoff_code
    raise NotFound(
        "dropoff_code_not_found",
        Text("此申请没有寄件码", "This request has no drop-off code"),
    )


# --- settings: the method book per merchant and province -----------------------------


def _book_out(book: MethodBook, merchant_id: str, province: str, raw: list[Adjustment]) -> BookOut:
    return BookOut(
        merchant_id=merchant_id,
        province=province,
        methods=[
            MethodTermsOut(
                method=t.method,
                carrier=t.carrier,
                enabled=t.enabled,
                fee=t.fee,
                expected_days=t.expected_days,
                label_cost=t.label_cost,
                pickup_cost=t.pickup_cost,
                instructions=TextIn(zh=t.instructions.zh, en=t.instructions.en),
            )
            for t in book.methods
        ],
        pickup_hours=PickupHoursIn(**_fields(book.pickup_hours, PickupHours.__slots__)),
        warehouse=WarehouseIn(**_fields(book.warehouse, WAREHOUSE_FIELDS)),
        adjustments=[
            {"merchant_id": a.merchant_id, "province": a.province, **adjustment_to_json(a)}
            for a in raw
        ],
    )


def _fields(value: object, names: tuple[str, ...]) -> dict[str, object]:
    return {name: getattr(value, name) for name in names}


@router.get("/shipping/methods", response_model=BookOut)
def get_methods(
    context: Context,
    principal: Annotated[Principal, Depends(Allowed(Permission.POLICY_VIEW))],
    merchant_id: str = ANY,
    province: str = ANY,
) -> BookOut:
    """The method book as it applies to a merchant in a province, and the stored adjustments."""
    merchant = principal.merchant_scope or merchant_id
    with context.uow() as uow:
        raw = [
            a
            for a in uow.shipments.adjustments()
            if principal.merchant_scope is None or a.merchant_id in (ANY, merchant)
        ]
    return _book_out(book_for(merchant, province, raw), merchant, province, raw)


@router.put("/shipping/methods/{merchant_id}/{province}", response_model=BookOut)
def put_methods(
    merchant_id: Annotated[str, Path(max_length=64)],
    province: Annotated[str, Path(max_length=40)],
    body: AdjustmentIn,
    context: Context,
    principal: Annotated[Principal, Depends(Allowed(Permission.POLICY_PUBLISH))],
) -> BookOut:
    """Store the adjustment for a merchant and province ("*" for all); replaces the previous."""
    now = context.clock()
    adjustment = Adjustment(
        merchant_id=merchant_id,
        province=province,
        methods={
            method: MethodChange(
                **{
                    **change.model_dump(exclude={"instructions"}),
                    "instructions": Text(change.instructions.zh, change.instructions.en)
                    if change.instructions
                    else None,
                }
            )
            for method, change in body.methods.items()
        },
        pickup_hours=PickupHours(**body.pickup_hours.model_dump()) if body.pickup_hours else None,
        warehouse=Warehouse(**body.warehouse.model_dump()) if body.warehouse else None,
    )
    adjustment.check()
    with context.uow() as uow:
        uow.shipments.put_adjustment(adjustment, now, principal.actor)
        raw = uow.shipments.adjustments()
        uow.commit(now)
    return _book_out(book_for(merchant_id, province, raw), merchant_id, province, raw)


@router.delete("/shipping/methods/{merchant_id}/{province}", status_code=204)
def delete_methods(
    merchant_id: str,
    province: str,
    context: Context,
    principal: Annotated[Principal, Depends(Allowed(Permission.POLICY_PUBLISH))],
) -> Response:
    now = context.clock()
    with context.uow() as uow:
        if not uow.shipments.remove_adjustment(merchant_id, province):
            raise NotFound(
                "adjustment_not_found",
                Text("没有该商家和地区的配置", "No settings for that merchant and province"),
            )
        uow.commit(now)
    return Response(status_code=204)


# --- cost report (R4.5) --------------------------------------------------------------


def cost_rows(rows: list[CostRow]) -> list[CostRowOut]:
    return [
        CostRowOut(
            key=r.key,
            currency=r.currency,
            shipments=r.shipments,
            label_cost=r.label_cost,
            pickup_cost=r.pickup_cost,
            insurance_cost=r.insurance_cost,
            customer_fees=r.customer_fees,
            carrier_cost=r.carrier_cost,
            net_cost=r.net_cost,
        )
        for r in rows
    ]


@router.get("/reports/return-shipping-costs", response_model=CostReportOut)
def cost_report(
    context: Context,
    principal: Annotated[Principal, Depends(Allowed(Permission.REPORTS_VIEW))],
    by: Literal["carrier", "merchant"] = "carrier",
    created_from: AwareDatetime | None = None,
    created_to: AwareDatetime | None = None,
) -> CostReportOut:
    """Label, pickup and insurance costs of return shipments, by carrier or by merchant."""
    with context.uow() as uow:
        rows = uow.shipments.costs(
            by,
            merchant_id=principal.merchant_scope,
            created_from=created_from,
            created_to=created_to,
        )
    return CostReportOut(by=by, rows=cost_rows(rows))
