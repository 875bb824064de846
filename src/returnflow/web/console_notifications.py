"""The console's notifications (issue 13): the list, opening one, marking all read.

Every staff page shows a bell with the account's unread count (web/staff_page.py);
it links here. Opening a notification marks it read and goes to what it is about
(the request, complaint, dispute or approvals page).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.params import RowId
from returnflow.entrypoints.steps import perform
from returnflow.services import staff_notices as service
from returnflow.web.guards import check_csrf
from returnflow.web.paging import PageAsked, page_number, pager
from returnflow.web.roles import NoticeReader
from returnflow.web.staff_page import render_staff

router = APIRouter(include_in_schema=False)


@router.get("/staff/notifications")
def notifications_page(
    request: Request,
    context: Context,
    session: NoticeReader,
    page: PageAsked = "1",
    unread: bool = False,
) -> Response:
    """Newest first, the unread marked; each opens what it is about."""
    with context.uow() as uow:
        found = service.notices_for(uow, session.principal, page_number(page), unread_only=unread)
        if found.page > found.pages:  # past the last page: the last
            found = service.notices_for(uow, session.principal, found.pages, unread_only=unread)
    kept = {"unread": "true"} if unread else {}
    control = pager("/staff/notifications", found.total, found.page, kept, found.page_size)
    values = {"found": found, "unread_only": unread, "pager": control}
    return render_staff(
        request, session, "staff/notifications.html", values, section="notifications"
    )


@router.get("/staff/notifications/{notification_id}/open")
def open_notification(context: Context, session: NoticeReader, notification_id: RowId) -> Response:
    """Marked read, then on to the request, complaint or dispute (404: not one's own)."""
    notice = perform(
        context, lambda uow, now: service.mark_read(uow, session.principal, notification_id, now)
    )
    target = notice.link if notice.link.startswith("/staff") else "/staff/notifications"
    return RedirectResponse(target, status_code=303)


@router.post("/staff/notifications/read-all")
def read_all(
    context: Context,
    session: NoticeReader,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    check_csrf(session, csrf_token)
    perform(context, lambda uow, now: service.mark_all_read(uow, session.principal, now))
    return RedirectResponse("/staff/notifications", status_code=303)
