"""Staff and merchant notifications (issue 13): make them once, list, open, mark read.

`notify` stores drafts (domain/staff_notice_words.py says which events make which).
A merchant's notification is also mailed to its accounts that gave an address (if one
has when it is made), through the outbox (topic `MAIL_TOPIC`, jobs/staff_notices.py),
so it leaves only if the notification was stored. Everyone reads what is addressed to
them, their role or their merchant; reads are per account.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

from returnflow.domain.access import Principal
from returnflow.domain.events import DomainEvent
from returnflow.domain.input_bounds import MAX_PAGE
from returnflow.domain.staff_notice_words import drafts_for
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
from returnflow.services.repositories import OutboxWriter
from returnflow.services.unit_of_work import UnitOfWork

MAIL_TOPIC = "notify.staff_mail"
PAGE_SIZE = 20


class NoticeStore(Protocol):
    """What making notifications asks of `uow.staff_notices` (storage/staff_notices.py)."""

    def add(self, draft: Draft, now: datetime) -> int | None: ...

    def mail_to(self, merchant_id: str) -> bool: ...

    def queue(
        self, draft: Draft, now: datetime, mail: tuple[str, dict[str, Any]] | None
    ) -> bool: ...


class NoticeWork(Protocol):
    @property
    def staff_notices(self) -> NoticeStore: ...

    @property
    def outbox(self) -> OutboxWriter: ...


def notify(uow: NoticeWork, drafts: Iterable[Draft], now: datetime) -> list[int]:
    """Store each draft once (its dedupe key); the ids of those made now."""
    made: list[int] = []
    for draft in drafts:
        notice_id = uow.staff_notices.add(draft, now)
        if notice_id is None:
            continue
        made.append(notice_id)
        mail = _mail_of(draft)
        if mail is not None and uow.staff_notices.mail_to(draft.audience.value):
            uow.outbox.put(*mail, now)
    return made


def notify_with_change(uow: NoticeWork, events: Sequence[DomainEvent], now: datetime) -> None:
    """The notifications of a change's events, written in the change's own transaction
    (the outbox rule: a request filed is a merchant told, or neither; issue 11: no
    statement after the commit). What the bus handler `notify_staff` makes, made once
    (dedupe key) and mailed once: on PostgreSQL the store queues the notification with
    the transaction's batch, its mail's outbox row written by the same statement only if
    the notification was made and the merchant has an address; elsewhere (SQLite) it is
    made now, as `notify` does."""
    for event in events:
        data = {**event.data, "occurred_at": event.occurred_at.isoformat()}
        for draft in drafts_for(event.name, data):
            if not uow.staff_notices.queue(draft, now, _mail_of(draft)):
                notify(uow, [draft], now)


def _mail_of(draft: Draft) -> tuple[str, dict[str, Any]] | None:
    """A merchant's notification is mailed (topic and payload), if any account has mail."""
    if draft.audience.kind is not AudienceKind.MERCHANT:
        return None
    return MAIL_TOPIC, {"dedupe_key": draft.dedupe_key, "merchant_id": draft.audience.value}


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
