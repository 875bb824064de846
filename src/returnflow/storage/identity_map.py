"""The identity map every tracking repository keeps: one unit of work's (aggregate, row) pairs.

Why one piece: a unit of work must see one object per record, however many services
ask for it (two copies would each be written back, the second undoing the first), and
an aggregate's events must leave exactly once (written to the outbox on the commit
that stores the change, then cleared, so a second `flush_changes` hands over nothing).
Each repository used to spell that out with its own `_seen` dict and flush loop; now
it keeps an `IdentityMap` and says only what is its own: how a row is read, how an
aggregate is built from it and how it is written back. `uow.rollback` builds the
repositories afresh, and a map that outlives them (the shipments' map, kept in the
session) is emptied with `clear()`.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from sqlalchemy import Select
from sqlalchemy.orm import Session

from returnflow.domain.events import DomainEvent, RaisesEvents, take_events

K = TypeVar("K", bound=Hashable)
A = TypeVar("A", bound=RaisesEvents)
R = TypeVar("R")
T = TypeVar("T")


class IdentityMap(Generic[K, A, R]):
    """The aggregates one unit of work loaded or added, each with the row it writes to."""

    def __init__(self) -> None:
        self._pairs: dict[K, tuple[A, R]] = {}

    def __contains__(self, key: K) -> bool:
        return key in self._pairs

    def remember(self, key: K, aggregate: A, row: R) -> A:
        """Keep `aggregate` (stored in `row`) as the one object for `key`; returns it."""
        self._pairs[key] = (aggregate, row)
        return aggregate

    def recall(self, key: K) -> A | None:
        """The aggregate remembered for `key`, if any."""
        known = self._pairs.get(key)
        return None if known is None else known[0]

    def row_of(self, key: K) -> R:
        """The row of a remembered aggregate (KeyError for one never loaded or added)."""
        return self._pairs[key][1]

    def adopt(self, key: K, row: R, build: Callable[[R], A]) -> A:
        """The aggregate remembered for `key`, or `build(row)`, remembered from now on."""
        known = self._pairs.get(key)
        return known[0] if known is not None else self.remember(key, build(row), row)

    def recall_or_load(
        self, key: K, find: Callable[[], R | None], build: Callable[[R], A]
    ) -> A | None:
        """The aggregate remembered for `key`; else the row `find` reads (None: no such
        record) built into an aggregate and remembered."""
        known = self.recall(key)
        if known is not None:
            return known
        row = find()
        return None if row is None else self.remember(key, build(row), row)

    def forget(self, key: K) -> None:
        """Drop one pair: the next look-up reads the record afresh."""
        self._pairs.pop(key, None)

    def clear(self) -> None:
        """Drop every pair (after a rollback nothing loaded before is written back)."""
        self._pairs.clear()

    def pairs(self) -> list[tuple[A, R]]:
        """Every (aggregate, row), in the order first remembered (a copy: safe to write)."""
        return list(self._pairs.values())

    def write_back(self, write: Callable[[A, R], None]) -> None:
        """Write each remembered aggregate onto its row."""
        for aggregate, row in self.pairs():
            write(aggregate, row)

    def take_events(self) -> list[DomainEvent]:
        """The aggregates' new events, handed over once: each aggregate's are cleared."""
        return take_events(aggregate for aggregate, _ in self.pairs())

    def flush(self, write: Callable[[A, R], None]) -> list[DomainEvent]:
        """Write every pair back, then hand over (and clear) the aggregates' new events."""
        self.write_back(write)
        return self.take_events()


class TrackingRepository(Generic[K, A, R]):
    """The tracking half of a repository: its session, its identity map and how one of
    its aggregates is written onto its row.

    `sync` writes every remembered aggregate back (queries later in the transaction see
    the changes); `flush_changes`, which the unit of work calls on commit, does so and
    hands over their new events. A repository that writes back differently (store
    credit, the shipments' shared map, the warehouse's three maps) keeps an
    `IdentityMap` of its own instead.
    """

    def __init__(self, session: Session, write: Callable[[A, R], None]) -> None:
        self.session = session
        self._map: IdentityMap[K, A, R] = IdentityMap()
        self._write_row = write

    def sync(self) -> None:
        """Write every remembered aggregate back to its row, so queries see the changes."""
        self._map.write_back(self._write_row)
        self.session.flush()

    def flush_changes(self) -> list[DomainEvent]:
        """Sync every remembered aggregate; hand over their new events, once."""
        self.sync()
        return self._map.take_events()


def one_row(session: Session, query: Select[T], *, for_update: bool = False) -> T | None:
    """The first row `query` selects (None if none), locked until the transaction ends
    when `for_update` is asked."""
    if for_update:
        query = query.with_for_update()
    return session.scalars(query).first()
