"""The cheaper builders of frozen values (`domain/frozen.py`) and the once-per-moment
time-zone conversions of the policy (issue 11): same values, fewer steps."""

from __future__ import annotations

import pickle
from dataclasses import FrozenInstanceError, dataclass, field, replace
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

import pytest

from returnflow.domain.eligibility import line_eligibility
from returnflow.domain.frozen import maker, quick_init
from returnflow.domain.kinds import Outcome, ShippingPayer
from returnflow.domain.money import Money
from returnflow.domain.policy import DEFAULT_CATEGORIES, EPOCH, PolicyVersion
from returnflow.domain.refunds import LineRefund, RefundEstimate
from returnflow.domain.review import Assessment
from returnflow.domain.verdicts import LineVerdict
from tests.domain.builders import day_after_delivery, make_line, make_order


@dataclass(frozen=True, slots=True)
class Sample:
    name: str
    count: int = 3
    flag: bool = field(default=False, kw_only=True)


quick_init(Sample)
make_sample = maker(Sample)


def test_maker_and_quick_init_build_what_the_dataclass_builds() -> None:
    for value in (Sample("a"), make_sample("a"), make_sample("a", count=3, flag=False)):
        assert type(value) is Sample
        assert value == Sample("a", 3, flag=False)
        assert hash(value) == hash(Sample("a", 3, flag=False))
        assert pickle.loads(pickle.dumps(value)) == value
        assert replace(value, count=4) == Sample("a", 4)
    assert make_sample("b", 5, flag=True) == Sample(name="b", count=5, flag=True)
    with pytest.raises(TypeError):
        make_sample("b", 5, True)  # a keyword-only field stays keyword-only


def test_values_built_by_a_maker_stay_frozen() -> None:
    value = make_sample("a")
    with pytest.raises(FrozenInstanceError):
        value.count = 4  # type: ignore[misc]
    money = maker(Money)(5)
    assert money == Money(5, "CNY") and money < Money(6)
    with pytest.raises(FrozenInstanceError):
        money.cents = 6  # type: ignore[misc]


@pytest.mark.parametrize("cls", [Money, LineRefund, RefundEstimate, LineVerdict, Assessment])
def test_the_engine_values_take_a_maker(cls: type) -> None:
    """The classes the hot paths build with `maker` keep the layout it needs."""
    assert callable(maker(cls))


def test_maker_refuses_what_it_cannot_build() -> None:
    @dataclass(frozen=True, slots=True)
    class WithFactory:
        items: list[int] = field(default_factory=list)

    @dataclass(slots=True)
    class Mutable:
        count: int

    for cls in (WithFactory, Mutable):
        with pytest.raises(TypeError):
            maker(cls)
        with pytest.raises(TypeError):
            quick_init(cls)


class CountingZone(tzinfo):
    """China Standard Time that counts the conversions made into it."""

    def __init__(self) -> None:
        self.conversions = 0

    def utcoffset(self, dt: datetime | None) -> timedelta:
        return timedelta(hours=8)

    def dst(self, dt: datetime | None) -> timedelta:
        return timedelta(0)

    def tzname(self, dt: datetime | None) -> str:
        return "CST"

    def fromutc(self, dt: datetime) -> datetime:
        self.conversions += 1
        return (dt + timedelta(hours=8)).replace(tzinfo=self)


def test_an_order_is_converted_to_local_time_once_not_per_line_and_rule() -> None:
    zone = CountingZone()
    policy = PolicyVersion(version=7, effective_from=EPOCH, categories=DEFAULT_CATEGORIES)
    object.__setattr__(policy, "_zone", zone)
    order = make_order(*(make_line(n, category="electronics") for n in range(1, 11)))
    now = day_after_delivery(3)
    views = [
        line_eligibility(order=order, line=line, already_requested=0, now=now, policy=policy)
        for line in order.lines
    ]
    assert sum(len(view.options) for view in views) == 10 * 7
    assert zone.conversions == 2  # the delivery and now, whatever the lines and rules


def test_the_cached_local_day_is_the_day_of_the_instant_whatever_its_zone() -> None:
    policy = PolicyVersion(version=8, effective_from=EPOCH)
    late_evening_utc = datetime(2026, 3, 1, 17, 0, tzinfo=UTC)  # 01:00 on 2 March in Shanghai
    same_instant = late_evening_utc.astimezone(policy.zone)
    assert policy.local_date(late_evening_utc) == policy.local_date(same_instant)
    assert policy.local_date(late_evening_utc).isoformat() == "2026-03-02"
    assert policy.last_day(late_evening_utc, 7).isoformat() == "2026-03-09"


def test_an_assessment_built_fast_compares_with_one_built_plainly() -> None:
    verdict = LineVerdict(1, Outcome.APPROVED, (), ShippingPayer.CUSTOMER, None)
    assert maker(LineVerdict)(1, Outcome.APPROVED, (), ShippingPayer.CUSTOMER, None) == verdict


def test_the_second_of_a_repeated_hour_gets_its_own_local_day() -> None:
    """Moments of one tzinfo compare by wall time, so the two instants of New York's
    repeated hour are equal keys; seen from Regina (UTC-6, no summer time) they fall on
    two days, and the cache must not answer the second with the first's day."""
    policy = PolicyVersion(version=9, effective_from=EPOCH, timezone="America/Regina")
    new_york = ZoneInfo("America/New_York")
    first = datetime(2026, 11, 1, 1, 30, tzinfo=new_york)  # 05:30 UTC: 23:30 on 31 Oct
    second = first.replace(fold=1)  # 06:30 UTC: 00:30 on 1 Nov
    assert first == second  # the trap
    assert policy.local_date(first).isoformat() == "2026-10-31"
    assert policy.local_date(second).isoformat() == "2026-11-01"
    assert policy.last_day(first, 7).isoformat() == "2026-11-07"
    assert policy.last_day(second, 7).isoformat() == "2026-11-08"
