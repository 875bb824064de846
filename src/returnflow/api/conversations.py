"""A request's conversation through the API (issue 13, R11.1), and the canned replies.

Reading takes `returns.view` (a merchant reads only its own requests; another
merchant's is 404). Writing takes `returns.message`: staff write as "agent", a merchant
account as "merchant" on its own requests, and the app's integration account posts
for its customer (author "customer"; `as_customer` says so explicitly for staff tools
that relay a customer's words). Photos come as base64 (`photos`, checked by content
like every customer photo: JPEG, PNG or WebP, 10 MB each, inside the 1 MB body limit
of this route) or as names already on this request (`photo_ids`). An
`Idempotency-Key` posts once: the same key again answers the first message (200).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query
from pydantic import BaseModel, Field
from starlette.responses import Response

from returnflow.api.receiving_models import PhotoIn, decode
from returnflow.api.roles import Messenger, Viewer
from returnflow.app_context import AppContext
from returnflow.domain.conversations import BODY_MAX, MAX_ATTACHMENTS, Attachment, Message
from returnflow.domain.paging import page_count
from returnflow.domain.text import DomainError, Text
from returnflow.entrypoints.deps import Context, Language
from returnflow.entrypoints.steps import perform
from returnflow.services import conversations as service
from returnflow.services.unit_of_work import UnitOfWork

router = APIRouter(prefix="/api/v1", tags=["conversations"])

RmaNo = Annotated[str, Path(min_length=1, max_length=32)]
PhotoId = Annotated[str, Field(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9._-]+$")]
IdempotencyKey = Annotated[
    str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200)
]


class MessageIn(BaseModel):
    body: str = Field(min_length=1, max_length=BODY_MAX + 200)  # the domain says the bound
    photo_ids: list[PhotoId] = Field(default_factory=list, max_length=MAX_ATTACHMENTS)
    photos: list[PhotoIn] = Field(default_factory=list, max_length=MAX_ATTACHMENTS)
    as_customer: bool = False


class AttachmentOut(BaseModel):
    photo_id: str
    sha256: str
    size: int


class MessageOut(BaseModel):
    id: int
    rma_no: str
    author_kind: str
    author_label: str
    author_name: str
    body: str
    attachments: list[AttachmentOut]
    created_at: datetime


class MessagesOut(BaseModel):
    rma_no: str
    items: list[MessageOut]
    total: int
    page: int
    page_size: int
    pages: int
    customer_may_write: bool


class CannedReplyOut(BaseModel):
    key: str
    reason: str
    title: str
    body: str


class CannedRepliesOut(BaseModel):
    reason: str | None
    language: str
    items: list[CannedReplyOut]


def message_out(message: Message, language: str) -> MessageOut:
    return MessageOut(
        id=message.id or 0,
        rma_no=message.rma_no,
        author_kind=message.author.kind.value,
        author_label=message.author.kind.label.in_language(language),
        author_name=message.author.name,
        body=message.body,
        attachments=[
            AttachmentOut(photo_id=a.name, sha256=a.sha256, size=a.size)
            for a in message.attachments
        ],
        created_at=message.created_at,
    )


@router.get("/returns/{rma_no}/messages", response_model=MessagesOut)
def list_messages(
    rma_no: RmaNo,
    context: Context,
    language: Language,
    principal: Viewer,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=service.PAGE_SIZE_MAX)] = 50,
) -> MessagesOut:
    """The request's conversation, oldest first, with each photo's SHA-256."""
    reader = service.writer_for(principal)
    found = perform(
        context, lambda uow, now: service.read_thread(uow, rma_no, reader, now, page, page_size)
    )
    return MessagesOut(
        rma_no=found.rma_no,
        items=[message_out(m, language) for m in found.items],
        total=found.total,
        page=found.page,
        page_size=found.page_size,
        pages=page_count(found.total, found.page_size),
        customer_may_write=found.customer_may_write,
    )


def _attachments(context: AppContext, names: list[str]) -> tuple[Attachment, ...]:
    """Named photos with their hashes; a name the store does not hold is refused."""
    found = []
    for name in names:
        stored = context.photos.read(name)
        if stored is None:
            raise DomainError(
                "photo_not_found",
                Text("找不到照片 {name}", "The photo {name} was not found").format(name=name[:80]),
                field="photos",
            )
        data = stored[0]
        found.append(Attachment(name, hashlib.sha256(data).hexdigest(), len(data)))
    return tuple(found)


@router.post("/returns/{rma_no}/messages", status_code=201, response_model=MessageOut)
def post_message(
    rma_no: RmaNo,
    body: MessageIn,
    context: Context,
    language: Language,
    principal: Messenger,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> MessageOut:
    """Write in the request's conversation; staff and merchant messages reach the customer."""
    writer = service.writer_for(principal, as_customer=body.as_customer)
    files = decode(body.photos)
    context.photos.check_all(files)  # by content, before anything is saved
    reused = _attachments(context, list(body.photo_ids))
    saved = context.photos.save_all(files) if files else []
    uploaded = tuple(
        Attachment(name, hashlib.sha256(data).hexdigest(), len(data))
        for name, (_, data) in zip(saved, files, strict=True)
    )
    values = service.Post(
        body.body, uploaded, reused, service.api_submission(principal.actor, idempotency_key)
    )

    def step(uow: UnitOfWork, now: datetime) -> service.Posted:
        return service.post(uow, rma_no, values, writer, now)

    try:
        posted = perform(context, step)
    except BaseException:
        context.photos.discard(saved)
        raise
    if posted.again:
        context.photos.discard(saved)
        response.status_code = 200
    return message_out(posted.message, language)


@router.get("/canned-replies", response_model=CannedRepliesOut)
def canned_replies(
    principal: Messenger,
    language: Language,
    reason: Annotated[str | None, Query(max_length=40)] = None,
    lang: Annotated[str | None, Query(pattern=r"^(zh|en)$")] = None,
    rma_no: Annotated[str, Query(max_length=32)] = "",
) -> CannedRepliesOut:
    """Agents' replies for a return reason (its own, then general ones), in one language."""
    chosen = lang or language
    found = service.canned_replies(reason)
    items = []
    for reply in found:
        title, text = reply.filled(chosen, rma_no)
        items.append(CannedReplyOut(key=reply.key, reason=reply.reason, title=title, body=text))
    return CannedRepliesOut(reason=reason, language=chosen, items=items)
