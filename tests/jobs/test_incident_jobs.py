"""The worker evaluates the monitors every 15 minutes, not every tick (issue 14, R13.1)."""

from __future__ import annotations

from datetime import timedelta

from returnflow.app_context import AppContext
from returnflow.jobs.incidents import IncidentJobs
from returnflow.services import monitors


def test_the_monitors_run_every_fifteen_minutes(context: AppContext) -> None:
    jobs = IncidentJobs(context)
    start = context.clock()
    first = jobs.tick(start)
    assert first is not None and first.opened == ()
    assert jobs.tick(start + timedelta(minutes=14)) is None
    assert jobs.tick(start + timedelta(minutes=15)) is not None
    with context.uow() as uow:
        views = monitors.overview(uow, start)
    assert len(views) == 8 and all(v.read_at is not None for v in views if v.readings)
