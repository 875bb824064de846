"""A request's conversation through the API (issue 13, R11.1), on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.entrypoints.limits import _MESSAGE, _base64
from returnflow.storage.schema import OutboxRow
from tests.support.apps import shared_app

OrderPayload = Callable[..., dict[str, Any]]


def png(color: str = "red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (24, 24), color).save(buffer, "PNG")
    return buffer.getvalue()


def b64(data: bytes, name: str = "p.png") -> dict[str, str]:
    return {"filename": name, "content_base64": base64.b64encode(data).decode()}


@pytest.fixture
def api(
    context: AppContext, tokens: Callable[..., str], order_payload: OrderPayload, tmp_path: Path
) -> Iterator[TestClient]:
    settings = context.settings.model_copy(update={"upload_dir": str(tmp_path / "uploads")})
    with TestClient(shared_app(dataclasses.replace(context, settings=settings))) as client:
        client.headers["Authorization"] = f"Bearer {tokens(Role.ADMIN, username='root')}"
        assert client.post("/api/v1/orders", json=order_payload()).status_code == 201
        yield client


def _file(api: TestClient, reason: str = "quality") -> str:
    body = {
        "order_no": "SO-1001",
        "type": "refund",
        "lines": [{"line_no": 2, "quantity": 1, "reason_code": reason}],
    }
    answer = api.post("/api/v1/returns", json=body)
    assert answer.status_code == 201, answer.text
    rma: str = answer.json()["rma_no"]
    return rma


def _as(tokens: Callable[..., str], role: Role, merchant_id: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens(role, merchant_id=merchant_id)}"}


def _topics(context: AppContext, rma: str) -> list[str]:
    with context.session_factory() as session:
        rows = session.scalars(select(OutboxRow).order_by(OutboxRow.id)).all()
    return [row.topic for row in rows if row.payload.get("rma_no") == rma]


def test_an_agent_writes_with_a_photo_and_the_customer_is_told(
    api: TestClient, context: AppContext, tokens: Callable[..., str]
) -> None:
    rma = _file(api)
    agent = _as(tokens, Role.AGENT)
    photo = png()
    body = {"body": "  请补充破损部位的照片  ", "photos": [b64(photo)]}
    answer = api.post(f"/api/v1/returns/{rma}/messages", json=body, headers=agent)
    assert answer.status_code == 201, answer.text
    sent = answer.json()
    assert (sent["author_kind"], sent["body"]) == ("agent", "请补充破损部位的照片")
    (attachment,) = sent["attachments"]
    assert attachment["sha256"] == hashlib.sha256(photo).hexdigest()
    assert attachment["size"] == len(photo)
    listed = api.get(f"/api/v1/returns/{rma}/messages", headers={"Accept-Language": "en"}).json()
    assert [m["id"] for m in listed["items"]] == [sent["id"]]
    assert listed["items"][0]["author_label"] == "Customer service"
    assert (listed["total"], listed["pages"], listed["customer_may_write"]) == (1, 1, True)
    topics = _topics(context, rma)
    assert "conversation.posted" in topics and "return.message" in topics
    # the same photo again, by name: it is on this request now
    again = {"body": "再看这张", "photo_ids": [attachment["photo_id"]]}
    named = api.post(f"/api/v1/returns/{rma}/messages", json=again, headers=agent)
    assert named.status_code == 201
    assert named.json()["attachments"][0]["sha256"] == attachment["sha256"]


def test_merchants_write_on_their_own_and_find_nothing_else(
    api: TestClient, tokens: Callable[..., str]
) -> None:
    rma = _file(api)
    other = _as(tokens, Role.MERCHANT, "m-other")
    for answer in (
        api.get(f"/api/v1/returns/{rma}/messages", headers=other),
        api.post(f"/api/v1/returns/{rma}/messages", json={"body": "hi"}, headers=other),
    ):
        assert (answer.status_code, answer.json()["code"]) == (404, "return_not_found")
    own = _as(tokens, Role.MERCHANT, "m-babycare")
    written = api.post(f"/api/v1/returns/{rma}/messages", json={"body": "已安排"}, headers=own)
    assert written.status_code == 201 and written.json()["author_kind"] == "merchant"
    as_customer = {"body": "我是顾客", "as_customer": True}
    refused = api.post(f"/api/v1/returns/{rma}/messages", json=as_customer, headers=own)
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    warehouse = _as(tokens, Role.WAREHOUSE)
    assert api.get(f"/api/v1/returns/{rma}/messages", headers=warehouse).status_code == 200
    denied = api.post(f"/api/v1/returns/{rma}/messages", json={"body": "x"}, headers=warehouse)
    assert denied.status_code == 403


def test_the_app_posts_for_its_customer_once_per_key(
    api: TestClient, context: AppContext, tokens: Callable[..., str]
) -> None:
    rma = _file(api)
    app = {**_as(tokens, Role.INTEGRATION), "Idempotency-Key": "msg-1"}
    first = api.post(
        f"/api/v1/returns/{rma}/messages", json={"body": "什么时候退款？"}, headers=app
    )
    assert first.status_code == 201 and first.json()["author_kind"] == "customer"
    assert first.json()["author_name"] == "王小明"
    second = api.post(
        f"/api/v1/returns/{rma}/messages", json={"body": "什么时候退款？"}, headers=app
    )
    assert second.status_code == 200 and second.json()["id"] == first.json()["id"]
    assert api.get(f"/api/v1/returns/{rma}/messages").json()["total"] == 1
    assert "return.message" not in _topics(context, rma)  # the customer wrote it


@pytest.mark.parametrize(
    ("language", "words"),
    [("zh", "请填写留言内容"), ("en", "Write a message first")],
)
def test_bounds_are_problems_in_both_languages(api: TestClient, language: str, words: str) -> None:
    rma = _file(api)
    headers = {"Accept-Language": language}
    blank = api.post(f"/api/v1/returns/{rma}/messages", json={"body": "   "}, headers=headers)
    assert blank.status_code == 422 and blank.headers["content-type"] == "application/problem+json"
    assert (blank.json()["code"], blank.json()["detail"]) == ("message_empty", words)
    long = api.post(f"/api/v1/returns/{rma}/messages", json={"body": "字" * 2001})
    assert (long.status_code, long.json()["code"]) == (422, "message_too_long")
    five = {"body": "x", "photo_ids": [f"{i:032x}.png" for i in range(5)]}
    assert api.post(f"/api/v1/returns/{rma}/messages", json=five).status_code == 422


def test_a_non_photo_or_oversized_attachment_is_refused(
    api: TestClient, context: AppContext, tmp_path: Path
) -> None:
    rma = _file(api)
    fake = {"body": "附件", "photos": [b64(b"%PDF-1.4 not a picture", "invoice.pdf")]}
    refused = api.post(f"/api/v1/returns/{rma}/messages", json=fake)
    assert (refused.status_code, refused.json()["code"]) == (422, "photo_type_not_allowed")
    # a phone photo over 1 MB passes the body limit and is judged by its content
    big = {"body": "大图", "photos": [b64(b"\xff\xd8" + b"0" * 1_100_000, "big.jpg")]}
    garbled = api.post(f"/api/v1/returns/{rma}/messages", json=big)
    assert (garbled.status_code, garbled.json()["code"]) == (422, "photo_type_not_allowed")
    # a body beyond five photos' worth is refused before it is read
    huge = api.post(
        f"/api/v1/returns/{rma}/messages",
        content=b"{" + b" " * (_base64(_MESSAGE) + 1) + b"}",
        headers={"content-type": "application/json"},
    )
    assert (huge.status_code, huge.json()["code"]) == (413, "body_too_large")
    unknown = {"body": "x", "photo_ids": ["f" * 32 + ".jpg"]}
    missing = api.post(f"/api/v1/returns/{rma}/messages", json=unknown)
    assert (missing.status_code, missing.json()["code"]) == (422, "photo_not_found")
    assert api.get(f"/api/v1/returns/{rma}/messages").json()["total"] == 0
    uploads = tmp_path / "uploads"
    assert not uploads.exists() or list(uploads.iterdir()) == []  # nothing half-kept


def test_canned_replies_per_reason_and_language(api: TestClient) -> None:
    found = api.get("/api/v1/canned-replies", params={"reason": "quality", "lang": "en"}).json()
    assert found["language"] == "en" and found["items"][0]["reason"] == "quality"
    assert {item["reason"] for item in found["items"]} == {"quality", "general"}
    zh = api.get("/api/v1/canned-replies", params={"reason": "wrong_item", "rma_no": "RMA9"})
    assert "发错" in zh.json()["items"][0]["body"]
    bad = api.get("/api/v1/canned-replies", params={"reason": "nonsense"})
    assert (bad.status_code, bad.json()["code"]) == (422, "reason_unknown")
