"""Two workers (and an operator's rebuild) on the KPI rollups at once, on PostgreSQL
(issue 11's scale run): no unique violation, and the totals are counted once.

Each case holds the first transaction open at the point where the old code let the
second one in, so the race is certain rather than likely: two fresh workers both found
no high-water mark and both rebuilt (the second's insert met the first's rows), and a
rebuild beside a worker's pass re-inserted the days the pass had just written.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime

import pytest

from returnflow.app_context import AppContext
from returnflow.services import analytics
from tests.api.test_analytics_planted import plant
from tests.jobs.test_analytics_refresh import announce, rebuild, snapshot

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
NOW = datetime.fromisoformat("2026-11-20T02:00:00+00:00")


def in_thread(step: Callable[[], object]) -> tuple[threading.Thread, dict[str, object]]:
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["result"] = step()
        except Exception as error:  # the old code's unique violation
            outcome["error"] = error

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def second_refresh(context: AppContext) -> Callable[[], int | None]:
    def step() -> int | None:
        with context.uow(publish=False) as uow:
            days = analytics.refresh(uow, NOW)
            uow.commit(NOW)
            return days

    return step


def test_two_fresh_workers_roll_up_once(context: AppContext) -> None:
    plant(context)
    with context.uow(publish=False) as first:
        assert analytics.refresh(first, NOW) == 0  # no mark yet: the first pass rebuilds
        thread, outcome = in_thread(second_refresh(context))
        thread.join(timeout=1.0)  # the old code: blocked on the first's rows by now
        first.commit(NOW)
    thread.join(timeout=30)
    assert "error" not in outcome, outcome.get("error")
    assert outcome["result"] is None  # the second worker skipped the pass
    kept = snapshot(context)
    assert kept, "the first pass wrote rollups"
    rebuild(context)
    assert snapshot(context) == kept  # counted once


def test_a_rebuild_beside_a_workers_pass_waits_for_it(context: AppContext) -> None:
    found = plant(context)
    rebuild(context)
    announce(context, found)

    def rebuild_now() -> int:
        with context.uow(publish=False) as uow:
            written = analytics.rebuild(uow, NOW)
            uow.commit(NOW)
            return written

    with context.uow(publish=False) as worker:
        assert (analytics.refresh(worker, NOW) or 0) > 0  # days recomputed, not committed
        thread, outcome = in_thread(rebuild_now)
        thread.join(timeout=1.0)
        worker.commit(NOW)
    thread.join(timeout=30)
    assert "error" not in outcome, outcome.get("error")
    kept = snapshot(context)
    rebuild(context)
    assert snapshot(context) == kept


def test_a_second_pass_while_the_first_holds_the_rollups_skips(context: AppContext) -> None:
    found = plant(context)
    rebuild(context)
    announce(context, found)
    with context.uow(publish=False) as first:
        assert (analytics.refresh(first, NOW) or 0) > 0
        thread, outcome = in_thread(second_refresh(context))
        thread.join(timeout=30)
        assert not thread.is_alive() and outcome == {"result": None}  # no wait, no work
        first.commit(NOW)
    kept = snapshot(context)
    rebuild(context)
    assert snapshot(context) == kept
