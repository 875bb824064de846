"""The request's conversation in the console (issue 13, R11.1): read, write, canned replies.

`staff/_conversation.html`, included in the staff request page, shows the thread the page
read in its own unit of work (web/console_request.py, web/conversation_view.py).
Whoever holds `returns.message` writes (staff as customer service, a merchant account as
the merchant, on its own requests only: the request page already answers 404 for another
merchant's). The canned-reply picker is a small GET form: choosing a reply reloads the
page with it in the text box (no script), in the reader's language, the request's return
reason first. One message per click: the form's one-time submission name posts once.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.app_context import AppContext
from returnflow.domain.conversations import Attachment
from returnflow.domain.text import Text
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.steps import Refused, perform
from returnflow.services import conversations as service
from returnflow.services.errors import NotFound
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.web.console_request import request_page_response
from returnflow.web.conversation_view import MessageForm, remember_refusal
from returnflow.web.guards import StaffSession, check_csrf
from returnflow.web.portal_conversation import UPLOAD_LIMIT, post_with_photos, read_message_form
from returnflow.web.roles import Messenger, Viewer

router = APIRouter(include_in_schema=False)


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
        remember_refusal(request, typed, result.message)
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
