"""Return methods (R4.1): which ways back a merchant offers in a region, and what each costs.

A customer chooses between door pickup, drop-off at a station or locker, and sending the
parcel themselves. What each method costs, how long it takes and which carrier runs it
are operational facts that change with carrier contracts, so they are not part of the
versioned return policy: a default book lives here in code and adjustments per merchant
and per province are stored beside it (`storage/shipments.py`). The policy only decides
*who* pays (`ShippingPayer`); this module turns that into the customer's fee.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from returnflow.domain.kinds import ShippingPayer
from returnflow.domain.money import Money
from returnflow.domain.orders import Address
from returnflow.domain.text import DomainError, Text

ANY = "*"  # an adjustment for every merchant or every province


class ReturnMethod(StrEnum):
    PICKUP = "pickup"
    DROPOFF = "dropoff"
    SELF_SHIP = "self_ship"

    @property
    def label(self) -> Text:
        return _METHOD_LABELS[self]

    @property
    def calls_carrier(self) -> bool:
        """Pickup and drop-off need a waybill from a carrier; self-ship brings its own."""
        return self is not ReturnMethod.SELF_SHIP


_METHOD_LABELS = {
    ReturnMethod.PICKUP: Text("上门取件", "Door pickup"),
    ReturnMethod.DROPOFF: Text("驿站/快递柜寄件", "Drop-off at a station or locker"),
    ReturnMethod.SELF_SHIP: Text("自行寄回", "Ship it yourself"),
}


@dataclass(frozen=True, slots=True)
class MethodTerms:
    """One method as offered: `fee` is the freight price, whoever ends up paying it.

    `label_cost` and `pickup_cost` are what the carrier charges us (cost accounting,
    R4.5); for self-ship `fee` is what is reimbursed at most when the customer does not
    pay, since the customer pays their own carrier.
    """

    method: ReturnMethod
    carrier: str
    fee: int
    expected_days: int
    instructions: Text
    label_cost: int = 0
    pickup_cost: int = 0
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class PickupHours:
    """When couriers come: windows of `window_hours` from `first_hour` to `last_hour`
    local time, today and the next `days_ahead - 1` days, booked `lead_minutes` ahead."""

    first_hour: int = 9
    last_hour: int = 19
    window_hours: int = 2
    days_ahead: int = 3
    lead_minutes: int = 120

    def check(self) -> None:
        if not (0 <= self.first_hour < self.last_hour <= 24):
            raise _bad_config("pickup_hours", "取件时段的开始必须早于结束", "first before last")
        if not (1 <= self.window_hours <= self.last_hour - self.first_hour):
            raise _bad_config("pickup_hours", "取件时段长度不合理", "window does not fit")
        if not (1 <= self.days_ahead <= 14) or not (0 <= self.lead_minutes <= 24 * 60):
            raise _bad_config("pickup_hours", "预约天数或提前量不合理", "days or lead invalid")


@dataclass(frozen=True, slots=True)
class Warehouse(Address):
    """Where returns go: the label's return address."""


WAREHOUSE_FIELDS = tuple(f.name for f in fields(Warehouse))


@dataclass(frozen=True, slots=True)
class MethodBook:
    """Everything a merchant offers in one province, after adjustments."""

    methods: tuple[MethodTerms, ...]
    pickup_hours: PickupHours
    warehouse: Warehouse
    timezone: str = "Asia/Shanghai"

    def terms(self, method: ReturnMethod) -> MethodTerms | None:
        return next((t for t in self.methods if t.method is method and t.enabled), None)


DEFAULT_CARRIER = "simulated"  # the simulated local carrier; real adapters replace it by config

DEFAULT_BOOK = MethodBook(
    methods=(
        MethodTerms(
            ReturnMethod.PICKUP,
            DEFAULT_CARRIER,
            fee=1500,
            expected_days=3,
            label_cost=800,
            pickup_cost=400,
            instructions=Text(
                "快递员会在您预约的时段上门取件。请把商品和配件包装好，"
                "打印面单贴在包裹上；没有打印机时快递员可以代打。",
                "A courier collects the parcel at your door in the window you book. Pack the "
                "goods with their accessories and stick the printed label on the parcel; "
                "without a printer, the courier can print it for you.",
            ),
        ),
        MethodTerms(
            ReturnMethod.DROPOFF,
            DEFAULT_CARRIER,
            fee=1000,
            expected_days=3,
            label_cost=800,
            instructions=Text(
                "把包装好的包裹送到附近的快递驿站或快递柜，出示寄件码或二维码，"
                "工作人员会打印并贴好面单。",
                "Take the packed parcel to a nearby courier station or locker and show the "
                "drop-off code or QR code; the counter prints and attaches the label.",
            ),
        ),
        MethodTerms(
            ReturnMethod.SELF_SHIP,
            "manual",
            fee=1200,
            expected_days=4,
            instructions=Text(
                "用任意快递把包裹寄到下方的退货地址，运费先由您支付；寄出后填写快递公司和运单号。"
                "若运费由商家或运费险承担，将按不超过所示金额报销。",
                "Send the parcel to the return address below with any carrier and pay the "
                "freight yourself, then enter the carrier and tracking number. When the "
                "merchant or your insurance pays, up to the amount shown is reimbursed.",
            ),
        ),
    ),
    pickup_hours=PickupHours(),
    warehouse=Warehouse(
        name="ReturnFlow 中央退货仓",
        phone="021-60000000",
        province="上海市",
        city="上海市",
        district="青浦区",
        detail="华新镇华志路 1688 号 3 号库 退货组",
    ),
)


# --- adjustments: per merchant and per province ---------------------------------


@dataclass(frozen=True, slots=True)
class MethodChange:
    """Fields to change on one method; None leaves the book's value."""

    enabled: bool | None = None
    carrier: str | None = None
    fee: int | None = None
    expected_days: int | None = None
    label_cost: int | None = None
    pickup_cost: int | None = None
    instructions: Text | None = None


@dataclass(frozen=True, slots=True)
class Adjustment:
    """One stored adjustment; `merchant_id` and `province` may be `ANY`."""

    merchant_id: str
    province: str
    methods: Mapping[ReturnMethod, MethodChange] = field(default_factory=dict)
    pickup_hours: PickupHours | None = None
    warehouse: Warehouse | None = None

    @property
    def specificity(self) -> int:
        """Platform-wide first, then per province, per merchant, per merchant and province."""
        return (2 if self.merchant_id != ANY else 0) + (1 if self.province != ANY else 0)

    def applies_to(self, merchant_id: str, province: str) -> bool:
        return self.merchant_id in (ANY, merchant_id) and self.province in (ANY, province)

    def check(self) -> None:
        for change in self.methods.values():
            for name in ("fee", "label_cost", "pickup_cost"):
                value = getattr(change, name)
                if value is not None and not (0 <= value <= 10**9):
                    raise _bad_config(name, "金额必须在 0 到 1000 万元之间", "out of range")
            if change.expected_days is not None and not (1 <= change.expected_days <= 60):
                raise _bad_config("expected_days", "预计天数必须在 1 到 60 之间", "1 to 60")
        if self.pickup_hours is not None:
            self.pickup_hours.check()


def book_for(
    merchant_id: str,
    province: str,
    adjustments: Iterable[Adjustment],
    default: MethodBook = DEFAULT_BOOK,
) -> MethodBook:
    """The default book with every adjustment for this merchant and province, general first."""
    book = default
    relevant = [a for a in adjustments if a.applies_to(merchant_id, province)]
    for adjustment in sorted(relevant, key=lambda a: a.specificity):
        book = _apply(book, adjustment)
    return book


def _apply(book: MethodBook, adjustment: Adjustment) -> MethodBook:
    methods = []
    for terms in book.methods:
        change = adjustment.methods.get(terms.method)
        if change is not None:
            values = {
                name: getattr(change, name)
                for name in MethodChange.__slots__
                if getattr(change, name) is not None
            }
            terms = replace(terms, **values)
        methods.append(terms)
    return replace(
        book,
        methods=tuple(methods),
        pickup_hours=adjustment.pickup_hours or book.pickup_hours,
        warehouse=adjustment.warehouse or book.warehouse,
    )


# --- fees ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Quote:
    """One method as this customer would get it: the fee split between who pays."""

    terms: MethodTerms
    payer: ShippingPayer
    fee: Money
    customer_fee: Money
    insurance_covers: Money
    merchant_pays: Money

    @property
    def method(self) -> ReturnMethod:
        return self.terms.method

    @property
    def label_cost(self) -> Money:
        return Money(self.terms.label_cost, self.fee.currency)

    @property
    def pickup_cost(self) -> Money:
        return Money(self.terms.pickup_cost, self.fee.currency)


def effective_payer(payer: ShippingPayer, insured: bool) -> ShippingPayer:
    """R2.4: return-shipping insurance takes over the customer's share where it was bought."""
    if payer is ShippingPayer.CUSTOMER and insured:
        return ShippingPayer.INSURANCE
    return payer


def quote(terms: MethodTerms, payer: ShippingPayer, insured: bool, currency: str) -> Quote:
    fee = Money(terms.fee, currency)
    zero = Money.zero(currency)
    who = effective_payer(payer, insured)
    return Quote(
        terms=terms,
        payer=who,
        fee=fee,
        customer_fee=fee if who is ShippingPayer.CUSTOMER else zero,
        insurance_covers=fee if who is ShippingPayer.INSURANCE else zero,
        merchant_pays=fee if who is ShippingPayer.MERCHANT else zero,
    )


def offers(
    book: MethodBook,
    payer: ShippingPayer,
    insured: bool,
    currency: str,
    carriers: Collection[str],
) -> list[Quote]:
    """Every method this request may use: enabled, and run by a carrier we can reach."""
    if payer is ShippingPayer.NONE:
        return []
    return [
        quote(terms, payer, insured, currency)
        for terms in book.methods
        if terms.enabled and terms.carrier in carriers
    ]


def method_not_offered(method: ReturnMethod) -> DomainError:
    return DomainError(
        "method_not_offered",
        Text("此申请不提供“{zh}”方式", "{en} is not offered for this request").format(
            zh=method.label.zh, en=method.label.en
        ),
        field="method",
    )


# --- pickup slots ------------------------------------------------------------------


@dataclass(frozen=True, slots=True, order=True)
class Slot:
    """A pickup window in UTC; `key` is how forms and the API name it."""

    start: datetime
    end: datetime

    @property
    def key(self) -> str:
        return self.start.isoformat()


def pickup_slots(now: datetime, hours: PickupHours, timezone: str) -> list[Slot]:
    """Bookable windows, earliest first: whole windows inside opening hours, far enough ahead."""
    zone = ZoneInfo(timezone)
    today = now.astimezone(zone).date()
    earliest = now + timedelta(minutes=hours.lead_minutes)
    step = timedelta(hours=hours.window_hours)
    slots: list[Slot] = []
    for offset in range(hours.days_ahead):
        day = today + timedelta(days=offset)
        start = datetime.combine(day, time(hours.first_hour), zone)
        close = datetime.combine(day, time(0), zone) + timedelta(hours=hours.last_hour)
        while start + step <= close:
            if start >= earliest:
                slots.append(Slot(start.astimezone(UTC), (start + step).astimezone(UTC)))
            start += step
    return slots


def find_slot(key: str, now: datetime, hours: PickupHours, timezone: str) -> Slot:
    """The offered slot a customer picked, or a refusal naming the field."""
    for slot in pickup_slots(now, hours, timezone):
        if slot.key == key:
            return slot
    raise DomainError(
        "slot_unavailable",
        Text("请选择一个可预约的取件时段", "Choose one of the pickup windows offered"),
        field="slot",
    )


def promised_by(terms: MethodTerms, now: datetime, slot: Slot | None) -> datetime:
    """When the parcel should reach the warehouse: counted from pickup, or from now."""
    start = slot.end if slot is not None else now
    return start + timedelta(days=terms.expected_days)


def _bad_config(field_name: str, zh: str, en: str) -> DomainError:
    return DomainError(
        "shipping_config_invalid",
        Text(f"退货方式配置有误：{zh}", f"Return method settings are invalid: {en}"),
        field=field_name,
    )
