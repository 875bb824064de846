"""Refuse NUL characters at the door.

No text in ReturnFlow may contain U+0000: PostgreSQL cannot store it, and a NUL in a
search filter would otherwise surface as a server error deep in the database layer.
Path, query string, and JSON or form bodies are checked; binary uploads are not.
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from returnflow.domain.text import Text
from returnflow.entrypoints.problems import problem

_TEXT_BODIES = (b"application/json", b"application/x-www-form-urlencoded")
_NUL_IN_BODY = {b"application/json": b"\\u0000", b"application/x-www-form-urlencoded": b"%00"}


class RejectNulCharacters:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if _has_nul(scope.get("raw_path") or scope["path"].encode()) or _has_nul(
            scope["query_string"]
        ):
            await self._refuse(scope, receive, send)
            return
        content_type = dict(scope["headers"]).get(b"content-type", b"").split(b";")[0].strip()
        if content_type not in _TEXT_BODIES:
            await self.app(scope, receive, send)
            return
        # a bytearray grows in place: `bytes +=` copied the whole body on every chunk,
        # quadratic in its size (issue 9); the size itself is bounded by api/limits.py
        buffer = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away: nobody to answer
            buffer += message.get("body", b"")
            more = message.get("more_body", False)
        body = bytes(buffer)
        if b"\x00" in body or _NUL_IN_BODY[content_type] in body.lower():
            await self._refuse(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem(
            Request(scope, receive),
            422,
            "invalid_characters",
            Text(
                "输入中含有不允许的控制字符",
                "The input contains a control character that is not allowed",
            ),
        )
        await response(scope, receive, send)


def _has_nul(raw: bytes) -> bool:
    return b"\x00" in unquote_to_bytes(raw)
