"""Refund amounts with their workings (R6.1): paid per unit, cumulative per line."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from returnflow.domain.kinds import Outcome, Reason, RequestType
from returnflow.domain.money import Money
from returnflow.domain.orders import Order
from returnflow.domain.refunds import (
    LineHistory,
    LineRefund,
    OrderHistory,
    estimate_refund,
    pays_money,
)
from returnflow.domain.returns import ReturnLine, ReturnRequest
from returnflow.domain.rules import LineClaim
from tests.domain.builders import (
    cny,
    day_after_delivery,
    history_from,
    make_line,
    make_order,
    open_request,
)

R = RequestType


def three_for_29() -> Order:
    """One line: 3 x 10.00 less a 1.00 discount = 29.00 paid, units 9.67 + 9.67 + 9.66."""
    return make_order(make_line(unit_price=1_000, quantity=3, discount=100), shipping_fee=800)


def two_lines() -> Order:
    return make_order(
        make_line(1, unit_price=1_000, quantity=3, discount=100),
        make_line(2, unit_price=4_999, quantity=1, discount=499),
        shipping_fee=800,
    )


def estimate(
    order: Order,
    claims: Sequence[tuple[int, int, Reason]],
    *,
    request_type: RequestType = R.REFUND,
    history: OrderHistory | None = None,
) -> tuple[list[LineRefund], Money, Money, Money]:
    result = estimate_refund(
        order,
        request_type,
        [LineClaim(line_no, quantity, reason) for line_no, quantity, reason in claims],
        history or OrderHistory(),
    )
    assert result.deductions == Money.zero(order.currency)
    return list(result.lines), result.shipping_fee, result.total, result.goods_value


# --- what a unit cost -------------------------------------------------------------


def test_line_paid_and_unit_shares() -> None:
    line = three_for_29().lines[0]
    assert line.gross == cny(3_000)
    assert line.paid == cny(2_900)
    assert [share.cents for share in line.unit_shares()] == [967, 967, 966]
    assert line.paid_for_units(0, 2) == cny(1_934)
    assert line.paid_for_units(1, 2) == cny(1_933)
    assert line.paid_for_units(0, 3) == line.paid
    assert line.paid_for_units(3, 1) == cny(0)


def test_order_totals() -> None:
    order = two_lines()
    assert order.goods_paid == cny(2_900 + 4_500)
    assert order.total_paid == cny(2_900 + 4_500 + 800)


def test_refund_of_one_unit_shows_its_workings() -> None:
    [line], shipping, total, goods = estimate(three_for_29(), [(1, 1, Reason.QUALITY)])
    assert line == LineRefund(
        line_no=1,
        quantity=1,
        unit_price=cny(1_000),
        gross=cny(1_000),
        discount_share=cny(33),
        amount=cny(967),
    )
    assert shipping == cny(0)
    assert total == goods == cny(967)


@pytest.mark.parametrize("request_type", [R.REFUND, R.REFUND_ONLY])
@pytest.mark.parametrize("quantity", [1, 2, 3])
def test_gross_less_discount_share_is_the_amount(request_type: RequestType, quantity: int) -> None:
    [line], _, _, _ = estimate(
        two_lines(), [(1, quantity, Reason.QUALITY)], request_type=request_type
    )
    assert line.gross == line.unit_price * quantity
    assert line.gross - line.discount_share == line.amount
    assert line.amount == two_lines().lines[0].paid_for_units(0, quantity)


def test_a_line_without_discount_refunds_the_unit_price() -> None:
    order = make_order(make_line(unit_price=8_900, quantity=2))
    [line], _, total, _ = estimate(order, [(1, 2, Reason.NO_REASON)])
    assert (line.amount, line.discount_share, total) == (cny(17_800), cny(0), cny(17_800))


def test_amounts_keep_the_order_currency() -> None:
    order = make_order(
        make_line(unit_price=1_999, quantity=1, discount=0, currency="USD"), currency="USD"
    )
    [line], _, total, _ = estimate(order, [(1, 1, Reason.QUALITY)])
    assert line.amount == Money(1_999, "USD")
    assert total == Money(1_999 + 800, "USD")


# --- several partial returns on one line -------------------------------------------


@pytest.mark.parametrize(
    ("split", "amounts"),
    [
        ([1, 1, 1], [967, 967, 966]),
        ([2, 1], [1_934, 966]),
        ([1, 2], [967, 1_933]),
        ([3], [2_900]),
    ],
)
def test_partial_refunds_add_up_to_what_was_paid(split: list[int], amounts: list[int]) -> None:
    order = three_for_29()
    refunded = 0
    claimed = 0
    got = []
    for quantity in split:
        history = OrderHistory({1: LineHistory(refunded, refunded, cny(claimed))})
        [line], shipping, _, _ = estimate(order, [(1, quantity, Reason.NO_REASON)], history=history)
        assert shipping == cny(0)
        assert line.quantity == quantity
        assert line.gross - line.discount_share == line.amount
        got.append(line.amount.cents)
        refunded += quantity
        claimed += line.amount.cents
    assert got == amounts
    assert sum(got) == order.lines[0].paid.cents == 2_900


def test_partial_refunds_through_live_requests_sum_exactly() -> None:
    order = three_for_29()
    now = day_after_delivery(1)
    requests: list[ReturnRequest] = []
    for number in range(3):
        request = open_request(
            order,
            R.REFUND,
            [ReturnLine(1, 1, Reason.NO_REASON)],
            now=now,
            existing=requests,
            rma_no=f"RMA-{number}",
        )
        assert request.decision is not None
        assert request.decision.outcome is Outcome.APPROVED
        requests.append(request)
    assert [r.estimate.total.cents for r in requests] == [967, 967, 966]
    for request in requests:
        request.ship("c-1", now, "SF", "SF1")
        request.receive("wh-1", now)
        request.inspect("wh-1", now, passed=True)
        request.pay_refund("fin-1", now, "alipay", order.payment.transaction_id)
    paid_back = sum(r.refund.amount.cents for r in requests if r.refund is not None)
    assert paid_back == order.lines[0].paid.cents


def test_a_cancelled_request_frees_its_amount_without_overpaying() -> None:
    order = three_for_29()
    now = day_after_delivery(1)
    first = open_request(order, R.REFUND, [ReturnLine(1, 1, Reason.NO_REASON)], now=now)
    second = open_request(
        order, R.REFUND, [ReturnLine(1, 1, Reason.NO_REASON)], now=now, existing=[first]
    )
    first.cancel("c-1", now)
    third = open_request(
        order,
        R.REFUND,
        [ReturnLine(1, 2, Reason.NO_REASON)],
        now=now,
        existing=[first, second],
    )
    assert third.decision is not None
    assert third.decision.outcome is Outcome.APPROVED
    live = [r for r in (first, second, third) if r.status.holds_goods]
    assert sum(r.estimate.total.cents for r in live) == 2_900
    assert third.estimate.total == cny(2_900 - 967)


def test_exchange_units_do_not_count_as_refunded() -> None:
    order = three_for_29()
    now = day_after_delivery(1)
    exchange = open_request(order, R.EXCHANGE, [ReturnLine(1, 1, Reason.QUALITY)], now=now)
    refund = open_request(
        order, R.REFUND, [ReturnLine(1, 2, Reason.QUALITY)], now=now, existing=[exchange]
    )
    assert exchange.estimate.total == cny(0)
    assert exchange.estimate.goods_value == cny(967)
    assert refund.estimate.lines[0].amount == cny(1_934)
    # not every unit is refunded, so the delivery fee stays
    assert refund.estimate.shipping_fee == cny(0)


def test_refund_is_capped_at_the_units_left() -> None:
    history = OrderHistory({1: LineHistory(3, 3, cny(2_900))}, shipping_claimed=True)
    [line], shipping, total, goods = estimate(
        three_for_29(), [(1, 1, Reason.QUALITY)], history=history
    )
    assert (line.quantity, line.amount, goods, total) == (0, cny(0), cny(0), cny(0))
    assert shipping == cny(0)


def test_a_request_that_returns_no_unit_does_not_take_the_delivery_fee() -> None:
    # every unit already went back as a no-reason return, so the fee was never refunded;
    # a later fault claim returns nothing and must not offer the delivery fee either
    order = three_for_29()
    now = day_after_delivery(1)
    first = open_request(order, R.REFUND, [ReturnLine(1, 3, Reason.NO_REASON)], now=now)
    assert first.estimate.total == cny(2_900)
    late = open_request(
        order, R.REFUND, [ReturnLine(1, 1, Reason.QUALITY)], now=now, existing=[first]
    )
    assert late.decision is not None
    assert late.decision.outcome is Outcome.REJECTED
    assert late.estimate.lines[0].quantity == 0
    assert late.estimate.shipping_fee == cny(0)
    assert late.estimate.total == cny(0)


def test_a_refund_never_goes_negative() -> None:
    # history that claims more than the units it holds paid: nothing more to give back
    history = OrderHistory({1: LineHistory(1, 1, cny(2_000))})
    [line], _, total, _ = estimate(three_for_29(), [(1, 1, Reason.QUALITY)], history=history)
    assert line.amount == cny(0)
    assert total == cny(0)


@pytest.mark.parametrize("request_type", [R.EXCHANGE, R.REPAIR, R.REISSUE])
def test_only_refund_types_pay_money(request_type: RequestType) -> None:
    assert not pays_money(request_type)
    [line], shipping, total, goods = estimate(
        three_for_29(), [(1, 3, Reason.QUALITY)], request_type=request_type
    )
    assert line.amount == cny(0)
    assert shipping == cny(0)
    assert total == cny(0)
    assert goods == cny(2_900)


def test_refund_types_pay_money() -> None:
    assert pays_money(R.REFUND)
    assert pays_money(R.REFUND_ONLY)


def test_unknown_line_is_an_error() -> None:
    with pytest.raises(KeyError):
        estimate(three_for_29(), [(7, 1, Reason.QUALITY)])


# --- the original delivery fee -----------------------------------------------------


@pytest.mark.parametrize(
    "reason", [Reason.QUALITY, Reason.WRONG_ITEM, Reason.NOT_AS_DESCRIBED, Reason.MISSING_PARTS]
)
def test_full_refund_for_a_fault_includes_the_delivery_fee(reason: Reason) -> None:
    order = two_lines()
    lines, shipping, total, goods = estimate(order, [(1, 3, reason), (2, 1, reason)])
    assert shipping == cny(800)
    assert goods == order.goods_paid
    assert total == order.total_paid
    assert [line.amount.cents for line in lines] == [2_900, 4_500]


def test_refund_only_of_an_undelivered_order_includes_the_delivery_fee() -> None:
    order = make_order(make_line(unit_price=5_000, quantity=2), delivered_at=None)
    _, shipping, total, _ = estimate(
        order, [(1, 2, Reason.NOT_DELIVERED)], request_type=R.REFUND_ONLY
    )
    assert shipping == cny(800)
    assert total == cny(10_800)


def test_no_reason_full_refund_keeps_the_delivery_fee() -> None:
    order = two_lines()
    _, shipping, total, _ = estimate(order, [(1, 3, Reason.NO_REASON), (2, 1, Reason.NO_REASON)])
    assert shipping == cny(0)
    assert total == order.goods_paid


def test_one_no_reason_line_keeps_the_delivery_fee() -> None:
    order = two_lines()
    _, shipping, total, _ = estimate(order, [(1, 3, Reason.QUALITY), (2, 1, Reason.NO_REASON)])
    assert shipping == cny(0)
    assert total == order.goods_paid


def test_partial_refund_keeps_the_delivery_fee() -> None:
    order = two_lines()
    _, shipping, _, _ = estimate(order, [(1, 3, Reason.QUALITY)])
    assert shipping == cny(0)
    _, shipping, _, _ = estimate(order, [(1, 2, Reason.QUALITY), (2, 1, Reason.QUALITY)])
    assert shipping == cny(0)


def test_the_request_returning_the_last_unit_gets_the_delivery_fee() -> None:
    order = two_lines()
    history = OrderHistory(
        {1: LineHistory(3, 3, cny(2_900)), 2: LineHistory(0, 0, cny(0))}, shipping_claimed=False
    )
    [line], shipping, total, _ = estimate(order, [(2, 1, Reason.QUALITY)], history=history)
    assert line.amount == cny(4_500)
    assert shipping == cny(800)
    assert total == cny(5_300)


def test_the_delivery_fee_is_refunded_once() -> None:
    order = two_lines()
    history = OrderHistory({1: LineHistory(3, 3, cny(2_900))}, shipping_claimed=True)
    _, shipping, total, _ = estimate(order, [(2, 1, Reason.QUALITY)], history=history)
    assert shipping == cny(0)
    assert total == cny(4_500)


def test_exchange_never_refunds_the_delivery_fee() -> None:
    order = two_lines()
    _, shipping, total, _ = estimate(
        order, [(1, 3, Reason.QUALITY), (2, 1, Reason.QUALITY)], request_type=R.EXCHANGE
    )
    assert (shipping, total) == (cny(0), cny(0))


def test_delivery_fee_through_live_requests() -> None:
    order = two_lines()
    now = day_after_delivery(1)
    first = open_request(order, R.REFUND, [ReturnLine(1, 3, Reason.QUALITY)], now=now)
    second = open_request(
        order, R.REFUND, [ReturnLine(2, 1, Reason.QUALITY)], now=now, existing=[first]
    )
    assert not first.estimate.refunds_shipping
    assert second.estimate.refunds_shipping
    assert second.estimate.total == cny(4_500 + 800)
    assert history_from(order, [first, second]).shipping_claimed
    total = first.estimate.total + second.estimate.total
    assert total == order.total_paid


def test_the_fee_stays_when_part_of_the_order_went_back_without_reason() -> None:
    # line 1 returned because the customer changed their mind; then line 2 fails:
    # the whole order is back, but the delivery fee is not refunded
    order = two_lines()
    now = day_after_delivery(1)
    first = open_request(order, R.REFUND, [ReturnLine(1, 3, Reason.NO_REASON)], now=now)
    second = open_request(
        order,
        R.REFUND,
        [ReturnLine(2, 1, Reason.QUALITY)],
        now=now,
        existing=[first],
    )
    assert second.estimate.shipping_fee == cny(0)
    assert second.estimate.total == cny(4_500)


def test_the_fee_comes_back_when_every_return_is_a_fault() -> None:
    order = two_lines()
    now = day_after_delivery(1)
    first = open_request(order, R.REFUND, [ReturnLine(1, 3, Reason.QUALITY)], now=now)
    assert first.estimate.shipping_fee == cny(0)  # line 2 is still with the customer
    second = open_request(
        order,
        R.REFUND,
        [ReturnLine(2, 1, Reason.WRONG_ITEM)],
        now=now,
        existing=[first],
    )
    assert second.estimate.shipping_fee == cny(800)
    assert second.estimate.total == cny(4_500 + 800)


@given(
    quantity=st.integers(1, 60),
    unit_price=st.integers(0, 100_000),
    discount_share=st.floats(0, 1),
    start=st.integers(0, 60),
    count=st.integers(0, 60),
)
def test_paid_for_units_is_the_sum_of_the_unit_shares(
    quantity: int, unit_price: int, discount_share: float, start: int, count: int
) -> None:
    discount = int(unit_price * quantity * discount_share)
    line = make_line(unit_price=unit_price, quantity=quantity, discount=discount)
    shares = line.unit_shares()
    start = min(start, quantity)
    count = min(count, quantity - start)
    expected = sum(share.cents for share in shares[start : start + count])
    assert line.paid_for_units(start, count) == cny(expected)


def test_a_huge_line_is_still_exact() -> None:
    line = make_line(unit_price=333, quantity=100_000, discount=7)
    assert line.paid_for_units(0, 100_000) == line.paid
    assert line.paid_for_units(0, 1) + line.paid_for_units(1, 99_999) == line.paid
