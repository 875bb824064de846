"""The in-memory twin of `storage/appeals.py` for the service tests (tests/support/fake_uow.py).

What is committed lives on the `FakeDatabase` (`committed(db)`); a unit of work reads
copies, and its commit stores them and hands over their events, once. Adding a second
appeal for a request is refused like the table's unique `rma_no` (`ConcurrentUpdate`).
"""

from __future__ import annotations

import copy
from typing import Any, cast

from returnflow.domain.appeals import Appeal, AppealStatus
from returnflow.domain.events import DomainEvent, take_events
from returnflow.services.unit_of_work import ConcurrentUpdate
from returnflow.storage.appeals import AppealPage, AppealSummary


def committed(db: Any) -> dict[str, Appeal]:
    """The appeals a `FakeDatabase` holds (kept on it, so each test starts empty)."""
    return cast(dict[str, Appeal], vars(db).setdefault("appeals", {}))


class FakeAppeals:
    def __init__(self, db: Any) -> None:
        self.db = db
        self.seen: dict[str, Appeal] = {}

    def get(self, rma_no: str, *, for_update: bool = False) -> Appeal | None:
        if rma_no not in self.seen:
            stored = committed(self.db).get(rma_no)
            if stored is None:
                return None
            self.seen[rma_no] = copy.deepcopy(stored)
        return self.seen[rma_no]

    def add(self, appeal: Appeal) -> None:
        if appeal.rma_no in self.seen or appeal.rma_no in committed(self.db):
            raise ConcurrentUpdate(f"{appeal.rma_no} already has an appeal")
        self.seen[appeal.rma_no] = appeal

    def _current(self) -> list[Appeal]:
        return list({**committed(self.db), **self.seen}.values())

    def page(
        self,
        status: AppealStatus | None,
        page: int,
        page_size: int,
        *,
        merchant_scope: str | None = None,
    ) -> AppealPage:
        found = sorted(
            (
                a
                for a in self._current()
                if (status is None or a.status is status)
                and (merchant_scope is None or a.merchant_id == merchant_scope)
            ),
            key=lambda a: a.filed_at,
        )
        start = (page - 1) * page_size
        return AppealPage(tuple(_summary(a) for a in found[start : start + page_size]), len(found))

    def photo_owners(self, name: str) -> set[str]:
        return {a.rma_no for a in self._current() if name in a.photos}

    def flush_changes(self) -> list[DomainEvent]:
        """Called by the fake's commit: store copies, hand over the new events once."""
        events = take_events(self.seen.values())
        store = committed(self.db)
        for rma_no, appeal in self.seen.items():
            store[rma_no] = copy.deepcopy(appeal)
        return events


def _summary(appeal: Appeal) -> AppealSummary:
    return AppealSummary(
        rma_no=appeal.rma_no,
        merchant_id=appeal.merchant_id,
        customer_id=appeal.customer_id,
        subject=appeal.subject,
        status=appeal.status,
        statement=appeal.statement,
        photo_count=len(appeal.photos),
        filed_by=appeal.filed_by,
        filed_at=appeal.filed_at,
        decided_at=appeal.decided_at,
    )
