"""The merchant's terms page, the public help centre and the portal's terms card (issue 15).

Planted: merchants m-a (SO-1001 and later SO-3003, baby goods, customer 王小明) and m-b
(B-1). The journey: a merchant signs in, sets better terms, the portal then shows them on
an order placed afterwards; the order placed before keeps the old terms (R2.5).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jinja2.ext import babel_extract

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.web.i18n import translations
from returnflow.web.templating import TEMPLATES
from tests.support.apps import shared_app
from tests.support.clock import FakeClock
from tests.test_console_pages import csrf_from, sign_in

PAGE = "/staff/merchant/terms"
Payload = Callable[..., dict[str, Any]]


@pytest.fixture
def shops(client: TestClient, order_payload: Payload) -> None:
    assert client.post("/api/v1/orders", json=order_payload(merchant_id="m-a")).status_code == 201
    other = order_payload(order_no="B-1", merchant_id="m-b")
    assert client.post("/api/v1/orders", json=other).status_code == 201


@pytest.fixture
def shop_a(context: AppContext, tokens: Callable[..., str], shops: None) -> Iterator[TestClient]:
    tokens(Role.MERCHANT, merchant_id="m-a", username="shop.a")
    with sign_in(context, "shop.a") as browser:
        yield browser


def _form(page: str, **values: str) -> dict[str, str]:
    data = {
        "csrf_token": csrf_from(page),
        "merchant_id": "m-a",
        "scope": "all",
        "no_reason_days": "7",
        "quality_refund_days": "7",
        "quality_exchange_days": "15",
        "warranty_days": "90",
    }
    data.update(values)
    return data


def _merchant_entries(client: TestClient) -> list[Any]:
    return list(client.get("/api/v1/policy").json()["current"]["merchants"])


def test_merchant_page_shows_own_terms_and_refuses_worse_beside_the_field(
    shop_a: TestClient, client: TestClient
) -> None:
    page = shop_a.get(PAGE)
    assert page.status_code == 200
    assert 'data-merchant="m-a"' in page.text and 'data-menu="merchant-terms"' in page.text
    assert 'data-scope="baby"' in page.text and 'data-scope="fresh_food"' in page.text
    worse = shop_a.post(PAGE, data=_form(page.text, no_reason_days="3"), follow_redirects=False)
    assert worse.status_code == 422
    assert 'data-error="no_reason_days"' in worse.text
    assert "无理由退货天数不能低于平台的 7 天" in worse.text
    shop_a.cookies.set("lang", "en")
    english = shop_a.post(PAGE, data=_form(page.text, no_reason_days="3"), follow_redirects=False)
    assert "Days to return for any reason: at least the platform&#39;s 7 days" in english.text
    nonsense = shop_a.post(PAGE, data=_form(page.text, warranty_days="x"), follow_redirects=False)
    assert nonsense.status_code == 422 and 'data-error="warranty_days"' in nonsense.text
    assert _merchant_entries(client) == []

    done = shop_a.post(
        PAGE,
        data=_form(page.text, no_reason_days="15", merchant_pays_no_reason_shipping="on"),
        follow_redirects=False,
    )
    assert done.status_code == 303
    shown = shop_a.get(done.headers["location"])
    assert 'data-saved="terms"' in shown.text
    assert re.search(r'data-term="no_reason_days" data-value="15"', shown.text)
    assert 'data-version="2"' in shown.text and "merchant:shop.a" in shown.text
    assert _merchant_entries(client) == [
        {
            "merchant_id": "m-a",
            "category": None,
            "overrides": {"no_reason_days": 15, "merchant_pays_no_reason_shipping": True},
        }
    ]


def test_merchant_cannot_open_or_change_another_merchant(
    shop_a: TestClient, client: TestClient
) -> None:
    page = shop_a.get(PAGE)
    assert shop_a.get(PAGE, params={"merchant": "m-b"}).status_code == 404
    other = _form(page.text, merchant_id="m-b", no_reason_days="30")
    assert shop_a.post(PAGE, data=other, follow_redirects=False).status_code == 404
    profile = {"csrf_token": csrf_from(page.text), "merchant_id": "m-b", "methods": "pickup"}
    answer = shop_a.post("/staff/merchant/profile", data=profile, follow_redirects=False)
    assert answer.status_code == 404
    assert _merchant_entries(client) == []
    assert client.get("/api/v1/merchants/m-b/profile").json()["updated_at"] is None


def test_manager_picks_a_merchant(
    context: AppContext, tokens: Callable[..., str], shops: None
) -> None:
    tokens(Role.MANAGER, username="boss")
    with sign_in(context, "boss") as boss:
        picker = boss.get(PAGE)
        assert picker.status_code == 200
        assert 'value="m-a"' in picker.text and 'value="m-b"' in picker.text
        chosen = boss.get(PAGE, params={"merchant": "m-b"})
        assert 'data-merchant="m-b"' in chosen.text


def test_profile_form_saves_methods_and_refuses_none(shop_a: TestClient) -> None:
    page = shop_a.get(PAGE)
    base = {"csrf_token": csrf_from(page.text), "merchant_id": "m-a"}
    none = shop_a.post("/staff/merchant/profile", data=base, follow_redirects=False)
    assert none.status_code == 422 and 'data-error="methods"' in none.text
    half = {**base, "methods": ["pickup"], "warehouse_name": "只填了名字"}
    partial = shop_a.post("/staff/merchant/profile", data=half, follow_redirects=False)
    assert partial.status_code == 422 and 'data-error="warehouse_phone"' in partial.text
    saved = shop_a.post(
        "/staff/merchant/profile",
        data={**base, "methods": ["pickup", "dropoff"], "note_zh": "七天内换新", "note_en": "New"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    help_page = shop_a.get("/help/returns/merchants/m-a")
    assert (
        'data-method="pickup"' in help_page.text and 'data-method="self_ship"' not in help_page.text
    )
    assert "七天内换新" in help_page.text


def test_help_pages_are_public_in_both_languages(context: AppContext, shops: None) -> None:
    with TestClient(shared_app(context)) as public:
        zh = public.get("/help/returns")
        assert zh.status_code == 200 and zh.headers["cache-control"] == "public, max-age=300"
        assert "签收后 7 天内可无理由退货" in zh.text and "定制商品" in zh.text
        en = public.get("/help/returns", params={"lang": "en"})
        assert "Return it within 7 days of delivery" in en.text and "Custom-made goods" in en.text
        shop = public.get("/help/returns/merchants/m-a", params={"lang": "en"})
        assert shop.status_code == 200 and 'data-page="merchant"' in shop.text
        product = public.get("/help/returns/merchants/m-a/products/BOTTLE-240")
        assert (
            "宽口径玻璃奶瓶 240ml" in product.text
            and 'data-line="flag_hygiene_sealed"' in product.text
        )
        category = public.get(
            "/help/returns/merchants/m-a/categories/fresh_food", params={"lang": "en"}
        )
        assert "within 2 days of delivery" in category.text
        for missing in (
            "/help/returns/merchants/m-zz",
            "/help/returns/merchants/m-a/products/NOPE",
            "/help/returns/merchants/m-a/categories/spaceships",
        ):
            answer = public.get(missing)
            assert answer.status_code == 404 and 'data-code="' in answer.text, missing


@pytest.fixture
def portal_context(context: AppContext, tmp_path: Path) -> AppContext:
    settings = context.settings.model_copy(
        update={"upload_dir": str(tmp_path / "uploads"), "secret_key": "terms-tests"}
    )
    return dataclasses.replace(context, settings=settings)


def _portal_order(portal: TestClient, order_no: str) -> str:
    found = portal.post("/portal/lookup", data={"order_no": order_no, "contact": "13800138000"})
    assert found.status_code == 303, found.text
    page: str = portal.get(found.headers["location"]).text
    return page


def test_journey_merchant_sets_better_terms_that_the_portal_then_shows(
    portal_context: AppContext,
    shop_a: TestClient,
    client: TestClient,
    order_payload: Payload,
    clock: FakeClock,
) -> None:
    page = shop_a.get(PAGE)
    published = shop_a.post(
        PAGE, data=_form(page.text, no_reason_days="30"), follow_redirects=False
    )
    assert published.status_code == 303
    clock.now += timedelta(minutes=5)
    later = order_payload(
        order_no="SO-3003",
        merchant_id="m-a",
        placed_at=(clock.now - timedelta(minutes=1)).isoformat(),
        delivered_at=(clock.now - timedelta(seconds=30)).isoformat(),
    )
    assert client.post("/api/v1/orders", json=later).status_code == 201
    with TestClient(shared_app(portal_context), follow_redirects=False) as portal:
        new_order = _portal_order(portal, "SO-3003")
        old_order = _portal_order(portal, "SO-1001")
    assert 'data-term="no_reason_days" data-days="30"' in new_order
    assert "商家加码" in new_order and "30 天无理由退货" in new_order
    assert 'data-term="no_reason_days" data-days="7"' in old_order  # judged by its own day
    assert "商家加码" not in old_order
    with TestClient(shared_app(portal_context), follow_redirects=False) as portal:
        found = portal.post(
            "/portal/lookup", data={"order_no": "SO-3003", "contact": "13800138000"}
        )
        apply_page = portal.get(found.headers["location"] + "/apply").text
    assert 'data-term="no_reason_days" data-days="30"' in apply_page


def test_every_text_on_these_pages_is_translated() -> None:
    catalog = translations("zh")
    files = [
        TEMPLATES / "staff/merchant_terms.html",
        TEMPLATES / "portal/_merchant_terms.html",
        *sorted((TEMPLATES / "help").glob("*.html")),
    ]
    missing = []
    for template in files:
        with template.open("rb") as handle:
            for _, _, message, _ in babel_extract(handle, ("_", "gettext"), [], {}):
                msgid = message if isinstance(message, str) else str((message or ("",))[0])
                if catalog.gettext(msgid) == msgid:
                    missing.append(f"{template.name}: {msgid}")
    assert missing == []
