"""The outbox's dead letters: rows given up after their last attempt (issue 11).

A row is marked failed (`failed_at`) when its last attempt fails, by the worker's
dispatcher (outbox_claims.py) or a broker's actor (outbox_relay.py; Dramatiq also keeps
the message in `<queue>.XQ`). The row is the record either way, so listing and
re-driving work on the rows alone: `redrive` makes a failed row due again with its
attempts counted from nothing, and the worker (or the broker relay, which publishes it
under a new stamp) delivers it like a new one. A stale copy in the dead-letter queue
carries an old stamp and finds nothing to take (outbox_relay.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, select, update
from sqlalchemy.orm import Session

from returnflow.storage.schema import OutboxRow


@dataclass(frozen=True, slots=True)
class FailedMessage:
    """One given-up row as an operator reads it: no payload (it may name customers)."""

    id: int
    topic: str
    attempts: int
    last_error: str
    created_at: datetime
    failed_at: datetime


@dataclass(frozen=True, slots=True)
class Standing:
    """Asked-for ids that cannot be re-driven: unknown, or not failed (sent or waiting)."""

    unknown: tuple[int, ...]
    not_failed: tuple[int, ...]


def _failed(topic: str | None = None) -> ColumnElement[bool]:
    parts: list[ColumnElement[bool]] = [
        OutboxRow.failed_at.is_not(None),
        OutboxRow.sent_at.is_(None),
    ]
    if topic is not None:
        parts.append(OutboxRow.topic == topic)
    return and_(*parts)


class OutboxFailures:
    def __init__(self, session: Session) -> None:
        self.session = session

    def count(self, topic: str | None = None) -> int:
        query = select(func.count()).select_from(OutboxRow).where(_failed(topic))
        return int(self.session.scalar(query) or 0)

    def listing(self, offset: int, limit: int, topic: str | None = None) -> list[FailedMessage]:
        """Newest failure first, one bounded page."""
        query = (
            select(
                OutboxRow.id,
                OutboxRow.topic,
                OutboxRow.attempts,
                OutboxRow.last_error,
                OutboxRow.created_at,
                OutboxRow.failed_at,
            )
            .where(_failed(topic))
            .order_by(OutboxRow.failed_at.desc(), OutboxRow.id.desc())
            .offset(offset)
            .limit(limit)
        )
        return [
            FailedMessage(i, t, a, e or "", created, failed or created)
            for i, t, a, e, created, failed in self.session.execute(query)
        ]

    def standing(self, ids: Sequence[int]) -> Standing:
        """Which of `ids` are not failed rows (all of them can be re-driven if both are empty)."""
        query = select(OutboxRow.id, OutboxRow.failed_at, OutboxRow.sent_at).where(
            OutboxRow.id.in_(list(ids))
        )
        found = {
            i: failed is not None and sent is None
            for i, failed, sent in self.session.execute(query)
        }
        unknown = tuple(sorted(i for i in set(ids) if i not in found))
        not_failed = tuple(sorted(i for i, failed in found.items() if not failed))
        return Standing(unknown, not_failed)

    def redrive(self, ids: Sequence[int] | None, topic: str | None, now: datetime) -> list[int]:
        """Failed rows (these ids, this topic, or all: both None) due again at `now`, their
        attempts reset; the ids re-driven. Rows are locked first, so a row another
        operator re-drove (and a worker took) meanwhile is not reset twice."""
        query = select(OutboxRow.id).where(_failed(topic)).order_by(OutboxRow.id)
        if ids is not None:
            query = query.where(OutboxRow.id.in_(list(ids)))
        chosen = list(self.session.scalars(query.with_for_update()))
        if chosen:
            self.session.execute(
                update(OutboxRow)
                .where(OutboxRow.id.in_(chosen))
                .values(failed_at=None, attempts=0, available_at=now)
            )
        return chosen
