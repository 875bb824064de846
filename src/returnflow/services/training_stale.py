"""Lessons to re-read after a policy change (issue 17, R16.8): the bus handler and the page.

`policy.published` (storage/policies.py hands it over when a version is stored) runs
`mark_stale`: the new version is compared with the one before it
(domain/training_stale.py); every lesson whose taught values changed is marked for
re-reading for each person holding a certificate in its skill that still lets them
work, and each of them gets one personal notification for the version. Opening the
lesson and confirming clears the mark (`confirm_reread`).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from returnflow.domain import training_stale
from returnflow.domain.events import DomainEvent
from returnflow.domain.text import Text
from returnflow.domain.training import GRACE_DAYS, Skill
from returnflow.domain.training_notice_words import lessons_to_reread
from returnflow.domain.training_stale import Reread
from returnflow.services import staff_notices
from returnflow.services.errors import NotFound
from returnflow.services.unit_of_work import UnitOfWork


def mark_stale(uow: UnitOfWork, event: DomainEvent, now: datetime) -> None:
    """The handler of `policy.published`; a version with no version before it marks nothing."""
    version = int(event.data.get("version") or 0)
    mark_stale_for(uow, version, now)


def mark_stale_for(uow: UnitOfWork, version: int, now: datetime) -> dict[str, list[str]]:
    """Mark the lessons `version` made stale; who must re-read what (new marks only)."""
    book = uow.policies.book()
    by_number = {v.version: v for v in book.versions}
    new, old = by_number.get(version), by_number.get(version - 1)
    if new is None or old is None:
        return {}
    asked: dict[str, list[str]] = defaultdict(list)
    holders_of: dict[str, list[str]] = {}
    for stale in training_stale.stale_lessons(old, new):
        if stale.skill not in holders_of:
            since = now - timedelta(days=GRACE_DAYS)
            holders_of[stale.skill] = uow.training.holders(Skill(stale.skill), since)
        for username in holders_of[stale.skill]:
            reread = Reread(username, stale.skill, stale.lesson, version, now)
            if uow.training.add_reread(reread):
                asked[username].append(stale.lesson)
    ids = uow.training.user_ids(sorted(asked))
    drafts = [lessons_to_reread(ids[name], version, asked[name]) for name in asked if name in ids]
    staff_notices.notify(uow, drafts, now)
    return dict(asked)


def rereads_of(uow: UnitOfWork, username: str) -> dict[str, Reread]:
    """My open re-read requests, by lesson key."""
    return {reread.lesson: reread for reread in uow.training.open_rereads(username)}


def confirm_reread(uow: UnitOfWork, username: str, lesson: str, now: datetime) -> None:
    """I have opened the lesson and read it again: the mark is cleared."""
    if not uow.training.clear_reread(username, lesson, now):
        raise NotFound(
            "reread_not_found",
            Text("这节课无需重新学习", "This lesson is not waiting to be re-read"),
            field="lesson",
        )
