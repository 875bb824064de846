"""One process at a time for slow work done outside any transaction (issue 11).

Some work is heavy and not a write: rendering the periodic report takes seconds of
CPU, done on the read path so no write lock is held meanwhile (jobs/reports.py). Two
workers started together both found the report missing and both rendered it; the unique
key kept one, the other's seconds were wasted. `alone(engine, name)` takes a
session-level advisory lock on PostgreSQL on a connection of its own, held while the
block runs and released after it (or with the connection, if the process dies), without
a transaction open. It only tries: the block learns whether the turn is its own and
does nothing otherwise. SQLite always gives the turn (one file, writers queue anyway).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text


def _key(name: str) -> int:
    """A stable signed 64-bit key per name (advisory locks are numbered)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@contextmanager
def alone(engine: Engine, name: str) -> Iterator[bool]:
    """True inside the block when no other process holds the turn named `name`."""
    if engine.dialect.name != "postgresql":
        yield True
        return
    key = _key(f"returnflow.turn:{name}")
    with engine.connect() as connection:
        mine = bool(connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}))
        connection.commit()
        try:
            yield mine
        finally:
            if mine:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                connection.commit()
