"""The customer's inbox in the portal, and the channels their notices go by (issue 13).

Under the signed order link, as every portal page: "Messages" lists every notice the
customer was sent, newest first, what was unread marked (and then read); a small form
chooses email and/or SMS besides the inbox.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.params import FormList
from returnflow.entrypoints.steps import perform
from returnflow.services import inbox as service
from returnflow.services import portal as portal_service
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.web.paging import PageAsked, page_number, pager
from returnflow.web.portal_common import PortalRoute, access_of, actor
from returnflow.web.portal_links import link_invalid
from returnflow.web.templating import render

router = APIRouter(prefix="/portal", include_in_schema=False, route_class=PortalRoute)


@router.get("/o/{token}/messages")
def messages_page(
    request: Request, token: str, context: Context, page: PageAsked = "1"
) -> Response:
    """Newest first; unread ones marked, then marked read."""
    access = access_of(context, token)
    sms_on = bool(context.settings.twilio_account_sid and context.settings.twilio_auth_token)

    def read(uow: UnitOfWork, now: datetime) -> dict[str, Any]:
        if portal_service.customer_order(uow, access.order_no, access.customer_id) is None:
            raise link_invalid()
        choice = service.channel_choice(uow, access.customer_id, sms_on)
        found = service.open_inbox(uow, access.customer_id, page_number(page), now)
        if found.page > found.pages:  # past the last page: the last
            found = service.open_inbox(uow, access.customer_id, found.pages, now)
        control = pager(request.url.path, found.total, found.page, {}, found.page_size)
        return {"inbox": found, "choice": choice, "pager": control}

    values = perform(context, read)
    saved = request.query_params.get("done") == "channels"
    return render(request, "portal/messages.html", {"token": token, "saved": saved, **values})


@router.post("/o/{token}/channels")
def choose_channels(token: str, context: Context, channels: FormList) -> Response:
    """The customer's channels besides the inbox (email, SMS)."""
    access = access_of(context, token)

    def step(uow: UnitOfWork, now: datetime) -> None:
        if portal_service.customer_order(uow, access.order_no, access.customer_id) is None:
            raise link_invalid()
        wanted = {"customer_id": access.customer_id, "channels": channels[:5]}
        service.choose_channels(uow, wanted, actor(access), now)

    perform(context, step)
    return RedirectResponse(f"/portal/o/{token}/messages?done=channels", status_code=303)
