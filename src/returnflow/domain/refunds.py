"""How much a return refunds, with the workings shown (R6.1).

A line's refund is what the customer paid for the returned units: unit price less
the line's discount share, split per unit to the cent. Amounts are cumulative per
line: a request refunds `paid for (units refunded before + mine)` less what earlier
requests already claim, so however a line is split over several requests the total
never exceeds what was paid, to the cent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from returnflow.domain.kinds import Reason, RequestType
from returnflow.domain.money import Money
from returnflow.domain.orders import Order
from returnflow.domain.rules import LineClaim


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

    def line(self, line_no: int) -> LineHistory:
        return self.lines.get(line_no, LineHistory())


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
    # last unit of the order, unless the customer simply changed their mind
    if (
        pays_money(request_type)
        and _completes_full_refund(order, claims, history)
        and not history.shipping_claimed
        and all(c.reason is not Reason.NO_REASON for c in claims)
    ):
        shipping = order.shipping_fee
    refund_total = sum((line.amount for line in lines), zero) + shipping
    return RefundEstimate(tuple(lines), shipping, zero, refund_total, goods_value)


def _completes_full_refund(
    order: Order,
    claims: Sequence[LineClaim],
    history: OrderHistory,
) -> bool:
    mine = {c.line_no: c.quantity for c in claims}
    return all(
        history.line(line.line_no).refund_units + mine.get(line.line_no, 0) >= line.quantity
        for line in order.lines
    )
