"""How much a return refunds, with the workings shown (R6.1).

A line's refund is what the customer paid for the returned units: unit price less
the line's discount share, split per unit to the cent. Amounts are cumulative per
line: a request refunds `paid for (units refunded before + mine)` less what earlier
requests already claim, so however a line is split over several requests the total
never exceeds what was paid, to the cent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from returnflow.domain.kinds import Reason, RequestType
from returnflow.domain.money import Money
from returnflow.domain.orders import Order
from returnflow.domain.rules import LineClaim
from returnflow.domain.text import Text


@dataclass(frozen=True, slots=True)
class LineHistory:
    """What other live requests already hold of one order line."""

    held_units: int = 0  # units in any live request (limits the quantity)
    refund_units: int = 0  # units in live requests that pay money back
    refund_amount: Money | None = None  # the money those requests claim


@dataclass(frozen=True, slots=True)
class OrderHistory:
    lines: Mapping[int, LineHistory] = field(default_factory=dict)
    shipping_claimed: bool = False  # the shipping fee is already in another request
    no_reason_refund: bool = False  # some of the order went back without a reason

    def line(self, line_no: int) -> LineHistory:
        return self.lines.get(line_no, LineHistory())


@dataclass(frozen=True, slots=True)
class HeldLine:
    """One line of a live request, as far as the next request on the order cares."""

    request_type: RequestType
    reason: Reason
    line_no: int
    quantity: int
    refund_amount: Money
    claims_shipping: bool  # its request refunds the original delivery fee


def order_history(held: Iterable[HeldLine], currency: str) -> OrderHistory:
    """What live requests hold of an order: units per line, money claimed, fee claimed."""
    units: dict[int, int] = defaultdict(int)
    refund_units: dict[int, int] = defaultdict(int)
    amounts: dict[int, int] = defaultdict(int)
    shipping_claimed = no_reason = False
    for line in held:
        units[line.line_no] += line.quantity
        if pays_money(line.request_type):
            refund_units[line.line_no] += line.quantity
            amounts[line.line_no] += line.refund_amount.cents
            shipping_claimed = shipping_claimed or line.claims_shipping
            no_reason = no_reason or line.reason is Reason.NO_REASON
    lines = {
        line_no: LineHistory(
            units[line_no], refund_units[line_no], Money(amounts[line_no], currency)
        )
        for line_no in units
    }
    return OrderHistory(lines, shipping_claimed, no_reason)


@dataclass(frozen=True, slots=True)
class LineRefund:
    line_no: int
    quantity: int
    unit_price: Money
    gross: Money  # unit price × quantity
    discount_share: Money  # the part of the line's discount these units carry
    amount: Money  # what is paid back for these units


@dataclass(frozen=True, slots=True)
class RefundEstimate:
    lines: tuple[LineRefund, ...]
    shipping_fee: Money  # the original delivery fee, paid back or not
    deductions: Money
    total: Money
    goods_value: Money  # what the customer paid for the requested units, for every type

    @property
    def refunds_shipping(self) -> bool:
        return not self.shipping_fee.is_zero


def pays_money(request_type: RequestType) -> bool:
    return request_type in (RequestType.REFUND, RequestType.REFUND_ONLY)


def estimate_refund(
    order: Order,
    request_type: RequestType,
    claims: Sequence[LineClaim],
    history: OrderHistory,
) -> RefundEstimate:
    currency = order.currency
    zero = Money.zero(currency)
    lines: list[LineRefund] = []
    goods_value = zero
    for claim in claims:
        line = order.line(claim.line_no)
        if line is None:
            raise KeyError(claim.line_no)
        past = history.line(claim.line_no)
        count = min(claim.quantity, max(line.quantity - past.refund_units, 0))
        claimed = past.refund_amount or zero
        value = max(line.paid_for_units(0, past.refund_units + count) - claimed, zero)
        gross = line.unit_price * count
        goods_value = goods_value + value
        lines.append(
            LineRefund(
                line_no=claim.line_no,
                quantity=count,
                unit_price=line.unit_price,
                gross=gross,
                discount_share=gross - value,
                amount=value if pays_money(request_type) else zero,
            )
        )
    shipping = zero
    # the original delivery fee comes back once, with the request that returns the
    # last unit of the order, unless the customer changed their mind about any of it
    if (
        pays_money(request_type)
        and _completes_full_refund(order, lines, history)
        and not history.shipping_claimed
        and not history.no_reason_refund
        and all(c.reason is not Reason.NO_REASON for c in claims)
    ):
        shipping = order.shipping_fee
    refund_total = sum((line.amount for line in lines), zero) + shipping
    return RefundEstimate(tuple(lines), shipping, zero, refund_total, goods_value)


def _completes_full_refund(
    order: Order,
    refunded: Sequence[LineRefund],
    history: OrderHistory,
) -> bool:
    """Whether the units this request really refunds bring every line to fully refunded."""
    mine = {line.line_no: line.quantity for line in refunded if line.quantity > 0}
    if not mine:
        return False  # a request that returns nothing completes nothing
    return all(
        history.line(line.line_no).refund_units + mine.get(line.line_no, 0) >= line.quantity
        for line in order.lines
    )


@dataclass(frozen=True, slots=True)
class Deduction:
    """Money kept back from a refund, with the reason the customer reads (R6.1).

    Inspection proposes deductions (damage, missing accessories); a refund subtracts
    them and shows each one in its workings. Never negative, never more than the line.
    """

    code: str  # "damage", "missing_accessories", "partial_refund_offer", ...
    reason: Text
    amount: Money
    line_no: int | None = None  # None: the request as a whole


def net_refund(total: Money, deductions: Sequence[Deduction]) -> Money:
    """The amount less what is kept back, never below zero: a deduction larger than the
    refund keeps the refund, it never makes the customer owe us (R6.1)."""
    kept = sum((d.amount.cents for d in deductions), 0)
    return Money(max(total.cents - kept, 0), total.currency)
