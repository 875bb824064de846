"""A conversation per request (issue 13, R11.1): customer ↔ agent ↔ merchant.

One thread per return request, kept as evidence (it is in the evidence bundle). Each
message has an author kind — the customer, the platform's staff ("agent": agents,
mediators, managers, admins), the merchant, or the system — a body of 1 to 2000
characters and at most `MAX_ATTACHMENTS` photos, checked like the customers' photos
(JPEG, PNG or WebP by content, 10 MB each) and recorded with their SHA-256, so the
bundle can prove which picture was sent.

Who may write (`author_for`):
- the customer, only on their own request (the portal link's customer, or the app's
  integration account posting for its customer: author kind "customer");
- a merchant account, only on its own merchant's requests (another merchant's request
  is as unknown as a missing one: 404);
- platform staff holding `returns.message`.

A finished request still takes messages: a customer may ask why a request was rejected,
closed or cancelled, and what the refund was. The thread closes for the customer
`CUSTOMER_WINDOW` (90 days) after the request reached a final status (confirmed,
rejected, cancelled, closed); staff and the merchant may still write (a late follow-up,
a dispute). The boundary is half-open: at exactly 90 days the thread is closed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from returnflow.domain.access import forbidden
from returnflow.domain.events import DomainEvent
from returnflow.domain.photos import is_photo_name
from returnflow.domain.text import DomainError, Text

BODY_MAX = 2000
MAX_ATTACHMENTS = 4
CUSTOMER_WINDOW = timedelta(days=90)
EXCERPT = 140
POSTED = "conversation.posted"
_SHA256 = frozenset("0123456789abcdef")


class AuthorKind(StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"  # platform staff: agents, mediators, managers, admins
    MERCHANT = "merchant"
    SYSTEM = "system"

    @property
    def label(self) -> Text:
        return _AUTHOR_LABELS[self]

    @property
    def tells_customer(self) -> bool:
        """A message the customer did not write is sent to them as a notice."""
        return self in (AuthorKind.AGENT, AuthorKind.MERCHANT)


_AUTHOR_LABELS = {
    AuthorKind.CUSTOMER: Text("顾客", "Customer"),
    AuthorKind.AGENT: Text("平台客服", "Customer service"),
    AuthorKind.MERCHANT: Text("商家", "Merchant"),
    AuthorKind.SYSTEM: Text("系统", "System"),
}


@dataclass(frozen=True, slots=True)
class Attachment:
    """A photo a message carries: the photo store's name and the SHA-256 of its bytes."""

    name: str
    sha256: str
    size: int = 0


@dataclass(frozen=True, slots=True)
class Author:
    """Who writes: their kind, their actor string and the name people see."""

    kind: AuthorKind
    actor: str  # "customer:c-1", "agent:li.na", "merchant:acme.wu", "system"
    name: str = ""
    user_id: int | None = None


@dataclass(frozen=True, slots=True)
class Writer:
    """The caller as the rules see them (built by the entrypoints from a session or link)."""

    actor: str
    name: str = ""
    user_id: int | None = None
    customer_id: str | None = None  # the customer themselves (the portal link)
    merchant_scope: str | None = None  # a merchant account's merchant
    staff: bool = False  # platform staff holding returns.message
    for_customer: bool = False  # the app's integration account, posting as its customer


@dataclass(frozen=True, slots=True)
class Thread:
    """The request a message goes to, as the rules need it."""

    rma_no: str
    order_no: str
    merchant_id: str
    customer_id: str
    final_since: datetime | None  # when it reached a final status; None while open


@dataclass
class Message:
    rma_no: str
    author: Author
    body: str
    created_at: datetime
    attachments: tuple[Attachment, ...] = ()
    id: int | None = None  # given by storage when it is added
    submission: str | None = None  # the form's or Idempotency-Key's one-time name
    events: list[DomainEvent] = field(default_factory=list, repr=False)

    @property
    def excerpt(self) -> str:
        flat = " ".join(self.body.split())
        return flat if len(flat) <= EXCERPT else flat[: EXCERPT - 1] + "…"

    def posted(self, merchant_id: str) -> None:
        """Record "conversation.posted" once the message has its id (storage calls it)."""
        self.events.append(
            DomainEvent(
                POSTED,
                self.created_at,
                {
                    "rma_no": self.rma_no,
                    "merchant_id": merchant_id,
                    "author_kind": self.author.kind.value,
                    "author_name": self.author.name,
                    "message_id": self.id,
                },
            )
        )


def not_found(rma_no: str) -> DomainError:
    """Another customer's or merchant's request reads exactly like a missing one."""
    return DomainError(
        "return_not_found",
        Text("找不到退换货申请 {no}", "Return request {no} was not found").format(no=rma_no),
    )


def author_for(writer: Writer, thread: Thread) -> Author:
    """The author this caller writes as on `thread`; another party's request is not found."""
    if writer.customer_id is not None or writer.for_customer:
        if writer.customer_id is not None and writer.customer_id != thread.customer_id:
            raise not_found(thread.rma_no)
        return Author(AuthorKind.CUSTOMER, writer.actor, writer.name, writer.user_id)
    if writer.merchant_scope is not None:
        if writer.merchant_scope != thread.merchant_id:
            raise not_found(thread.rma_no)
        return Author(AuthorKind.MERCHANT, writer.actor, writer.name, writer.user_id)
    if writer.staff:
        return Author(AuthorKind.AGENT, writer.actor, writer.name, writer.user_id)
    raise forbidden()


def check_body(body: str) -> str:
    """The body without surrounding blanks: 1 to `BODY_MAX` characters."""
    text = body.strip()
    if not text:
        raise DomainError(
            "message_empty",
            Text("请填写留言内容", "Write a message first"),
            field="body",
        )
    if len(text) > BODY_MAX:
        raise DomainError(
            "message_too_long",
            Text("留言最多 {n} 个字", "A message can be at most {n} characters").format(n=BODY_MAX),
            field="body",
        )
    return text


def check_attachments(attachments: Sequence[Attachment]) -> tuple[Attachment, ...]:
    if len(attachments) > MAX_ATTACHMENTS:
        raise DomainError(
            "too_many_attachments",
            Text("每条留言最多附 {n} 张照片", "A message can carry at most {n} photos").format(
                n=MAX_ATTACHMENTS
            ),
            field="photos",
        )
    names = [a.name for a in attachments]
    for attachment in attachments:
        well_formed = len(attachment.sha256) == 64 and set(attachment.sha256) <= _SHA256
        if not is_photo_name(attachment.name) or not well_formed:
            raise DomainError(
                "photo_not_found",
                Text("找不到照片 {name}", "The photo {name} was not found").format(
                    name=attachment.name[:80]
                ),
                field="photos",
            )
    if len(set(names)) != len(names):
        raise DomainError(
            "attachment_repeated",
            Text("同一张照片只能附一次", "Attach each photo once"),
            field="photos",
        )
    return tuple(attachments)


def check_open(author: Author, thread: Thread, now: datetime) -> None:
    """The customer may write until 90 days after the request ended (half-open)."""
    if author.kind is not AuthorKind.CUSTOMER or thread.final_since is None:
        return
    if now >= thread.final_since + CUSTOMER_WINDOW:
        raise DomainError(
            "conversation_closed",
            Text(
                "该申请已结束超过 {d} 天，留言已关闭；如有问题请提交投诉",
                "This request ended more than {d} days ago and its messages are closed:"
                " file a complaint if something is still wrong",
            ).format(d=CUSTOMER_WINDOW.days),
        )


def write(
    writer: Writer,
    thread: Thread,
    body: str,
    attachments: Sequence[Attachment],
    now: datetime,
    *,
    submission: str | None = None,
) -> Message:
    """A new message on `thread`, checked: who writes, body, attachments, window."""
    author = author_for(writer, thread)
    text = check_body(body)
    carried = check_attachments(attachments)
    check_open(author, thread, now)
    return Message(
        rma_no=thread.rma_no,
        author=author,
        body=text,
        created_at=now,
        attachments=carried,
        submission=submission or None,
    )
