"""Order import and the eligibility view, on both databases."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from returnflow.app_context import AppContext
from returnflow.services.merchants import merchant_names

OrderPayload = Callable[..., dict[str, Any]]


def test_import_is_idempotent_on_order_no(client: TestClient, order_payload: OrderPayload) -> None:
    first = client.post("/api/v1/orders", json=order_payload())
    assert first.status_code == 201
    assert first.json() == {"order_no": "SO-1001", "created": True}
    again = client.post("/api/v1/orders", json=order_payload(shipping_fee=0))
    assert again.status_code == 200
    assert again.json()["created"] is False
    page = client.get("/api/v1/returns").json()
    assert page["total"] == 0


def test_update_replaces_lines(client: TestClient, order_payload: OrderPayload) -> None:
    client.post("/api/v1/orders", json=order_payload())
    body = order_payload()
    body["lines"] = body["lines"][:1]
    assert client.post("/api/v1/orders", json=body).status_code == 200
    lines = client.get("/api/v1/orders/SO-1001/eligibility").json()["lines"]
    assert [line["line_no"] for line in lines] == [1]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"currency": "rmb"}, "currency"),
        ({"placed_at": "2026-11-01T10:00:00"}, "placed_at"),  # no time zone
        ({"lines": []}, "lines"),
        (
            {"customer": {"id": "c", "name": "x", "phone": "abc", "email": "a@example.com"}},
            "customer.phone",
        ),
        (
            {"customer": {"id": "c", "name": "x", "phone": "1380000", "email": "nope"}},
            "customer.email",
        ),
        ({"order_no": ""}, "order_no"),
        ({"unexpected": 1}, "unexpected"),
    ],
)
def test_malformed_orders_are_422_naming_the_field(
    client: TestClient, order_payload: OrderPayload, change: dict[str, Any], field: str
) -> None:
    response = client.post("/api/v1/orders", json=order_payload(**change))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["field"] == field
    assert body["status"] == 422


def test_line_errors_are_checked_beyond_the_schema(
    client: TestClient, order_payload: OrderPayload
) -> None:
    body = order_payload()
    body["lines"][1]["line_no"] = 1
    response = client.post("/api/v1/orders", json=body)
    assert (response.status_code, response.json()["code"]) == (422, "duplicate_line")
    assert response.json()["field"] == "lines.1.line_no"

    body = order_payload()
    body["lines"][0]["discount"] = 999_999
    response = client.post("/api/v1/orders", json=body)
    assert (response.status_code, response.json()["code"]) == (422, "discount_exceeds_price")

    body = order_payload(delivered_at="2020-01-01T00:00:00+00:00")
    response = client.post("/api/v1/orders", json=body)
    assert response.json()["code"] == "delivered_before_placed"


def test_eligibility_explains_each_line(client: TestClient, order_payload: OrderPayload) -> None:
    client.post("/api/v1/orders", json=order_payload())
    response = client.get("/api/v1/orders/SO-1001/eligibility", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    body = response.json()
    assert body["policy_version"] == 1
    assert body["delivered"] is True
    bottle = body["lines"][0]
    assert bottle["requestable_quantity"] == 2
    assert bottle["allowed_types"] == ["refund", "exchange", "repair", "reissue", "refund_only"]
    no_reason = bottle["options"][0]
    assert (no_reason["type"], no_reason["reason_code"]) == ("refund", "no_reason")
    # delivered 2026-11-18 10:00 Shanghai: the last day is 11-25
    assert no_reason["until"] == "2026-11-25"
    assert no_reason["shipping_payer"] == "customer"
    codes = [reason["code"] for reason in no_reason["reasons"]]
    assert "sealed_only" in codes  # hygiene goods: only while sealed
    quality = bottle["options"][2]
    assert quality["shipping_payer"] == "merchant"
    assert quality["until"] == "2026-11-25"


def test_eligibility_speaks_chinese_by_default(
    client: TestClient, order_payload: OrderPayload
) -> None:
    client.post("/api/v1/orders", json=order_payload())
    body = client.get("/api/v1/orders/SO-1001/eligibility").json()
    messages = [r["message"] for r in body["lines"][0]["options"][0]["reasons"]]
    assert any("无理由" in message for message in messages)


def test_undelivered_order_only_allows_refund_only(
    client: TestClient, order_payload: OrderPayload
) -> None:
    client.post("/api/v1/orders", json=order_payload(delivered_at=None))
    body = client.get("/api/v1/orders/SO-1001/eligibility").json()
    assert body["delivered"] is False
    assert body["lines"][0]["allowed_types"] == ["refund_only"]


def test_unknown_order_is_404(client: TestClient) -> None:
    response = client.get("/api/v1/orders/NOPE/eligibility", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert response.json()["code"] == "order_not_found"
    assert response.json()["detail"] == "Order NOPE was not found"


def test_validation_messages_follow_the_language(
    client: TestClient, order_payload: OrderPayload
) -> None:
    body = order_payload(lines=[])
    chinese = client.post("/api/v1/orders", json=body).json()
    assert chinese["detail"] == "字段 lines 至少需要 1 项"
    english = client.post(
        "/api/v1/orders", json=body, headers={"Accept-Language": "en-GB,en;q=0.9"}
    )
    assert english.json()["detail"] == "Field lines needs at least 1 items"
    missing = order_payload()
    del missing["payment"]
    assert client.post("/api/v1/orders", json=missing).json()["detail"] == "字段 payment 必填"


def test_concurrent_imports_of_a_new_order_all_succeed(
    client: TestClient, order_payload: OrderPayload
) -> None:
    """An order system retrying at once must not get a 500: one creates, the rest update."""
    for round_no in range(5):
        body = order_payload(
            order_no=f"RACE-{round_no}",
            merchant_id=f"m-new-{round_no}",
            customer={
                "id": f"c-new-{round_no}",
                "name": "并发",
                "phone": "13800138000",
                "email": "race@example.com",
            },
        )
        codes = sorted(_post_together(client, body, times=6))
        assert codes == [200] * 5 + [201], codes


def _post_together(client: TestClient, body: dict[str, Any], times: int) -> list[int]:
    from concurrent.futures import ThreadPoolExecutor

    def post(_: int) -> int:
        return int(client.post("/api/v1/orders", json=body).status_code)

    with ThreadPoolExecutor(max_workers=times) as pool:
        return list(pool.map(post, range(times)))


def test_the_import_names_the_merchant_and_a_later_import_without_a_name_keeps_it(
    client: TestClient, order_payload: OrderPayload, context: AppContext
) -> None:
    def names() -> dict[str, str]:
        with context.uow() as uow:
            return merchant_names(uow, ["m-babycare", "m-unnamed", "m-nobody"])

    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201
    assert names()["m-babycare"] == "m-babycare"  # no name yet: the id stands in
    named = order_payload(order_no="SO-1002", merchant_name="贝乐母婴旗舰店")
    assert client.post("/api/v1/orders", json=named).status_code == 201
    assert names()["m-babycare"] == "贝乐母婴旗舰店"
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 200
    assert names()["m-babycare"] == "贝乐母婴旗舰店"  # said nothing: kept
    renamed = order_payload(merchant_name="BabyCare Flagship")
    assert client.post("/api/v1/orders", json=renamed).status_code == 200
    new = order_payload(order_no="SO-2001", merchant_id="m-unnamed", merchant_name="新店")
    assert client.post("/api/v1/orders", json=new).status_code == 201
    assert names() == {
        "m-babycare": "BabyCare Flagship",
        "m-unnamed": "新店",
        "m-nobody": "m-nobody",  # never imported: its id
    }
    for bad in ("", "   ", "x" * 201):
        refused = client.post("/api/v1/orders", json=order_payload(merchant_name=bad))
        assert refused.status_code == 422, bad
    assert names()["m-babycare"] == "BabyCare Flagship"
