"""The conversation in the evidence bundle (issue 13, R11.1, R14.2)."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import select

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.storage.schema import AccessLogRow
from tests.support.records import photo_bytes

OrderPayload = Callable[..., dict[str, Any]]


def _bundle(client: TestClient, rma: str, **headers: str) -> zipfile.ZipFile:
    response = client.get(f"/api/v1/returns/{rma}/evidence.zip", headers=headers)
    assert response.status_code == 200, response.text
    return zipfile.ZipFile(io.BytesIO(response.content))


def test_the_thread_and_its_photos_are_in_the_bundle(
    client: TestClient,
    context: AppContext,
    tokens: Callable[..., str],
    tmp_path: Path,
    order_payload: OrderPayload,
) -> None:
    context.settings.upload_dir = str(tmp_path / "uploads")
    client.post("/api/v1/orders", json=order_payload())
    body = {"type": "refund", "lines": [{"line_no": 1, "quantity": 1, "reason_code": "quality"}]}
    rma = client.post("/api/v1/returns", json={"order_no": "SO-1001", **body}).json()["rma_no"]
    seen = photo_bytes("green")
    app = {"Authorization": f"Bearer {tokens(Role.INTEGRATION)}"}
    photo = {"filename": "crack.png", "content_base64": base64.b64encode(seen).decode()}
    asked = {"body": "瓶身有裂痕，见照片", "photos": [photo]}
    assert (
        client.post(f"/api/v1/returns/{rma}/messages", json=asked, headers=app).status_code == 201
    )
    agent = {"Authorization": f"Bearer {tokens(Role.AGENT)}"}
    answer = {"body": "Sorry: we will replace it."}
    assert (
        client.post(f"/api/v1/returns/{rma}/messages", json=answer, headers=agent).status_code
        == 201
    )

    bundle = _bundle(client, rma, **{"Accept-Language": "en"})
    manifest = json.loads(bundle.read("manifest.json"))
    digest = hashlib.sha256(seen).hexdigest()
    (stored,) = [n for n in bundle.namelist() if n.startswith("photos/conversation/")]
    assert bundle.read(stored) == seen and manifest["files"][stored] == digest
    for name in ("conversation.csv", "conversation.json"):
        assert hashlib.sha256(bundle.read(name)).hexdigest() == manifest["files"][name]
    rows = list(csv.DictReader(io.StringIO(bundle.read("conversation.csv").decode("utf-8-sig"))))
    assert [r["author_kind"] for r in rows] == ["customer", "agent"]
    assert rows[0]["body"] == "瓶身有裂痕，见照片" and rows[0]["attachment_sha256"] == digest
    assert rows[0]["at_local"].endswith("(UTC+8)") and rows[1]["attachments"] == ""
    thread = json.loads(bundle.read("conversation.json"))
    assert thread[0]["attachments"][0]["sha256"] == digest
    text = "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(bundle.read("summary.pdf"))).pages
    )
    assert "Conversation (China Standard Time)" in text and "we will replace it" in text
    assert digest[:32] in text.replace("\n", "")
    with context.session_factory() as session:
        looks = session.scalars(select(AccessLogRow.what).where(AccessLogRow.subject == rma)).all()
    assert "photo" in looks  # a bundle with the customer's photos is a look at them


def test_a_request_without_messages_says_none(
    client: TestClient, context: AppContext, tmp_path: Path, order_payload: OrderPayload
) -> None:
    context.settings.upload_dir = str(tmp_path / "uploads")
    client.post("/api/v1/orders", json=order_payload())
    body = {"type": "refund", "lines": [{"line_no": 1, "quantity": 1, "reason_code": "no_reason"}]}
    rma = client.post("/api/v1/returns", json={"order_no": "SO-1001", **body}).json()["rma_no"]
    bundle = _bundle(client, rma, **{"Accept-Language": "zh-CN"})
    assert json.loads(bundle.read("conversation.json")) == []
    text = "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(bundle.read("summary.pdf"))).pages
    )
    assert "留言记录（北京时间）" in text
