"""What a request page shows of its conversation (issue 13, R11.1), built from the thread
the page read in its own unit of work: the messages and the message form's state.

A refused message is shown again on the request page with its reason and the words
typed: the posting route leaves them on `request.state` (`remember_refusal`) before it
renders the page.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from starlette.requests import Request

from returnflow.domain.access import Permission, Principal
from returnflow.domain.conversations import BODY_MAX, MAX_ATTACHMENTS, Message
from returnflow.domain.text import Text
from returnflow.entrypoints.language import preferred_language
from returnflow.services import conversations as service

_REFUSED = "conversation_refused"  # request.state: what a refused form typed, and why


@dataclass(frozen=True)
class MessageForm:
    body: str = ""
    submission: str = ""
    csrf_token: str = ""
    photo_count: int = 0


@dataclass(frozen=True)
class ThreadView:
    """The portal's partial: the messages, the form's state, the limits."""

    items: tuple[Message, ...]
    may_write: bool
    typed: str
    submission: str
    error: Text | None
    sent: bool
    body_max: int = BODY_MAX
    max_photos: int = MAX_ATTACHMENTS


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


def remember_refusal(request: Request, typed: MessageForm, reason: Text) -> None:
    setattr(request.state, _REFUSED, (typed, reason))


def _refusal(request: Request) -> tuple[MessageForm, Text | None]:
    refused = getattr(request.state, _REFUSED, None)
    return (refused[0], refused[1]) if refused else (MessageForm(), None)


def portal_thread(request: Request, page: service.ThreadPage) -> ThreadView:
    form, error = _refusal(request)
    return ThreadView(
        items=page.items,
        may_write=page.customer_may_write,
        typed=form.body,
        submission=form.submission or secrets.token_urlsafe(16),
        error=error,
        sent=request.query_params.get("done") == "message",
    )


def staff_thread(
    request: Request, principal: Principal, page: service.ThreadPage
) -> StaffThreadView:
    replies = _replies(page.reason, preferred_language(request), page.rma_no)
    form, error = _refusal(request)
    chosen = request.query_params.get("reply", "")[:80]
    picked = next((r.body for r in replies if r.key == chosen), "")
    return StaffThreadView(
        items=page.items,
        can_write=principal.can(Permission.RETURNS_MESSAGE),
        replies=replies,
        chosen=chosen if picked else "",
        typed=form.body or picked,
        submission=form.submission or secrets.token_urlsafe(16),
        error=error,
        sent=request.query_params.get("done") == "message",
        customer_may_write=page.customer_may_write,
    )


def _replies(reason: str, language: str, rma_no: str) -> tuple[Reply, ...]:
    return tuple(
        Reply(r.key, *r.filled(language, rma_no), own_reason=r.reason == reason)
        for r in service.canned_replies(reason or None)
    )
