"""Bodies of the shipping routes (`api/shipping.py`) and how read models become them.

Field names and shapes are the API contract (R4.1, R4.2, R4.5): they stay as they are
whatever the read models behind them look like.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from returnflow.domain.kinds import ShippingPayer
from returnflow.domain.pickup_address import PickupAddress
from returnflow.domain.shipment import Shipment
from returnflow.domain.shipping import (
    WAREHOUSE_FIELDS,
    Adjustment,
    MethodChange,
    PickupHours,
    Quote,
    ReturnMethod,
    Warehouse,
)
from returnflow.domain.text import Text
from returnflow.services.shipping import Options, ShipmentView
from returnflow.services.shipping_queries import CostReport, CostRow
from returnflow.services.shipping_settings import BookView


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


class PickupAddressOut(BaseModel):
    """Where the courier comes, as the API shows it: the region and a masked phone (R14.1)."""

    name: str
    phone: str
    province: str
    city: str


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
    pickup_to: PickupAddressOut | None = None


class OptionsOut(BaseModel):
    rma_no: str
    status: str
    can_choose: bool
    return_address: list[str]
    offers: list[OfferOut]
    slots: list[SlotOut]
    shipments: list[ShipmentOut]


class PickupAddressIn(BaseModel):
    """Another address for the courier; each part is checked by the domain (issue 16)."""

    name: str = Field(default="", max_length=200)
    phone: str = Field(default="", max_length=200)
    province: str = Field(default="", max_length=200)
    city: str = Field(default="", max_length=200)
    district: str = Field(default="", max_length=200)
    detail: str = Field(default="", max_length=600)


class ChoiceIn(BaseModel):
    method: ReturnMethod
    slot: str = Field(default="", max_length=40, description="pickup: a slot key from the options")
    carrier: str = Field(
        default="", max_length=32, description="self-ship: sf, zto, yto, jd, other"
    )
    carrier_name: str = Field(default="", max_length=64, description="self-ship with other")
    tracking_no: str = Field(default="", max_length=64)
    pickup_to: PickupAddressIn | None = Field(
        default=None, description="pickup: where the courier comes; omitted: the order's address"
    )


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


def shipment_out(row: Shipment | ShipmentView) -> ShipmentOut:
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
        pickup_to=_pickup_out(row.pickup_to),
    )


def _pickup_out(address: PickupAddress | None) -> PickupAddressOut | None:
    if address is None:
        return None
    shown = address.masked
    return PickupAddressOut(
        name=shown.name, phone=shown.phone, province=shown.province, city=shown.city
    )


def options_out(found: Options, language: str) -> OptionsOut:
    return OptionsOut(
        rma_no=found.request.rma_no,
        status=found.request.status.value,
        can_choose=found.can_choose,
        return_address=[found.book.warehouse.name, *found.book.warehouse.lines],
        offers=[_offer(q, language) for q in found.quotes],
        slots=[SlotOut(key=s.key, start=s.start, end=s.end) for s in found.slots],
        shipments=[shipment_out(r) for r in found.shipments],
    )


# --- settings: the method book per merchant and province -----------------------------


def book_out(found: BookView) -> BookOut:
    book = found.book
    return BookOut(
        merchant_id=found.merchant_id,
        province=found.province,
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
        adjustments=found.documents,
    )


def _fields(value: object, names: tuple[str, ...]) -> dict[str, object]:
    return {name: getattr(value, name) for name in names}


def adjustment_of(merchant_id: str, province: str, body: AdjustmentIn) -> Adjustment:
    """The body as the domain's adjustment (checked by the service)."""
    return Adjustment(
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


# --- cost report (R4.5) --------------------------------------------------------------


def cost_report_out(report: CostReport) -> CostReportOut:
    return CostReportOut(by=report.by, rows=cost_rows(report.rows))


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
