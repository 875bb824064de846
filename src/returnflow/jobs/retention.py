"""The retention job (R14.1): anonymise customers N days after their last request closed.

Run by the worker once a day and by `returnflow privacy anonymise`. Each batch is its
own transaction; photo files are deleted only after the batch that cleared their names
has committed, so a failed batch leaves nothing half-deleted.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from returnflow.app_context import AppContext
from returnflow.services.privacy import RetentionReport, anonymise_batch

log = logging.getLogger("returnflow.retention")
BATCH = 200
DRY_RUN_LIMIT = 1_000_000


def run(context: AppContext, now: datetime, *, dry_run: bool = False) -> RetentionReport:
    """Anonymise everyone due at `now` (a dry run only names them)."""
    days = context.settings.retention_days
    if dry_run:
        with context.uow() as uow:
            return anonymise_batch(uow, now, days, limit=DRY_RUN_LIMIT, dry_run=True)
    total = RetentionReport([], 0, [])
    while True:
        with context.uow() as uow:
            batch = anonymise_batch(uow, now, days, limit=BATCH)
            uow.commit(now)
        context.photos.discard(batch.photos)
        total.customers += batch.customers
        total.requests += batch.requests
        total.photos += batch.photos
        if len(batch.customers) < BATCH:
            return total


class DailyRetention:
    """The worker ticks every few seconds; this lets the job through once per UTC day."""

    def __init__(self, context: AppContext) -> None:
        self.context = context
        self.last_day: date | None = None

    def tick(self, now: datetime) -> RetentionReport | None:
        if self.last_day == now.date():
            return None
        report = run(self.context, now)
        self.last_day = now.date()
        if report.customers:
            # counts only: the ids are the order system's, but the log needs no more
            log.info(
                "retention: %d customers anonymised, %d photos deleted",
                len(report.customers),
                len(report.photos),
            )
        return report
