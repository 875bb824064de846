"""Filing return requests and reading them back, on both databases."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from returnflow.app_context import AppContext
from returnflow.storage.schema import OutboxRow
from tests.support.clock import FakeClock

OrderPayload = Callable[..., dict[str, Any]]


def _return(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "order_no": "SO-1001",
        "type": "refund",
        "channel": "web",
        "lines": [{"line_no": 1, "quantity": 1, "reason_code": "no_reason"}],
    }
    body.update(changes)
    return body


@pytest.fixture
def order(client: TestClient, order_payload: OrderPayload) -> dict[str, Any]:
    body = order_payload()
    assert client.post("/api/v1/orders", json=body).status_code == 201
    return body


@pytest.mark.usefixtures("order")
def test_clear_request_is_approved_at_once(client: TestClient, context: AppContext) -> None:
    response = client.post("/api/v1/returns", json=_return())
    assert response.status_code == 201
    body = response.json()
    assert body["rma_no"] == "RMA202611200000001"
    assert body["status"] == "approved"
    assert body["decision"]["outcome"] == "approved"
    assert body["decision"]["decided_by"] == "auto"
    assert body["shipping_payer"] == "customer"
    # 2 × 89.00 less 10.00 discount = 168.00, i.e. 84.00 per bottle
    assert body["refund_estimate"]["total"] == {"amount": 8400, "currency": "CNY"}
    line = body["refund_estimate"]["lines"][0]
    assert (line["gross"]["amount"], line["discount_share"]["amount"]) == (8900, 500)
    assert body["ship_by"] is not None
    assert [entry["status"] for entry in body["timeline"]] == ["requested", "approved"]
    assert body["allowed_actions"] == ["ship", "cancel"]
    # the contact defaults to the order's customer, and the confirmation is queued (R1.3)
    assert body["contact"]["email"] == "xiaoming@example.com"
    with context.session_factory() as session:
        topics = session.scalars(select(OutboxRow.topic)).all()
    assert topics == ["return.created"]


@pytest.mark.usefixtures("order")
def test_policy_refusal_is_recorded_with_reasons(client: TestClient) -> None:
    lines = [{"line_no": 1, "quantity": 1, "reason_code": "no_reason", "opened": True}]
    response = client.post(
        "/api/v1/returns", json=_return(lines=lines), headers={"Accept-Language": "en"}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "rejected"
    assert [r["code"] for r in body["decision"]["reasons"]] == ["excluded_hygiene_opened"]
    assert "unsealed" in body["decision"]["reasons"][0]["message"]
    assert client.get(f"/api/v1/returns/{body['rma_no']}").status_code == 200


@pytest.mark.usefixtures("order")
def test_window_expired_after_day_seven(client: TestClient, clock: FakeClock) -> None:
    # delivered 2026-11-18 (Shanghai): 11-25 is the last day
    clock.now = clock.now.replace(day=25, hour=15, minute=59)  # 23:59 in Shanghai
    assert client.post("/api/v1/returns", json=_return()).json()["status"] == "approved"
    clock.advance(minutes=2)  # 00:01 on 11-26 in Shanghai
    body = client.post("/api/v1/returns", json=_return()).json()
    assert body["status"] == "rejected"
    assert body["decision"]["reasons"][0]["code"] == "window_expired"


@pytest.mark.usefixtures("order")
def test_fault_without_photos_goes_to_review_with_a_deadline(client: TestClient) -> None:
    lines = [{"line_no": 2, "quantity": 1, "reason_code": "quality", "reason_text": "开线"}]
    body = client.post("/api/v1/returns", json=_return(lines=lines)).json()
    assert body["status"] == "pending_review"
    assert [r["code"] for r in body["decision"]["reasons"]] == ["evidence_missing"]
    assert body["shipping_payer"] == "merchant"
    assert body["review_due_at"] == "2026-11-21T02:00:00Z"
    with_photos = client.post(
        "/api/v1/returns", json=_return(lines=lines, photos=["1" * 32 + ".jpg"])
    ).json()
    assert with_photos["status"] == "rejected"  # the only unit is already in review
    assert with_photos["decision"]["reasons"][0]["code"] == "quantity_exceeded"


@pytest.mark.usefixtures("order")
def test_quantity_is_limited_across_requests(client: TestClient) -> None:
    one = [{"line_no": 1, "quantity": 1, "reason_code": "no_reason"}]
    first = client.post("/api/v1/returns", json=_return(lines=one)).json()
    second = client.post("/api/v1/returns", json=_return(lines=one)).json()
    third = client.post("/api/v1/returns", json=_return(lines=one)).json()
    assert [first["status"], second["status"], third["status"]] == [
        "approved",
        "approved",
        "rejected",
    ]
    assert third["decision"]["reasons"][0]["code"] == "quantity_exceeded"
    # the two units refund 84.00 each: together exactly what was paid for the line
    total = (
        first["refund_estimate"]["total"]["amount"] + second["refund_estimate"]["total"]["amount"]
    )
    assert total == 2 * 8900 - 1000
    # cancelling frees the unit again
    client.post(f"/api/v1/returns/{first['rma_no']}/cancel")
    assert client.post("/api/v1/returns", json=_return(lines=one)).json()["status"] == "approved"


def test_value_above_limit_goes_to_review(client: TestClient, order_payload: OrderPayload) -> None:
    body = order_payload()
    body["lines"][0]["unit_price"] = 300_000  # ¥3,000 a piece, above the ¥2,000 limit
    client.post("/api/v1/orders", json=body)
    result = client.post("/api/v1/returns", json=_return()).json()
    assert result["status"] == "pending_review"
    assert result["decision"]["reasons"][-1]["code"] == "value_above_auto_limit"


def test_undelivered_order_refund_only(client: TestClient, order_payload: OrderPayload) -> None:
    client.post("/api/v1/orders", json=order_payload(delivered_at=None))
    lines = [{"line_no": 2, "quantity": 1, "reason_code": "not_delivered"}]
    refused = client.post("/api/v1/returns", json=_return(lines=lines)).json()
    codes = {r["code"] for r in refused["decision"]["reasons"]}
    assert codes == {"type_not_allowed", "not_delivered"}
    approved = client.post("/api/v1/returns", json=_return(type="refund_only", lines=lines)).json()
    assert approved["status"] == "approved"
    assert approved["shipping_payer"] == "none"
    assert approved["allowed_actions"] == ["refund", "cancel"]


@pytest.mark.usefixtures("order")
def test_idempotency_key_returns_the_first_answer(client: TestClient) -> None:
    headers = {"Idempotency-Key": "app-7f3a"}
    first = client.post("/api/v1/returns", json=_return(), headers=headers)
    again = client.post("/api/v1/returns", json=_return(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert client.get("/api/v1/returns").json()["total"] == 1
    other = client.post("/api/v1/returns", json=_return(channel="app"), headers=headers)
    assert (other.status_code, other.json()["code"]) == (422, "idempotency_key_reused")


@pytest.mark.usefixtures("order")
@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        (_return(order_no="NOPE"), 404, "order_not_found", None),
        (_return(type="swap"), 422, "validation_error", "type"),
        (_return(channel="fax"), 422, "validation_error", "channel"),
        (_return(lines=[]), 422, "validation_error", "lines"),
        (
            _return(lines=[{"line_no": 9, "quantity": 1, "reason_code": "no_reason"}]),
            422,
            "unknown_line",
            "lines.0.line_no",
        ),
        (
            _return(lines=[{"line_no": 1, "quantity": 0, "reason_code": "no_reason"}]),
            422,
            "validation_error",
            "lines.0.quantity",
        ),
        (
            _return(lines=[{"line_no": 1, "quantity": 1, "reason_code": "bored"}]),
            422,
            "validation_error",
            "lines.0.reason_code",
        ),
        (
            _return(lines=[{"line_no": 1, "quantity": 1, "reason_code": "no_reason"}] * 2),
            422,
            "duplicate_line",
            "lines.1.line_no",
        ),
        (_return(photos=["p.jpg"] * 10), 422, "validation_error", "photos"),
    ],
)
def test_bad_requests_create_nothing(
    client: TestClient, body: dict[str, Any], status: int, code: str, field: str | None
) -> None:
    response = client.post("/api/v1/returns", json=body)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == code
    assert problem.get("field") == field
    assert problem["detail"]
    assert client.get("/api/v1/returns").json()["total"] == 0


@pytest.mark.usefixtures("order")
def test_search_filters_and_pages(
    client: TestClient, clock: FakeClock, order_payload: OrderPayload
) -> None:
    other = order_payload(order_no="SO-2002", merchant_id="m-tech")
    client.post("/api/v1/orders", json=other)
    rmas = []
    for order_no in ("SO-1001", "SO-2002", "SO-1001"):
        clock.advance(minutes=1)
        rmas.append(
            client.post("/api/v1/returns", json=_return(order_no=order_no)).json()["rma_no"]
        )
    page = client.get("/api/v1/returns", params={"page_size": 2}).json()
    assert page["total"] == 3
    assert [item["rma_no"] for item in page["items"]] == [rmas[2], rmas[1]]
    second = client.get("/api/v1/returns", params={"page_size": 2, "page": 2}).json()
    assert [item["rma_no"] for item in second["items"]] == [rmas[0]]
    mine = client.get("/api/v1/returns", params={"merchant_id": "m-tech"}).json()
    assert [item["rma_no"] for item in mine["items"]] == [rmas[1]]
    since = (clock.now - timedelta(seconds=30)).isoformat()
    recent = client.get("/api/v1/returns", params={"created_from": since}).json()
    assert [item["rma_no"] for item in recent["items"]] == [rmas[2]]
    assert client.get("/api/v1/returns", params={"status": "rejected"}).json()["total"] == 0
    assert client.get("/api/v1/returns", params={"status": "lost"}).status_code == 422
    naive = client.get("/api/v1/returns", params={"created_from": "2026-11-01T00:00:00"})
    assert naive.json()["code"] == "timezone_required"


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("GET", "/api/v1/returns?merchant_id=a%00b", None),
        ("GET", "/api/v1/returns/RMA%00", None),
        ("GET", "/api/v1/orders/SO%001/eligibility", None),
        (
            "POST",
            "/api/v1/returns",
            '{"order_no": "SO-1001\\u0000", "type": "refund", "lines": []}',
        ),
    ],
)
def test_nul_characters_are_refused_before_the_database(
    client: TestClient, method: str, url: str, body: str | None
) -> None:
    response = client.request(
        method, url, content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_characters"
