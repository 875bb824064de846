"""The customer's in-app inbox and notice channels (issue 13, R1.3, R7.3).

The worker keeps every customer notice in the inbox (jobs/notices.py); here the portal
and the API read it, newest first, and the customer chooses the channels (email, SMS)
their notices go by besides the inbox.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from returnflow.domain.input_bounds import MAX_PAGE
from returnflow.domain.notices import CHOOSABLE, InboxPage, channels_for, parse_channels
from returnflow.domain.text import DomainError, Text
from returnflow.services.unit_of_work import UnitOfWork

PAGE_SIZE = 20


def customer_messages(uow: UnitOfWork, customer_id: str, page: int, page_size: int) -> InboxPage:
    """One page of the customer's messages, newest first (the API; nothing is marked read)."""
    return uow.notices.inbox(customer_id, min(max(page, 1), MAX_PAGE), page_size)


def open_inbox(uow: UnitOfWork, customer_id: str, page: int, now: datetime) -> InboxPage:
    """The portal's inbox page: shown with what was unread marked, then marked read."""
    found = customer_messages(uow, customer_id, page, PAGE_SIZE)
    if found.unread:
        uow.notices.mark_read(customer_id, now)
        uow.commit(now)
    return found


def channel_choice(uow: UnitOfWork, customer_id: str, sms_on: bool) -> dict[str, Any]:
    """What the channel form shows: the choice in force and what the customer can receive."""
    found = uow.notices.recipient(customer_id)
    return {
        "chosen": channels_for(found.chosen, found.email, found.phone, sms_on),
        "has_email": bool(found.email.strip()),
        "has_phone": bool(found.phone.strip()),
        "sms_on": sms_on,
    }


def choose_channels(uow: UnitOfWork, values: dict[str, Any], actor: str, now: datetime) -> None:
    """The customer's channels (email and/or SMS); the inbox always keeps every notice."""
    del actor  # the portal link proves the customer
    picked = parse_channels(",".join(str(v) for v in values.get("channels", ())))
    if not picked or any(str(v) not in CHOOSABLE for v in values.get("channels", ())):
        raise DomainError(
            "channels_invalid",
            Text("请至少选择一种通知方式", "Choose at least one way to be notified"),
            field="channels",
        )
    uow.notices.choose(str(values["customer_id"]), picked, now)
    uow.commit(now)
