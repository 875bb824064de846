"""R14.1 for the conversations (issue 13): the customer's data export holds the messages on
their requests with each photo's name and SHA-256, and the retention job clears what the
customer wrote and every photo of those threads while the thread keeps its shape.
SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.jobs import retention
from returnflow.storage.grievance_privacy import CLEARED_MESSAGE
from returnflow.storage.schema.conversations import (
    ConversationAttachmentRow,
    ConversationMessageRow,
)
from tests.support.clock import FakeClock

DAYS = 30
OrderPayload = Callable[..., dict[str, Any]]
Tokens = Callable[..., str]
ASKED = "箱子在浦东新区世纪大道 100 号，电话 13800138000，什么时候来取？"
ANSWERED = "您好，快递员明天上午上门取件，请保持电话畅通。"
MERCHANT_SAID = "We will refund as soon as the parcel arrives."


def _png(color: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), color).save(buffer, "PNG")
    return buffer.getvalue()


def _photo(data: bytes) -> dict[str, str]:
    return {"filename": "p.png", "content_base64": base64.b64encode(data).decode()}


@pytest.fixture
def kept(context: AppContext, tmp_path: Path) -> AppContext:
    context.settings = context.settings.model_copy(
        update={"retention_days": DAYS, "upload_dir": str(tmp_path / "uploads")}
    )
    return context


def _file(client: TestClient, order_no: str) -> str:
    line = {"line_no": 1, "quantity": 1, "reason_code": "no_reason"}
    filed = client.post(
        "/api/v1/returns", json={"order_no": order_no, "type": "refund", "lines": [line]}
    )
    assert filed.status_code == 201, filed.text
    rma: str = filed.json()["rma_no"]
    return rma


def _say(client: TestClient, rma: str, body: dict[str, Any], **headers: str) -> dict[str, Any]:
    answer = client.post(f"/api/v1/returns/{rma}/messages", json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    said: dict[str, Any] = answer.json()
    return said


Talk = tuple[str, dict[str, bytes]]


@pytest.fixture
def talk(
    kept: AppContext,
    client: TestClient,
    tokens: Tokens,
    order_payload: OrderPayload,
    clock: FakeClock,
) -> Talk:
    """c-1's request: the customer asks with a photo, an agent answers with one, the
    merchant replies; then it is cancelled (closed). c-2 has a thread of their own."""
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201
    other = {"id": "c-2", "name": "李雷", "phone": "13900139000", "email": "li@example.com"}
    second = order_payload(order_no="SO-2002", customer=other)
    assert client.post("/api/v1/orders", json=second).status_code == 201
    rma, elsewhere = _file(client, "SO-1001"), _file(client, "SO-2002")
    photos = {"customer": _png("red"), "agent": _png("blue")}
    _say(client, rma, {"body": ASKED, "as_customer": True, "photos": [_photo(photos["customer"])]})
    clock.advance(minutes=5)
    agent = f"Bearer {tokens(Role.AGENT, username='li.na')}"
    _say(client, rma, {"body": ANSWERED, "photos": [_photo(photos["agent"])]}, Authorization=agent)
    clock.advance(minutes=5)
    merchant = f"Bearer {tokens(Role.MERCHANT, merchant_id='m-babycare')}"
    _say(client, rma, {"body": MERCHANT_SAID}, Authorization=merchant)
    _say(client, elsewhere, {"body": "李雷的问题", "as_customer": True})
    assert client.post(f"/api/v1/returns/{rma}/cancel").status_code == 200
    clock.advance(minutes=10)  # c-2's request closes later than c-1's
    assert client.post(f"/api/v1/returns/{elsewhere}/cancel").status_code == 200
    return rma, photos


def test_the_export_holds_the_customers_conversations(
    kept: AppContext, client: TestClient, talk: Talk
) -> None:
    rma, photos = talk
    data = client.get("/api/v1/customers/c-1/export").json()
    messages = data["conversations"]
    assert [(m["rma_no"], m["author_kind"], m["body"]) for m in messages] == [
        (rma, "customer", ASKED),
        (rma, "agent", ANSWERED),
        (rma, "merchant", MERCHANT_SAID),
    ]
    assert messages[0]["author_name"] == "王小明" and "submission" not in messages[0]
    assert [len(m["attachments"]) for m in messages] == [1, 1, 0]
    for message, who in zip(messages, ("customer", "agent"), strict=False):
        (attachment,) = message["attachments"]
        assert attachment["sha256"] == hashlib.sha256(photos[who]).hexdigest()
        assert attachment["size"] == len(photos[who])
        assert (Path(kept.settings.upload_dir) / attachment["name"]).exists()
    assert "李雷的问题" not in str(data)  # another customer's thread is not theirs


def _rows(context: AppContext, rma: str) -> list[ConversationMessageRow]:
    with context.session_factory() as session:
        query = select(ConversationMessageRow).where(ConversationMessageRow.rma_no == rma)
        return list(session.scalars(query.order_by(ConversationMessageRow.id)))


def _attachments(context: AppContext) -> int:
    with context.session_factory() as session:
        return int(session.scalar(select(func.count(ConversationAttachmentRow.id))) or 0)


def test_retention_clears_the_customers_words_and_the_threads_photos(
    kept: AppContext, client: TestClient, talk: Talk, clock: FakeClock
) -> None:
    rma, _ = talk
    names = [
        m["attachments"][0]["photo_id"]
        for m in client.get(f"/api/v1/returns/{rma}/messages").json()["items"][:2]
    ]
    files = [Path(kept.settings.upload_dir) / name for name in names]
    before = [(row.author_kind, row.created_at) for row in _rows(kept, rma)]
    clock.advance(days=DAYS, minutes=-10, seconds=-1)  # c-1's request closed 30 days ago - 1 s
    assert retention.run(kept, clock.now).customers == []
    assert _rows(kept, rma)[0].body == ASKED and all(f.exists() for f in files)

    clock.advance(seconds=1)
    report = retention.run(kept, clock.now)
    assert report.customers == ["c-1"]  # c-2's thread is not touched
    with kept.session_factory() as session:
        theirs = select(ConversationMessageRow.body).where(
            ConversationMessageRow.customer_id == "c-2"
        )
        assert list(session.scalars(theirs)) == ["李雷的问题"]
    assert set(names) <= set(report.photos) and not any(f.exists() for f in files)
    rows = _rows(kept, rma)
    assert [(row.author_kind, row.created_at) for row in rows] == before  # the shape stays
    assert [row.body for row in rows] == [CLEARED_MESSAGE, ANSWERED, MERCHANT_SAID]
    assert rows[0].author_name == "" and rows[1].author_name == "li.na"
    assert _attachments(kept) == 0
    thread = client.get(f"/api/v1/returns/{rma}/messages").json()["items"]
    assert thread[0]["body"] == CLEARED_MESSAGE
    assert all(m["attachments"] == [] for m in thread)
    exported = client.get("/api/v1/customers/c-1/export").json()["conversations"]
    assert "13800138000" not in str(exported) and "王小明" not in str(exported)


def test_the_zip_export_carries_the_threads_photos(client: TestClient, talk: Talk) -> None:
    _, photos = talk
    answer = client.get("/api/v1/customers/c-1/export", params={"format": "zip"})
    with zipfile.ZipFile(io.BytesIO(answer.content)) as archive:
        carried = {archive.read(name) for name in archive.namelist() if name.startswith("photos/")}
    assert carried == set(photos.values())
