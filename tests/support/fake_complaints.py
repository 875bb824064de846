"""An in-memory twin of storage/complaints.py for the service tests (`uow.complaints`).

Committed complaints live on the `FakeDatabase` (as `db.complaints`, a dict by number),
the agents' labels as `db.complaint_labels` and key-account customers as
`db.key_accounts`; a unit of work reads deep copies and stages its additions, and only
the unit of work's commit stores them. Like tests/support/fake_disputes.py it joins the
core fake's commit through the outbox it already applies: the complaints' new events
go in first, the staged complaints and labels are stored after. Leaving the block
without a commit keeps nothing. Method names and meanings follow the real repository.
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import TYPE_CHECKING

from returnflow.domain.complaints import Complaint, ComplaintLabel
from returnflow.domain.events import take_events
from returnflow.services.complaint_queries import record_of
from returnflow.services.unit_of_work import ConcurrentUpdate
from returnflow.storage.complaints import SERIAL, ComplaintFilter, ComplaintRecord

if TYPE_CHECKING:
    from tests.support.fake_uow import FakeDatabase, FakeUnitOfWork


def committed(db: FakeDatabase) -> dict[str, Complaint]:
    """The complaints stored on `db` (created empty on first use)."""
    stored: dict[str, Complaint] = vars(db).setdefault("complaints", {})
    return stored


def labels(db: FakeDatabase) -> list[ComplaintLabel]:
    stored: list[ComplaintLabel] = vars(db).setdefault("complaint_labels", [])
    return stored


def key_accounts(db: FakeDatabase) -> set[str]:
    """Customers flagged as key accounts (the customers.key_account column)."""
    stored: set[str] = vars(db).setdefault("key_accounts", set())
    return stored


class FakeComplaints:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self.db = uow.db
        self.seen: dict[str, Complaint] = {}
        self.added: set[str] = set()
        self.staged_labels: list[ComplaintLabel] = []
        outbox = uow.outbox
        applied = outbox.apply

        def apply_with_complaints() -> None:
            for event in take_events(self.seen.values()):
                payload = {**event.data, "occurred_at": event.occurred_at.isoformat()}
                outbox.put(event.name, payload, event.occurred_at)
                self.db.published.append(event)
            applied()
            self.apply()

        outbox.apply = apply_with_complaints  # type: ignore[method-assign]

    def next_serial(self) -> int:
        """Like the PostgreSQL sequence: a number once handed out is gone."""
        self.db.counters[SERIAL] = self.db.counters.get(SERIAL, 0) + 1
        return self.db.counters[SERIAL]

    def get(self, complaint_no: str, *, for_update: bool = False) -> Complaint | None:
        if complaint_no not in self.seen:
            stored = committed(self.db).get(complaint_no)
            if stored is None:
                return None
            self.seen[complaint_no] = copy.deepcopy(stored)
        return self.seen[complaint_no]

    def add(self, complaint: Complaint) -> None:
        no = complaint.complaint_no
        if no in self.seen or no in committed(self.db):
            raise ConcurrentUpdate(f"{no} exists")  # the unique complaint_no
        self.seen[no] = complaint
        self.added.add(no)

    def sync(self) -> None:
        """Nothing to write: the queries below read the staged complaints too."""

    def _current(self) -> list[Complaint]:
        every = {**committed(self.db), **self.seen}
        return list(every.values())

    def breach_candidates(self, now: datetime, limit: int = 500) -> list[str]:
        due = [
            c
            for c in self._current()
            if c.resolved_at is None
            and (
                (
                    c.first_responded_at is None
                    and c.first_response_breached_at is None
                    and c.first_response_due_at <= now
                )
                or (c.resolve_breached_at is None and c.resolve_due_at <= now)
            )
        ]
        due.sort(key=lambda c: (c.next_due_at or now, c.complaint_no))
        return [c.complaint_no for c in due][:limit]

    def search(
        self, where: ComplaintFilter, offset: int, limit: int
    ) -> tuple[list[ComplaintRecord], int]:
        records = [record_of(c) for c in self._current()]
        found = [r for r in records if _matches(r, where)]
        found.sort(key=_queue_order)
        return found[offset : offset + limit], len(found)

    def for_customer(self, customer_id: str, limit: int = 200) -> list[ComplaintRecord]:
        mine = [record_of(c) for c in self._current() if c.customer_id == customer_id]
        mine.sort(key=lambda r: (r.filed_at, r.complaint_no), reverse=True)
        return mine[:limit]

    def is_key_account(self, customer_id: str) -> bool:
        return customer_id in key_accounts(self.db)

    def add_label(self, label: ComplaintLabel) -> None:
        self.staged_labels.append(label)

    def corrections(self, limit: int = 10_000) -> list[ComplaintLabel]:
        return [label for label in labels(self.db) if label.corrected][:limit]

    def apply(self) -> None:
        stored = committed(self.db)
        for no, complaint in self.seen.items():
            stored[no] = copy.deepcopy(complaint)
        labels(self.db).extend(self.staged_labels)
        self.seen.clear()
        self.added.clear()
        self.staged_labels = []


def _matches(r: ComplaintRecord, where: ComplaintFilter) -> bool:
    wanted = {
        "status": where.status,
        "category": where.category,
        "team": where.team,
        "flag": where.flag,
        "merchant_id": where.merchant_id,
        "customer_id": where.customer_id,
    }
    if any(value is not None and getattr(r, name) != value for name, value in wanted.items()):
        return False
    breached = r.first_response_breached_at is not None or r.resolve_breached_at is not None
    return where.breached is None or where.breached == breached


def _queue_order(r: ComplaintRecord) -> tuple[bool, datetime, float]:
    """Like the SQL: running deadline first (earliest first), resolved last, newest first."""
    due = r.next_due_at or r.filed_at
    return (r.next_due_at is None, due, -r.filed_at.timestamp())
