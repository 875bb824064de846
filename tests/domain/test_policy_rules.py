"""The policy rules applied to one line, and the automated review of a whole request."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from returnflow.domain.catalog import ItemFlag
from returnflow.domain.eligibility import line_eligibility
from returnflow.domain.kinds import Outcome, Reason, RequestType, ShippingPayer
from returnflow.domain.policy import DEFAULT_POLICY, MerchantTerms, PolicyVersion
from returnflow.domain.refunds import LineHistory, OrderHistory
from returnflow.domain.returns import ReturnLine
from returnflow.domain.review import assess
from returnflow.domain.text import DomainError
from returnflow.domain.verdicts import LineClaim, Verdict
from tests.domain.builders import (
    DELIVERED_AT,
    DELIVERY_DAY,
    assess_lines,
    codes,
    day_after_delivery,
    history_from,
    judge,
    local,
    make_line,
    make_order,
    open_request,
)

R = RequestType
FAULTS_NEVER_EXCLUDED = (Reason.QUALITY, Reason.WRONG_ITEM, Reason.NOT_AS_DESCRIBED)


# --- the seven-day no-reason window (R2.1) ------------------------------------------


@pytest.mark.parametrize(
    ("days", "outcome"),
    [
        (0, Outcome.APPROVED),
        (1, Outcome.APPROVED),
        (6, Outcome.APPROVED),
        (7, Outcome.APPROVED),
        (8, Outcome.REJECTED),
        (9, Outcome.REJECTED),
        (30, Outcome.REJECTED),
    ],
)
def test_no_reason_window_ends_on_delivery_day_plus_seven(days: int, outcome: Outcome) -> None:
    verdict = judge(
        make_order(), request_type=R.REFUND, reason=Reason.NO_REASON, now=day_after_delivery(days)
    )
    assert verdict.outcome is outcome
    assert verdict.last_day == date(2026, 3, 8)
    expected_code = "window_open" if outcome is Outcome.APPROVED else "window_expired"
    assert expected_code in codes(verdict.deciding_results())


def test_window_expired_message_names_the_last_day() -> None:
    verdict = judge(
        make_order(), request_type=R.REFUND, reason=Reason.NO_REASON, now=day_after_delivery(8)
    )
    [expired] = [r for r in verdict.results if r.code == "window_expired"]
    assert expired.verdict is Verdict.FAIL
    assert "2026-03-08" in expired.message.en
    assert "2026-03-08" in expired.message.zh
    assert "7" in expired.message.en


@pytest.mark.parametrize("request_type", [R.REFUND, R.EXCHANGE])
def test_no_reason_exchange_has_the_same_window(request_type: RequestType) -> None:
    order = make_order()
    last = judge(
        order, request_type=request_type, reason=Reason.NO_REASON, now=day_after_delivery(7)
    )
    late = judge(
        order, request_type=request_type, reason=Reason.NO_REASON, now=day_after_delivery(8)
    )
    assert (last.outcome, late.outcome) == (Outcome.APPROVED, Outcome.REJECTED)
    assert "window_expired" in codes(late.results)


def test_late_evening_utc_delivery_counts_from_the_shanghai_day() -> None:
    # 2026-03-01 17:30 UTC is already 2026-03-02 01:30 in Shanghai: D = 03-02, last day 03-09
    order = make_order(delivered_at=datetime(2026, 3, 1, 17, 30, tzinfo=UTC))

    def outcome_at(now: datetime) -> Outcome:
        return judge(order, request_type=R.REFUND, reason=Reason.NO_REASON, now=now).outcome

    verdict = judge(
        order, request_type=R.REFUND, reason=Reason.NO_REASON, now=local(2026, 3, 5, 12)
    )
    assert verdict.last_day == date(2026, 3, 9)
    # 03-09 10:00 UTC is 18:00 local on the last day (a UTC count would have ended on 03-08)
    assert outcome_at(datetime(2026, 3, 9, 10, 0, tzinfo=UTC)) is Outcome.APPROVED
    # one second before local midnight: still the last day
    assert outcome_at(datetime(2026, 3, 9, 15, 59, 59, tzinfo=UTC)) is Outcome.APPROVED
    # local midnight: 03-10 in Shanghai, although still 03-09 in UTC
    assert outcome_at(datetime(2026, 3, 9, 16, 0, 0, tzinfo=UTC)) is Outcome.REJECTED
    assert outcome_at(datetime(2026, 3, 9, 16, 0, 1, tzinfo=UTC)) is Outcome.REJECTED


def test_delivery_one_second_before_local_midnight_is_still_that_day() -> None:
    order = make_order(delivered_at=local(2026, 3, 1, 23, 59, 59))
    verdict = judge(
        order, request_type=R.REFUND, reason=Reason.NO_REASON, now=local(2026, 3, 8, 23, 59, 59)
    )
    assert verdict.last_day == date(2026, 3, 8)
    assert verdict.outcome is Outcome.APPROVED
    after = judge(order, request_type=R.REFUND, reason=Reason.NO_REASON, now=local(2026, 3, 9))
    assert after.outcome is Outcome.REJECTED


def test_window_counts_calendar_days_not_hours() -> None:
    # delivered 23:00 local: 7 days and 30 minutes later is still the last calendar day
    evening = make_order(delivered_at=local(2026, 3, 1, 23, 0))
    long_after = judge(
        evening, request_type=R.REFUND, reason=Reason.NO_REASON, now=local(2026, 3, 8, 23, 30)
    )
    assert long_after.outcome is Outcome.APPROVED
    # delivered 00:30 local: less than 8 x 24 hours later, but already day D+8
    morning = make_order(delivered_at=local(2026, 3, 1, 0, 30))
    short_after = judge(
        morning, request_type=R.REFUND, reason=Reason.NO_REASON, now=local(2026, 3, 9, 0, 10)
    )
    assert short_after.outcome is Outcome.REJECTED
    assert "window_expired" in codes(short_after.results)


# --- the legal exclusions, for no-reason claims only (R2.2) -----------------------

ALWAYS_EXCLUDED = [
    (ItemFlag.CUSTOM_MADE, "excluded_custom_made"),
    (ItemFlag.PERISHABLE, "excluded_perishable"),
    (ItemFlag.DIGITAL_DOWNLOAD, "excluded_digital"),
    (ItemFlag.PERIODICAL, "excluded_periodical"),
    (ItemFlag.NON_RETURNABLE_CONFIRMED, "excluded_non_returnable"),
]
EXCLUDED_ONCE_OPENED = [
    (ItemFlag.SEALED_MEDIA, "excluded_opened_media"),
    (ItemFlag.HYGIENE_SEALED, "excluded_hygiene_opened"),
]


@pytest.mark.parametrize(("flag", "code"), ALWAYS_EXCLUDED)
@pytest.mark.parametrize("opened", [False, True])
@pytest.mark.parametrize("request_type", [R.REFUND, R.EXCHANGE])
def test_no_reason_exclusion_always(
    flag: ItemFlag, code: str, opened: bool, request_type: RequestType
) -> None:
    order = make_order(make_line(flags=[flag]))
    verdict = judge(
        order,
        request_type=request_type,
        reason=Reason.NO_REASON,
        opened=opened,
        now=day_after_delivery(1),
    )
    assert verdict.outcome is Outcome.REJECTED
    assert codes(verdict.deciding_results()) == [code]


@pytest.mark.parametrize(("flag", "code"), EXCLUDED_ONCE_OPENED)
def test_sealed_goods_are_excluded_once_opened(flag: ItemFlag, code: str) -> None:
    order = make_order(make_line(flags=[flag]))
    opened = judge(
        order,
        request_type=R.REFUND,
        reason=Reason.NO_REASON,
        opened=True,
        now=day_after_delivery(1),
    )
    assert opened.outcome is Outcome.REJECTED
    assert codes(opened.deciding_results()) == [code]


@pytest.mark.parametrize(("flag", "code"), EXCLUDED_ONCE_OPENED)
def test_sealed_goods_are_returnable_while_sealed_with_a_note(flag: ItemFlag, code: str) -> None:
    order = make_order(make_line(flags=[flag]))
    sealed = judge(
        order,
        request_type=R.REFUND,
        reason=Reason.NO_REASON,
        opened=False,
        now=day_after_delivery(1),
    )
    assert sealed.outcome is Outcome.APPROVED
    assert code not in codes(sealed.results)
    [note] = [r for r in sealed.results if r.code == "sealed_only"]
    assert note.verdict is Verdict.PASS
    assert note.message.en and note.message.zh


def test_opening_goods_without_a_seal_flag_does_not_exclude_them() -> None:
    verdict = judge(
        make_order(),
        request_type=R.REFUND,
        reason=Reason.NO_REASON,
        opened=True,
        now=day_after_delivery(1),
    )
    assert verdict.outcome is Outcome.APPROVED
    assert not [c for c in codes(verdict.results) if c.startswith("excluded_")]
    assert "sealed_only" not in codes(verdict.results)


def test_several_flags_give_every_exclusion() -> None:
    order = make_order(make_line(flags=[ItemFlag.CUSTOM_MADE, ItemFlag.HYGIENE_SEALED]))
    verdict = judge(
        order,
        request_type=R.REFUND,
        reason=Reason.NO_REASON,
        opened=True,
        now=day_after_delivery(1),
    )
    assert sorted(codes(verdict.deciding_results())) == [
        "excluded_custom_made",
        "excluded_hygiene_opened",
    ]


def test_excluded_and_late_gives_both_reasons() -> None:
    order = make_order(make_line(flags=[ItemFlag.PERIODICAL]))
    verdict = judge(
        order, request_type=R.REFUND, reason=Reason.NO_REASON, now=day_after_delivery(9)
    )
    assert sorted(codes(verdict.deciding_results())) == ["excluded_periodical", "window_expired"]


@pytest.mark.parametrize("flag", list(ItemFlag))
@pytest.mark.parametrize("reason", FAULTS_NEVER_EXCLUDED)
@pytest.mark.parametrize("request_type", [R.REFUND, R.EXCHANGE])
def test_fault_claims_are_never_refused_for_an_exclusion_flag(
    flag: ItemFlag, reason: Reason, request_type: RequestType
) -> None:
    order = make_order(make_line(flags=[flag]))
    verdict = judge(
        order, request_type=request_type, reason=reason, opened=True, now=day_after_delivery(3)
    )
    assert verdict.outcome is Outcome.APPROVED
    assert not [c for c in codes(verdict.results) if c.startswith("excluded_")]


@pytest.mark.parametrize("flag", list(ItemFlag))
@pytest.mark.parametrize("reason", FAULTS_NEVER_EXCLUDED)
def test_late_fault_claims_on_excluded_goods_go_to_a_person(flag: ItemFlag, reason: Reason) -> None:
    order = make_order(make_line(flags=[flag]))
    verdict = judge(
        order, request_type=R.REFUND, reason=reason, opened=True, now=day_after_delivery(20)
    )
    assert verdict.outcome is Outcome.PENDING_REVIEW
    assert codes(verdict.deciding_results()) == ["fault_window_passed"]


# --- quality-fault terms (R2.2, R2.3) ---------------------------------------------


@pytest.mark.parametrize(
    ("request_type", "reason", "category", "days"),
    [
        (R.REFUND, Reason.QUALITY, "apparel", 7),
        (R.REFUND, Reason.WRONG_ITEM, "apparel", 7),
        (R.REFUND_ONLY, Reason.QUALITY, "apparel", 7),
        (R.EXCHANGE, Reason.QUALITY, "apparel", 15),
        (R.EXCHANGE, Reason.NOT_AS_DESCRIBED, "baby", 15),
        (R.REISSUE, Reason.MISSING_PARTS, "apparel", 15),
        (R.REPAIR, Reason.QUALITY, "apparel", 90),
        (R.REPAIR, Reason.QUALITY, "baby", 90),
        (R.REPAIR, Reason.QUALITY, "electronics", 365),
        (R.REPAIR, Reason.QUALITY, "home", 365),
        (R.REFUND, Reason.QUALITY, "fresh_food", 2),
        (R.EXCHANGE, Reason.QUALITY, "fresh_food", 2),
        (R.REFUND, Reason.QUALITY, "electronics", 7),
        (R.EXCHANGE, Reason.QUALITY, "food", 15),
    ],
)
def test_fault_window_boundary(
    request_type: RequestType, reason: Reason, category: str, days: int
) -> None:
    order = make_order(make_line(category=category))
    on_last_day = judge(
        order, request_type=request_type, reason=reason, now=day_after_delivery(days)
    )
    day_after = judge(
        order, request_type=request_type, reason=reason, now=day_after_delivery(days + 1)
    )
    assert on_last_day.last_day == DELIVERY_DAY + timedelta(days=days)
    assert "fault_window_open" in codes(on_last_day.results)
    assert "fault_window_passed" not in codes(on_last_day.results)
    assert "fault_window_passed" in codes(day_after.results)
    # a late fault claim is not refused: a person decides
    assert day_after.outcome is Outcome.PENDING_REVIEW
    assert Outcome.REJECTED not in (on_last_day.outcome, day_after.outcome)
    if request_type is not R.REFUND_ONLY:
        assert on_last_day.outcome is Outcome.APPROVED


def test_fault_window_passed_message_names_the_last_day() -> None:
    verdict = judge(
        make_order(), request_type=R.REFUND, reason=Reason.QUALITY, now=day_after_delivery(8)
    )
    [late] = [r for r in verdict.results if r.code == "fault_window_passed"]
    assert late.verdict is Verdict.REVIEW
    assert "2026-03-08" in late.message.en


@pytest.mark.parametrize("category", ["food", "cosmetics", "books_media", "fresh_food"])
def test_repair_is_not_offered_without_warranty(category: str) -> None:
    order = make_order(make_line(category=category))
    verdict = judge(order, request_type=R.REPAIR, reason=Reason.QUALITY, now=day_after_delivery(0))
    assert verdict.outcome is Outcome.REJECTED
    assert codes(verdict.deciding_results()) == ["repair_not_offered"]


def test_electronics_repair_at_day_365_and_366() -> None:
    order = make_order(make_line(category="electronics"))
    day_365 = judge(
        order, request_type=R.REPAIR, reason=Reason.QUALITY, now=day_after_delivery(365)
    )
    day_366 = judge(
        order, request_type=R.REPAIR, reason=Reason.QUALITY, now=day_after_delivery(366)
    )
    assert day_365.outcome is Outcome.APPROVED
    assert day_365.last_day == date(2027, 3, 1)
    assert day_366.outcome is Outcome.PENDING_REVIEW
    assert codes(day_366.deciding_results()) == ["fault_window_passed"]


@pytest.mark.parametrize("reason", [r for r in Reason if r is not Reason.QUALITY])
def test_repair_is_only_for_quality_faults(reason: Reason) -> None:
    order = make_order(make_line(category="electronics"))
    verdict = judge(order, request_type=R.REPAIR, reason=reason, now=day_after_delivery(1))
    assert verdict.outcome is Outcome.REJECTED
    assert "type_not_allowed" in codes(verdict.deciding_results())


@pytest.mark.parametrize("reason", [r for r in Reason if r is not Reason.MISSING_PARTS])
def test_reissue_is_only_for_missing_parts(reason: Reason) -> None:
    verdict = judge(make_order(), request_type=R.REISSUE, reason=reason, now=day_after_delivery(1))
    assert verdict.outcome is Outcome.REJECTED
    assert "type_not_allowed" in codes(verdict.deciding_results())


def test_fresh_food_no_reason_window_is_still_seven_days() -> None:
    order = make_order(make_line(category="fresh_food"))
    verdict = judge(
        order, request_type=R.REFUND, reason=Reason.NO_REASON, now=day_after_delivery(7)
    )
    assert verdict.outcome is Outcome.APPROVED


# --- who pays return shipping (R2.4) ---------------------------------------------


@pytest.mark.parametrize(
    "reason",
    [
        Reason.QUALITY,
        Reason.NOT_AS_DESCRIBED,
        Reason.WRONG_ITEM,
        Reason.DAMAGED_IN_TRANSIT,
        Reason.MISSING_PARTS,
    ],
)
@pytest.mark.parametrize("insurance", [False, True])
@pytest.mark.parametrize("request_type", [R.REFUND, R.EXCHANGE])
def test_merchant_pays_shipping_for_faults(
    reason: Reason, insurance: bool, request_type: RequestType
) -> None:
    order = make_order(insurance=insurance)
    verdict = judge(order, request_type=request_type, reason=reason, now=day_after_delivery(1))
    assert verdict.shipping_payer is ShippingPayer.MERCHANT
    assert "shipping_paid_by_merchant" in codes(verdict.results)


@pytest.mark.parametrize("request_type", [R.REFUND, R.EXCHANGE])
def test_customer_pays_shipping_for_no_reason(request_type: RequestType) -> None:
    verdict = judge(
        make_order(), request_type=request_type, reason=Reason.NO_REASON, now=day_after_delivery(1)
    )
    assert verdict.shipping_payer is ShippingPayer.CUSTOMER
    assert "shipping_paid_by_customer" in codes(verdict.results)


def test_insurance_pays_shipping_for_no_reason_when_bought() -> None:
    order = make_order(insurance=True)
    verdict = judge(
        order, request_type=R.REFUND, reason=Reason.NO_REASON, now=day_after_delivery(1)
    )
    assert verdict.shipping_payer is ShippingPayer.INSURANCE
    assert "shipping_paid_by_insurance" in codes(verdict.results)


@pytest.mark.parametrize("insurance", [False, True])
def test_merchant_pays_no_reason_shipping_under_its_own_terms(insurance: bool) -> None:
    policy = PolicyVersion(
        version=2,
        effective_from=DEFAULT_POLICY.effective_from,
        categories=DEFAULT_POLICY.categories,
        merchants=(MerchantTerms("m-1", None, {"merchant_pays_no_reason_shipping": True}),),
    )
    order = make_order(insurance=insurance)
    mine = judge(
        order,
        request_type=R.REFUND,
        reason=Reason.NO_REASON,
        now=day_after_delivery(1),
        policy=policy,
    )
    other = judge(
        make_order(merchant_id="m-2"),
        request_type=R.REFUND,
        reason=Reason.NO_REASON,
        now=day_after_delivery(1),
        policy=policy,
    )
    assert mine.shipping_payer is ShippingPayer.MERCHANT
    assert other.shipping_payer is ShippingPayer.CUSTOMER


@pytest.mark.parametrize(
    ("request_type", "reason"),
    [
        (R.REFUND_ONLY, Reason.QUALITY),
        (R.REFUND_ONLY, Reason.WRONG_ITEM),
        (R.REFUND_ONLY, Reason.NOT_DELIVERED),
        (R.REISSUE, Reason.MISSING_PARTS),
    ],
)
@pytest.mark.parametrize("insurance", [False, True])
def test_nothing_is_shipped_for_refund_only_and_reissue(
    request_type: RequestType, reason: Reason, insurance: bool
) -> None:
    order = make_order(insurance=insurance)
    verdict = judge(order, request_type=request_type, reason=reason, now=day_after_delivery(1))
    assert verdict.shipping_payer is ShippingPayer.NONE
    assert "shipping_paid_by_none" in codes(verdict.results)


def test_the_highest_ranked_payer_pays_for_a_mixed_parcel() -> None:
    order = make_order(make_line(1), make_line(2), insurance=True)
    assessment = assess_lines(
        order,
        R.REFUND,
        [ReturnLine(1, 1, Reason.NO_REASON), ReturnLine(2, 1, Reason.WRONG_ITEM)],
        now=day_after_delivery(1),
    )
    assert [v.shipping_payer for v in assessment.lines] == [
        ShippingPayer.INSURANCE,
        ShippingPayer.MERCHANT,
    ]
    assert assessment.shipping_payer is ShippingPayer.MERCHANT


# --- quantities (R1.1) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("quantity", "already", "asked", "outcome"),
    [
        (3, 0, 3, Outcome.APPROVED),
        (3, 0, 4, Outcome.REJECTED),
        (3, 2, 1, Outcome.APPROVED),
        (3, 2, 2, Outcome.REJECTED),
        (3, 3, 1, Outcome.REJECTED),
        (1, 0, 1, Outcome.APPROVED),
        (1, 1, 1, Outcome.REJECTED),
    ],
)
def test_quantity_is_limited_to_delivered_less_requested(
    quantity: int, already: int, asked: int, outcome: Outcome
) -> None:
    order = make_order(make_line(quantity=quantity))
    verdict = judge(
        order,
        request_type=R.REFUND,
        reason=Reason.NO_REASON,
        quantity=asked,
        already_requested=already,
        now=day_after_delivery(1),
    )
    assert verdict.outcome is outcome
    expected = "quantity_ok" if outcome is Outcome.APPROVED else "quantity_exceeded"
    assert codes(verdict.results)[0] == expected


def test_quantity_exceeded_says_how_many_are_left() -> None:
    verdict = judge(
        make_order(make_line(quantity=5)),
        request_type=R.REFUND,
        reason=Reason.QUALITY,
        quantity=4,
        already_requested=2,
        now=day_after_delivery(1),
    )
    [exceeded] = [r for r in verdict.results if r.code == "quantity_exceeded"]
    assert exceeded.message.en == "Asked for 4, but only 3 can still be requested"


def test_assess_uses_the_units_other_requests_hold() -> None:
    order = make_order(make_line(quantity=3))
    history = OrderHistory({1: LineHistory(held_units=2)})
    now = day_after_delivery(1)
    too_many = assess_lines(
        order, R.EXCHANGE, [ReturnLine(1, 2, Reason.QUALITY)], now=now, history=history
    )
    last_one = assess_lines(
        order, R.EXCHANGE, [ReturnLine(1, 1, Reason.QUALITY)], now=now, history=history
    )
    assert too_many.outcome is Outcome.REJECTED
    assert codes(too_many.reasons) == ["quantity_exceeded"]
    assert last_one.outcome is Outcome.APPROVED


def test_several_requests_on_one_line_never_take_more_than_delivered() -> None:
    order = make_order(make_line(quantity=3))
    now = day_after_delivery(1)
    first = open_request(order, R.REFUND, [ReturnLine(1, 2, Reason.NO_REASON)], now=now)
    second = open_request(
        order, R.EXCHANGE, [ReturnLine(1, 2, Reason.QUALITY)], now=now, existing=[first]
    )
    third = open_request(
        order, R.EXCHANGE, [ReturnLine(1, 1, Reason.QUALITY)], now=now, existing=[first, second]
    )
    fourth = open_request(
        order,
        R.REFUND,
        [ReturnLine(1, 1, Reason.NO_REASON)],
        now=now,
        existing=[first, second, third],
    )
    assert [r.decision.outcome for r in (first, second, third, fourth) if r.decision] == [
        Outcome.APPROVED,
        Outcome.REJECTED,
        Outcome.APPROVED,
        Outcome.REJECTED,
    ]
    assert history_from(order, [first, second, third, fourth]).line(1).held_units == 3
    # a cancelled request gives its units back
    first.cancel("c-1", now)
    fifth = open_request(
        order,
        R.REFUND,
        [ReturnLine(1, 2, Reason.NO_REASON)],
        now=now,
        existing=[first, second, third, fourth],
    )
    assert fifth.decision is not None
    assert fifth.decision.outcome is Outcome.APPROVED
    assert history_from(order, [first, second, third, fourth, fifth]).line(1).held_units == 3


# --- undelivered orders and disputed deliveries (R1.1) ------------------------------


@pytest.mark.parametrize(
    "delivered_at", [None, datetime(2026, 3, 10, tzinfo=UTC)], ids=["never", "later"]
)
@pytest.mark.parametrize(
    ("request_type", "reason"),
    [
        (R.REFUND, Reason.NO_REASON),
        (R.REFUND, Reason.QUALITY),
        (R.EXCHANGE, Reason.QUALITY),
        (R.REPAIR, Reason.QUALITY),
        (R.REISSUE, Reason.MISSING_PARTS),
    ],
)
def test_undelivered_orders_only_allow_refund_only(
    delivered_at: datetime | None, request_type: RequestType, reason: Reason
) -> None:
    order = make_order(make_line(category="electronics"), delivered_at=delivered_at)
    verdict = judge(order, request_type=request_type, reason=reason, now=local(2026, 3, 5, 12))
    assert verdict.outcome is Outcome.REJECTED
    assert codes(verdict.deciding_results()) == ["not_delivered"]
    assert verdict.last_day is None


@pytest.mark.parametrize("reason", [Reason.NOT_DELIVERED, Reason.QUALITY])
def test_undelivered_order_refund_only_is_approved(reason: Reason) -> None:
    order = make_order(delivered_at=None)
    verdict = judge(order, request_type=R.REFUND_ONLY, reason=reason, now=local(2026, 3, 5, 12))
    assert verdict.outcome is Outcome.APPROVED
    assert "undelivered_refund_only" in codes(verdict.results)
    assert verdict.shipping_payer is ShippingPayer.NONE


def test_order_counts_as_delivered_from_the_delivery_moment() -> None:
    order = make_order()
    before = judge(
        order,
        request_type=R.REFUND,
        reason=Reason.QUALITY,
        now=DELIVERED_AT - timedelta(seconds=1),
    )
    at = judge(order, request_type=R.REFUND, reason=Reason.QUALITY, now=DELIVERED_AT)
    assert "not_delivered" in codes(before.results)
    assert at.outcome is Outcome.APPROVED


def test_delivered_order_claimed_not_delivered_is_disputed() -> None:
    verdict = judge(
        make_order(),
        request_type=R.REFUND_ONLY,
        reason=Reason.NOT_DELIVERED,
        now=day_after_delivery(1),
    )
    assert verdict.outcome is Outcome.PENDING_REVIEW
    assert "delivery_disputed" in codes(verdict.deciding_results())
    assert "not_delivered" not in codes(verdict.results)


def test_refund_only_on_delivered_goods_goes_to_a_person() -> None:
    verdict = judge(
        make_order(), request_type=R.REFUND_ONLY, reason=Reason.QUALITY, now=day_after_delivery(1)
    )
    assert verdict.outcome is Outcome.PENDING_REVIEW
    assert codes(verdict.deciding_results()) == ["refund_only_review"]


@pytest.mark.parametrize("request_type", [R.REFUND, R.EXCHANGE])
def test_not_delivered_reason_needs_refund_only(request_type: RequestType) -> None:
    verdict = judge(
        make_order(delivered_at=None),
        request_type=request_type,
        reason=Reason.NOT_DELIVERED,
        now=local(2026, 3, 5, 12),
    )
    assert verdict.outcome is Outcome.REJECTED
    assert "type_not_allowed" in codes(verdict.deciding_results())


def test_refund_only_is_not_for_a_change_of_mind() -> None:
    verdict = judge(
        make_order(), request_type=R.REFUND_ONLY, reason=Reason.NO_REASON, now=day_after_delivery(1)
    )
    assert verdict.outcome is Outcome.REJECTED
    assert "type_not_allowed" in codes(verdict.deciding_results())


# --- photos (R1.2) -------------------------------------------------------------


@pytest.mark.parametrize(
    "reason", [Reason.QUALITY, Reason.NOT_AS_DESCRIBED, Reason.DAMAGED_IN_TRANSIT]
)
@pytest.mark.parametrize("request_type", [R.REFUND, R.EXCHANGE])
def test_claims_judged_on_photos_need_photos(reason: Reason, request_type: RequestType) -> None:
    order = make_order()
    without = judge(
        order,
        request_type=request_type,
        reason=reason,
        has_photos=False,
        now=day_after_delivery(1),
    )
    with_photos = judge(
        order, request_type=request_type, reason=reason, has_photos=True, now=day_after_delivery(1)
    )
    assert without.outcome is Outcome.PENDING_REVIEW
    assert codes(without.deciding_results()) == ["evidence_missing"]
    assert with_photos.outcome is Outcome.APPROVED
    assert "evidence_missing" not in codes(with_photos.results)


@pytest.mark.parametrize(
    ("request_type", "reason"),
    [
        (R.REFUND, Reason.WRONG_ITEM),
        (R.REFUND, Reason.MISSING_PARTS),
        (R.REISSUE, Reason.MISSING_PARTS),
        (R.REFUND, Reason.NO_REASON),
    ],
)
def test_other_claims_need_no_photos(request_type: RequestType, reason: Reason) -> None:
    verdict = judge(
        make_order(),
        request_type=request_type,
        reason=reason,
        has_photos=False,
        now=day_after_delivery(1),
    )
    assert verdict.outcome is Outcome.APPROVED
    assert "evidence_missing" not in codes(verdict.results)


def test_late_claim_without_photos_gives_both_review_reasons() -> None:
    verdict = judge(
        make_order(),
        request_type=R.REFUND,
        reason=Reason.QUALITY,
        has_photos=False,
        now=day_after_delivery(8),
    )
    assert verdict.outcome is Outcome.PENDING_REVIEW
    assert codes(verdict.deciding_results()) == ["fault_window_passed", "evidence_missing"]


# --- the automated review of a whole request (R3.1, R3.3) ------------------------------


@pytest.mark.parametrize(
    ("paid", "outcome"),
    [(199_999, Outcome.APPROVED), (200_000, Outcome.APPROVED), (200_001, Outcome.PENDING_REVIEW)],
)
def test_value_above_the_auto_approval_limit_goes_to_a_person(paid: int, outcome: Outcome) -> None:
    order = make_order(make_line(unit_price=paid + 1_000, discount=1_000))
    assessment = assess_lines(
        order, R.REFUND, [ReturnLine(1, 1, Reason.QUALITY)], now=day_after_delivery(1)
    )
    assert assessment.estimate.goods_value.cents == paid
    assert assessment.outcome is outcome
    if outcome is Outcome.PENDING_REVIEW:
        assert codes(assessment.reasons) == ["value_above_auto_limit"]
    else:
        assert "value_above_auto_limit" not in codes(assessment.reasons)


def test_auto_approval_limit_applies_to_exchanges_too() -> None:
    order = make_order(make_line(unit_price=150_000, quantity=2))
    assessment = assess_lines(
        order, R.EXCHANGE, [ReturnLine(1, 2, Reason.QUALITY)], now=day_after_delivery(1)
    )
    assert assessment.estimate.goods_value.cents == 300_000
    assert assessment.estimate.total.cents == 0
    assert assessment.outcome is Outcome.PENDING_REVIEW
    assert codes(assessment.reasons) == ["value_above_auto_limit"]


def test_auto_approval_limit_comes_from_the_policy() -> None:
    policy = PolicyVersion(
        version=3, effective_from=DEFAULT_POLICY.effective_from, auto_approve_limit=5_000
    )
    order = make_order(make_line(unit_price=5_001))
    assessment = assess_lines(
        order,
        R.REFUND,
        [ReturnLine(1, 1, Reason.QUALITY)],
        now=day_after_delivery(1),
        policy=policy,
    )
    assert assessment.outcome is Outcome.PENDING_REVIEW
    assert assessment.policy_version == 3


def test_one_rejected_line_rejects_the_request_with_every_reason() -> None:
    order = make_order(
        make_line(1, flags=[ItemFlag.CUSTOM_MADE]),
        make_line(2, flags=[ItemFlag.PERIODICAL]),
        make_line(3),
    )
    assessment = assess_lines(
        order,
        R.REFUND,
        [
            ReturnLine(1, 1, Reason.NO_REASON),
            ReturnLine(2, 1, Reason.NO_REASON),
            ReturnLine(3, 1, Reason.NO_REASON),
        ],
        now=day_after_delivery(1),
    )
    assert assessment.outcome is Outcome.REJECTED
    assert codes(assessment.reasons) == ["excluded_custom_made", "excluded_periodical"]
    assert [v.outcome for v in assessment.lines] == [
        Outcome.REJECTED,
        Outcome.REJECTED,
        Outcome.APPROVED,
    ]
    assert assessment.policy_version == 1


def test_a_line_for_review_refers_the_request() -> None:
    order = make_order(make_line(1), make_line(2))
    assessment = assess_lines(
        order,
        R.REFUND,
        [ReturnLine(1, 1, Reason.NO_REASON), ReturnLine(2, 1, Reason.QUALITY)],
        now=day_after_delivery(1),
        has_photos=False,
    )
    assert assessment.outcome is Outcome.PENDING_REVIEW
    assert codes(assessment.reasons) == ["evidence_missing"]


@pytest.mark.parametrize(
    ("claims", "code", "field"),
    [
        ([], "no_lines", "lines"),
        ([LineClaim(9, 1, Reason.QUALITY)], "unknown_line", "lines.0.line_no"),
        (
            [LineClaim(1, 1, Reason.QUALITY), LineClaim(1, 1, Reason.QUALITY)],
            "duplicate_line",
            "lines.1.line_no",
        ),
        ([LineClaim(1, 0, Reason.QUALITY)], "quantity_invalid", "lines.0.quantity"),
        (
            [LineClaim(2, 1, Reason.QUALITY), LineClaim(1, -1, Reason.QUALITY)],
            "quantity_invalid",
            "lines.1.quantity",
        ),
    ],
)
def test_malformed_requests_are_errors(claims: list[LineClaim], code: str, field: str) -> None:
    order = make_order(make_line(1), make_line(2))
    with pytest.raises(DomainError) as raised:
        assess(
            order=order,
            request_type=R.REFUND,
            claims=claims,
            history=OrderHistory(),
            has_photos=True,
            now=day_after_delivery(1),
            policy=DEFAULT_POLICY,
        )
    assert raised.value.code == code
    assert raised.value.field == field


# --- what a line may still become (the eligibility view) ------------------------------


def test_eligibility_of_a_delivered_line_within_the_window() -> None:
    order = make_order(make_line(quantity=2, category="electronics"))
    line = order.lines[0]
    eligibility = line_eligibility(
        order=order,
        line=line,
        already_requested=1,
        now=day_after_delivery(3),
        policy=DEFAULT_POLICY,
    )
    assert eligibility.requestable_quantity == 1
    assert eligibility.allowed_types == [
        R.REFUND,
        R.EXCHANGE,
        R.REPAIR,
        R.REISSUE,
        R.REFUND_ONLY,
    ]
    assert [(o.request_type, o.reason) for o in eligibility.options][-1] == (
        R.REFUND_ONLY,
        Reason.QUALITY,
    )


def test_eligibility_after_every_window_but_the_warranty() -> None:
    order = make_order(make_line(category="food"))
    eligibility = line_eligibility(
        order=order,
        line=order.lines[0],
        already_requested=0,
        now=day_after_delivery(30),
        policy=DEFAULT_POLICY,
    )
    # no-reason options are refused; late fault claims stay possible with review; no repair
    assert eligibility.allowed_types == [R.REFUND, R.EXCHANGE, R.REISSUE, R.REFUND_ONLY]
    outcomes = {(o.request_type, o.reason): o.verdict.outcome for o in eligibility.options}
    assert outcomes[(R.REFUND, Reason.NO_REASON)] is Outcome.REJECTED
    assert outcomes[(R.REFUND, Reason.QUALITY)] is Outcome.PENDING_REVIEW
    assert outcomes[(R.REPAIR, Reason.QUALITY)] is Outcome.REJECTED


def test_eligibility_when_every_unit_is_held() -> None:
    order = make_order(make_line(quantity=2))
    eligibility = line_eligibility(
        order=order,
        line=order.lines[0],
        already_requested=2,
        now=day_after_delivery(1),
        policy=DEFAULT_POLICY,
    )
    assert eligibility.requestable_quantity == 0
    assert eligibility.allowed_types == []


def test_eligibility_of_an_undelivered_line_is_refund_only() -> None:
    order = make_order(delivered_at=None)
    eligibility = line_eligibility(
        order=order,
        line=order.lines[0],
        already_requested=0,
        now=day_after_delivery(1),
        policy=DEFAULT_POLICY,
    )
    assert eligibility.allowed_types == [R.REFUND_ONLY]
    assert [(o.request_type, o.reason) for o in eligibility.options][-1] == (
        R.REFUND_ONLY,
        Reason.NOT_DELIVERED,
    )
