"""The in-memory twin of `storage/staff_notices.py` for service tests (tests/support/fake_uow.py).

Notifications and reads staged in a unit of work join its commit through the outbox's
apply (as the surveys' fake does); a dedupe key already taken makes nothing, as the
table's unique key does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, cast

from returnflow.domain.staff_notices import Audience, Draft, NoticePage, StaffNotice


def committed(db: Any) -> dict[str, Any]:
    """{"notices": {key: (notice, audience)}, "reads": {(id, user): at}, "emails": {...}}."""
    return cast(
        dict[str, Any],
        vars(db).setdefault("staff_notices", {"notices": {}, "reads": {}, "emails": {}}),
    )


class FakeStaffNotices:
    def __init__(self, uow: Any) -> None:
        self.db = uow.db
        self.staged: dict[str, tuple[StaffNotice, Audience]] = {}
        self.reads: dict[tuple[int, int], datetime] = {}
        self.emails: dict[int, str | None] = {}
        outbox = uow.outbox
        applied = outbox.apply

        def apply_with_notices() -> None:
            applied()
            store = committed(self.db)
            store["notices"].update(self.staged)
            store["reads"].update(self.reads)
            store["emails"].update(self.emails)

        outbox.apply = apply_with_notices

    def _all(self) -> dict[str, tuple[StaffNotice, Audience]]:
        return {**committed(self.db)["notices"], **self.staged}

    def _reads(self) -> dict[tuple[int, int], datetime]:
        return {**committed(self.db)["reads"], **self.reads}

    def add(self, draft: Draft, now: datetime) -> int | None:
        if draft.dedupe_key in self._all():
            return None
        notice_id = len(self._all()) + 1
        notice = StaffNotice(
            notice_id,
            draft.kind,
            draft.rma_no,
            draft.complaint_no,
            draft.dispute_no,
            draft.path,
            draft.subject,
            draft.body,
            now,
            None,
        )
        self.staged[draft.dedupe_key] = (notice, draft.audience)
        return notice_id

    def _visible(self, audiences: Sequence[Audience], user_id: int) -> list[StaffNotice]:
        reads = self._reads()
        found = [
            replace(notice, read_at=reads.get((notice.id, user_id)))
            for notice, audience in self._all().values()
            if audience in audiences
        ]
        return sorted(found, key=lambda n: (n.created_at, n.id), reverse=True)

    def page(
        self,
        audiences: Sequence[Audience],
        user_id: int,
        page: int,
        page_size: int,
        *,
        unread_only: bool = False,
    ) -> NoticePage:
        found = [n for n in self._visible(audiences, user_id) if n.unread or not unread_only]
        shown = tuple(found[(page - 1) * page_size : page * page_size])
        return NoticePage(shown, len(found), self.unread(audiences, user_id), page, page_size)

    def unread(self, audiences: Sequence[Audience], user_id: int) -> int:
        return sum(1 for n in self._visible(audiences, user_id) if n.unread)

    def get(
        self, notice_id: int, audiences: Sequence[Audience], user_id: int
    ) -> StaffNotice | None:
        return next((n for n in self._visible(audiences, user_id) if n.id == notice_id), None)

    def mark_read(self, notice_id: int, user_id: int, now: datetime) -> None:
        self.reads.setdefault((notice_id, user_id), now)

    def mark_all_read(self, audiences: Sequence[Audience], user_id: int, now: datetime) -> int:
        unread = [n for n in self._visible(audiences, user_id) if n.unread]
        for notice in unread:
            self.mark_read(notice.id, user_id, now)
        return len(unread)

    def mail_to(self, merchant_id: str) -> bool:
        """A merchant with an address, as tests set it: db.staff_notices["mailed"]."""
        return merchant_id in committed(self.db).get("mailed", set())

    def queue(self, draft: Draft, now: datetime, mail: tuple[str, dict[str, Any]] | None) -> bool:
        """As on SQLite: nothing queued, the caller makes the notice now (`add`)."""
        return False

    def set_email(self, user_id: int, email: str | None) -> None:
        self.emails[user_id] = email
