"""Return methods: fees by who pays, insurance, merchant and province adjustments, slots."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from returnflow.domain.kinds import ShippingPayer
from returnflow.domain.shipping import (
    ANY,
    DEFAULT_BOOK,
    Adjustment,
    MethodChange,
    MethodTerms,
    PickupHours,
    ReturnMethod,
    Warehouse,
    book_for,
    find_slot,
    offers,
    pickup_slots,
    promised_by,
    quote,
)
from returnflow.domain.text import DomainError, Text

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
PICKUP = DEFAULT_BOOK.methods[0]
assert PICKUP.method is ReturnMethod.PICKUP
CARRIERS = {"simulated", "manual"}


@pytest.mark.parametrize(
    ("payer", "insured", "customer", "insurer", "merchant", "effective"),
    [
        (ShippingPayer.CUSTOMER, False, 1500, 0, 0, ShippingPayer.CUSTOMER),
        (ShippingPayer.CUSTOMER, True, 0, 1500, 0, ShippingPayer.INSURANCE),
        (ShippingPayer.INSURANCE, False, 0, 1500, 0, ShippingPayer.INSURANCE),
        (ShippingPayer.MERCHANT, False, 0, 0, 1500, ShippingPayer.MERCHANT),
        # insurance never pays what the merchant owes anyway
        (ShippingPayer.MERCHANT, True, 0, 0, 1500, ShippingPayer.MERCHANT),
    ],
)
def test_the_fee_follows_who_pays(
    payer: ShippingPayer,
    insured: bool,
    customer: int,
    insurer: int,
    merchant: int,
    effective: ShippingPayer,
) -> None:
    q = quote(PICKUP, payer, insured, "CNY")
    assert (q.customer_fee.cents, q.insurance_covers.cents, q.merchant_pays.cents) == (
        customer,
        insurer,
        merchant,
    )
    assert q.payer is effective
    assert (q.label_cost.cents, q.pickup_cost.cents) == (800, 400)


@given(
    fee=st.integers(min_value=0, max_value=10**7),
    payer=st.sampled_from([p for p in ShippingPayer if p is not ShippingPayer.NONE]),
    insured=st.booleans(),
)
def test_the_shares_always_add_up_to_the_fee_and_one_party_pays(
    fee: int, payer: ShippingPayer, insured: bool
) -> None:
    terms = MethodTerms(ReturnMethod.DROPOFF, "simulated", fee, 2, Text("说明", "instructions"))
    q = quote(terms, payer, insured, "CNY")
    shares = [q.customer_fee.cents, q.insurance_covers.cents, q.merchant_pays.cents]
    assert sum(shares) == fee
    assert sum(1 for s in shares if s) <= 1
    if payer is ShippingPayer.MERCHANT or insured:
        assert q.customer_fee.cents == 0


def test_nothing_is_offered_when_nothing_ships_back() -> None:
    assert offers(DEFAULT_BOOK, ShippingPayer.NONE, False, "CNY", CARRIERS) == []


def test_methods_of_carriers_we_cannot_reach_are_not_offered() -> None:
    methods = [
        q.method for q in offers(DEFAULT_BOOK, ShippingPayer.CUSTOMER, False, "CNY", {"manual"})
    ]
    assert methods == [ReturnMethod.SELF_SHIP]
    everything = offers(DEFAULT_BOOK, ShippingPayer.CUSTOMER, False, "CNY", CARRIERS)
    assert [q.method for q in everything] == list(ReturnMethod)


WEST = Warehouse("西部退货仓", "028-1", "四川省", "成都市", "双流区", "物流大道 1 号")


def test_adjustments_apply_general_first_and_only_where_they_belong() -> None:
    adjustments = [
        Adjustment("m-1", "四川省", {ReturnMethod.PICKUP: MethodChange(fee=900)}),
        Adjustment(ANY, "四川省", {ReturnMethod.PICKUP: MethodChange(fee=2000, expected_days=5)}),
        Adjustment("m-1", ANY, {ReturnMethod.DROPOFF: MethodChange(enabled=False)}, warehouse=WEST),
        Adjustment("m-2", ANY, {ReturnMethod.PICKUP: MethodChange(fee=1)}),
    ]
    sichuan = book_for("m-1", "四川省", adjustments)
    pickup = sichuan.terms(ReturnMethod.PICKUP)
    assert pickup is not None
    # the merchant-and-province adjustment wins over the province-wide one; days stay
    assert (pickup.fee, pickup.expected_days) == (900, 5)
    assert sichuan.terms(ReturnMethod.DROPOFF) is None  # the merchant switched it off
    assert sichuan.warehouse == WEST
    other = book_for("m-3", "四川省", adjustments).terms(ReturnMethod.PICKUP)
    assert other is not None and other.fee == 2000
    untouched = book_for("m-3", "上海市", adjustments)
    assert untouched == DEFAULT_BOOK


def test_invalid_adjustments_are_refused() -> None:
    with pytest.raises(DomainError) as bad_hours:
        Adjustment(ANY, ANY, pickup_hours=PickupHours(first_hour=18, last_hour=9)).check()
    assert bad_hours.value.field == "pickup_hours"
    with pytest.raises(DomainError):
        Adjustment(ANY, ANY, {ReturnMethod.PICKUP: MethodChange(expected_days=0)}).check()


def test_slots_are_two_hour_windows_inside_opening_hours_from_two_hours_ahead() -> None:
    slots = pickup_slots(NOW, PickupHours(), "Asia/Shanghai")
    local = [(s.start.astimezone(SHANGHAI), s.end.astimezone(SHANGHAI)) for s in slots]
    # 10:00 now, booked 2 hours ahead: 9–11 and 11–13 start too soon
    assert [f"{a:%d %H:%M}-{b:%H:%M}" for a, b in local[:3]] == [
        "20 13:00-15:00",
        "20 15:00-17:00",
        "20 17:00-19:00",
    ]
    assert f"{local[3][0]:%d %H:%M}" == "21 09:00"
    assert len(slots) == 3 + 5 + 5


@given(
    now=st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
    ),
    first=st.integers(min_value=0, max_value=20),
    span=st.integers(min_value=1, max_value=12),
    window=st.integers(min_value=1, max_value=4),
    days=st.integers(min_value=1, max_value=7),
    lead=st.integers(min_value=0, max_value=600),
)
def test_slots_never_overlap_start_late_enough_and_stay_inside_hours(
    now: datetime, first: int, span: int, window: int, days: int, lead: int
) -> None:
    last = min(first + span, 24)
    if window > last - first:
        return
    hours = PickupHours(first, last, window, days, lead)
    slots = pickup_slots(now, hours, "Asia/Shanghai")
    assert slots == sorted(slots)
    for one, two in itertools.pairwise(slots):
        assert one.end <= two.start
    for slot in slots:
        assert slot.start >= now + timedelta(minutes=lead)
        assert slot.end - slot.start == timedelta(hours=window)
        start, end = slot.start.astimezone(SHANGHAI), slot.end.astimezone(SHANGHAI)
        assert start.hour >= first
        assert (end - start.replace(hour=0, minute=0)).total_seconds() <= last * 3600
        assert start.date() <= (now.astimezone(SHANGHAI) + timedelta(days=days - 1)).date()
    assert len(slots) <= days * ((last - first) // window)


def test_only_an_offered_slot_can_be_booked() -> None:
    slots = pickup_slots(NOW, PickupHours(), "Asia/Shanghai")
    assert find_slot(slots[2].key, NOW, PickupHours(), "Asia/Shanghai") == slots[2]
    too_soon = (NOW + timedelta(minutes=30)).isoformat()
    with pytest.raises(DomainError) as refused:
        find_slot(too_soon, NOW, PickupHours(), "Asia/Shanghai")
    assert (refused.value.code, refused.value.field) == ("slot_unavailable", "slot")


def test_the_promise_counts_from_the_pickup_window_or_from_now() -> None:
    slot = pickup_slots(NOW, PickupHours(), "Asia/Shanghai")[0]
    assert promised_by(PICKUP, NOW, slot) == slot.end + timedelta(days=3)
    dropoff = DEFAULT_BOOK.terms(ReturnMethod.DROPOFF)
    assert dropoff is not None
    assert promised_by(dropoff, NOW, None) == NOW + timedelta(days=3)
