"""What a process's last commit left of a return request, so the next unit of work need
not read the request whole again (issue 11).

A payment commits the refund and the request's move, then the bus's follow-ons each
open a unit of work of their own (the completion, the survey invitation) and each read
the same request: its row, lines, history and refund, four statements and most of a
payment's CPU, three times. After a commit each request the unit of work held is kept
here as a `Snapshot`: its row's columns as written, its lines and history as the
aggregate had them, and the history's length and last hash.

A snapshot is never trusted on its own: `ReturnRepository.get` reads the request's own
row (locked when asked) with its refund's columns, its history's length and last hash
and the count of lines with a reason text, in one statement, and uses the snapshot only
when every column of the row equals the snapshot's (the `version` among them) and the
history's length and last hash match. Any change by anyone (another process, a plain
UPDATE that leaves the version alone, anonymising) shows in those, and the request is
then read whole as before. Snapshots are kept only after the transaction commits, never
for one rolled back; the store is per process, bounded, keyed by database and RMA.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from sqlalchemy import Table, event
from sqlalchemy.orm import Session

from returnflow.domain.returns import ReturnLine, ReturnRequest, StatusChange
from returnflow.storage.return_rows import Tail
from returnflow.storage.schema import ReturnRow

_RETURNS: Table = ReturnRow.__table__  # type: ignore[assignment]
_KEYS = tuple(column.key for column in _RETURNS.columns)
_PENDING = "returnflow.return_snapshots"  # in session.info until the commit
# snapshots kept per process, the least recently kept dropped first: a payment's follow-ons
# read its request within the same worker round (at most 50 messages), and an API
# process must not grow with every request it files (RSS < 150 MB, issue 11)
LIMIT = 256


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A committed request: its row's columns, and the parts its aggregate was built of."""

    columns: tuple[Any, ...]  # the returns row's columns in table order, as written
    lines: tuple[ReturnLine, ...]
    history: tuple[StatusChange, ...]
    last_hash: str | None
    texts: int  # lines with a reason text

    def vouches(self, row: ReturnRow, count: int, last: str | None, texts: int) -> bool:
        """Whether the row read now (with its history's length and last hash) is the
        one this snapshot was taken of."""
        if count != len(self.history) or last != self.last_hash or texts != self.texts:
            return False
        state = row.__dict__
        return all(state.get(key) == value for key, value in zip(_KEYS, self.columns, strict=True))


def snapshot_of(request: ReturnRequest, row: ReturnRow, tail: Tail | None) -> Snapshot | None:
    """The snapshot of a request just written back onto its row (after the flush), or
    None when the row or its history is not all known here."""
    state = row.__dict__
    if any(key not in state for key in _KEYS):
        return None  # expired or never loaded: nothing to vouch with
    if tail is not None:
        count, last = tail.count, tail.last_hash
    elif "history" in state:
        stored = row.history
        count, last = len(stored), (stored[-1].row_hash if stored else None)
    else:
        return None
    history = tuple(request.history)
    if count != len(history) or any(change.at.tzinfo is not UTC for change in history):
        return None  # a time not as the database gives it back: read it afresh
    return Snapshot(
        columns=tuple(state[key] for key in _KEYS),
        lines=request.lines,
        history=history,
        last_hash=last,
        texts=sum(1 for line in request.lines if line.reason_text),
    )


class _Store:
    """The process's snapshots, least recently kept dropped first beyond `LIMIT`."""

    def __init__(self) -> None:
        self._items: OrderedDict[Hashable, Snapshot] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Snapshot | None:
        with self._lock:
            return self._items.get(key)

    def put(self, items: dict[Hashable, Snapshot | None]) -> None:
        with self._lock:
            for key, snapshot in items.items():
                self._items.pop(key, None)
                if snapshot is not None:
                    self._items[key] = snapshot
            while len(self._items) > LIMIT:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


STORE = _Store()


class Snapshots:
    """One unit of work's view of the store: recall by RMA, keep until the commit."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._database: Hashable | None = None

    def _key(self, rma_no: str) -> Hashable:
        if self._database is None:
            self._database = self.session.get_bind().engine.url
        return (self._database, rma_no)

    def recall(self, rma_no: str) -> Snapshot | None:
        return STORE.get(self._key(rma_no))

    def keep(self, rma_no: str, snapshot: Snapshot | None) -> None:
        """Kept once this transaction commits (None: the old snapshot is dropped then)."""
        pending: dict[Hashable, Snapshot | None] = self.session.info.setdefault(_PENDING, {})
        pending[self._key(rma_no)] = snapshot


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        STORE.put(pending)


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop(_PENDING, None)
