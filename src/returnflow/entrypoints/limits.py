"""Request body limits, enforced before anything else reads a byte.

An anonymous 100 MB JSON body used to be read whole (and quadratically, by the NUL
check) before any route could refuse it: 17–21 s and 370 MB of memory per request
(issue 9, finding 3). This middleware is the outermost reader of every body: a declared
`Content-Length` over the limit is refused at once, without calling the app; a chunked
body is counted chunk by chunk and refused as soon as it passes the limit, so no layer
ever holds more than the limit.

Every body may be 1 MB. Only the photo uploads may be larger, by their own limit, and
only in the content type that carries photos (multipart forms on the pages, JSON with
base64 photos in the API). The staff and API photo routes give the larger limit only
to a request that carries credentials (a session cookie or a bearer token): whether they
are valid is the route's business, but an anonymous caller gets 1 MB. The routes keep
their own `max_body_size` (FastAPI's check) as a second line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from returnflow.domain.conversations import MAX_ATTACHMENTS
from returnflow.domain.onboarding_words import MAX_DOCUMENT_BYTES, MAX_DOCUMENTS_PER_UPLOAD
from returnflow.domain.photos import MAX_BYTES, MAX_PHOTOS
from returnflow.domain.text import Text
from returnflow.entrypoints.deps import SESSION_COOKIE
from returnflow.entrypoints.problems import problem

MB = 1024 * 1024
DEFAULT_LIMIT = 1 * MB
MULTIPART = "multipart/form-data"
JSON = "application/json"


def _base64(size: int) -> int:
    return (size * 4) // 3 + 8


@dataclass(frozen=True)
class RouteLimit:
    """A larger limit for one route and the content type its photos travel in."""

    method: str
    path: re.Pattern[str]
    content_type: str | None  # None: whatever the body is
    limit: int
    needs_credentials: bool = True


def _route(
    method: str, path: str, content_type: str | None, limit: int, **extra: bool
) -> RouteLimit:
    return RouteLimit(method, re.compile(path), content_type, limit, **extra)


_FORM = (MAX_PHOTOS + 1) * MAX_BYTES  # the photos and the form's own fields
_RECEIPT = (4 * MAX_PHOTOS + 1) * MAX_BYTES  # up to four mismatches with photos each
_MESSAGE = (MAX_ATTACHMENTS + 1) * MAX_BYTES  # a conversation's message and its photos
_DOCS = (MAX_DOCUMENTS_PER_UPLOAD + 1) * MAX_DOCUMENT_BYTES  # a merchant's application
_STATUS = r"/merchants/apply/s/[^/]+/(?:answer|documents)"  # the applicant's status link

LARGER: tuple[RouteLimit, ...] = (
    # the portal link in the path is the customer's credential
    _route("POST", r"/portal/o/[^/]+/apply", MULTIPART, _FORM + MB, needs_credentials=False),
    _route("POST", r"/merchants/apply", MULTIPART, _DOCS, needs_credentials=False),
    _route("POST", _STATUS, MULTIPART, _DOCS, needs_credentials=False),
    _route(
        "POST",
        r"/api/v1/merchant-applications/status/[^/]+/documents",
        MULTIPART,
        2 * MAX_DOCUMENT_BYTES,
        needs_credentials=False,
    ),
    _route("POST", r"/staff/receiving/[^/]+/receipt", MULTIPART, _RECEIPT),
    _route("POST", r"/staff/receiving/unidentified", MULTIPART, _FORM),
    _route("POST", r"/staff/warehouse/returns/[^/]+/inspect", MULTIPART, _FORM),
    # issue 12: appeals and disputes carry photos like an application
    _route("POST", r"/staff/disputes/[^/]+/evidence", MULTIPART, _FORM),
    _route(
        "POST",
        r"/portal/o/[^/]+/r/[^/]+/(?:appeal|dispute|dispute/evidence)",
        MULTIPART,
        _FORM + MB,
        needs_credentials=False,
    ),
    # issue 13: a message in a request's conversation carries photos like an appeal
    _route("POST", r"/staff/returns/[^/]+/messages", MULTIPART, _MESSAGE),
    _route(
        "POST",
        r"/portal/o/[^/]+/r/[^/]+/messages",
        MULTIPART,
        _MESSAGE + MB,
        needs_credentials=False,
    ),
    _route("POST", r"/api/v1/returns/[^/]+/messages", JSON, _base64(_MESSAGE)),
    _route("POST", r"/api/v1/returns/[^/]+/receipt", JSON, _base64(_RECEIPT)),
    _route("POST", r"/api/v1/receiving/unidentified/[^/]+/match", JSON, _base64(_RECEIPT)),
    _route("POST", r"/api/v1/receiving/unidentified", JSON, _base64(_FORM)),
    # a gateway's settlement file: a day's refunds as CSV
    _route("POST", r"/api/v1/finance/reconciliation", None, 20 * MB),
)


def limit_for(scope: Scope, headers: dict[bytes, bytes]) -> int:
    """The most this request's body may hold (`headers`: the scope's, lower-cased)."""
    content_type = headers.get(b"content-type", b"").split(b";")[0].strip().decode("latin-1")
    for route in LARGER:
        if (
            route.method == scope["method"]
            and route.path.fullmatch(scope["path"])
            and route.content_type in (None, content_type.lower())
            and (not route.needs_credentials or _has_credentials(headers))
        ):
            return route.limit
    return DEFAULT_LIMIT


def headers_of(scope: Scope) -> dict[bytes, bytes]:
    return {name.lower(): value for name, value in scope["headers"]}


def _has_credentials(headers: dict[bytes, bytes]) -> bool:
    if headers.get(b"authorization", b"").lower().startswith(b"bearer "):
        return True
    return f"{SESSION_COOKIE}=".encode() in headers.get(b"cookie", b"")


_TOO_LARGE = Text("请求内容过大（上限 {mb} MB）", "The request body is too large (limit {mb} MB)")


class _TooLarge(Exception):
    """Raised into the app from `receive`; whatever the app makes of it, we answer 413."""


class LimitRequestBodies:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = headers_of(scope)
        limit = limit_for(scope, headers)
        declared = headers.get(b"content-length")
        # bytes.isdigit is ASCII-only; 18 digits keep int() far from its 4,300-digit limit
        if declared is not None and (
            not declared.isdigit() or len(declared) > 18 or int(declared) > limit
        ):
            await _refuse(scope, send, limit)  # nothing read, nothing called
            return
        await self._counted(scope, receive, send, limit)

    async def _counted(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """Run the app with a receive that counts; past the limit, answer 413 instead."""
        received = 0
        exceeded = False
        started = False  # the app's response began before the limit was passed

        async def counting() -> Message:
            nonlocal received, exceeded
            if exceeded:
                raise _TooLarge
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise _TooLarge
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if exceeded and not started:
                return  # the app's answer to a cut-off body is replaced by ours
            started = True
            await send(message)

        try:
            await self.app(scope, counting, guarded)
        except Exception:
            if not exceeded:
                raise
        if exceeded and not started:
            await _refuse(scope, send, limit)


async def _refuse(scope: Scope, send: Send, limit: int) -> None:
    async def nothing() -> Message:
        return {"type": "http.disconnect"}

    response = problem(
        Request(scope, nothing),
        413,
        "body_too_large",
        _TOO_LARGE.format(mb=f"{limit / MB:g}"),
    )
    response.headers["Connection"] = "close"  # the rest of the body is not read
    await response(scope, nothing, send)
