"""The access-log page and the export form (R14.1), and photos logged like contacts.

Through the ASGI app with real sign-ins; SQLite and PostgreSQL.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.storage.schema import AccessLogRow, ReturnRow
from tests.test_console_pages import csrf_of_session, sign_in

Tokens = Callable[..., str]
OrderPayload = Callable[..., dict[str, Any]]


@pytest.fixture
def filed(
    context: AppContext, client: TestClient, order_payload: OrderPayload, tmp_path: Path
) -> tuple[str, str]:
    """A request carrying one stored photo; (rma, photo name)."""
    context.settings = context.settings.model_copy(update={"upload_dir": str(tmp_path / "up")})
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201
    body = {
        "order_no": "SO-1001",
        "type": "refund",
        "lines": [{"line_no": 1, "quantity": 1, "reason_code": "no_reason"}],
    }
    rma: str = client.post("/api/v1/returns", json=body).json()["rma_no"]
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(buffer, "PNG")
    (name,) = context.photos.save_all([("a.png", buffer.getvalue())])
    with context.uow() as uow:
        row = uow.session.scalars(select(ReturnRow).where(ReturnRow.rma_no == rma)).one()
        row.photos = [name]
        uow.session.commit()
    return rma, name


@pytest.fixture
def admin(context: AppContext, tokens: Tokens) -> Iterator[TestClient]:
    tokens(Role.ADMIN, username="ada")
    with sign_in(context, "ada") as browser:
        yield browser


@pytest.fixture
def agent(context: AppContext, tokens: Tokens) -> Iterator[TestClient]:
    tokens(Role.AGENT, username="li.na")
    with sign_in(context, "li.na") as browser:
        yield browser


def test_a_photo_look_is_logged_with_its_page(
    context: AppContext, agent: TestClient, filed: tuple[str, str]
) -> None:
    rma, name = filed
    assert agent.get(f"/staff/photos/{name}").status_code == 200
    with context.session_factory() as session:
        rows = session.scalars(select(AccessLogRow).where(AccessLogRow.what == "photo")).all()
    assert [(r.actor, r.subject, r.customer_id, r.route) for r in rows] == [
        ("agent:li.na", rma, "c-1", f"GET /staff/photos/{name}")
    ]


def test_admins_read_the_log_with_filters(
    admin: TestClient, agent: TestClient, filed: tuple[str, str]
) -> None:
    rma, name = filed
    agent.get(f"/staff/returns/{rma}")
    agent.get(f"/staff/photos/{name}")
    page = admin.get("/staff/access-log", params={"actor": "agent:li.na"})
    assert page.status_code == 200
    assert "顾客数据访问日志" in page.text and 'data-total="2"' in page.text
    assert 'data-kind="photo"' in page.text and 'data-kind="contact"' in page.text
    assert f"GET /staff/returns/{rma}" in page.text
    only = admin.get("/staff/access-log", params={"actor": "agent:li.na", "kind": "photo"})
    assert 'data-total="1"' in only.text and 'data-kind="contact"' not in only.text
    admin.cookies.set("lang", "en")
    english = admin.get("/staff/access-log")
    assert "Customer data access log" in english.text and 'href="/staff/access-log"' in english.text


def test_a_bad_filter_is_shown_on_the_page(admin: TestClient) -> None:
    page = admin.get("/staff/access-log", params={"date_from": "2026-02-30", "page": "²"})
    assert page.status_code == 422
    assert "data-error" in page.text
    assert "year-month-day" in page.text or "年-月-日" in page.text


def test_the_menu_offers_the_log_to_admins_only(admin: TestClient, agent: TestClient) -> None:
    assert 'data-menu="access-log"' in admin.get("/staff").text
    assert 'data-menu="access-log"' not in agent.get("/staff").text
    assert agent.get("/staff/access-log").status_code == 403


def test_the_export_form_downloads_and_is_logged(
    context: AppContext, admin: TestClient, filed: tuple[str, str]
) -> None:
    csrf = csrf_of_session(context, admin)
    response = admin.post(
        "/staff/customers/export", data={"csrf_token": csrf, "customer_id": "c-1"}
    )
    assert response.status_code == 200
    assert response.json()["customer"]["name"] == "王小明"
    page = admin.get("/staff/access-log", params={"kind": "export"})
    assert 'data-total="1"' in page.text and "POST /staff/customers/export" in page.text

    as_zip = admin.post(
        "/staff/customers/export", data={"csrf_token": csrf, "customer_id": "c-1", "format": "zip"}
    )
    with zipfile.ZipFile(io.BytesIO(as_zip.content)) as archive:
        assert sorted(archive.namelist()) == ["customer.json", f"photos/{filed[1]}"]
    refused = admin.post("/staff/customers/export", data={"customer_id": "c-1"})
    assert refused.status_code in (403, 422) and "csrf_failed" in refused.text
