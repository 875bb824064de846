"""Photos sent in a request's conversation are recorded photos (issue 13, R14.1): the photo
records know them, so nobody can copy one onto another merchant's request by its name,
and the console's photo viewer shows them (logged) to those who may see the request.
SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import dataclasses
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.domain.text import DomainError
from returnflow.services import photo_refs
from tests.support.apps import shared_app
from tests.support.staff import post_login

OrderPayload = Callable[..., dict[str, Any]]
Tokens = Callable[..., str]
PASSWORD = "correct horse battery"  # what the `tokens` fixture gives every account


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), "orange").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def site(context: AppContext, tmp_path: Path) -> AppContext:
    context.settings = context.settings.model_copy(
        update={"upload_dir": str(tmp_path / "uploads"), "secret_key": "photos-test-secret"}
    )
    return context


def _file(client: TestClient, order_no: str, photos: list[str] | None = None) -> Any:
    line = {"line_no": 1, "quantity": 1, "reason_code": "no_reason"}
    body = {"order_no": order_no, "type": "refund", "lines": [line], "photos": photos or []}
    return client.post("/api/v1/returns", json=body)


@pytest.fixture
def sent(site: AppContext, client: TestClient, order_payload: OrderPayload) -> tuple[str, str]:
    """The customer's request to m-babycare, and the photo an agent sent in its thread."""
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201
    other = order_payload(order_no="SO-2002", merchant_id="m-other")
    assert client.post("/api/v1/orders", json=other).status_code == 201
    filed = _file(client, "SO-1001")
    assert filed.status_code == 201, filed.text
    rma: str = filed.json()["rma_no"]
    photo = {"filename": "p.png", "content_base64": base64.b64encode(_png()).decode()}
    body = {"body": "请看这张照片里的破损位置", "photos": [photo]}
    answer = client.post(f"/api/v1/returns/{rma}/messages", json=body)
    assert answer.status_code == 201, answer.text
    name: str = answer.json()["attachments"][0]["photo_id"]
    return rma, name


def test_the_records_know_a_conversation_photo(site: AppContext, sent: tuple[str, str]) -> None:
    rma, name = sent
    with site.uow() as uow:
        assert uow.photo_records.where_recorded(name) == {"conversation": [rma]}
        assert uow.photo_records.where_recorded("0" * 32 + ".png") == {}
        photo_refs.check_for_request(uow, [name], rma_no=rma)  # its own request: fine
        with pytest.raises(DomainError) as refused:
            photo_refs.check_for_request(uow, [name], rma_no="RMA-SOMEONE-ELSE")
        assert refused.value.code == "photo_not_found"


def test_it_cannot_be_copied_onto_another_merchants_request(
    client: TestClient, sent: tuple[str, str]
) -> None:
    _, name = sent
    copied = _file(client, "SO-2002", photos=[name])
    assert (copied.status_code, copied.json()["code"]) == (422, "photo_not_found")


def _console(site: AppContext, tokens: Tokens, role: Role, merchant: str | None = None) -> Any:
    name = f"{role.value}-{merchant or 'x'}"
    tokens(role, merchant_id=merchant, username=name)
    browser = TestClient(shared_app(dataclasses.replace(site)), follow_redirects=False)
    assert post_login(browser, name, PASSWORD).status_code == 303
    return browser


def test_the_console_viewer_shows_it_and_logs_the_look(
    site: AppContext, client: TestClient, tokens: Tokens, sent: tuple[str, str]
) -> None:
    rma, name = sent
    agent = _console(site, tokens, Role.AGENT)
    shown = agent.get(f"/staff/photos/{name}")
    assert (shown.status_code, shown.headers["content-type"]) == (200, "image/png")
    assert shown.content == _png()
    own = _console(site, tokens, Role.MERCHANT, "m-babycare")
    assert own.get(f"/staff/photos/{name}").status_code == 200
    other = _console(site, tokens, Role.MERCHANT, "m-other")
    assert other.get(f"/staff/photos/{name}").status_code == 404
    log = client.get("/api/v1/access-log", params={"kind": "photo"}).json()["entries"]
    looks = sorted((entry["actor"], entry["subject"], entry["customer_id"]) for entry in log)
    assert looks == [("agent:agent-x", rma, "c-1"), ("merchant:merchant-m-babycare", rma, "c-1")]
