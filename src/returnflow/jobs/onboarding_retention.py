"""Rejected applications' documents past their retention (issue 15): once a UTC day.

Each batch is its own transaction; the files are deleted only after the batch that
deleted their rows (and recorded it on the timeline) has committed, so a failed batch
leaves every file it did not get to, and a crash after the commit leaves at most a few
orphan files under random names that nothing refers to.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from returnflow.app_context import AppContext
from returnflow.services.onboarding import document_store
from returnflow.services.onboarding_retention import DocumentsDeleted, delete_expired_documents

log = logging.getLogger("returnflow.retention")
BATCH = 100


def run(context: AppContext, now: datetime) -> DocumentsDeleted:
    """Delete every rejected application's documents due at `now`."""
    days = context.settings.onboarding_doc_retention_days
    store = document_store(context.settings.upload_dir)
    total = DocumentsDeleted()
    while True:
        with context.uow() as uow:
            batch = delete_expired_documents(uow, now, days, BATCH)
            uow.commit(now)
        store.discard(batch.files)
        total.references.extend(batch.references)
        total.files.extend(batch.files)
        if len(batch.references) < BATCH:
            return total


class DailyDocumentRetention:
    """The worker ticks every few seconds; this lets the job through once per UTC day."""

    def __init__(self, context: AppContext) -> None:
        self.context = context
        self.last_day: date | None = None

    def tick(self, now: datetime) -> DocumentsDeleted | None:
        if self.last_day == now.date():
            return None
        done = run(self.context, now)
        self.last_day = now.date()
        if done.references:
            log.info(
                "retention: documents of %d rejected applications deleted (%d files)",
                len(done.references),
                len(done.files),
            )
        return done
