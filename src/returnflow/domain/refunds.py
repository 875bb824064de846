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
from functools import lru_cache

from returnflow.domain.frozen import maker, quick_init
from returnflow.domain.kinds import Reason, RequestType
from returnflow.domain.money import CurrencyMismatch, Money
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
        return self.lines.get(line_no, _NO_HISTORY)


_NO_HISTORY = LineHistory()  # immutable: one value serves every line nobody holds


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


@quick_init
@dataclass(frozen=True, slots=True)
class LineRefund:
    line_no: int
    quantity: int
    unit_price: Money
    gross: Money  # unit price × quantity
    discount_share: Money  # the part of the line's discount these units carry
    amount: Money  # what is paid back for these units


@quick_init
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
    return request_type in _PAYS_MONEY


_PAYS_MONEY = frozenset({RequestType.REFUND, RequestType.REFUND_ONLY})


@lru_cache(maxsize=16)  # a zero per currency: one immutable value serves every estimate
def _zero(currency: str) -> Money:
    return Money(0, currency)


def estimate_refund(
    order: Order,
    request_type: RequestType,
    claims: Sequence[LineClaim],
    history: OrderHistory,
) -> RefundEstimate:
    """The refund of a request; its cost grows with its lines, never with their quantities.

    Worked in integer minor units, all in the order's currency (always, for orders the
    order system sends); an amount in another currency is refused as `Money` would.
    """
    currency = order.currency
    zero = _zero(currency)
    pays = request_type in _PAYS_MONEY
    lines: list[LineRefund] = []
    goods = 0
    for claim in claims:
        line = order.line(claim.line_no)
        if line is None:
            raise KeyError(claim.line_no)
        past = history.line(claim.line_no)
        unit, claimed = line.unit_price, past.refund_amount
        if (
            unit.currency != currency
            or line.discount.currency != currency
            or (claimed is not None and claimed.currency != currency)
        ):
            raise CurrencyMismatch(f"{currency} order with amounts in another currency")
        count = min(claim.quantity, max(line.quantity - past.refund_units, 0))
        paid = line.paid_cents_for_first(past.refund_units + count)
        value = max(paid - (0 if claimed is None else claimed.cents), 0)
        gross = unit.cents * count
        goods += value
        amount = _money(value, currency) if pays and value else zero
        share = _money(gross - value, currency) if gross != value else zero
        whole = unit if count == 1 else _money(gross, currency)  # one unit: its price
        lines.append(_line_refund(claim.line_no, count, unit, whole, share, amount))
    # one value may stand for equal amounts: Money is immutable and compared by value
    value_of_goods = lines[0].amount if pays and len(lines) == 1 else _money(goods, currency)
    total = value_of_goods if pays else zero
    shipping = _shipping_back(order, pays, claims, history, lines, zero)
    if shipping is not zero:
        total = total + shipping
    return _estimate(tuple(lines), shipping, zero, total, value_of_goods)


# `Money(...)`, `LineRefund(...)`, `RefundEstimate(...)`, faster (frozen.py, issue 11)
_money, _line_refund, _estimate = maker(Money), maker(LineRefund), maker(RefundEstimate)


def _shipping_back(
    order: Order,
    pays: bool,
    claims: Sequence[LineClaim],
    history: OrderHistory,
    lines: Sequence[LineRefund],
    zero: Money,
) -> Money:
    """The original delivery fee comes back once, with the request that returns the last
    unit of the order, unless the customer changed their mind about any of it.
    (The cheap conditions are asked first; none of them has a side effect.)"""
    if (
        pays
        and not history.shipping_claimed
        and not history.no_reason_refund
        and not _any_no_reason(claims)
        and _completes_full_refund(order, lines, history)
    ):
        return order.shipping_fee
    return zero


def _any_no_reason(claims: Sequence[LineClaim]) -> bool:
    """A loop, not `any()` over a generator: this runs for every request (issue 11)."""
    for claim in claims:  # noqa: SIM110
        if claim.reason is Reason.NO_REASON:
            return True
    return False


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
