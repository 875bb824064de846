"""A merchant sets better terms; a customer's phone reads them in the help centre (issue 15).

Chromium: the merchant signs in, is refused a worse term beside the field, publishes
15 days and free return shipping; on a 390 px phone the public help page shows the
extras, in Chinese and after the language switch in English.
Screenshots: /tmp/shots/terms-*.png.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, expect

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from tests.support.clock import FakeClock

PASSWORD = "correct horse battery"
SHOTS = Path("/tmp/shots")


@pytest.fixture
def context(context: AppContext, tmp_path: Path) -> AppContext:
    """A known key for the portal's signed links."""
    settings = context.settings.model_copy(
        update={"upload_dir": str(tmp_path / "uploads"), "secret_key": "terms-browser"}
    )
    return dataclasses.replace(context, settings=settings)


def _shot(tab: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SHOTS / f"terms-{name}.png"), full_page=True)


def test_merchant_sets_terms_and_the_phone_help_page_shows_them(
    client: TestClient,
    order_payload: Callable[..., dict[str, Any]],
    tokens: Any,
    live_server: str,
    page: Page,
    browser: Browser,
    clock: FakeClock,
) -> None:
    order = order_payload(merchant_id="m-a", merchant_name="宝贝屋母婴旗舰店")
    assert client.post("/api/v1/orders", json=order).status_code == 201
    tokens(Role.MERCHANT, merchant_id="m-a", username="shop.a")

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server + "/staff/merchant/terms")
    page.fill("input[name=username]", "shop.a")
    page.fill("input[name=password]", PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator("[data-menu=merchant-terms]")).to_have_attribute("aria-current", "page")
    terms = page.locator("form[data-form=terms]")
    terms.locator("input[name=no_reason_days]").fill("3")
    terms.locator("button[data-action=publish]").click()
    expect(page.locator("[data-error=no_reason_days]")).to_contain_text("不能低于平台的 7 天")
    _shot(page, "refused-zh")
    terms = page.locator("form[data-form=terms]")
    terms.locator("input[name=no_reason_days]").fill("15")
    terms.locator("input[name=merchant_pays_no_reason_shipping]").check()
    terms.locator("button[data-action=publish]").click()
    expect(page.locator("[data-saved=terms]")).to_be_visible()
    expect(page.locator("tr[data-scope=all] td[data-term=no_reason_days]")).to_contain_text("15")
    _shot(page, "merchant-zh")

    phone = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    tab = phone.new_page()
    tab.goto(live_server + "/help/returns/merchants/m-a")
    expect(tab.locator("[data-stat=no_reason_days] b")).to_have_text("15")
    expect(tab.locator("[data-line=no_reason]")).to_contain_text("商家加码")
    width = tab.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the help page scrolls sideways on a phone: {width}px"
    _shot(tab, "help-phone-zh")
    tab.click("button[data-lang=en]")
    expect(tab.locator("[data-line=no_reason]")).to_contain_text("within 15 days of delivery")
    expect(tab.locator("[data-line=no_reason]")).to_contain_text("Merchant's extra")
    _shot(tab, "help-phone-en")
    tab.goto(live_server + "/help/returns/merchants/m-a/products/BOTTLE-240")
    expect(tab.locator("[data-line=flag_hygiene_sealed]")).to_be_visible()
    _shot(tab, "product-phone-en")

    # an order placed after the publish: the portal's order page shows the merchant's terms
    clock.now += timedelta(minutes=5)
    later = order_payload(
        order_no="SO-3003",
        merchant_id="m-a",
        placed_at=(clock.now - timedelta(minutes=1)).isoformat(),
        delivered_at=(clock.now - timedelta(seconds=30)).isoformat(),
    )
    assert client.post("/api/v1/orders", json=later).status_code == 201
    tab.goto(live_server + "/portal")
    tab.fill("input[name=order_no]", "SO-3003")
    tab.fill("input[name=contact]", "13800138000")
    tab.click("main button[type=submit]")
    card = tab.locator("#return-terms")
    expect(card.locator("[data-term=no_reason_days]").first).to_have_attribute("data-days", "15")
    expect(card.locator("[data-better]").first).to_be_visible()
    card.scroll_into_view_if_needed()
    _shot(tab, "portal-phone-en")
    phone.close()
