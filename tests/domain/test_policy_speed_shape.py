"""The shape of the policy engine's cost (issue 11), checked without a clock.

A decision must cost the same for 1 unit of a line of 1 or of 100,000 units, and in a
policy with 4 merchant overrides or 10,000. Wall-clock figures belong in
`benchmarks/bench_policy.py`; here the Python lines the domain executes are counted
(`sys.settrace`), so a loop over units or over overrides shows as a different count.
The faster paths are compared with the old ways of working the same answer out.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from types import FrameType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from returnflow.domain import refunds
from returnflow.domain.kinds import Outcome, Reason, RequestType
from returnflow.domain.money import CurrencyMismatch, Money
from returnflow.domain.orders import Order
from returnflow.domain.policy import (
    DEFAULT_CATEGORIES,
    EPOCH,
    TERM_FIELDS,
    MerchantTerms,
    PolicyVersion,
    Terms,
)
from returnflow.domain.refunds import (
    LineHistory,
    LineRefund,
    OrderHistory,
    RefundEstimate,
    estimate_refund,
)
from returnflow.domain.review import assess
from returnflow.domain.verdicts import LineClaim
from tests.domain.builders import day_after_delivery, judge, make_line, make_order

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DOMAIN = "/returnflow/domain/"
NOW = day_after_delivery(2)


@contextmanager
def counting_lines() -> Iterator[list[int]]:
    """Count the lines of `returnflow/domain` executed inside the block."""
    counted = [0]

    def trace(frame: FrameType, event: str, arg: Any) -> Any:
        if DOMAIN not in frame.f_code.co_filename:
            return None
        if event == "line":
            counted[0] += 1
        return trace

    previous = sys.gettrace()
    sys.settrace(trace)
    try:
        yield counted
    finally:
        sys.settrace(previous)


def lines_run(call: Callable[[], object]) -> int:
    call()  # the first call may fill the shared results and the terms per category
    with counting_lines() as counted:
        call()
    return counted[0]


def test_the_counter_sees_a_loop_over_units() -> None:
    """The yardstick itself: the old per-unit split counts more lines for more units."""
    small, large = make_line(quantity=10), make_line(quantity=1_000)
    assert lines_run(lambda: small.unit_shares()) < lines_run(lambda: large.unit_shares())


# --- quantity ------------------------------------------------------------------------


def _one_unit_of(quantity: int) -> Callable[[], object]:
    order = make_order(make_line(unit_price=1990, quantity=quantity, discount=quantity * 100))
    return lambda: assess(
        order=order,
        request_type=RequestType.REFUND,
        claims=[LineClaim(1, 1, Reason.NO_REASON)],
        history=OrderHistory(),
        has_photos=False,
        now=NOW,
        policy=PolicyVersion(version=2, effective_from=EPOCH, categories=DEFAULT_CATEGORIES),
    )


def test_one_unit_of_a_large_line_costs_what_one_unit_of_a_small_line_costs() -> None:
    assert lines_run(_one_unit_of(1)) == lines_run(_one_unit_of(100_000))


def test_one_unit_of_a_large_line_is_refunded_its_share() -> None:
    result = _one_unit_of(100_000)()
    assert result.outcome is Outcome.APPROVED  # type: ignore[attr-defined]
    assert result.estimate.total == Money(1890)  # type: ignore[attr-defined]


# --- merchant overrides --------------------------------------------------------------


def _policy_with(count: int, *mine: MerchantTerms) -> PolicyVersion:
    others = tuple(MerchantTerms(f"m-{i:05d}", None, {"no_reason_days": 15}) for i in range(count))
    return PolicyVersion(
        version=9,
        effective_from=EPOCH,
        categories=DEFAULT_CATEGORIES,
        merchants=(*others[: count // 2], *mine, *others[count // 2 :]),
    )


def _judging(policy: PolicyVersion, merchant_id: str) -> Callable[[], object]:
    order = make_order(make_line(category="electronics"), merchant_id=merchant_id)
    return lambda: judge(
        order, request_type=RequestType.REFUND, reason=Reason.NO_REASON, now=NOW, policy=policy
    )


def test_a_merchant_without_terms_costs_the_same_among_4_or_10000_overrides() -> None:
    few, many = _policy_with(4), _policy_with(10_000)
    assert lines_run(_judging(few, "m-plain")) == lines_run(_judging(many, "m-plain"))


def test_a_merchant_with_terms_costs_the_same_among_4_or_10000_overrides() -> None:
    mine = (
        MerchantTerms("m-own", None, {"no_reason_days": 10}),
        MerchantTerms("m-own", "electronics", {"no_reason_days": 12}),
    )
    few, many = _policy_with(4, *mine), _policy_with(10_000, *mine)
    assert lines_run(_judging(few, "m-own")) == lines_run(_judging(many, "m-own"))
    assert few.terms_for("m-own", "electronics").no_reason_days == 12
    assert many.terms_for("m-own", "electronics") == few.terms_for("m-own", "electronics")


def _terms_by_scanning(policy: PolicyVersion, merchant_id: str, category: str) -> Terms:
    """`terms_for` as it was: every entry scanned per scope, better fields replaced."""
    terms = policy.category_terms(category)
    for scope in (None, category):
        for merchant in policy.merchants:
            if merchant.merchant_id == merchant_id and merchant.category == scope:
                better = {
                    name: value
                    for name, value in merchant.overrides.items()
                    if value > getattr(terms, name)
                }
                terms = replace(terms, **better)  # type: ignore[arg-type]
    return terms


CATEGORIES = ["apparel", "electronics", "food", "fresh_food", "baby", "toys"]
VALUES: dict[str, st.SearchStrategy[Any]] = {
    "no_reason_days": st.integers(7, 40),
    "quality_refund_days": st.integers(7, 40),
    "quality_exchange_days": st.integers(15, 60),
    "warranty_days": st.integers(365, 800),
    "merchant_pays_no_reason_shipping": st.booleans() | st.sampled_from([0, 1]),
}


@st.composite
def entries(draw: st.DrawFn) -> MerchantTerms:
    names = draw(st.sets(st.sampled_from(TERM_FIELDS), min_size=1))
    overrides: Mapping[str, int | bool] = {name: draw(VALUES[name]) for name in sorted(names)}
    category = draw(st.none() | st.sampled_from(CATEGORIES))
    return MerchantTerms(draw(st.sampled_from(["m-1", "m-2", "m-3"])), category, overrides)


@SETTINGS
@given(
    merchants=st.lists(entries(), max_size=8),
    merchant_id=st.sampled_from(["m-1", "m-2", "m-3", "m-4"]),
    category=st.sampled_from(CATEGORIES),
)
def test_indexed_terms_equal_the_scanned_terms(
    merchants: list[MerchantTerms], merchant_id: str, category: str
) -> None:
    policy = PolicyVersion(
        version=3, effective_from=EPOCH, categories=DEFAULT_CATEGORIES, merchants=tuple(merchants)
    )
    expected = _terms_by_scanning(policy, merchant_id, category)
    for _ in range(2):  # worked out, then remembered
        found = policy.terms_for(merchant_id, category)
        assert found == expected
        assert [type(getattr(found, n)) for n in TERM_FIELDS] == [
            type(getattr(expected, n)) for n in TERM_FIELDS
        ]


def test_a_new_version_built_by_replace_indexes_its_own_merchants() -> None:
    first = _policy_with(0, MerchantTerms("m-own", None, {"no_reason_days": 10}))
    second = replace(first, merchants=(MerchantTerms("m-own", None, {"no_reason_days": 20}),))
    assert first.terms_for("m-own", "food").no_reason_days == 10
    assert second.terms_for("m-own", "food").no_reason_days == 20
    assert first == replace(first)  # the index takes no part in equality


# --- the refund estimate in minor units ----------------------------------------------


@st.composite
def estimates(draw: st.DrawFn) -> tuple[Any, ...]:
    count = draw(st.integers(1, 3))
    lines = []
    for n in range(1, count + 1):
        quantity = draw(st.integers(1, 100_000))
        price = draw(st.integers(0, 500_000))
        discount = draw(st.integers(0, price * quantity))
        lines.append(make_line(n, unit_price=price, quantity=quantity, discount=discount))
    order = make_order(*lines, shipping_fee=draw(st.integers(0, 2_000)))
    held: dict[int, LineHistory] = {}
    for line in lines:
        if draw(st.booleans()):
            units = draw(st.integers(0, line.quantity))
            amount = line.paid_for_units(0, units)
            held[line.line_no] = LineHistory(units, units, amount)
    history = OrderHistory(held, draw(st.booleans()), draw(st.booleans()))
    chosen = draw(st.lists(st.sampled_from(lines), min_size=1, max_size=count, unique=True))
    claims = [
        LineClaim(line.line_no, draw(st.integers(1, line.quantity)), draw(st.sampled_from(Reason)))
        for line in chosen
    ]
    return order, draw(st.sampled_from(RequestType)), claims, history


def _estimate_in_money(
    order: Order,
    request_type: RequestType,
    claims: Sequence[LineClaim],
    history: OrderHistory,
) -> RefundEstimate:
    """The estimate as it was before issue 11, in `Money` throughout: the oracle."""
    zero = Money.zero(order.currency)
    pays = request_type in (RequestType.REFUND, RequestType.REFUND_ONLY)
    lines: list[LineRefund] = []
    goods_value = zero
    for claim in claims:
        line = order.line(claim.line_no)
        assert line is not None
        past = history.line(claim.line_no)
        count = min(claim.quantity, max(line.quantity - past.refund_units, 0))
        claimed = past.refund_amount or zero
        value = max(line.paid_for_units(0, past.refund_units + count) - claimed, zero)
        gross = line.unit_price * count
        goods_value = goods_value + value
        lines.append(
            LineRefund(
                claim.line_no, count, line.unit_price, gross, gross - value, value if pays else zero
            )
        )
    shipping = zero
    if (
        pays
        and refunds._completes_full_refund(order, lines, history)
        and not history.shipping_claimed
        and not history.no_reason_refund
        and all(c.reason is not Reason.NO_REASON for c in claims)
    ):
        shipping = order.shipping_fee
    refund_total = sum((line.amount for line in lines), zero) + shipping
    return RefundEstimate(tuple(lines), shipping, zero, refund_total, goods_value)


@SETTINGS
@given(case=estimates())
def test_the_estimate_in_minor_units_equals_the_estimate_in_money(case: tuple[Any, ...]) -> None:
    order, request_type, claims, history = case
    assert estimate_refund(order, request_type, claims, history) == (
        _estimate_in_money(order, request_type, claims, history)
    )


def test_an_amount_in_another_currency_is_refused() -> None:
    line = make_line(1, unit_price=1000, quantity=2, discount=0)
    order = make_order(line)
    held = {1: LineHistory(1, 1, Money(500, "USD"))}
    claims = [LineClaim(1, 1, Reason.QUALITY)]
    with pytest.raises(CurrencyMismatch):
        estimate_refund(order, RequestType.REFUND, claims, OrderHistory(held))
