"""The throttle's arithmetic: free tries, doubling waits, a lock, giving a try back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from returnflow.domain.throttling import Counter, Rule, too_many_attempts

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
SLOW = Rule(
    free=5, window=timedelta(hours=1), backoff=timedelta(seconds=30), max_wait=timedelta(minutes=15)
)
LOCK = Rule(
    free=3,
    window=timedelta(minutes=15),
    backoff=timedelta(minutes=15),
    max_wait=timedelta(minutes=15),
)


def _tries(rule: Rule, count: int, at: datetime = NOW) -> Counter:
    counter = Counter()
    for _ in range(count):
        counter = counter.counted(rule, at)
    return counter


def test_free_tries_then_doubling_waits_up_to_the_cap() -> None:
    assert _tries(SLOW, 4).wait(NOW) is None
    waits = [SLOW.wait_after(hits) for hits in range(5, 12)]
    assert waits == [timedelta(seconds=s) for s in (30, 60, 120, 240, 480, 900, 900)]
    assert _tries(SLOW, 5).wait(NOW) == timedelta(seconds=30)


def test_a_quiet_window_starts_the_count_again() -> None:
    counter = _tries(SLOW, 4)
    later = NOW + timedelta(hours=1)
    assert counter.counted(SLOW, later).hits == 1
    assert counter.counted(SLOW, later - timedelta(seconds=1)).hits == 5


def test_a_lock_rule_locks_for_its_time_and_a_success_gives_its_try_back() -> None:
    locked = _tries(LOCK, 3)
    assert locked.wait(NOW) == timedelta(minutes=15)
    assert locked.wait(NOW + timedelta(minutes=15)) is None
    given_back = locked.given_back(LOCK)
    assert (given_back.hits, given_back.wait(NOW)) == (2, None)


@given(st.integers(min_value=0, max_value=10_000))
def test_waits_never_exceed_the_cap(hits: int) -> None:
    assert timedelta(0) <= SLOW.wait_after(hits) <= SLOW.max_wait


def test_the_refusal_names_the_wait_in_whole_minutes() -> None:
    refusal = too_many_attempts(timedelta(seconds=61))
    assert refusal.code == "too_many_attempts"
    assert refusal.message.en == "Too many tries: wait 2 minutes and try again"
    assert refusal.message.zh == "尝试次数过多，请 2 分钟后再试"
