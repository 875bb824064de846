"""Orders as the order system reports them: what was bought, paid and delivered."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from returnflow.domain.catalog import ItemFlag
from returnflow.domain.money import Money, allocate_evenly


@dataclass(frozen=True, slots=True)
class Customer:
    id: str
    name: str
    phone: str
    email: str
    # R8.5: a key-account customer's complaints go to a named team. None: the order
    # system did not say (an import leaves a stored customer's flag as it is).
    key_account: bool | None = None


@dataclass(frozen=True, slots=True)
class Address:
    """Where the order was delivered: a pickup comes here and the label names it."""

    name: str
    phone: str
    province: str
    city: str
    district: str
    detail: str

    @property
    def lines(self) -> tuple[str, ...]:
        return (f"{self.province}{self.city}{self.district}", self.detail)


@dataclass(frozen=True, slots=True)
class Payment:
    method: str
    transaction_id: str


@dataclass(frozen=True, slots=True)
class OrderLine:
    line_no: int
    sku: str
    title: str
    category: str
    unit_price: Money
    quantity: int
    # this line's share of order-level discounts, for the whole quantity
    discount: Money
    flags: frozenset[ItemFlag] = frozenset()
    # the product's picture as the order system names it (issue 16); pages show the
    # server's own copy of it (services/product_images.py), never this address
    image_url: str | None = None

    @property
    def gross(self) -> Money:
        return self.unit_price * self.quantity

    @property
    def paid(self) -> Money:
        """What the customer actually paid for the whole line."""
        return self.gross - self.discount

    def unit_shares(self) -> list[Money]:
        """What each unit cost the customer; the shares add up to `paid` exactly."""
        return allocate_evenly(self.paid, self.quantity)

    def paid_for_units(self, start: int, count: int) -> Money:
        """The paid amount of units start..start+count-1 in allocation order.

        Returns on one line take units in order, so however the quantity is split
        across several requests, the refunds add up to no more than `paid`.
        """
        return self._paid_for_first(start + count) - self._paid_for_first(start)

    def _paid_for_first(self, units: int) -> Money:
        """The sum of the first `units` of `unit_shares()`, without building the list.

        An even split gives every unit the floor of paid / quantity and the first
        `paid mod quantity` units one cent more, so the sum has a closed form and a
        line of 100,000 units costs no more to judge than a line of one.
        """
        currency = self.paid.currency  # refuses a discount in another currency
        return Money(self.paid_cents_for_first(units), currency)

    def paid_cents_for_first(self, units: int) -> int:
        """`_paid_for_first` in minor units (the refund estimate's hot path, issue 11)."""
        quantity = self.quantity  # plain comparisons: a builtin call costs more (issue 11)
        if units > quantity:
            units = quantity
        if units < 0:
            units = 0
        paid = self.unit_price.cents * quantity - self.discount.cents
        size = -paid if paid < 0 else paid
        base, extra = size // quantity, size % quantity
        cents = units * base + (units if units < extra else extra)
        return -cents if paid < 0 else cents


@dataclass(frozen=True, slots=True)
class Order:
    order_no: str
    merchant_id: str
    customer: Customer
    currency: str
    placed_at: datetime
    delivered_at: datetime | None
    shipping_fee: Money
    return_shipping_insurance: bool
    payment: Payment
    lines: tuple[OrderLine, ...] = field(default_factory=tuple)
    paid_at: datetime | None = None
    ship_to: Address | None = None
    # the merchant's display name as the order system calls it; None keeps the stored one
    merchant_name: str | None = None

    def line(self, line_no: int) -> OrderLine | None:
        for line in self.lines:
            if line.line_no == line_no:
                return line
        return None

    def is_delivered(self, now: datetime) -> bool:
        return self.delivered_at is not None and self.delivered_at <= now

    @property
    def goods_paid(self) -> Money:
        result = Money.zero(self.currency)
        for line in self.lines:
            result = result + line.paid
        return result

    @property
    def total_paid(self) -> Money:
        return self.goods_paid + self.shipping_fee
