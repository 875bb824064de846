"""An in-memory twin of storage/disputes.py for the service tests (`uow.disputes`).

Committed disputes live on the `FakeDatabase` (as `db.disputes`, a dict by number); a
unit of work reads deep copies and stages its additions, and only the unit of work's
commit stores them. The core fake unit of work knows nothing of disputes, so this
repository joins its commit through the outbox it already applies: when the outbox is
applied (inside `FakeUnitOfWork.commit`), the disputes' new events go in first and the
staged disputes are stored after. Leaving the block without a commit keeps nothing.
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import TYPE_CHECKING, Any

from returnflow.domain.disputes import Dispute, DisputeStatus
from returnflow.domain.events import take_events
from returnflow.services.unit_of_work import ConcurrentUpdate

if TYPE_CHECKING:
    from tests.support.fake_uow import FakeDatabase, FakeUnitOfWork

COUNTER = "dispute_no"


def committed(db: FakeDatabase) -> dict[str, Dispute]:
    """The disputes stored on `db` (created empty on first use)."""
    stored: dict[str, Dispute] = vars(db).setdefault("disputes", {})
    return stored


class FakeDisputes:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self.db = uow.db
        self.seen: dict[str, Dispute] = {}
        self.added: set[str] = set()
        outbox = uow.outbox
        applied = outbox.apply

        def apply_with_disputes() -> None:
            for event in take_events(self.seen.values()):
                payload = {**event.data, "occurred_at": event.occurred_at.isoformat()}
                outbox.put(event.name, payload, event.occurred_at)
                self.db.published.append(event)
            applied()
            self.apply()

        outbox.apply = apply_with_disputes  # type: ignore[method-assign]

    # --- numbers and one dispute ------------------------------------------------------

    def next_number(self) -> int:
        """Like the PostgreSQL sequence: a number once handed out is gone."""
        self.db.counters[COUNTER] = self.db.counters.get(COUNTER, 0) + 1
        return self.db.counters[COUNTER]

    def add(self, dispute: Dispute) -> None:
        if dispute.dispute_no in self.seen or dispute.dispute_no in committed(self.db):
            raise ConcurrentUpdate(f"{dispute.dispute_no} exists")
        if self.open_for(dispute.rma_no) is not None:
            raise ConcurrentUpdate(f"{dispute.rma_no} has an open dispute")  # open_rma unique
        self.seen[dispute.dispute_no] = dispute
        self.added.add(dispute.dispute_no)

    def get(self, dispute_no: str, *, for_update: bool = False) -> Dispute | None:
        if dispute_no not in self.seen:
            stored = committed(self.db).get(dispute_no)
            if stored is None:
                return None
            self.seen[dispute_no] = copy.deepcopy(stored)
        return self.seen[dispute_no]

    def _current(self) -> list[Dispute]:
        every = {**committed(self.db), **self.seen}
        return [self.get(no) or every[no] for no in every]

    def open_for(self, rma_no: str, *, for_update: bool = False) -> Dispute | None:
        found = [d for d in self._current() if d.rma_no == rma_no and not d.is_closed]
        return found[0] if found else None

    def latest_for(self, rma_no: str) -> Dispute | None:
        found = [d for d in self._current() if d.rma_no == rma_no]
        return max(found, key=lambda d: d.dispute_no, default=None)

    # --- lists ------------------------------------------------------------------------

    def due(self, now: datetime, limit: int = 200) -> list[str]:
        found = [
            d
            for d in committed(self.db).values()
            if d.status is DisputeStatus.OPEN and d.evidence_due_at <= now
        ]
        found.sort(key=lambda d: (d.evidence_due_at, d.dispute_no))
        return [d.dispute_no for d in found[:limit]]

    def page(
        self, status: str | None, offset: int, limit: int, merchant_scope: str | None
    ) -> tuple[list[Dispute], int]:
        found = [
            d
            for d in self._current()
            if (status is None or d.status.value == status)
            and (merchant_scope is None or d.merchant_id == merchant_scope)
        ]
        found.sort(key=lambda d: (d.evidence_due_at, d.dispute_no))
        return [copy.deepcopy(d) for d in found[offset : offset + limit]], len(found)

    # --- commit -----------------------------------------------------------------------

    def flush_changes(self) -> list[Any]:
        return take_events(self.seen.values())

    def apply(self) -> None:
        store = committed(self.db)
        for no, dispute in self.seen.items():
            stored = store.get(no)
            if stored is not None and no not in self.added and stored.version != dispute.version:
                raise ConcurrentUpdate(f"{no} changed since it was read")
            if stored is None or dispute != stored:
                dispute.version += 1
            store[no] = copy.deepcopy(dispute)
        self.added.clear()
