"""However an order is returned in pieces, nobody gets back more than they paid.

Any sequence of partial requests on one order — refunds, refund-only, exchanges whose
replacement costs less (the gap is refunded) or more — with deductions of any size:
the money paid back per line never exceeds what the line was paid, and the whole
order never exceeds what was paid for it (lines plus the delivery fee). The amounts
come from the domain's own rules (`estimate_refund`, `order_history`, `net_refund`,
`returned_value`), exactly as the services use them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from returnflow.domain.exchanges import ReplacementItem, price_difference, returned_value
from returnflow.domain.kinds import Reason, RequestType
from returnflow.domain.money import Money
from returnflow.domain.orders import Order
from returnflow.domain.refunds import (
    Deduction,
    HeldLine,
    estimate_refund,
    net_refund,
    order_history,
)
from returnflow.domain.rules import LineClaim
from returnflow.domain.text import Text
from tests.domain.builders import make_line, make_order

TYPES = (RequestType.REFUND, RequestType.REFUND_ONLY, RequestType.EXCHANGE)
REASONS = (Reason.NO_REASON, Reason.QUALITY, Reason.WRONG_ITEM)


@dataclass(frozen=True)
class Attempt:
    request_type: RequestType
    reason: Reason
    claims: tuple[tuple[int, int], ...]  # (line index, quantity wanted)
    replacement_unit_price: int  # exchanges only
    deductions: tuple[int, ...]


lines_st = st.lists(
    st.tuples(st.integers(1, 50_000), st.integers(1, 6), st.integers(0, 100)),
    min_size=1,
    max_size=3,
)
attempt_st = st.builds(
    Attempt,
    st.sampled_from(TYPES),
    st.sampled_from(REASONS),
    st.lists(st.tuples(st.integers(0, 2), st.integers(1, 6)), min_size=1, max_size=3).map(tuple),
    st.integers(0, 60_000),
    st.lists(st.integers(1, 30_000), max_size=3).map(tuple),
)


def _order(spec: list[tuple[int, int, int]], shipping: int) -> Order:
    lines = [
        make_line(n + 1, unit_price=price, quantity=qty, discount=price * qty * pct // 100)
        for n, (price, qty, pct) in enumerate(spec)
    ]
    return make_order(*lines, shipping_fee=shipping)


@settings(max_examples=300, deadline=None)
@given(spec=lines_st, shipping=st.integers(0, 2_000), attempts=st.lists(attempt_st, max_size=8))
def test_partial_returns_never_pay_back_more_than_was_paid(
    spec: list[tuple[int, int, int]], shipping: int, attempts: list[Attempt]
) -> None:
    order = _order(spec, shipping)
    held: list[HeldLine] = []
    exchanged: dict[int, int] = defaultdict(int)  # units valued by exchanges, from the back
    paid_back: dict[int, int] = defaultdict(int)  # per line, before deductions
    exchange_value: dict[int, int] = defaultdict(int)  # per line: what exchanges valued
    order_total = 0  # every cent that really leaves: net refunds and exchange gaps
    for attempt in attempts:
        history = order_history(held, order.currency)
        wanted: dict[int, int] = defaultdict(int)
        for index, quantity in attempt.claims:
            if index < len(order.lines):
                wanted[order.lines[index].line_no] += quantity
        claims = []
        for line_no, quantity in wanted.items():
            line = order.line(line_no)
            assert line is not None
            left = line.quantity - history.line(line_no).held_units  # the quantity rule
            if min(quantity, left) > 0:
                claims.append(LineClaim(line_no, min(quantity, left), attempt.reason))
        if not claims:
            continue
        estimate = estimate_refund(order, attempt.request_type, claims, history)
        if attempt.request_type is RequestType.EXCHANGE:
            returned = {c.line_no: c.quantity for c in claims}
            value = returned_value(order, returned, exchanged)
            price = Money(attempt.replacement_unit_price, order.currency)
            items = [ReplacementItem(n, "SKU-NEW", "新款", q, price) for n, q in returned.items()]
            gap = price_difference(value, items)
            if gap.cents < 0:
                order_total += -gap.cents  # the gap refund, never more than what came back
                assert -gap.cents <= value.cents
            for line_no, count in returned.items():
                sent_back = order.line(line_no)
                assert sent_back is not None
                end = sent_back.quantity - exchanged[line_no]
                exchange_value[line_no] += sent_back.paid_for_units(end - count, count).cents
                exchanged[line_no] += count
        else:
            deductions = [
                Deduction("damage", Text("损坏", "Damage"), Money(d, order.currency))
                for d in attempt.deductions
            ]
            net = net_refund(estimate.total, deductions)
            kept = sum(attempt.deductions)
            # the deduction rule: the estimate less deductions, never below zero
            assert net.cents == max(estimate.total.cents - kept, 0)
            assert 0 <= net.cents <= estimate.total.cents
            order_total += net.cents
            for refunded in estimate.lines:
                paid_back[refunded.line_no] += refunded.amount.cents
        for refunded in estimate.lines:
            held.append(
                HeldLine(
                    attempt.request_type,
                    attempt.reason,
                    refunded.line_no,
                    refunded.quantity,
                    refunded.amount,
                    estimate.refunds_shipping,
                )
            )
        for ordered in order.lines:
            # refunds (from the front) and exchanged units (from the back) share the line
            assert (
                paid_back[ordered.line_no] + exchange_value[ordered.line_no] <= ordered.paid.cents
            )
        paid = sum(o.paid.cents for o in order.lines) + order.shipping_fee.cents
        assert order_total <= paid
