"""The analyses API on SQLite and PostgreSQL (issue 14, R9.2, R9.5).

Planted through the real routes: m-babycare's bottle comes back for quality four times
out of 20 delivered while the rest of its category (40 units) never does, so it tops
the problem products; m-other's customer writes in English. A merchant sees its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from tests.support.apps import shared_app

OrderPayload = Callable[..., dict[str, Any]]
Tokens = Callable[..., str]
ROUTES = ("reasons", "segments", "correlations", "forecast", "problem-products")


def _line(no: int, sku: str, quantity: int, category: str = "baby") -> dict[str, Any]:
    return {
        "line_no": no, "sku": sku, "title": f"商品 {sku}", "category": category,
        "unit_price": 5000 * no, "quantity": quantity, "discount": 0, "flags": [],
    }  # fmt: skip


def _order(
    client: TestClient, payload: OrderPayload, no: str, merchant: str, lines: list[Any]
) -> None:
    body = payload(order_no=no, merchant_id=merchant, lines=lines)
    body["customer"] = {**body["customer"], "id": f"c-{no}"}
    assert client.post("/api/v1/orders", json=body).status_code == 201


def _file(client: TestClient, order_no: str, line: int, quantity: int, text: str) -> None:
    body = {
        "order_no": order_no,
        "type": "refund",
        "lines": [{"line_no": line, "quantity": quantity, "reason_code": "quality",
                   "reason_text": text}],
    }  # fmt: skip
    filed = client.post("/api/v1/returns", json=body)
    assert filed.status_code == 201, filed.text


@pytest.fixture(autouse=True)
def planted(client: TestClient, order_payload: OrderPayload) -> None:
    for i, text in enumerate(["奶瓶漏水", "奶瓶瓶口漏水", "漏水严重", "奶瓶刻度模糊"]):
        _order(client, order_payload, f"SO-B{i}", "m-babycare", [_line(1, "BOTTLE", 5)])
        _file(client, f"SO-B{i}", 1, 1, text)
    for i in range(4):
        _order(client, order_payload, f"SO-K{i}", "m-babycare", [_line(2, "BIB", 10)])
    _order(client, order_payload, "SO-O1", "m-other", [_line(1, "MUG", 2, "kitchen")])
    _file(client, "SO-O1", 1, 1, "the handle cracked")


@pytest.fixture
def merchant(context: AppContext, tokens: Tokens) -> TestClient:
    client = TestClient(shared_app(context))
    client.headers["Authorization"] = f"Bearer {tokens(Role.MERCHANT, merchant_id='m-other')}"
    return client


def test_the_bottle_tops_the_problem_products(client: TestClient) -> None:
    answer = client.get("/api/v1/analytics/problem-products")
    assert answer.status_code == 200, answer.text
    products = answer.json()["products"]
    assert [p["key"] for p in products] == ["BOTTLE"]
    bottle = products[0]
    assert (bottle["delivered"], bottle["fault_returns"], bottle["rate"]) == (20, 4, 0.2)
    assert (bottle["category"], bottle["category_rate"], bottle["lift"]) == ("baby", 0.0667, 3.0)
    assert "漏水" in bottle["terms"] and len(bottle["quotes"]) == 2
    listing = client.get("/api/v1/analytics/problem-products", params={"by": "listing"})
    assert [p["key"] for p in listing.json()["products"]] == ["m-babycare/BOTTLE"]


def test_every_analysis_answers_over_the_planted_data(client: TestClient) -> None:
    answers = {name: client.get(f"/api/v1/analytics/{name}") for name in ROUTES}
    assert {name: a.status_code for name, a in answers.items()} == dict.fromkeys(ROUTES, 200)
    reasons = answers["reasons"].json()
    assert reasons["texts"] == 5 and sum(c["size"] for c in reasons["clusters"]) == 5
    assert {c["reason"] for c in reasons["clusters"]} == {"quality"}
    segments = answers["segments"].json()
    assert segments["customers"] == 5  # one customer per order that came back
    correlations = {r["factor"]: r for r in answers["correlations"].json()["rows"]}
    assert correlations["category:kitchen"]["group_rate"] == 0.5
    assert correlations["price"]["n"] == 9
    forecast = answers["forecast"].json()
    assert len(forecast["history"]) == 84 and len(forecast["days"]) == 14
    assert forecast["measured"] is False and forecast["per_inspector_day"] == 120.0
    assert forecast["headline"]["en"].startswith("Expected ")


def test_a_merchant_reads_its_own_customers_only(merchant: TestClient) -> None:
    reasons = merchant.get("/api/v1/analytics/reasons").json()
    assert reasons["texts"] == 1
    assert reasons["clusters"][0]["examples"] == ["the handle cracked"]
    assert merchant.get("/api/v1/analytics/problem-products").json()["products"] == []
    rows = merchant.get("/api/v1/analytics/correlations").json()
    assert rows["lines"] == 1 and rows["return_rate"] == 0.5


def test_a_bad_period_is_a_problem_in_both_languages(client: TestClient) -> None:
    long = client.get(
        "/api/v1/analytics/reasons", params={"from": "2024-01-01", "to": "2026-01-01"}
    )
    assert long.status_code == 422
    assert long.headers["content-type"].startswith("application/problem+json")
    assert long.json()["code"] == "date_range_too_long"
    reversed_ = client.get(
        "/api/v1/analytics/segments",
        params={"from": "2026-11-10", "to": "2026-11-01"},
        headers={"Accept-Language": "zh-CN"},
    )
    assert reversed_.status_code == 422 and reversed_.json()["code"] == "date_range_reversed"
    assert "开始日期" in reversed_.json()["detail"]
    bad = client.get("/api/v1/analytics/problem-products", params={"from": "2026-13-01"})
    assert bad.status_code == 422
