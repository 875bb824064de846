"""Exchange price gaps, fast-exchange limits and the no-line-refunds-more-than-paid rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from returnflow.domain.exchanges import (
    CustomerRecord,
    ExchangeOrder,
    ExchangeStatus,
    FastExchangeLimits,
    ReplacementItem,
    Settlement,
    fast_exchange_refusals,
    price_difference,
    returned_value,
)
from returnflow.domain.kinds import Reason, RequestType
from returnflow.domain.money import Money
from returnflow.domain.refunds import HeldLine, estimate_refund, order_history
from returnflow.domain.rules import LineClaim
from returnflow.domain.text import DomainError
from tests.domain.builders import make_line, make_order

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
LIMITS = FastExchangeLimits(Money(50_000), min_completed=1, return_days=7)


def item(price: int, quantity: int = 1, line_no: int = 1) -> ReplacementItem:
    return ReplacementItem(line_no, "SKU-NEW", "新款", quantity, Money(price))


@given(
    unit_price=st.integers(1, 10**7),
    quantity=st.integers(1, 20),
    discount_share=st.integers(0, 100),
    returned=st.integers(1, 20),
    replacement=st.integers(0, 10**7),
)
def test_price_difference_sign_and_amount_are_exact(
    unit_price: int, quantity: int, discount_share: int, returned: int, replacement: int
) -> None:
    discount = unit_price * quantity * discount_share // 100
    line = make_line(unit_price=unit_price, quantity=quantity, discount=discount)
    count = min(returned, quantity)
    value = returned_value(make_order(line), {1: count}, {})
    gap = price_difference(value, [item(replacement, count)])
    assert gap.cents == replacement * count - value.cents
    assert (gap.cents > 0) == (replacement * count > value.cents)
    # the value is exactly what the last `count` units were paid
    assert value == line.paid_for_units(quantity - count, count)


def test_one_cent_dearer_is_charged_one_cent() -> None:
    order = make_order(make_line(unit_price=8900, quantity=2, discount=1001))
    value = returned_value(order, {1: 1}, {})
    assert value == Money(8399)  # 167.99 split 84.00 + 83.99; exchanges take the last
    assert price_difference(value, [item(8400)]) == Money(1)
    assert price_difference(value, [item(8398)]) == Money(-1)


@settings(max_examples=200)
@given(
    unit_price=st.integers(1, 100_000),
    quantity=st.integers(1, 12),
    discount_share=st.integers(0, 99),
    steps=st.lists(
        st.tuples(st.sampled_from(["refund", "exchange"]), st.integers(1, 4), st.integers(0, 10)),
        max_size=8,
    ),
)
def test_refunds_plus_exchange_gaps_never_exceed_what_the_line_cost(
    unit_price: int, quantity: int, discount_share: int, steps: list[tuple[str, int, int]]
) -> None:
    """Refunds (domain/refunds.py) take units from the front, exchanges value the back."""
    discount = unit_price * quantity * discount_share // 100
    line = make_line(unit_price=unit_price, quantity=quantity, discount=discount)
    order = make_order(line, shipping_fee=0)
    held: list[HeldLine] = []
    exchanged = 0
    paid_back = 0
    for kind, wanted, price_tenths in steps:
        free = quantity - sum(h.quantity for h in held)
        count = min(wanted, free)
        if count == 0:
            break
        if kind == "refund":
            history = order_history(held, "CNY")
            estimate = estimate_refund(
                order, RequestType.REFUND, [LineClaim(1, count, Reason.QUALITY)], history
            )
            paid_back += estimate.total.cents
            held.append(
                HeldLine(RequestType.REFUND, Reason.QUALITY, 1, count, estimate.total, False)
            )
        else:
            value = returned_value(order, {1: count}, {1: exchanged})
            replacement = unit_price * price_tenths // 10  # anything from free to dearer
            gap = price_difference(value, [item(replacement, count)])
            paid_back += max(-gap.cents, 0)
            exchanged += count
            held.append(HeldLine(RequestType.EXCHANGE, Reason.QUALITY, 1, count, Money(0), False))
        assert paid_back <= line.paid.cents


def test_fast_exchange_names_every_reason_it_is_refused() -> None:
    fine = CustomerRecord(completed=3, failed_inspections=0, open_recoveries=0)
    assert fast_exchange_refusals(Money(50_000), fine, LIMITS) == []
    risky = CustomerRecord(completed=0, failed_inspections=1, open_recoveries=1)
    reasons = fast_exchange_refusals(Money(50_001), risky, LIMITS)
    assert len(reasons) == 4
    assert "worth more" in reasons[0].en


def _choose(
    chosen: ReplacementItem, returned_value: Money, *, fast: bool = False, rma_no: str = "RMA1"
) -> ExchangeOrder:
    """One replacement for line 1's single returned unit, chosen by an agent."""
    return ExchangeOrder.choose(
        rma_no=rma_no,
        merchant_id="m-1",
        customer_id="c-1",
        items=[chosen],
        returned={1: 1},
        returned_value=returned_value,
        fast=fast,
        now=NOW,
        actor="agent:li",
        limits=LIMITS,
    )


def _fast(price: int, returned: int = 8400) -> ExchangeOrder:
    order = _choose(item(price), Money(returned), fast=True)
    order.release(NOW, "agent:li", goods_inspected=False)
    return order


def test_unreturned_fast_exchange_charges_what_the_customer_keeps() -> None:
    dearer = _fast(9900)  # gap charged 15.00: they keep the 84.00 original on top
    assert dearer.settlement is Settlement.CHARGE
    assert not dearer.return_overdue(NOW + timedelta(days=6))
    assert dearer.return_overdue(NOW + timedelta(days=7))
    assert dearer.charge_unreturned(NOW) == Money(8400)
    cheaper = _fast(5000)  # 34.00 owed back, never paid: cancelled, replacement charged
    assert cheaper.charge_unreturned(NOW) == Money(5000)
    assert cheaper.settlement is Settlement.REFUND_CANCELLED
    assert cheaper.status is ExchangeStatus.CHARGED
    with pytest.raises(DomainError):
        cheaper.charge_unreturned(NOW)


def test_an_ordinary_exchange_waits_for_inspection() -> None:
    order = _choose(item(100), Money(100))
    with pytest.raises(DomainError) as refused:
        order.release(NOW, "agent:li", goods_inspected=False)
    assert refused.value.code == "exchange_waits_for_inspection"
    order.release(NOW, "agent:li", goods_inspected=True)
    assert order.status is ExchangeStatus.REQUESTED
    with pytest.raises(DomainError):
        _choose(item(100, line_no=9), Money(100), rma_no="RMA2")


def test_each_exchange_step_records_what_follows_it() -> None:
    order = _choose(item(5000), Money(8400))
    assert order.chosen_by == "agent:li"
    order.release(NOW, "agent:li", goods_inspected=True)
    order.shipped(NOW, "order-system", "SF 123")
    names = [event.name for event in order.events]
    assert names == ["exchange.chosen", "exchange.released", "exchange.shipped"]
    released = order.events[1].data
    assert (released["rma_no"], released["settlement"], released["difference"]) == (
        "RMA1",
        "refund_pending",
        -3400,
    )
    with pytest.raises(DomainError) as refused:
        order.cancel(NOW, "agent:li")  # only a reserved replacement can be called off
    assert refused.value.code == "exchange_step_not_allowed"
    assert len(order.events) == 3  # a refused step records nothing


def test_a_cancelled_exchange_says_so_and_a_settled_return_stops_the_clock() -> None:
    order = _fast(9900)
    assert order.return_due_at is not None
    order.return_settled()
    assert order.return_due_at is None
    assert not order.return_overdue(NOW + timedelta(days=30))
    reserved = _choose(item(100), Money(100), rma_no="RMA2")
    reserved.cancel(NOW, "agent:li", "customer changed their mind")
    assert reserved.status is ExchangeStatus.CANCELLED
    assert reserved.events[-1].name == "exchange.cancelled"
