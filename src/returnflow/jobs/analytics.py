"""The KPI rollups in the worker (issue 14, R9.4): recompute the days new events touched.

Each tick reads the outbox rows after the rollups' high-water mark and the orders
changed since the last pass, recomputes the local days they touch from the raw tables
and moves the mark in the same transaction (storage/analytics.py). Idempotent: a
retried pass recomputes the same days to the same rows; a second worker finds the
rollups' lock taken and skips (issue 11: no unique violation between two workers).
A pass that fails is logged and tried again next tick.

A high-water mark misses a row committed late with a lower id (or an order whose change
is stamped before the mark): every `RECENT_EVERY` the worker also recomputes today and
yesterday, so such a row reaches the numbers within minutes; older days: `rebuild`.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from returnflow.app_context import AppContext
from returnflow.services import analytics

log = logging.getLogger("returnflow.analytics")
RECENT_EVERY = timedelta(minutes=10)
# issue 11: under load the worker's whole round runs every interval (2 s), and each pass
# recomputes the days new events touched from the raw tables, today's whole day on a
# busy one; dashboards need minutes, not seconds, so the worker passes at most this often
PASS_EVERY = timedelta(seconds=10)


class AnalyticsJobs:
    """The worker's part; it remembers when it last recomputed the recent days."""

    def __init__(self, context: AppContext) -> None:
        self.context = context
        self.recent_at: datetime | None = None
        self.passed_at: datetime | None = None

    def tick(self, now: datetime) -> int:
        """The worker's round: a pass unless the last one is less than `PASS_EVERY` old."""
        last = self.passed_at
        if last is not None and timedelta(0) <= now - last < PASS_EVERY:
            return 0
        self.passed_at = now
        return self.refresh(now)

    def refresh(self, now: datetime) -> int:
        """One pass; how many local days were recomputed (0 when another worker holds it)."""
        try:
            with self.context.uow(publish=False) as uow:
                days = analytics.refresh(uow, now)
                if days is not None and self._recent_due(now):
                    days += analytics.recompute_recent(uow, now)
                uow.commit(now)
        except Exception:
            log.exception("analytics rollups: pass failed; trying again next tick")
            return 0
        return days or 0

    def _recent_due(self, now: datetime) -> bool:
        last = self.recent_at
        if last is not None and timedelta(0) <= now - last < RECENT_EVERY:
            return False
        self.recent_at = now
        return True
