"""R14.1 through the API: the access log (who, whose, what, where; filters and paging),
the customer data export (JSON or ZIP, itself logged), and the return label as an
address access. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from tests.support.clock import FakeClock

OrderPayload = Callable[..., dict[str, Any]]
Tokens = Callable[..., str]


def _file(client: TestClient, order_no: str = "SO-1001") -> str:
    body = {
        "order_no": order_no,
        "type": "refund",
        "lines": [{"line_no": 1, "quantity": 1, "reason_code": "no_reason", "reason_text": "太小"}],
    }
    response = client.post("/api/v1/returns", json=body)
    assert response.status_code == 201, response.text
    rma: str = response.json()["rma_no"]
    return rma


def _bearer(tokens: Tokens, role: Role, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens(role, username=username)}"}


@pytest.fixture
def filed(client: TestClient, order_payload: OrderPayload) -> str:
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201
    return _file(client)


def test_contact_looks_name_customer_and_route(
    client: TestClient, tokens: Tokens, filed: str
) -> None:
    agent = _bearer(tokens, Role.AGENT, "li.na")
    assert client.get(f"/api/v1/returns/{filed}", headers=agent).status_code == 200
    log = client.get("/api/v1/access-log", params={"actor": "agent:li.na"}).json()
    assert log["total"] == 1
    (entry,) = log["entries"]
    assert (entry["customer_id"], entry["subject"], entry["kind"]) == ("c-1", filed, "contact")
    assert entry["route"] == f"GET /api/v1/returns/{filed}"


def test_the_label_is_an_address_access(client: TestClient, tokens: Tokens, filed: str) -> None:
    agent = _bearer(tokens, Role.AGENT, "li.na")
    body = {"method": "self_ship", "carrier": "SF", "tracking_no": "SF1234567890123"}
    shipped = client.post(f"/api/v1/returns/{filed}/shipments", json=body)
    assert shipped.status_code == 201, shipped.text
    assert client.get(f"/api/v1/returns/{filed}/label.pdf", headers=agent).status_code == 200
    found = client.get("/api/v1/access-log", params={"kind": "address"}).json()
    assert [(e["actor"], e["subject"], e["customer_id"]) for e in found["entries"]] == [
        ("agent:li.na", filed, "c-1")
    ]


def test_filters_by_customer_kind_and_day_and_pages(
    client: TestClient,
    tokens: Tokens,
    clock: FakeClock,
    order_payload: OrderPayload,
    context: AppContext,
) -> None:
    other = {"id": "c-2", "name": "李华", "phone": "13900139000", "email": "li@example.com"}
    client.post("/api/v1/orders", json=order_payload())
    client.post("/api/v1/orders", json=order_payload(order_no="SO-2002", customer=other))
    mine, theirs = _file(client), _file(client, "SO-2002")
    agent = _bearer(tokens, Role.AGENT, "li.na")
    with context.uow() as uow:  # 51 looks, as the pages and routes write them
        for _ in range(51):
            uow.accounts.log_access("agent:li.na", mine, "contact", clock.now)
        uow.commit(clock.now)
    clock.advance(days=2)
    client.get(f"/api/v1/returns/{theirs}", headers=agent)

    hers = {"customer_id": "c-1", "actor": "agent:li.na"}
    first = client.get("/api/v1/access-log", params=hers).json()
    assert (first["total"], first["pages"], len(first["entries"])) == (51, 2, 50)
    second = client.get("/api/v1/access-log", params={**hers, "page": "2"}).json()
    assert len(second["entries"]) == 1
    newest = client.get("/api/v1/access-log", params={"kind": "contact"}).json()["entries"][0]
    assert newest["customer_id"] == "c-2"  # newest first
    day = (clock.now + timedelta(hours=8)).date().isoformat()  # the console's local day
    today = client.get("/api/v1/access-log", params={"from": day, "to": day}).json()
    # (the admin's own filing showed it the contacts too, on the first day)
    assert [e["subject"] for e in today["entries"]] == [theirs]
    assert client.get("/api/v1/access-log", params={"kind": "export"}).json()["total"] == 0


@pytest.mark.parametrize(
    "params",
    [
        {"kind": "everything"},
        {"from": "2026-13-01"},
        {"from": "0001-01-03"},
        {"from": "2026-12-02", "to": "2026-12-01"},
        {"page": "0"},
        {"page": "²"},
    ],
)
def test_bad_filters_are_422_problems(client: TestClient, params: dict[str, str]) -> None:
    response = client.get("/api/v1/access-log", params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    # the shared parsing layer's codes (domain/input_bounds.py) for numbers and days
    assert response.json()["code"] in (
        "invalid_filter",
        "validation_error",
        "number_invalid",
        "date_invalid",
    )


def test_only_admins_read_the_access_log(client: TestClient, tokens: Tokens) -> None:
    for role in (Role.MANAGER, Role.AGENT):
        headers = _bearer(tokens, role, f"{role.value}-x")
        assert client.get("/api/v1/access-log", headers=headers).status_code == 403


def test_export_holds_everything_and_is_logged(
    client: TestClient, tokens: Tokens, filed: str
) -> None:
    client.post(f"/api/v1/returns/{filed}/cancel")
    agent = _bearer(tokens, Role.AGENT, "li.na")
    response = client.get("/api/v1/customers/c-1/export", headers=agent)
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    data = response.json()
    assert data["customer"] == {
        "id": "c-1",
        "name": "王小明",
        "phone": "13800138000",
        "email": "xiaoming@example.com",
        "anonymised_at": None,
        "key_account": False,
    }
    assert [order["order_no"] for order in data["orders"]] == ["SO-1001"]
    assert len(data["orders"][0]["lines"]) == 2
    (request,) = data["requests"]
    assert request["rma_no"] == filed and request["lines"][0]["reason_text"] == "太小"
    assert [step["to_status"] for step in request["timeline"]][-1] == "cancelled"
    assert any(notice["payload"].get("rma_no") == filed for notice in data["notices"])
    assert set(data) >= {"refunds", "shipments", "store_credit", "ratings", "exchange_orders"}
    assert set(data) >= {"complaints", "appeals", "disputes"}
    log = client.get("/api/v1/access-log", params={"kind": "export"}).json()["entries"]
    assert [(e["actor"], e["customer_id"]) for e in log] == [("agent:li.na", "c-1")]


def test_export_as_zip_and_unknown_customer(client: TestClient, filed: str) -> None:
    response = client.get("/api/v1/customers/c-1/export", params={"format": "zip"})
    assert response.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert json.loads(archive.read("customer.json"))["customer"]["id"] == "c-1"
    missing = client.get("/api/v1/customers/c-nobody/export")
    assert (missing.status_code, missing.json()["code"]) == (404, "customer_not_found")
    assert client.get("/api/v1/access-log", params={"kind": "export"}).json()["total"] == 1


def test_warehouse_and_merchants_cannot_export(client: TestClient, tokens: Tokens) -> None:
    for role in (Role.WAREHOUSE, Role.FINANCE, Role.INTEGRATION):
        headers = _bearer(tokens, role, f"{role.value}-x")
        assert client.get("/api/v1/customers/c-1/export", headers=headers).status_code == 403
