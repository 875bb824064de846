"""A conversation per request (issue 13, R11.1): post a message, read the thread.

`post` checks who writes (domain/conversations.py), the body and the photos, and stores
the message through `uow.conversations`, which records "conversation.posted" (data:
rma_no, merchant_id, author_kind, author_name, message_id) for the staff and merchant
notifications. When staff or the merchant writes, the customer is told: one
"return.message" in the outbox, which the customer notice pipeline (jobs/notices.py)
keeps in their inbox and mails or texts (notify/notices.py holds its words).

A form's one-time submission name (or the API's Idempotency-Key) posts once: a second
send gets the first message back (`Posted.again`). Photos are checked twice: their
bytes by the photo store before they are saved (the entrypoints), their names here —
a fresh upload of this very call, or a photo already on this request (its own photos,
its receipt's or inspection's, or an earlier message's); anything else is refused like
a name that does not exist.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime

from returnflow.domain import conversations
from returnflow.domain.access import Principal, Role, forbidden
from returnflow.domain.canned_replies import CannedReply, known_reason, replies_for
from returnflow.domain.conversations import Attachment, Message, Thread, Writer
from returnflow.domain.lifecycle import FINAL
from returnflow.domain.returns import ReturnRequest
from returnflow.domain.text import DomainError, Text
from returnflow.services.errors import return_not_found
from returnflow.services.unit_of_work import UnitOfWork

NOTICE_TOPIC = "return.message"
PAGE_SIZE_MAX = 100


@dataclass(frozen=True, slots=True)
class Post:
    body: str
    uploaded: tuple[Attachment, ...] = ()  # saved by this very call
    reused: tuple[Attachment, ...] = ()  # names already on this request
    submission: str | None = None  # one-time form name or hashed Idempotency-Key


@dataclass(frozen=True, slots=True)
class Posted:
    message: Message
    again: bool = False  # a second send of the same form or key: nothing new was stored


@dataclass(frozen=True, slots=True)
class ThreadPage:
    rma_no: str
    merchant_id: str
    reason: str  # the first line's return reason (for the canned replies)
    items: tuple[Message, ...]
    total: int
    page: int
    page_size: int
    customer_may_write: bool


def writer_for(principal: Principal, *, as_customer: bool = False) -> Writer:
    """A signed-in account as a writer: the integration posts for its customer."""
    name = principal.display_name or principal.username
    if as_customer and principal.role is Role.MERCHANT:
        raise forbidden()  # a merchant never speaks for the customer
    if principal.role is Role.INTEGRATION or as_customer:
        return Writer(principal.actor, "", principal.user_id, for_customer=True)
    return Writer(
        principal.actor,
        name,
        principal.user_id,
        merchant_scope=principal.merchant_scope,
        staff=principal.role is not Role.MERCHANT,
    )


def customer_writer(customer_id: str) -> Writer:
    """The customer themselves (the portal link)."""
    return Writer(f"customer:{customer_id}", customer_id=customer_id)


def api_submission(actor: str, key: str | None) -> str | None:
    """An Idempotency-Key is the caller's own: two callers' equal keys never meet."""
    if not key:
        return None
    return hashlib.sha256(f"{actor}\n{key}".encode()).hexdigest()[:64]


def thread_of(request: ReturnRequest) -> Thread:
    final_since = request.history[-1].at if request.status in FINAL and request.history else None
    return Thread(
        request.rma_no, request.order_no, request.merchant_id, request.customer_id, final_since
    )


def _visible(uow: UnitOfWork, rma_no: str, writer: Writer) -> ReturnRequest:
    """The request, if this writer may see it; else as unknown as a missing one."""
    request = uow.returns.get(rma_no)
    if request is None:
        raise return_not_found(rma_no)
    if writer.customer_id is not None and writer.customer_id != request.customer_id:
        raise return_not_found(rma_no)
    if writer.merchant_scope is not None and writer.merchant_scope != request.merchant_id:
        raise return_not_found(rma_no)
    return request


def _check_reused(uow: UnitOfWork, rma_no: str, reused: tuple[Attachment, ...]) -> None:
    """A photo named (not uploaded) must already be on this request or its conversation."""
    if not reused:
        return
    own = uow.conversations.photo_names(rma_no)
    for attachment in reused:
        recorded = uow.photo_records.where_recorded(attachment.name)
        on_request = bool(recorded) and "parcel" not in recorded
        on_request = on_request and all(k == rma_no for keys in recorded.values() for k in keys)
        if attachment.name not in own and not on_request:
            raise DomainError(
                "photo_not_found",
                Text(
                    "照片 {name} 不属于这个申请，请重新上传",
                    "The photo {name} does not belong to this request: upload it again",
                ).format(name=attachment.name[:80]),
                field="photos",
            )


def post(uow: UnitOfWork, rma_no: str, values: Post, writer: Writer, now: datetime) -> Posted:
    """Store one message on the request's thread (the caller commits)."""
    request = _visible(uow, rma_no, writer)
    if values.submission:
        first = uow.conversations.by_submission(rma_no, values.submission)
        if first is not None:
            return Posted(first, again=True)
    if writer.customer_id is not None or writer.for_customer:
        writer = replace(writer, name=writer.name or request.contact.get("name", ""))
    _check_reused(uow, rma_no, values.reused)
    message = conversations.write(
        writer,
        thread_of(request),
        values.body,
        values.uploaded + values.reused,
        now,
        submission=values.submission,
    )
    uow.conversations.add(message, merchant_id=request.merchant_id, customer_id=request.customer_id)
    if message.author.kind.tells_customer:
        _tell_customer(uow, request, message, now)
    return Posted(message)


def _tell_customer(
    uow: UnitOfWork, request: ReturnRequest, message: Message, now: datetime
) -> None:
    payload = {
        "rma_no": request.rma_no,
        "order_no": request.order_no,
        "customer_id": request.customer_id,
        "merchant_id": request.merchant_id,
        "email": request.contact.get("email", ""),
        "phone": request.contact.get("phone", ""),
        "message_id": message.id,
        "author_kind": message.author.kind.value,
        "note": message.excerpt,
    }
    uow.outbox.put(NOTICE_TOPIC, payload, now)


def read_thread(
    uow: UnitOfWork, rma_no: str, reader: Writer, now: datetime, page: int = 1, page_size: int = 50
) -> ThreadPage:
    """One page of the thread, oldest first, for a reader who may see the request."""
    request = _visible(uow, rma_no, reader)
    page, page_size = max(page, 1), min(max(page_size, 1), PAGE_SIZE_MAX)
    items = uow.conversations.thread(rma_no, offset=(page - 1) * page_size, limit=page_size)
    thread = thread_of(request)
    closed = thread.final_since is not None and now >= (
        thread.final_since + conversations.CUSTOMER_WINDOW
    )
    return ThreadPage(
        rma_no=rma_no,
        merchant_id=request.merchant_id,
        reason=request.lines[0].reason.value if request.lines else "",
        items=tuple(items),
        total=uow.conversations.count(rma_no),
        page=page,
        page_size=page_size,
        customer_may_write=not closed,
    )


def has_photo(uow: UnitOfWork, rma_no: str, name: str, reader: Writer) -> bool:
    """Whether `name` is a photo of this request's conversation the reader may open."""
    _visible(uow, rma_no, reader)
    return name in uow.conversations.photo_names(rma_no)


def log_photo_look(uow: UnitOfWork, actor: str, rma_no: str, now: datetime) -> None:
    """R14.1: a conversation photo shown to staff is logged like one on the request."""
    uow.accounts.log_access(actor, rma_no, "photo", now)


def canned_replies(reason: str | None) -> tuple[CannedReply, ...]:
    """The replies for a return reason (its own first, then the general ones)."""
    if reason and not known_reason(reason):
        raise DomainError(
            "reason_unknown",
            Text("未知的退货原因 {r}", "Unknown return reason {r}").format(r=reason[:40]),
            field="reason",
        )
    return replies_for(reason)
