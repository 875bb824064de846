"""The customer's conversation on the portal request page (issue 13, R11.1).

`portal/_conversation.html`, included in the request page, shows the thread the page
read in its own unit of work (web/portal_request.py, web/conversation_view.py).
The form posts one message (words and up to four photos, checked by content like the
application's) once per click: its one-time submission name makes a double tap post
once. A refusal shows the request page again with the reason beside the form and what
was typed; a success redirects back to the thread.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.app_context import AppContext
from returnflow.domain.conversations import BODY_MAX, MAX_ATTACHMENTS, Attachment
from returnflow.domain.photos import MAX_BYTES
from returnflow.domain.text import Text
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.steps import Refused, perform
from returnflow.services import conversations as service
from returnflow.services import portal as portal_service
from returnflow.services.errors import NotFound
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.web.console_dispute_forms import with_photos
from returnflow.web.conversation_view import MessageForm, remember_refusal
from returnflow.web.portal_common import PortalRoute, access_of
from returnflow.web.portal_links import PortalAccess, link_invalid
from returnflow.web.portal_request import request_page_response

router = APIRouter(prefix="/portal", include_in_schema=False, route_class=PortalRoute)

UPLOAD_LIMIT = (MAX_ATTACHMENTS + 1) * MAX_BYTES + 1024 * 1024


async def read_message_form(request: Request) -> tuple[MessageForm, list[tuple[str, bytes]]]:
    """The words, the one-time name and the photos of a message form."""
    form = await request.form(max_files=MAX_ATTACHMENTS * 4, max_fields=20)

    def field(name: str, limit: int) -> str:
        value = form.get(name)
        return value[:limit] if isinstance(value, str) else ""

    uploads = [
        item
        for item in form.getlist("photos")
        if isinstance(item, UploadFile) and (item.filename or item.size)
    ]
    files: list[tuple[str, bytes]] = []
    for upload in uploads:  # more than allowed are refused on their number, unread
        data = await upload.read(MAX_BYTES + 1) if len(uploads) <= MAX_ATTACHMENTS else b""
        files.append((upload.filename or "photo", data))
    await form.close()
    typed = MessageForm(
        body=field("body", BODY_MAX * 2),
        submission=field("submission", 64).strip(),
        csrf_token=field("csrf_token", 200),
        photo_count=len(uploads),
    )
    return typed, files


def post_with_photos(
    context: AppContext,
    files: list[tuple[str, bytes]],
    step: Callable[[UnitOfWork, datetime, tuple[Attachment, ...]], service.Posted],
) -> service.Posted | Refused:
    """Check the photos by content, save them, post; a refusal or a repeat keeps none."""
    if len(files) > MAX_ATTACHMENTS:
        return Refused(
            422,
            "too_many_attachments",
            Text("每条留言最多附 {n} 张照片", "A message can carry at most {n} photos").format(
                n=MAX_ATTACHMENTS
            ),
        )
    digests = [(hashlib.sha256(data).hexdigest(), len(data)) for _, data in files]
    kept: list[str] = []

    def carry(uow: UnitOfWork, now: datetime, saved: list[str]) -> service.Posted:
        kept[:] = saved
        carried = tuple(
            Attachment(name, digest, size)
            for name, (digest, size) in zip(saved, digests, strict=True)
        )
        return step(uow, now, carried)

    result = with_photos(context, files, carry)  # checked, saved, discarded when refused
    if not isinstance(result, Refused) and result.again:
        context.photos.discard(kept)  # the first message already carries its own
    return result


def _open(uow: UnitOfWork, access: PortalAccess, rma_no: str) -> str:
    """The link's request (this order, this customer), or the link refused / not found."""
    order = portal_service.customer_order(uow, access.order_no, access.customer_id)
    if order is None:
        raise link_invalid()
    return portal_service.customer_request(uow, order, rma_no).rma_no


@router.post("/o/{token}/r/{rma_no}/messages", max_body_size=UPLOAD_LIMIT)
async def post_message(request: Request, token: str, rma_no: str, context: Context) -> Response:
    """One message from the customer, with up to four photos."""
    typed, files = await read_message_form(request)
    return await run_in_threadpool(_post, request, context, token, rma_no, typed, files)


def _post(
    request: Request,
    context: AppContext,
    token: str,
    rma_no: str,
    typed: MessageForm,
    files: list[tuple[str, bytes]],
) -> Response:
    access = access_of(context, token)
    writer = service.customer_writer(access.customer_id)
    key = f"portal:{typed.submission}" if typed.submission else None

    def step(uow: UnitOfWork, now: datetime, carried: tuple[Attachment, ...]) -> service.Posted:
        found = _open(uow, access, rma_no)
        values = service.Post(typed.body, carried, submission=key[:64] if key else None)
        return service.post(uow, found, values, writer, now)

    result = post_with_photos(context, files, step)
    if isinstance(result, Refused):
        remember_refusal(request, typed, result.message)
        return request_page_response(request, context, token, rma_no, status_code=result.status)
    url = f"/portal/o/{token}/r/{rma_no}?done=message#conversation"
    return RedirectResponse(url, status_code=303)


@router.get("/o/{token}/r/{rma_no}/messages/photos/{name}")
def photo(token: str, rma_no: str, name: str, context: Context) -> Response:
    """A photo of this request's conversation, either side's."""
    access = access_of(context, token)
    reader = service.customer_writer(access.customer_id)

    def look(uow: UnitOfWork, now: datetime) -> bool:
        return service.has_photo(uow, _open(uow, access, rma_no), name, reader)

    found = context.photos.read(name) if perform(context, look) else None
    if found is None:
        raise NotFound("photo_not_found", Text("找不到这张照片", "That photo was not found"))
    data, content_type = found
    return Response(
        data,
        media_type=content_type,
        headers={"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )
