"""Bodies are bounded before anything reads them (issue 9, finding 3).

A 100 MB body used to be read whole, before sign-in, by the NUL check (quadratically).
These tests stream it from a generator through httpx's ASGI transport, which pulls
one chunk per `receive()`, so the test itself never holds the body and can count how
much of it the server took. Timing is measured by benchmarks/bench_body_limit.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import anyio
import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from starlette.types import Receive, Scope, Send

from returnflow.app_context import AppContext
from returnflow.entrypoints.limits import (
    DEFAULT_LIMIT,
    MB,
    LimitRequestBodies,
    headers_of,
    limit_for,
)
from returnflow.storage.schema import OrderRow

CHUNK = 64 * 1024
HUNDRED_MB = 100 * MB


class Stream:
    """A body of `size` bytes made chunk by chunk; counts what was pulled."""

    def __init__(self, size: int, fill: bytes = b" ") -> None:
        self.size = size
        self.fill = fill
        self.pulled = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        chunk = self.fill * CHUNK
        while self.pulled < self.size:
            self.pulled += CHUNK
            yield chunk


def _post(app: Any, path: str, stream: Stream, headers: dict[str, str]) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.post(path, content=stream, headers=headers)

    # in a thread of its own: a browser test that ran earlier in this xdist worker leaves
    # Playwright's event loop running in the main thread, where anyio.run cannot start one
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(anyio.run, go).result()


def _orders(context: AppContext) -> int:
    with context.session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(OrderRow)) or 0)


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "admin"])
def test_a_100_mb_json_body_is_refused_without_being_read(
    client: TestClient, context: AppContext, declared: bool, signed_in: bool
) -> None:
    stream = Stream(HUNDRED_MB)
    headers = {"Content-Type": "application/json", "Accept-Language": "en"}
    if declared:
        headers["Content-Length"] = str(HUNDRED_MB)
    if signed_in:
        headers["Authorization"] = client.headers["Authorization"]
    answer = _post(client.app, "/api/v1/orders", stream, headers)
    assert answer.status_code == 413
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["code"] == "body_too_large"
    assert "too large" in answer.json()["detail"]
    # refused on the declared length before a byte was read; else just past the limit
    assert stream.pulled <= (0 if declared else DEFAULT_LIMIT + 2 * CHUNK)
    assert _orders(context) == 0


def test_the_refusal_is_bilingual(client: TestClient) -> None:
    too_big = b"[" + b" " * DEFAULT_LIMIT + b"]"
    answer = client.post(
        "/api/v1/orders",
        content=too_big,
        headers={"Content-Type": "application/json", "Accept-Language": "zh-CN"},
    )
    assert answer.status_code == 413
    assert answer.json()["detail"] == "请求内容过大（上限 1 MB）"


def test_the_app_never_runs_for_a_declared_excess() -> None:
    calls: list[str] = []

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        calls.append(scope["path"])
        while (await receive()).get("more_body"):
            pass
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    guarded = LimitRequestBodies(inner)
    answer = _post(guarded, "/anything", Stream(2 * MB), {"Content-Length": str(2 * MB)})
    assert (answer.status_code, calls) == (413, [])
    small = _post(guarded, "/anything", Stream(CHUNK), {})
    assert (small.status_code, calls) == (200, ["/anything"])
    # a length of 5,000 digits is refused as too large, not an int() overflow (a 500)
    huge = _post(guarded, "/anything", Stream(CHUNK), {"Content-Length": "9" * 5000})
    assert (huge.status_code, calls) == (413, ["/anything"])


def test_an_app_that_swallows_the_cut_still_answers_413() -> None:
    """FastAPI turns a failing body read into a 400; the client still hears 413."""

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        try:
            while (await receive()).get("more_body"):
                pass
        except Exception:
            await send({"type": "http.response.start", "status": 400, "headers": []})
            await send({"type": "http.response.body", "body": b"bad"})

    answer = _post(LimitRequestBodies(inner), "/x", Stream(3 * MB), {})
    assert answer.status_code == 413


def _scope(method: str, path: str, content_type: str, **headers: str) -> Scope:
    raw = [(b"content-type", content_type.encode())]
    raw += [(name.encode(), value.encode()) for name, value in headers.items()]
    return {"type": "http", "method": method, "path": path, "headers": raw}


BEARER = {"authorization": "Bearer rf_x"}
COOKIE = {"cookie": "lang=en; rf_session=abc"}


@pytest.mark.parametrize(
    ("method", "path", "content_type", "headers", "larger"),
    [
        ("POST", "/portal/o/TOKEN/apply", "multipart/form-data; boundary=x", {}, True),
        ("POST", "/portal/o/TOKEN/apply", "application/json", {}, False),
        ("POST", "/staff/receiving/unidentified", "multipart/form-data", COOKIE, True),
        ("POST", "/staff/receiving/unidentified", "multipart/form-data", {}, False),
        ("POST", "/staff/receiving/RMA1/receipt", "multipart/form-data", COOKIE, True),
        ("POST", "/staff/warehouse/returns/RMA1/inspect", "multipart/form-data", COOKIE, True),
        ("POST", "/api/v1/receiving/unidentified", "application/json", BEARER, True),
        ("POST", "/api/v1/receiving/unidentified", "application/json", {}, False),
        ("POST", "/api/v1/returns/RMA1/receipt", "application/json", BEARER, True),
        ("POST", "/api/v1/receiving/unidentified/7/match", "application/json", BEARER, True),
        ("POST", "/api/v1/finance/reconciliation", "text/csv", BEARER, True),
        ("POST", "/portal/o/T/r/RMA1/appeal", "multipart/form-data", {}, True),
        ("POST", "/portal/o/T/r/RMA1/dispute", "multipart/form-data", {}, True),
        ("POST", "/portal/o/T/r/RMA1/dispute/evidence", "multipart/form-data", {}, True),
        ("POST", "/portal/o/T/r/RMA1/dispute/other", "multipart/form-data", {}, False),
        ("POST", "/staff/disputes/DP1/evidence", "multipart/form-data", COOKIE, True),
        ("POST", "/staff/disputes/DP1/evidence", "multipart/form-data", {}, False),
        ("POST", "/api/v1/orders", "application/json", BEARER, False),
        ("POST", "/staff/login", "application/x-www-form-urlencoded", {}, False),
        ("GET", "/staff/receiving/unidentified", "multipart/form-data", COOKIE, False),
    ],
)
def test_only_photo_uploads_with_credentials_get_a_larger_limit(
    method: str, path: str, content_type: str, headers: dict[str, str], larger: bool
) -> None:
    scope = _scope(method, path, content_type, **headers)
    limit = limit_for(scope, headers_of(scope))
    assert (limit > DEFAULT_LIMIT) is larger


def test_a_photo_upload_within_its_limit_passes_the_door(client: TestClient) -> None:
    """2 MB of multipart to the portal reaches the route (which then judges the link)."""
    files = {"photos": ("a.png", b"\x89PNG" + b"0" * (2 * MB), "image/png")}
    answer = client.post("/portal/o/not-a-token/apply", files=files, follow_redirects=False)
    assert answer.status_code != 413


def test_nul_check_still_sees_a_nul_split_across_chunks(client: TestClient) -> None:
    """The NUL check now gathers chunks in a bytearray; it must still see the whole body."""

    class Split(Stream):
        async def __aiter__(self) -> AsyncIterator[bytes]:
            for part in (b'{"order_no": "A\\u', b'0000"}'):
                yield part

    answer = _post(
        client.app,
        "/api/v1/orders",
        Split(0),
        {"Content-Type": "application/json", "Authorization": client.headers["Authorization"]},
    )
    assert (answer.status_code, answer.json()["code"]) == (422, "invalid_characters")
