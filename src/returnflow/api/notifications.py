"""In-console notifications for the signed-in account (issue 13): list, read, read all.

Every staff role holds `notifications.view` (`NoticeReader`); each account sees what is
addressed to it, its role or its merchant. Someone else's notification answers 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from returnflow.api.roles import NoticeReader
from returnflow.domain.staff_notices import PAGE_SIZE_MAX, StaffNotice
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.params import MAX_PAGE, RowId
from returnflow.entrypoints.steps import perform
from returnflow.services import staff_notices as service

router = APIRouter(prefix="/api/v1", tags=["notifications"])


class BilingualOut(BaseModel):
    zh: str
    en: str


class NotificationOut(BaseModel):
    id: int
    kind: str
    kind_label: BilingualOut
    rma_no: str
    complaint_no: str
    dispute_no: str
    link: str
    subject: BilingualOut
    body: BilingualOut
    created_at: datetime
    read_at: datetime | None
    unread: bool


class NotificationsOut(BaseModel):
    notifications: list[NotificationOut]
    total: int
    unread: int
    page: int
    page_size: int
    pages: int


class ReadAllOut(BaseModel):
    marked: int
    unread: int


def _out(notice: StaffNotice) -> NotificationOut:
    return NotificationOut(
        id=notice.id,
        kind=notice.kind.value,
        kind_label=BilingualOut(zh=notice.kind.label.zh, en=notice.kind.label.en),
        rma_no=notice.rma_no,
        complaint_no=notice.complaint_no,
        dispute_no=notice.dispute_no,
        link=notice.link,
        subject=BilingualOut(zh=notice.subject.zh, en=notice.subject.en),
        body=BilingualOut(zh=notice.body.zh, en=notice.body.en),
        created_at=notice.created_at,
        read_at=notice.read_at,
        unread=notice.unread,
    )


@router.get("/notifications", response_model=NotificationsOut)
def notifications(
    context: Context,
    principal: NoticeReader,
    unread: bool = False,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    page_size: Annotated[int, Query(ge=1, le=PAGE_SIZE_MAX)] = service.PAGE_SIZE,
) -> NotificationsOut:
    """The account's notifications, newest first (`unread=true`: only the unread)."""
    with context.uow() as uow:
        found = service.notices_for(uow, principal, page, page_size, unread_only=unread)
    return NotificationsOut(
        notifications=[_out(notice) for notice in found.notices],
        total=found.total,
        unread=found.unread,
        page=found.page,
        page_size=found.page_size,
        pages=found.pages,
    )


@router.post("/notifications/read-all", response_model=ReadAllOut)
def read_all(context: Context, principal: NoticeReader) -> ReadAllOut:
    """Every notification the account sees, marked read."""
    marked = perform(context, lambda uow, now: service.mark_all_read(uow, principal, now))
    return ReadAllOut(marked=marked, unread=0)


@router.post("/notifications/{notification_id}/read", response_model=NotificationOut)
def read_one(context: Context, principal: NoticeReader, notification_id: RowId) -> NotificationOut:
    """One notification, marked read (404: not there, or not addressed to this account)."""
    notice = perform(
        context, lambda uow, now: service.mark_read(uow, principal, notification_id, now)
    )
    return _out(notice)
