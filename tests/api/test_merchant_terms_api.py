"""A merchant's own terms and profile, and the public policy summary (issue 15, R11.1, R2.1).

Planted: two merchants, m-a (orders with BOTTLE-240 "baby" and PHONE-1 "electronics")
and m-b; the platform's defaults (7 days no reason, 7/15 days faulty, 90 days warranty,
electronics 365, fresh food 2 days faulty). Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.domain.shipping import ReturnMethod
from returnflow.services import shipping_settings
from tests.support.apps import shared_app

TERMS = "/api/v1/merchants/{m}/terms"
PROFILE = "/api/v1/merchants/{m}/profile"
SUMMARY = "/api/v1/policy/summary"


@pytest.fixture
def shops(client: TestClient, order_payload: Callable[..., dict[str, Any]]) -> None:
    phone = {
        "line_no": 3,
        "sku": "PHONE-1",
        "title": "手机",
        "category": "electronics",
        "unit_price": 199900,
        "quantity": 1,
        "discount": 0,
        "flags": [],
    }
    first = order_payload(order_no="A-1", merchant_id="m-a")
    first["lines"].append(phone)
    assert client.post("/api/v1/orders", json=first).status_code == 201
    second = order_payload(order_no="B-1", merchant_id="m-b")
    assert client.post("/api/v1/orders", json=second).status_code == 201


def _as(context: AppContext, token: str) -> TestClient:
    browser = TestClient(shared_app(context))
    browser.headers["Authorization"] = f"Bearer {token}"
    return browser


@pytest.fixture
def shop_a(context: AppContext, tokens: Callable[..., str], shops: None) -> TestClient:
    return _as(context, tokens(Role.MERCHANT, merchant_id="m-a", username="shop.a"))


def _versions(client: TestClient) -> list[int]:
    return [v["version"] for v in client.get("/api/v1/policy").json()["versions"]]


def test_merchant_sees_platform_beside_own_and_publishes_a_version(
    client: TestClient, shop_a: TestClient
) -> None:
    # another merchant's terms published first by a manager: a merchant's publish keeps them
    other = {"scopes": [{"category": None, "overrides": {"no_reason_days": 10}}]}
    assert client.put(TERMS.format(m="m-b"), json=other).status_code == 200
    before = client.get("/api/v1/policy").json()["current"]

    seen = shop_a.get(TERMS.format(m="m-a"))
    assert seen.status_code == 200, seen.text
    scopes = {s["category"]: s for s in seen.json()["scopes"]}
    assert scopes[None]["platform"]["no_reason_days"] == 7 and scopes[None]["better"] == []
    assert scopes["electronics"]["platform"]["warranty_days"] == 365
    assert "baby" in scopes  # a category the merchant sells

    body = {
        "scopes": [
            {
                "category": None,
                "overrides": {"no_reason_days": 15, "merchant_pays_no_reason_shipping": True},
            },
            {"category": "electronics", "overrides": {"warranty_days": 730}},
        ]
    }
    done = shop_a.put(TERMS.format(m="m-a"), json=body)
    assert done.status_code == 200, done.text
    answer = done.json()
    assert answer["policy_version"] == 3  # 1 (built in, stored), 2 (m-b), 3 (m-a)
    assert answer["history"][0]["version"] == 3
    assert answer["history"][0]["published_by"] == "merchant:shop.a"
    scopes = {s["category"]: s for s in answer["scopes"]}
    assert scopes[None]["better"] == ["no_reason_days", "merchant_pays_no_reason_shipping"]
    assert scopes["electronics"]["terms"]["warranty_days"] == 730
    assert scopes["electronics"]["terms"]["no_reason_days"] == 15  # all goods carry over

    after = client.get("/api/v1/policy").json()["current"]
    assert after["baseline"] == before["baseline"] and after["categories"] == before["categories"]
    entries = {(m["merchant_id"], m["category"]): m["overrides"] for m in after["merchants"]}
    assert entries == {
        ("m-b", None): {"no_reason_days": 10},
        ("m-a", None): {"no_reason_days": 15, "merchant_pays_no_reason_shipping": True},
        ("m-a", "electronics"): {"warranty_days": 730},
    }
    assert _versions(client) == [1, 2, 3]


@pytest.mark.parametrize(
    ("category", "overrides", "field"),
    [
        (None, {"no_reason_days": 6}, "no_reason_days"),  # platform 7
        ("fresh_food", {"quality_refund_days": 1}, "quality_refund_days"),  # platform 2
        ("electronics", {"warranty_days": 364}, "warranty_days"),  # platform 365
        (None, {"no_reason_days": 400}, "no_reason_days"),  # beyond the bound
        (None, {"made_up": 3}, "made_up"),
        (None, {"merchant_pays_no_reason_shipping": 5}, "merchant_pays_no_reason_shipping"),
        ("spaceships", {"no_reason_days": 30}, "category"),
    ],
)
def test_only_better_terms_are_accepted(
    client: TestClient,
    shop_a: TestClient,
    category: str | None,
    overrides: dict[str, Any],
    field: str,
) -> None:
    refused = shop_a.put(
        TERMS.format(m="m-a"), json={"scopes": [{"category": category, "overrides": overrides}]}
    )
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["field"] == field
    assert _versions(client) == [1]  # nothing published


def test_equal_to_the_platform_is_no_override(client: TestClient, shop_a: TestClient) -> None:
    body = {"scopes": [{"category": "fresh_food", "overrides": {"quality_refund_days": 2}}]}
    done = shop_a.put(TERMS.format(m="m-a"), json=body)
    assert done.status_code == 200
    assert client.get("/api/v1/policy").json()["current"]["merchants"] == []


def test_a_merchant_reaches_only_its_own(
    client: TestClient, shop_a: TestClient, context: AppContext, tokens: Callable[..., str]
) -> None:
    for path in (TERMS, PROFILE):
        assert shop_a.get(path.format(m="m-b")).status_code == 404
    put = shop_a.put(
        TERMS.format(m="m-b"),
        json={"scopes": [{"category": None, "overrides": {"no_reason_days": 30}}]},
    )
    assert put.status_code == 404 and put.json()["code"] == "merchant_not_found"
    profile = shop_a.put(PROFILE.format(m="m-b"), json={"methods": ["pickup"]})
    assert profile.status_code == 404
    assert client.get("/api/v1/policy").json()["current"]["merchants"] == []
    assert client.get(PROFILE.format(m="m-b")).json()["updated_at"] is None
    agent = _as(context, tokens(Role.AGENT, username="an.agent"))
    assert agent.get(TERMS.format(m="m-a")).status_code == 403
    assert client.get(TERMS.format(m="m-nowhere")).status_code == 404


def test_profile_sets_methods_and_warehouse_the_shipping_choice_follows(
    shop_a: TestClient, context: AppContext
) -> None:
    body = {
        "methods": ["pickup", "self_ship"],
        "warehouse": {
            "name": "宝贝屋退货组",
            "phone": "0571-88880000",
            "province": "浙江省",
            "city": "杭州市",
            "district": "余杭区",
            "detail": "仓前街道 8 号",
        },
        "note": {"zh": "收到退货 24 小时内退款", "en": "Refunds within 24 hours of arrival"},
    }
    saved = shop_a.put(PROFILE.format(m="m-a"), json=body)
    assert saved.status_code == 200, saved.text
    assert [m["code"] for m in saved.json()["methods"]] == ["pickup", "self_ship"]
    assert saved.json()["updated_by"] == "merchant:shop.a"
    with context.uow() as uow:
        book = shipping_settings.method_book(uow, "m-a", "广东省").book
        other = shipping_settings.method_book(uow, "m-b", "广东省").book
    assert book.terms(ReturnMethod.DROPOFF) is None
    assert book.terms(ReturnMethod.PICKUP) is not None
    assert book.warehouse.city == "杭州市"
    assert other.terms(ReturnMethod.DROPOFF) is not None and other.warehouse.city == "上海市"
    empty = shop_a.put(PROFILE.format(m="m-a"), json={"methods": []})
    assert empty.status_code == 422


def _public(context: AppContext) -> TestClient:
    return TestClient(shared_app(context))  # no token at all


def test_public_summary_is_cacheable_and_follows_new_terms(
    shop_a: TestClient, context: AppContext
) -> None:
    public = _public(context)
    first = public.get(SUMMARY, params={"merchant": "m-a", "sku": "BOTTLE-240"})
    assert first.status_code == 200, first.text
    assert first.headers["cache-control"] == "public, max-age=300"
    etag = first.headers["etag"]
    body = first.json()
    assert body["product"] == {
        "sku": "BOTTLE-240",
        "title": "宽口径玻璃奶瓶 240ml",
        "category": "baby",
    }
    assert body["terms"]["no_reason_days"] == 7
    assert body["terms"]["no_reason_shipping_payer"] == "customer"
    assert body["better"] == []
    assert {line["code"] for line in body["lines"]} >= {
        "no_reason",
        "warranty",
        "flag_hygiene_sealed",
    }
    assert body["lines"][0]["words"]["en"].startswith("Changed your mind? Return it within 7 days")

    again = public.get(
        SUMMARY, params={"merchant": "m-a", "sku": "BOTTLE-240"}, headers={"If-None-Match": etag}
    )
    assert again.status_code == 304 and again.content == b""

    better = {"category": None, "overrides": {"no_reason_days": 30}}
    assert shop_a.put(TERMS.format(m="m-a"), json={"scopes": [better]}).status_code == 200
    changed = public.get(
        SUMMARY, params={"merchant": "m-a", "sku": "BOTTLE-240"}, headers={"If-None-Match": etag}
    )
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert changed.json()["terms"]["no_reason_days"] == 30
    assert changed.json()["better"] == ["no_reason_days"]
    assert changed.json()["lines"][0]["better"] is True


def test_public_summary_refusals(context: AppContext, shops: None) -> None:
    public = _public(context)
    cases = [
        ({"merchant": "m-a", "sku": "NOPE"}, 404, "product_not_found"),
        ({"merchant": "m-zz"}, 404, "merchant_not_found"),
        ({"merchant": "m-a", "category": "spaceships"}, 404, "category_not_found"),
        ({"sku": "BOTTLE-240"}, 422, "merchant_required"),
        ({"merchant": "m a"}, 422, "validation_error"),
        ({"merchant": "m" * 65}, 422, "validation_error"),
    ]
    for params, status, code in cases:
        answer = public.get(SUMMARY, params=params)
        assert answer.status_code == status, (params, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["code"] == code, params
    platform = public.get(SUMMARY, params={"category": "fresh_food"})
    assert platform.status_code == 200
    assert platform.json()["terms"]["quality_refund_days"] == 2
    assert platform.json()["merchant"] is None
