"""Throttle counters in the database: all-or-nothing counting, and forgetting old ones."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from returnflow.app_context import AppContext
from returnflow.domain.throttling import Rule
from returnflow.storage.schema import ThrottleRow
from tests.support.clock import FakeClock

SLOW = Rule(
    free=2, window=timedelta(hours=1), backoff=timedelta(minutes=1), max_wait=timedelta(minutes=5)
)
ROOMY = Rule(
    free=50, window=timedelta(hours=1), backoff=timedelta(minutes=1), max_wait=timedelta(minutes=5)
)


def _hits(context: AppContext) -> dict[str, int]:
    with context.session_factory() as session:
        return {row.key: row.hits for row in session.scalars(select(ThrottleRow))}


def test_a_refused_try_counts_on_no_key(context: AppContext, clock: FakeClock) -> None:
    keyed = [("name@1", SLOW), ("source:1", ROOMY)]
    for _ in range(2):
        with context.uow() as uow:
            assert uow.attempts.take(keyed, clock.now) is None
            uow.commit(clock.now)
    with context.uow() as uow:
        assert uow.attempts.take(keyed, clock.now) == timedelta(minutes=1)
        uow.commit(clock.now)
    assert _hits(context) == {"name@1": 2, "source:1": 2}


def test_quiet_counters_are_forgotten_blocking_ones_kept(
    context: AppContext, clock: FakeClock
) -> None:
    lock = Rule(
        free=1, window=timedelta(days=2), backoff=timedelta(days=2), max_wait=timedelta(days=2)
    )
    with context.uow() as uow:
        uow.attempts.take([("quiet", SLOW)], clock.now)
        uow.attempts.take([("locked", lock)], clock.now)
        uow.commit(clock.now)
    clock.advance(days=1, seconds=1)
    with context.uow() as uow:
        assert uow.attempts.prune(clock.now, timedelta(days=1)) == 1
        uow.commit(clock.now)
    assert set(_hits(context)) == {"locked"}
