"""The outbox reader: claiming a batch of waiting messages and recording each outcome.

Rows are claimed with FOR UPDATE SKIP LOCKED on PostgreSQL, so several workers can
run side by side without sending a message twice; SQLite has one writer anyway. Each
call is a short transaction of its own: the delivery between claim and record runs
with no transaction open (jobs/outbox.py says why).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from returnflow.storage.schema import OutboxRow

# what the worker's process shares (AppContext.session_factory)
SessionFactory = sessionmaker[Session]


@dataclass(frozen=True, slots=True)
class Claimed:
    """One message held by this worker until its lease runs out."""

    id: int
    topic: str
    payload: dict[str, Any]


class OutboxClaims:
    def __init__(self, session_factory: SessionFactory) -> None:
        self.session_factory = session_factory

    def claim(self, now: datetime, batch: int, lease: timedelta) -> list[Claimed]:
        """Up to `batch` due messages, oldest first, each held until `now + lease`."""
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
            claimed = [Claimed(row.id, row.topic, dict(row.payload)) for row in rows]
            for row in rows:
                row.available_at = now + lease
            session.commit()
        return claimed

    def sent(self, message_id: int, now: datetime) -> None:
        with self.session_factory() as session:
            row = self._row(session, message_id)
            row.sent_at = now
            session.commit()

    def release(self, message_ids: list[int], held_until: datetime, now: datetime) -> None:
        """Hand back claimed rows not delivered: due again at once, unless the lease
        (`held_until`) already ran out and another worker holds them now (issue 11)."""
        if not message_ids:
            return
        with self.session_factory() as session:
            session.execute(
                update(OutboxRow)
                .where(
                    OutboxRow.id.in_(message_ids),
                    OutboxRow.sent_at.is_(None),
                    OutboxRow.available_at == held_until,
                )
                .values(available_at=now)
            )
            session.commit()

    def failed(
        self,
        message_id: int,
        error: str,
        now: datetime,
        max_attempts: int,
        backoff: Callable[[int], timedelta],
    ) -> bool:
        """Count a failed attempt: True if that was the last one (the message is given
        up), else it is offered again after `backoff(attempts so far)`."""
        with self.session_factory() as session:
            row = self._row(session, message_id)
            row.attempts += 1
            row.last_error = error
            given_up = row.attempts >= max_attempts
            if given_up:
                row.failed_at = now
            else:
                row.available_at = now + backoff(row.attempts)
            session.commit()
        return given_up

    @staticmethod
    def _row(session: Session, message_id: int) -> OutboxRow:
        row = session.get(OutboxRow, message_id)
        if row is None:
            raise LookupError(f"outbox message {message_id} is gone")
        return row
