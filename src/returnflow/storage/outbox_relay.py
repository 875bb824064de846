"""The outbox as a broker's actors see it: one row taken by id, against a stamp.

With a broker (jobs/relay.py) the relay claims rows as the in-database queue does
(outbox_claims.py: SKIP LOCKED, a lease) and publishes each row's id with the lease's
end, its stamp. A message may arrive twice: the relay re-publishes a row whose lease ran
out, and brokers deliver at least once. So an actor takes its row only while the row's
`available_at` still equals the stamp it carries, and moves it on in the same short
transaction (one conditional UPDATE): of two copies, one wins and the other finds a
stamp that is no longer there. Only that actor's retry learns the next stamp. Every
write here moves the value forward, so a stamp once replaced never comes back; the one
step back, `OutboxClaims.release`, only undoes a publish that failed, and the next claim writes a
stamp no earlier than the one released.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from returnflow.storage.outbox_claims import Claimed, SessionFactory
from returnflow.storage.schema import OutboxRow


@dataclass(frozen=True, slots=True)
class Skipped:
    """Why a message was not delivered: its row is done, gone, or held by another stamp."""

    reason: str


@dataclass(frozen=True, slots=True)
class Failed:
    """Attempts so far, and the stamp the row now waits under (None: given up)."""

    attempts: int
    stamp: datetime | None


class OutboxTakes:
    def __init__(self, session_factory: SessionFactory) -> None:
        self.session_factory = session_factory

    def take(
        self, message_id: int, stamp: datetime, now: datetime, lease: timedelta
    ) -> Claimed | Skipped:
        """The row, held until `now + lease`, if it waits under this stamp.

        One conditional UPDATE: on PostgreSQL a second copy's waits for the first's
        commit and then finds the stamp gone; on SQLite writes are one at a time.
        """
        with self.session_factory() as session:
            moved = session.execute(
                update(OutboxRow)
                .where(
                    OutboxRow.id == message_id,
                    OutboxRow.available_at == stamp,
                    OutboxRow.sent_at.is_(None),
                    OutboxRow.failed_at.is_(None),
                )
                .values(available_at=_past(stamp, now + lease))
            )
            row = session.get(OutboxRow, message_id)
            if row is None:
                return Skipped("gone")
            if not moved.rowcount:  # type: ignore[attr-defined]
                done = row.sent_at is not None or row.failed_at is not None
                return Skipped("done" if done else "stale")
            claimed = Claimed(row.id, row.topic, dict(row.payload))
            session.commit()
        return claimed

    def failed(
        self,
        message_id: int,
        error: str,
        now: datetime,
        max_attempts: int,
        hold: Callable[[int], timedelta],
    ) -> Failed:
        """Count a failed attempt; unless that was the last, the row waits `hold(attempts
        so far)` under a new stamp (the actor's retry comes before, the relay after)."""
        with self.session_factory() as session:
            row = self._locked(session, message_id)
            if row is None:
                return Failed(0, None)
            row.attempts += 1
            row.last_error = error
            stamp: datetime | None = None
            if row.attempts >= max_attempts:
                row.failed_at = now
            else:
                stamp = row.available_at = _past(row.available_at, now + hold(row.attempts))
            attempts = row.attempts
            session.commit()
        return Failed(attempts, stamp)

    @staticmethod
    def _locked(session: Session, message_id: int) -> OutboxRow | None:
        return session.scalars(
            select(OutboxRow).where(OutboxRow.id == message_id).with_for_update()
        ).one_or_none()


def _past(stamp: datetime, wanted: datetime) -> datetime:
    """`wanted`, but always later than the stamp it replaces (one clock a little behind
    another's, a clock that stood still): a copy still carrying the old stamp must not
    find it again."""
    return max(wanted, stamp + timedelta(microseconds=1))
