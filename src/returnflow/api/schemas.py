"""Request and response bodies of the REST API. Money is integer minor units (fen).

Order bounds (issue 9): every amount the platform later derives from an imported order
— line totals, the order total, refunds and their deductions, exchange differences,
ledger entries and balances, store-credit balances — is at most the order's total, a
small multiple of it (a bonus percentage, an exchange's two sides) or a sum over
orders. So the order total is bounded, not just each field: at most `MAX_UNIT_PRICE`
a unit, `MAX_QUANTITY` units a line, `MAX_ORDER_LINES` lines, and the goods plus the
shipping fee at most `MAX_ORDER_TOTAL` (10^13 fen, ¥100 billion). A BIGINT holds
9.2 × 10^18, so one order's amounts fit with a margin of ~900 000 and a balance can
sum ~900 000 maximal orders before reaching the column's edge. Before this, an order
of 100 lines × 10^12 × 100 000 was accepted and its first return overflowed BIGINT.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    model_validator,
)
from pydantic.networks import validate_email
from pydantic_core import PydanticCustomError

from returnflow.domain.catalog import ItemFlag, is_valid_category
from returnflow.domain.kinds import Channel, Outcome, Reason, RequestType, ShippingPayer
from returnflow.domain.lifecycle import Action, Status
from returnflow.entrypoints import params
from returnflow.entrypoints.params import MAX_LINE_NO, MAX_QUANTITY

MAX_UNIT_PRICE = 10**10  # ¥100 million a unit
MAX_ORDER_LINES = 500
MAX_ORDER_TOTAL = params.MAX_AMOUNT  # 10^13: goods + shipping fee of one order

Cents = Annotated[int, Field(ge=0, le=10**12, description="Amount in minor units (fen, cents)")]
UnitPrice = Annotated[
    int, Field(ge=0, le=MAX_UNIT_PRICE, description="Price of one unit in minor units")
]
OrderAmount = Annotated[
    int, Field(ge=0, le=MAX_ORDER_TOTAL, description="Amount in minor units (fen, cents)")
]
# a table row's number in a path: bounded so a huge number is a 422, not a database error
RowId = params.RowId
Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:\-]*$")]


def _category(value: str) -> str:
    if not is_valid_category(value):
        raise ValueError("category must be lower-case letters, digits and underscores")
    return value


def _email_or_empty(value: str) -> str:
    """An address, or "" for a customer known only by phone (they get SMS, issue 13)."""
    return validate_email(value)[1] if value else value


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CustomerIn(Strict):
    id: Code
    name: str = Field(min_length=1, max_length=200)
    phone: str = Field(min_length=3, max_length=40, pattern=r"^\+?[0-9 \-]{3,40}$")
    email: Annotated[str, Field(max_length=254), AfterValidator(_email_or_empty)] = ""
    key_account: bool | None = Field(
        default=None,
        description="R8.5: a key-account customer (complaints go to the key-account team). "
        "Absent: a new customer is not one, a known customer keeps what they are.",
    )


class PaymentIn(Strict):
    method: str = Field(min_length=1, max_length=40)
    transaction_id: str = Field(min_length=1, max_length=128)


class OrderLineIn(Strict):
    line_no: int = Field(ge=1, le=MAX_LINE_NO)
    sku: Code
    title: str = Field(min_length=1, max_length=300)
    category: Annotated[str, AfterValidator(_category)]
    unit_price: UnitPrice
    quantity: int = Field(ge=1, le=MAX_QUANTITY)
    discount: OrderAmount = 0
    flags: list[ItemFlag] = Field(default_factory=list)
    # issue 16: the product's picture, fetched once by the server (never hot-linked).
    # http(s), at most 2,000 characters: checked in api/orders.py with their own codes;
    # the schema only keeps the body bounded
    image_url: str | None = Field(
        default=None,
        min_length=1,
        max_length=8000,
        description="The product's picture: http(s), at most 2,000 characters (422 "
        "image_url_scheme, image_url_too_long, image_url_invalid). The server fetches it "
        "once (JPEG, PNG or WebP, at most 2 MB) and shows only its own copy.",
    )


class AddressIn(Strict):
    """Where the order was delivered; pickups come here and labels name it."""

    name: str = Field(min_length=1, max_length=100)
    phone: str = Field(min_length=3, max_length=40, pattern=r"^\+?[0-9 \-]{3,40}$")
    province: str = Field(min_length=1, max_length=40)
    city: str = Field(min_length=1, max_length=40)
    district: str = Field(default="", max_length=40)
    detail: str = Field(min_length=1, max_length=200)


class OrderIn(Strict):
    order_no: Code
    merchant_id: Code
    # the merchant's display name; absent keeps the stored one (a new merchant: its id)
    merchant_name: str | None = Field(default=None, min_length=1, max_length=200, pattern=r"\S")
    customer: CustomerIn
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    placed_at: AwareDatetime
    paid_at: AwareDatetime | None = None
    delivered_at: AwareDatetime | None
    shipping_fee: UnitPrice = 0
    return_shipping_insurance: bool = False
    payment: PaymentIn
    lines: list[OrderLineIn] = Field(min_length=1, max_length=MAX_ORDER_LINES)
    ship_to: AddressIn | None = None

    @model_validator(mode="after")
    def _total_fits(self) -> OrderIn:
        """The bound every later sum relies on (see the module docstring)."""
        total = self.shipping_fee + sum(line.unit_price * line.quantity for line in self.lines)
        if total > MAX_ORDER_TOTAL:
            raise PydanticCustomError(
                "order_total_too_large",
                "the order total {total} exceeds {limit}",
                {"total": total, "limit": MAX_ORDER_TOTAL},
            )
        return self


class OrderOut(BaseModel):
    order_no: str
    created: bool


class Money(BaseModel):
    amount: int
    currency: str


class ReasonOut(BaseModel):
    code: str
    message: str


class OptionOut(BaseModel):
    type: RequestType
    reason_code: Reason
    outcome: Outcome
    until: date | None
    shipping_payer: ShippingPayer
    reasons: list[ReasonOut]


class LineEligibilityOut(BaseModel):
    line_no: int
    sku: str
    title: str
    category: str
    quantity: int
    requestable_quantity: int
    allowed_types: list[RequestType]
    options: list[OptionOut]


class EligibilityOut(BaseModel):
    order_no: str
    policy_version: int
    delivered: bool
    lines: list[LineEligibilityOut]


class ReturnLineIn(Strict):
    line_no: int = Field(ge=1, le=MAX_LINE_NO)
    quantity: int = Field(ge=1, le=MAX_QUANTITY)
    reason_code: Reason
    reason_text: str = Field(default="", max_length=2000)
    opened: bool = False


class ContactIn(Strict):
    name: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=40, pattern=r"^\+?[0-9 \-]{3,40}$")
    email: EmailStr | None = None


class ReturnIn(Strict):
    order_no: Code
    type: RequestType
    channel: Channel = Channel.WEB
    lines: list[ReturnLineIn] = Field(min_length=1, max_length=100)
    contact: ContactIn | None = None
    photos: list[str] = Field(default_factory=list, max_length=9)


class DecisionOut(BaseModel):
    outcome: Outcome
    reasons: list[ReasonOut]
    policy_version: int
    decided_by: str
    decided_at: datetime


class RefundLineOut(BaseModel):
    line_no: int
    quantity: int
    unit_price: Money
    gross: Money
    discount_share: Money
    amount: Money


class RefundEstimateOut(BaseModel):
    lines: list[RefundLineOut]
    shipping_fee: Money
    deductions: Money
    total: Money


class ReturnLineOut(BaseModel):
    line_no: int
    quantity: int
    reason_code: Reason
    reason_text: str
    opened: bool


class TimelineEntry(BaseModel):
    at: datetime
    actor: str
    action: Action
    from_status: Status | None
    status: Status
    label: str
    note: str


class ShipmentOut(BaseModel):
    carrier: str
    tracking_no: str
    shipped_at: datetime


class InspectionOut(BaseModel):
    passed: bool
    notes: str
    inspected_at: datetime
    inspected_by: str


class RefundOut(BaseModel):
    amount: Money
    method: str
    reference: str
    paid_at: datetime


class ReturnOut(BaseModel):
    rma_no: str
    order_no: str
    merchant_id: str
    customer_id: str
    type: RequestType
    channel: Channel
    status: Status
    status_label: str
    decision: DecisionOut | None
    shipping_payer: ShippingPayer
    refund_estimate: RefundEstimateOut
    lines: list[ReturnLineOut]
    contact: dict[str, str]
    photos: list[str]
    created_at: datetime
    review_due_at: datetime | None
    ship_by: datetime | None
    confirm_by: datetime | None
    shipment: ShipmentOut | None
    inspection: InspectionOut | None
    refund: RefundOut | None
    allowed_actions: list[str]
    timeline: list[TimelineEntry]


class ReturnSummary(BaseModel):
    rma_no: str
    order_no: str
    merchant_id: str
    customer_id: str
    type: RequestType
    channel: Channel
    status: Status
    refund_total: Money
    created_at: datetime
    review_due_at: datetime | None


class ReturnPage(BaseModel):
    items: list[ReturnSummary]
    total: int
    page: int
    page_size: int


class NoteIn(Strict):
    note: str = Field(default="", max_length=2000)


class RejectIn(Strict):
    reason: str = Field(min_length=1, max_length=2000)


class ShipIn(Strict):
    carrier: str = Field(min_length=1, max_length=64)
    tracking_no: str = Field(min_length=4, max_length=64, pattern=r"^[A-Za-z0-9\-]+$")


class InspectIn(Strict):
    passed: bool
    notes: str = Field(default="", max_length=2000)
