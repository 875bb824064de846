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

from returnflow.log_privacy import describe_error
from returnflow.storage.schema import OutboxRow

Consumer = Callable[[str, dict[str, Any]], None]


@dataclass(frozen=True)
class DispatchReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0


# how long a claimed row is held by the worker delivering it
LEASE = timedelta(minutes=5)


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
        """Claim a batch, deliver it outside any transaction, then record each outcome.

        Consumers run with no transaction open here, so one that writes to the database
        (storing a carrier's waybill) does not wait on this one's lock, which on SQLite
        is the whole database. A claim is a lease: rows of a worker that died mid-batch
        become available again after `LEASE` and are delivered again (at least once).
        """
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
            claimed = [(row.id, row.topic, dict(row.payload)) for row in rows]
            for row in rows:
                row.available_at = now + LEASE
            session.commit()
        sent = retried = failed = 0
        for row_id, topic, payload in claimed:
            error: str | None = None
            try:
                for prefix, consumer in self.consumers.items():
                    if topic.startswith(prefix):
                        consumer(topic, payload)
            except Exception as exc:
                error = describe_error(exc)[:2000]  # R14.1: no statement values stored
            with self.session_factory() as session:
                done = session.get(OutboxRow, row_id)
                assert done is not None
                if error is None:
                    done.sent_at = now
                    sent += 1
                else:
                    done.attempts += 1
                    done.last_error = error
                    if done.attempts >= self.max_attempts:
                        done.failed_at = now
                        failed += 1
                    else:
                        done.available_at = now + backoff(done.attempts)
                        retried += 1
                session.commit()
        return DispatchReport(sent, retried, failed)
