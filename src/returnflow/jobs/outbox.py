"""Delivers outbox rows to their consumers, at least once, with backoff on failure.

Rows are claimed with FOR UPDATE SKIP LOCKED on PostgreSQL, so several workers can
run side by side without sending a message twice; SQLite has one writer anyway.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from returnflow.storage.schema import OutboxRow

Consumer = Callable[[str, dict[str, Any]], None]


@dataclass(frozen=True)
class DispatchReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min … capped at one hour."""
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))


class OutboxDispatcher:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        consumers: Mapping[str, Consumer],
        max_attempts: int = 8,
    ) -> None:
        """`consumers` maps a topic prefix ("return.") to the function that handles it."""
        self.session_factory = session_factory
        self.consumers = consumers
        self.max_attempts = max_attempts

    def run_once(self, now: datetime, batch: int = 50) -> DispatchReport:
        sent = retried = failed = 0
        with self.session_factory() as session:
            rows = session.scalars(
                select(OutboxRow)
                .where(
                    OutboxRow.sent_at.is_(None),
                    OutboxRow.failed_at.is_(None),
                    OutboxRow.available_at <= now,
                )
                .order_by(OutboxRow.id)
                .limit(batch)
                .with_for_update(skip_locked=True)
            ).all()
            for row in rows:
                try:
                    for prefix, consumer in self.consumers.items():
                        if row.topic.startswith(prefix):
                            consumer(row.topic, row.payload)
                except Exception as exc:
                    row.attempts += 1
                    row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                    if row.attempts >= self.max_attempts:
                        row.failed_at = now
                        failed += 1
                    else:
                        row.available_at = now + backoff(row.attempts)
                        retried += 1
                else:
                    row.sent_at = now
                    sent += 1
            session.commit()
        return DispatchReport(sent, retried, failed)
