"""The worker's periodic report beside a second worker and behind the rollups (issue 11).

A fresh worker produces a missing report on its first tick, and that is right; what the
scale run showed wrong: the report was read from rollups that could still be catching
up, and two workers started together both rendered it. Here: the report waits until
the rollups hold everything written before it fell due (both databases), and two
workers ticking at once render each report once and store it once (PostgreSQL, where
workers share a server; the rendering is watched by a pass-through that counts calls).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import date
from typing import Any

import pytest

from returnflow.app_context import AppContext
from returnflow.domain import reports as rules
from returnflow.jobs.worker import Worker
from returnflow.services import reports
from tests.api.test_analytics_planted import outbox, utc
from tests.test_periodic_reports import _mails, _prepare

DUE = utc(11, 8, 22, 0)  # Monday 11-09 06:00 in Shanghai: the week 11-02..11-08 falls due
WEEK = rules.ReportPeriod("week", date(2026, 11, 2), date(2026, 11, 8))
OCTOBER = rules.ReportPeriod("month", date(2026, 10, 1), date(2026, 10, 31))


def stored(context: AppContext, period: rules.ReportPeriod) -> bool:
    with context.uow() as uow:
        return reports.existing(uow, period) is not None


def test_the_report_waits_for_the_rollups_to_catch_up(context: AppContext, tokens: object) -> None:
    _prepare(context, tokens)  # the rollups rebuilt: their marks at the newest rows
    outbox(context, "return.changed", utc(11, 8, 12), rma_no="R-late")  # Sunday, not rolled up
    context.clock.now = DUE  # type: ignore[attr-defined]
    worker = Worker(context)
    assert worker.reports.tick(DUE) == 1  # October is complete in the rollups: produced
    assert stored(context, OCTOBER) and not stored(context, WEEK)
    assert worker.reports.tick(DUE) == 0 and not stored(context, WEEK)  # still behind
    worker.rollups.refresh(DUE)  # the worker's next pass reads Sunday's change
    assert worker.reports.tick(DUE) == 1 and stored(context, WEEK)
    assert Worker(context).reports.tick(DUE) == 0  # a fresh worker: stored, nothing rendered


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_workers_starting_together_render_each_report_once(
    context: AppContext, tokens: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    _prepare(context, tokens)
    context.clock.now = DUE  # type: ignore[attr-defined]
    rendered: Counter[str] = Counter()
    real = reports.prepare

    def counted(reads: Any, period: rules.ReportPeriod, now: Any) -> reports.Prepared:
        rendered[period.kind] += 1
        time.sleep(0.5)  # a render takes seconds: the other worker is surely under way
        return real(reads, period, now)

    monkeypatch.setattr(reports, "prepare", counted)
    workers = [Worker(context), Worker(context)]
    start = threading.Barrier(2)
    made: list[int] = []

    def tick(worker: Worker) -> None:
        start.wait()
        made.append(worker.reports.tick(DUE))

    threads = [threading.Thread(target=tick, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert rendered == Counter({"week": 1, "month": 1})
    assert sum(made) == 2 and stored(context, WEEK) and stored(context, OCTOBER)
    assert _mails(context) == 1  # the one weekly subscriber, mailed once
    assert [w.reports.tick(DUE) for w in workers] == [0, 0]
    assert rendered == Counter({"week": 1, "month": 1})
