"""The request's conversation in the console (issue 13, R11.1): read, write, canned replies.

`staff/_conversation.html`, included in the staff request page, reads the thread through
the template global `staff_conversation(request, principal, rma)` (registered here), so
the request page's module stays as it is. Whoever holds `returns.message` writes (staff as
customer service, a merchant account as the merchant, on its own requests only: the
request page already answers 404 for another merchant's). The canned-reply picker is a
small GET form: choosing a reply reloads the page with it in the text box (no script),
in the reader's language, the request's return reason first. One message per click: the
form's one-time submission name posts once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.app_context import AppContext
from returnflow.domain.access import Permission, Principal
from returnflow.domain.conversations import BODY_MAX, MAX_ATTACHMENTS, Attachment, Message
from returnflow.domain.returns import ReturnRequest
from returnflow.domain.text import Text
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.language import preferred_language
from returnflow.entrypoints.steps import Refused, perform
from returnflow.services import conversations as service
from returnflow.services.errors import NotFound
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.web import templating
from returnflow.web.console_request import request_page_response
from returnflow.web.guards import StaffSession, check_csrf
from returnflow.web.portal_conversation import (
    UPLOAD_LIMIT,
    MessageForm,
    post_with_photos,
    read_message_form,
)
from returnflow.web.roles import Messenger, Viewer

router = APIRouter(include_in_schema=False)
_STATE = "staff_conversation_form"


@dataclass(frozen=True)
class Reply:
    key: str
    title: str
    body: str
    own_reason: bool  # for the request's reason (else general)


@dataclass(frozen=True)
class StaffThreadView:
    items: tuple[Message, ...]
    can_write: bool
    replies: tuple[Reply, ...]
    chosen: str  # the canned reply put in the box
    typed: str
    submission: str
    error: Text | None
    sent: bool
    customer_may_write: bool
    body_max: int = BODY_MAX
    max_photos: int = MAX_ATTACHMENTS


def _replies(reason: str, language: str, rma_no: str) -> tuple[Reply, ...]:
    return tuple(
        Reply(r.key, *r.filled(language, rma_no), own_reason=r.reason == reason)
        for r in service.canned_replies(reason or None)
    )


def staff_conversation(
    request: Request, principal: Principal, rma: ReturnRequest
) -> StaffThreadView:
    """The template global: the thread as this reader may see it, and the form's state."""
    context: AppContext = request.app.state.context
    reader = service.writer_for(principal)
    page = perform(
        context,
        lambda uow, now: service.read_thread(
            uow, rma.rma_no, reader, now, 1, service.PAGE_SIZE_MAX
        ),
    )
    replies = _replies(page.reason, preferred_language(request), rma.rma_no)
    refused = getattr(request.state, _STATE, None)
    form = refused[0] if refused else MessageForm()
    chosen = request.query_params.get("reply", "")[:80]
    picked = next((r.body for r in replies if r.key == chosen), "")
    return StaffThreadView(
        items=page.items,
        can_write=principal.can(Permission.RETURNS_MESSAGE),
        replies=replies,
        chosen=chosen if picked else "",
        typed=form.body or picked,
        submission=form.submission or secrets.token_urlsafe(16),
        error=refused[1] if refused else None,
        sent=request.query_params.get("done") == "message",
        customer_may_write=page.customer_may_write,
    )


for _environment in templating._ENVIRONMENTS.values():
    _environment.globals["staff_conversation"] = staff_conversation


@router.post("/staff/returns/{rma_no}/messages", max_body_size=UPLOAD_LIMIT)
async def post_message(
    request: Request, rma_no: str, context: Context, session: Messenger
) -> Response:
    """One message from staff or the merchant; the customer is told."""
    typed, files = await read_message_form(request)
    return await run_in_threadpool(_post, request, context, session, rma_no, typed, files)


def _post(
    request: Request,
    context: AppContext,
    session: StaffSession,
    rma_no: str,
    typed: MessageForm,
    files: list[tuple[str, bytes]],
) -> Response:
    check_csrf(session, typed.csrf_token)
    writer = service.writer_for(session.principal)
    key = f"staff:{typed.submission}"[:64] if typed.submission else None

    def step(uow: UnitOfWork, now: datetime, carried: tuple[Attachment, ...]) -> service.Posted:
        values = service.Post(typed.body, carried, submission=key)
        return service.post(uow, rma_no, values, writer, now)

    result = post_with_photos(context, files, step)
    if isinstance(result, Refused):
        setattr(request.state, _STATE, (typed, result.message))
        return request_page_response(request, context, session, rma_no, status_code=result.status)
    url = f"/staff/returns/{rma_no}?done=message#conversation"
    return RedirectResponse(url, status_code=303)


@router.get("/staff/returns/{rma_no}/messages/photos/{name}")
def photo(rma_no: str, name: str, context: Context, session: Viewer) -> Response:
    """A photo of the request's conversation, for someone who may see the request."""
    principal = session.principal
    reader = service.writer_for(principal)

    def look(uow: UnitOfWork, now: datetime) -> bool:
        visible = service.has_photo(uow, rma_no, name, reader)
        if visible:  # R14.1: a look at a customer's photo is logged
            service.log_photo_look(uow, principal.actor, rma_no, now)
        return visible

    found = context.photos.read(name) if perform(context, look) else None
    if found is None:
        raise NotFound("photo_not_found", Text("找不到该照片", "The photo was not found"))
    data, content_type = found
    return Response(
        data,
        media_type=content_type,
        headers={"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )
