"""Policy versions (R2.5) and merchants' better terms (R2.1)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from returnflow.domain.kinds import Outcome, Reason, RequestType, ShippingPayer
from returnflow.domain.policy import (
    DEFAULT_CATEGORIES,
    DEFAULT_POLICY,
    EPOCH,
    MerchantTerms,
    PolicyBook,
    PolicyVersion,
    Terms,
)
from returnflow.domain.text import DomainError
from tests.domain.builders import (
    day_after_delivery,
    judge,
    local,
    local_noon,
    make_line,
    make_order,
)

R = RequestType

# v2 extends no-reason returns to 15 days from 2026-06-01 (Shanghai)
V2_FROM = local(2026, 6, 1)
V2 = PolicyVersion(
    version=2,
    effective_from=V2_FROM,
    baseline=Terms(no_reason_days=15),
    categories=DEFAULT_CATEGORIES,
)
BOOK = PolicyBook([V2, DEFAULT_POLICY])


def with_merchants(*merchants: MerchantTerms) -> PolicyVersion:
    return PolicyVersion(
        version=5, effective_from=EPOCH, categories=DEFAULT_CATEGORIES, merchants=merchants
    )


def merchant(overrides: Mapping[str, int | bool], category: str | None = None) -> MerchantTerms:
    return MerchantTerms("m-1", category, overrides)


# --- which version judges an order ------------------------------------------------


def test_defaults_of_the_platform_baseline() -> None:
    assert DEFAULT_POLICY.version == 1
    assert DEFAULT_POLICY.timezone == "Asia/Shanghai"
    assert DEFAULT_POLICY.baseline == Terms(
        no_reason_days=7,
        quality_refund_days=7,
        quality_exchange_days=15,
        warranty_days=90,
        merchant_pays_no_reason_shipping=False,
    )
    terms = {name: DEFAULT_POLICY.category_terms(name) for name in DEFAULT_CATEGORIES}
    assert (terms["fresh_food"].quality_refund_days, terms["fresh_food"].warranty_days) == (2, 0)
    assert terms["fresh_food"].quality_exchange_days == 2
    assert {name for name, t in terms.items() if t.warranty_days == 0} == {
        "fresh_food",
        "food",
        "cosmetics",
        "books_media",
    }
    assert terms["electronics"].warranty_days == terms["home"].warranty_days == 365
    # a category the policy does not name gets the baseline
    assert DEFAULT_POLICY.category_terms("apparel") == DEFAULT_POLICY.baseline
    assert DEFAULT_POLICY.auto_approve_limit == 200_000


@pytest.mark.parametrize(
    ("placed_at", "version"),
    [
        (datetime(1999, 1, 1, tzinfo=UTC), 1),  # older than every version: the first
        (local(2026, 5, 31, 12), 1),
        (V2_FROM - timedelta(microseconds=1), 1),
        (V2_FROM, 2),
        (local(2026, 6, 1, 0, 0, 1), 2),
        (local(2027, 1, 1), 2),
    ],
)
def test_version_in_force_when_the_order_was_placed(placed_at: datetime, version: int) -> None:
    assert BOOK.in_force_at(placed_at).version == version


def test_v2_begins_at_shanghai_midnight_not_utc_midnight() -> None:
    # 2026-05-31 20:00 UTC is already 06-01 04:00 in Shanghai
    assert BOOK.in_force_at(datetime(2026, 5, 31, 20, 0, tzinfo=UTC)).version == 2
    assert BOOK.in_force_at(datetime(2026, 5, 31, 15, 59, tzinfo=UTC)).version == 1


def test_order_placed_before_v2_keeps_seven_days_though_delivered_under_v2() -> None:
    order = make_order(placed_at=local(2026, 5, 31, 22), delivered_at=local(2026, 6, 2, 10))
    policy = BOOK.in_force_at(order.placed_at)
    assert policy.version == 1
    last = judge(
        order,
        request_type=R.REFUND,
        reason=Reason.NO_REASON,
        now=local_noon(date(2026, 6, 9)),
        policy=policy,
    )
    late = judge(
        order,
        request_type=R.REFUND,
        reason=Reason.NO_REASON,
        now=local_noon(date(2026, 6, 10)),
        policy=policy,
    )
    assert last.last_day == date(2026, 6, 9)
    assert last.outcome is Outcome.APPROVED
    assert late.outcome is Outcome.REJECTED
    assert "window_expired" in [r.code for r in late.results]


def test_order_placed_on_v2_day_gets_fifteen_days() -> None:
    order = make_order(placed_at=local(2026, 6, 1, 0, 5), delivered_at=local(2026, 6, 2, 10))
    policy = BOOK.in_force_at(order.placed_at)
    assert policy.version == 2
    last = judge(
        order,
        request_type=R.REFUND,
        reason=Reason.NO_REASON,
        now=local_noon(date(2026, 6, 17)),
        policy=policy,
    )
    late = judge(
        order,
        request_type=R.REFUND,
        reason=Reason.NO_REASON,
        now=local_noon(date(2026, 6, 18)),
        policy=policy,
    )
    assert last.last_day == date(2026, 6, 17)
    assert last.outcome is Outcome.APPROVED
    assert late.outcome is Outcome.REJECTED


def test_book_orders_versions_by_date_and_knows_the_latest() -> None:
    v3 = replace(V2, version=3, effective_from=local(2026, 9, 1))
    book = PolicyBook([v3, DEFAULT_POLICY, V2])
    assert [v.version for v in book.versions] == [1, 2, 3]
    assert book.latest().version == 3
    assert book.next_version_number() == 4
    assert book.in_force_at(local(2026, 8, 31, 23, 59)).version == 2
    assert book.in_force_at(local(2026, 9, 1)).version == 3


def test_empty_book_uses_the_default_policy() -> None:
    book = PolicyBook([])
    assert book.versions == (DEFAULT_POLICY,)
    assert book.in_force_at(datetime(2026, 1, 1, tzinfo=UTC)) is DEFAULT_POLICY
    assert book.next_version_number() == 2


@pytest.mark.parametrize(
    ("delivered_at", "timezone", "last_day"),
    [
        (datetime(2026, 3, 1, 17, 30, tzinfo=UTC), "Asia/Shanghai", date(2026, 3, 9)),
        (datetime(2026, 3, 1, 17, 30, tzinfo=UTC), "UTC", date(2026, 3, 8)),
        (datetime(2026, 3, 1, 15, 59, 59, tzinfo=UTC), "Asia/Shanghai", date(2026, 3, 8)),
        (datetime(2026, 3, 1, 16, 0, tzinfo=UTC), "Asia/Shanghai", date(2026, 3, 9)),
    ],
)
def test_last_day_is_counted_in_the_policy_time_zone(
    delivered_at: datetime, timezone: str, last_day: date
) -> None:
    policy = PolicyVersion(version=9, effective_from=EPOCH, timezone=timezone)
    assert policy.last_day(delivered_at, 7) == last_day
    assert policy.last_day(delivered_at, 0) == last_day - timedelta(days=7)


# --- merchants' better terms --------------------------------------------------------


def test_merchant_wide_terms_apply_to_that_merchant_only() -> None:
    policy = with_merchants(merchant({"no_reason_days": 15}))
    assert policy.terms_for("m-1", "apparel").no_reason_days == 15
    assert policy.terms_for("m-1", "electronics").no_reason_days == 15
    assert policy.terms_for("m-2", "apparel").no_reason_days == 7

    mine = make_order(merchant_id="m-1")
    other = make_order(merchant_id="m-2")
    now = day_after_delivery(15)
    assert (
        judge(mine, request_type=R.REFUND, reason=Reason.NO_REASON, now=now, policy=policy).outcome
        is Outcome.APPROVED
    )
    assert (
        judge(other, request_type=R.REFUND, reason=Reason.NO_REASON, now=now, policy=policy).outcome
        is Outcome.REJECTED
    )
    late = judge(
        mine,
        request_type=R.REFUND,
        reason=Reason.NO_REASON,
        now=day_after_delivery(16),
        policy=policy,
    )
    assert late.outcome is Outcome.REJECTED


def test_category_terms_apply_to_that_category_only() -> None:
    policy = with_merchants(merchant({"warranty_days": 730}, category="electronics"))
    assert policy.terms_for("m-1", "electronics").warranty_days == 730
    assert policy.terms_for("m-1", "home").warranty_days == 365
    assert policy.terms_for("m-1", "apparel").warranty_days == 90
    assert policy.terms_for("m-2", "electronics").warranty_days == 365

    phone = make_order(make_line(category="electronics"))
    shirt = make_order(make_line(category="apparel"))
    assert (
        judge(
            phone,
            request_type=R.REPAIR,
            reason=Reason.QUALITY,
            now=day_after_delivery(730),
            policy=policy,
        ).outcome
        is Outcome.APPROVED
    )
    assert (
        judge(
            phone,
            request_type=R.REPAIR,
            reason=Reason.QUALITY,
            now=day_after_delivery(731),
            policy=policy,
        ).outcome
        is Outcome.PENDING_REVIEW
    )
    assert (
        judge(
            shirt,
            request_type=R.REPAIR,
            reason=Reason.QUALITY,
            now=day_after_delivery(91),
            policy=policy,
        ).outcome
        is Outcome.PENDING_REVIEW
    )


def test_merchant_can_offer_repair_where_the_platform_does_not() -> None:
    policy = with_merchants(merchant({"warranty_days": 30}, category="food"))
    order = make_order(make_line(category="food"))
    verdict = judge(
        order,
        request_type=R.REPAIR,
        reason=Reason.QUALITY,
        now=day_after_delivery(30),
        policy=policy,
    )
    assert verdict.outcome is Outcome.APPROVED
    assert "repair_not_offered" not in [r.code for r in verdict.results]


def test_merchant_wide_terms_never_worsen_a_category() -> None:
    # 180 days is better than the baseline's 90, but electronics already have 365
    policy = with_merchants(merchant({"warranty_days": 180, "quality_refund_days": 10}))
    assert policy.terms_for("m-1", "apparel").warranty_days == 180
    assert policy.terms_for("m-1", "electronics").warranty_days == 365
    # fresh food's 2 days improve to the merchant's 10
    assert policy.terms_for("m-1", "fresh_food").quality_refund_days == 10


def test_the_most_generous_of_merchant_and_category_terms_wins() -> None:
    policy = with_merchants(
        merchant({"no_reason_days": 15, "quality_exchange_days": 20}),
        merchant({"no_reason_days": 10, "quality_exchange_days": 30}, category="apparel"),
    )
    terms = policy.terms_for("m-1", "apparel")
    assert (terms.no_reason_days, terms.quality_exchange_days) == (15, 30)
    assert policy.terms_for("m-1", "baby").quality_exchange_days == 20


def test_merchant_terms_can_make_the_merchant_pay_no_reason_shipping() -> None:
    policy = with_merchants(merchant({"merchant_pays_no_reason_shipping": True}, "apparel"))
    shirt = make_order(make_line(category="apparel"), insurance=True)
    toy = make_order(make_line(category="baby"), insurance=True)
    now = day_after_delivery(1)
    shirt_verdict = judge(
        shirt, request_type=R.REFUND, reason=Reason.NO_REASON, now=now, policy=policy
    )
    toy_verdict = judge(toy, request_type=R.REFUND, reason=Reason.NO_REASON, now=now, policy=policy)
    assert shirt_verdict.shipping_payer is ShippingPayer.MERCHANT
    assert toy_verdict.shipping_payer is ShippingPayer.INSURANCE


def test_equal_terms_are_allowed() -> None:
    policy = with_merchants(
        merchant({"no_reason_days": 7, "merchant_pays_no_reason_shipping": False})
    )
    assert policy.terms_for("m-1", "apparel") == DEFAULT_POLICY.baseline


@pytest.mark.parametrize(
    ("overrides", "category", "names"),
    [
        ({"no_reason_days": 5}, None, "no_reason_days"),
        ({"quality_refund_days": 6, "no_reason_days": 30}, None, "quality_refund_days"),
        # better than the baseline's 90 days, but worse than electronics' 365
        ({"warranty_days": 200}, "electronics", "warranty_days"),
        ({"quality_refund_days": 1}, "fresh_food", "quality_refund_days"),
        (
            {"warranty_days": 89, "quality_exchange_days": 14},
            None,
            "quality_exchange_days, warranty_days",
        ),
    ],
)
def test_less_generous_terms_are_refused(
    overrides: Mapping[str, int | bool], category: str | None, names: str
) -> None:
    with pytest.raises(DomainError) as raised:
        with_merchants(merchant(overrides, category))
    assert raised.value.code == "override_less_generous"
    assert raised.value.field == "merchants"
    assert names in raised.value.message.en
    assert "m-1" in raised.value.message.en


def test_fewer_days_for_a_category_than_the_baseline_are_fine_if_above_the_category() -> None:
    # fresh food's quality refund is 2 days; a merchant offering 5 improves on it
    policy = with_merchants(merchant({"quality_refund_days": 5}, category="fresh_food"))
    assert policy.terms_for("m-1", "fresh_food").quality_refund_days == 5


@pytest.mark.parametrize(
    "overrides", [{"refund_days": 10}, {"no_reason_days": 15, "free_gifts": True}]
)
def test_unknown_terms_are_refused(overrides: Mapping[str, int | bool]) -> None:
    with pytest.raises(DomainError) as raised:
        with_merchants(merchant(overrides))
    assert raised.value.code == "unknown_policy_term"
    assert raised.value.field == "merchants"
    unknown = sorted(set(overrides) - {"no_reason_days"})
    assert ", ".join(unknown) in raised.value.message.en
