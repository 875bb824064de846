"""Publishing policy versions; orders keep the terms of the day they were placed (R2.5)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.support.clock import FakeClock

OrderPayload = Callable[..., dict[str, Any]]


def _no_reason_until(client: TestClient, order_no: str) -> str:
    lines = client.get(f"/api/v1/orders/{order_no}/eligibility").json()["lines"]
    until: str = lines[0]["options"][0]["until"]
    return until


def test_new_version_applies_to_orders_placed_after_it(
    client: TestClient, clock: FakeClock, order_payload: OrderPayload
) -> None:
    starts = (clock.now - timedelta(days=4)).isoformat()
    draft = {
        "effective_from": starts,
        "baseline": {
            "no_reason_days": 15,
            "quality_refund_days": 15,
            "quality_exchange_days": 30,
            "warranty_days": 180,
        },
    }
    published = client.post("/api/v1/policy/versions", json=draft)
    assert published.status_code == 201
    assert published.json()["version"] == 2
    old = order_payload(order_no="OLD", placed_at=(clock.now - timedelta(days=5)).isoformat())
    new = order_payload(order_no="NEW", placed_at=(clock.now - timedelta(days=3)).isoformat())
    client.post("/api/v1/orders", json=old)
    client.post("/api/v1/orders", json=new)
    assert _no_reason_until(client, "OLD") == "2026-11-25"  # 7 days under version 1
    assert _no_reason_until(client, "NEW") == "2026-12-03"  # 15 days under version 2
    policy = client.get("/api/v1/policy").json()
    assert [v["version"] for v in policy["versions"]] == [1, 2]
    assert policy["current"]["baseline"]["no_reason_days"] == 15


def test_merchant_terms_may_only_be_better(
    client: TestClient, clock: FakeClock, order_payload: OrderPayload
) -> None:
    worse = {
        "effective_from": clock.now.isoformat(),
        "merchants": [
            {"merchant_id": "m-babycare", "category": None, "overrides": {"no_reason_days": 3}}
        ],
    }
    response = client.post("/api/v1/policy/versions", json=worse)
    assert (response.status_code, response.json()["code"]) == (422, "override_less_generous")
    unknown = {
        "effective_from": clock.now.isoformat(),
        "merchants": [{"merchant_id": "m-babycare", "overrides": {"free_gifts": 1}}],
    }
    assert (
        client.post("/api/v1/policy/versions", json=unknown).json()["code"] == "unknown_policy_term"
    )
    assert client.get("/api/v1/policy").json()["versions"] == [
        {"version": 1, "effective_from": "2000-01-01T00:00:00+00:00"}
    ]

    better = {
        "effective_from": (clock.now - timedelta(days=30)).isoformat(),
        "merchants": [
            {
                "merchant_id": "m-babycare",
                "category": "baby",
                "overrides": {"no_reason_days": 30, "merchant_pays_no_reason_shipping": True},
            }
        ],
    }
    assert client.post("/api/v1/policy/versions", json=better).status_code == 201
    client.post("/api/v1/orders", json=order_payload())
    option = client.get("/api/v1/orders/SO-1001/eligibility").json()["lines"][0]["options"][0]
    assert option["until"] == "2026-12-18"
    assert option["shipping_payer"] == "merchant"
