"""Throttle counters: one row per key, read and changed under a row lock.

Counting separate attempt rows let a burst of concurrent guesses all read "4 so far"
and all go ahead; here every try first locks its counters (`FOR UPDATE` on
PostgreSQL, the database write lock that `BEGIN IMMEDIATE` takes on SQLite), so the
tries queue and each sees the count the one before it left.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from returnflow.domain.throttling import Counter, Rule
from returnflow.storage.schema import ThrottleRow

Keyed = Sequence[tuple[str, Rule]]


class Attempts:
    def __init__(self, session: Session) -> None:
        self.session = session

    def take(self, keyed: Keyed, now: datetime) -> timedelta | None:
        """Count one try on every key, or on none when some key must still wait.

        Returns the longest wait when refused. The locks are held until the caller's
        commit, which should follow at once.
        """
        rows = self._locked(sorted(key for key, _ in keyed))
        waits = [wait for row in rows.values() if (wait := _counter(row).wait(now)) is not None]
        if waits:
            return max(waits)
        for key, rule in keyed:
            _store(rows[key], _counter(rows[key]).counted(rule, now))
        return None

    def give_back(self, keyed: Keyed) -> None:
        """A try that proved legitimate stops counting (a source's other tries still do)."""
        rows = self._locked(sorted(key for key, _ in keyed))
        for key, rule in keyed:
            _store(rows[key], _counter(rows[key]).given_back(rule))

    def clear(self, key: str) -> None:
        self.session.execute(delete(ThrottleRow).where(ThrottleRow.key == key))

    def prune(self, now: datetime, idle: timedelta) -> int:
        """Forget counters quiet for `idle` and no longer blocking: the table stays small."""
        result = self.session.execute(
            delete(ThrottleRow).where(
                ThrottleRow.last_at < now - idle,
                (ThrottleRow.blocked_until.is_(None)) | (ThrottleRow.blocked_until < now),
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def _locked(self, keys: list[str]) -> dict[str, ThrottleRow]:
        """The rows of `keys`, created if missing, locked in key order (no deadlocks)."""
        dialect = self.session.get_bind().dialect.name
        builder = postgresql.insert if dialect == "postgresql" else sqlite.insert
        for key in keys:
            # a concurrent insert of the same key waits for ours and then does nothing
            self.session.execute(
                builder(ThrottleRow)
                .values(key=key, hits=0, last_at=_EPOCH, blocked_until=None)
                .on_conflict_do_nothing(index_elements=["key"])
            )
        found = self.session.scalars(
            select(ThrottleRow)
            .where(ThrottleRow.key.in_(keys))
            .order_by(ThrottleRow.key)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).all()
        return {row.key: row for row in found}


_EPOCH = datetime.fromisoformat("2000-01-01T00:00:00+00:00")


def _counter(row: ThrottleRow) -> Counter:
    fresh = row.hits == 0 and row.last_at == _EPOCH
    return Counter(row.hits, None if fresh else row.last_at, row.blocked_until)


def _store(row: ThrottleRow, counter: Counter) -> None:
    row.hits = counter.hits
    row.last_at = counter.last_at or _EPOCH
    row.blocked_until = counter.blocked_until
