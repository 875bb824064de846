"""Applying as a new merchant on a 390 px phone in Chromium (issue 15, seed 000 §9.1).

The form is filled, a PDF licence and a PNG brand authorisation attached, the agreement
accepted; the status page shows the reference and the private link; a reviewer sees the
application on a desktop. Screenshots: /tmp/shots/onboarding-*.png.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from tests.test_onboarding import FORM, PDF, _png

PASSWORD = "correct horse battery"
SHOTS = Path("/tmp/shots")


@pytest.fixture
def context(context: AppContext, tmp_path: Path) -> AppContext:
    settings = context.settings.model_copy(update={"upload_dir": str(tmp_path / "uploads")})
    return dataclasses.replace(context, settings=settings)


def _shot(tab: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SHOTS / f"onboarding-{name}.png"), full_page=True)


def test_a_merchant_applies_on_a_phone(
    live_server: str, page: Page, tokens: Callable[..., str], tmp_path: Path
) -> None:
    licence, brand = tmp_path / "营业执照.pdf", tmp_path / "brand.png"
    licence.write_bytes(PDF)
    brand.write_bytes(_png())
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server + "/merchants/apply")
    expect(page.locator("h1")).to_contain_text("申请入驻")
    _shot(page, "form-zh")
    for name in ("company_name", "licence_no", "shop_name", "brands", "contact_name"):
        page.fill(f"input[name={name}]", str(FORM[name]))
    for name in ("after_sales_phone", "after_sales_email", "service_hours", "staff_count"):
        page.fill(f"input[name={name}]", str(FORM[name]))
    page.fill("input[name=username]", "bearcare")
    page.fill("textarea[name=return_address]", str(FORM["return_address"]))
    page.locator("label", has_text="母婴").first.click()
    page.set_input_files("input[name=doc_business_licence]", str(licence))
    page.set_input_files("input[name=doc_brand_authorisation]", str(brand))
    page.check("input[name=agreement_version]")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the form is {width} px wide on a 390 px phone"
    _shot(page, "form-filled-zh")
    page.click("button.ma-submit")
    expect(page.locator("[data-reference]")).to_have_text("MA000001")
    expect(page.locator("[data-status]")).to_have_attribute("data-status", "submitted")
    expect(page.locator(".ma-files li")).to_have_count(2)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    _shot(page, "status-zh")

    page.goto(live_server + "/merchants/apply?lang=en")
    expect(page.locator("h1")).to_contain_text("Apply to sell")
    _shot(page, "form-en")

    tokens(Role.MANAGER, username="reviewer")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server + "/staff/merchants/applications")
    page.fill("input[name=username]", "reviewer")
    page.fill("input[name=password]", PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator("[data-application=MA000001]")).to_contain_text("小熊母婴旗舰店")
    _shot(page, "list-zh")
    page.click("text=MA000001")
    expect(page.locator("[data-document]")).to_have_count(2)
    _shot(page, "review-zh")
