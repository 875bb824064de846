"""Staff and merchant notifications (issue 13): make them once, list, open, mark read.

`notify` stores drafts (domain/staff_notice_words.py says which events make which).
A merchant's notification is also mailed to its accounts that gave an address (if one
has when it is made), through the outbox (topic `MAIL_TOPIC`, jobs/staff_notices.py),
so it leaves only if the notification was stored. Everyone reads what is addressed to
them, their role or their merchant; reads are per account.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from returnflow.domain.access import Principal
from returnflow.domain.input_bounds import MAX_PAGE
from returnflow.domain.staff_notices import (
    PAGE_SIZE_MAX,
    AudienceKind,
    Draft,
    NoticePage,
    StaffNotice,
    audiences_of,
    checked_email,
)
from returnflow.domain.text import Text
from returnflow.services.errors import NotFound
from returnflow.services.unit_of_work import UnitOfWork

MAIL_TOPIC = "notify.staff_mail"
PAGE_SIZE = 20


def notify(uow: UnitOfWork, drafts: Iterable[Draft], now: datetime) -> list[int]:
    """Store each draft once (its dedupe key); the ids of those made now."""
    made: list[int] = []
    for draft in drafts:
        notice_id = uow.staff_notices.add(draft, now)
        if notice_id is None:
            continue
        made.append(notice_id)
        merchant = draft.audience.value
        if draft.audience.kind is AudienceKind.MERCHANT and uow.staff_notices.mail_to(merchant):
            payload = {"dedupe_key": draft.dedupe_key, "merchant_id": merchant}
            uow.outbox.put(MAIL_TOPIC, payload, now)
    return made


def notices_for(
    uow: UnitOfWork,
    principal: Principal,
    page: int = 1,
    page_size: int = PAGE_SIZE,
    *,
    unread_only: bool = False,
) -> NoticePage:
    """One page of the account's notifications, newest first, with its unread count."""
    return uow.staff_notices.page(
        audiences_of(principal),
        principal.user_id,
        min(max(page, 1), MAX_PAGE),
        min(max(page_size, 1), PAGE_SIZE_MAX),
        unread_only=unread_only,
    )


def unread_count(uow: UnitOfWork, principal: Principal) -> int:
    return uow.staff_notices.unread(audiences_of(principal), principal.user_id)


def mark_read(uow: UnitOfWork, principal: Principal, notice_id: int, now: datetime) -> StaffNotice:
    """Mark one read (opening it does); someone else's looks like one that is not there."""
    found = uow.staff_notices.get(notice_id, audiences_of(principal), principal.user_id)
    if found is None:
        raise NotFound(
            "notification_not_found",
            Text("找不到该通知", "The notification was not found"),
        )
    if found.read_at is None:
        uow.staff_notices.mark_read(notice_id, principal.user_id, now)
    return found


def mark_all_read(uow: UnitOfWork, principal: Principal, now: datetime) -> int:
    """Every notification the account sees, read now; how many were unread."""
    return uow.staff_notices.mark_all_read(audiences_of(principal), principal.user_id, now)


def set_email(uow: UnitOfWork, user_id: int, email: str | None) -> str | None:
    """An account's notification address (None: no mail)."""
    address = checked_email(email)
    uow.staff_notices.set_email(user_id, address)
    return address
