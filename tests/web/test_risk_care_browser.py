"""Frequent-returner care and the risk register in Chromium (issue 15, R10.1, R10.4).

An agent opens the frequent-returner list, reaches out to the customer who keeps
returning for size with the size guide, and records that the customer was reached;
a manager raises a risk on the register. Screenshots: /tmp/shots/register-*.png.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.services import monitors as monitor_service
from tests.support.clock import FakeClock
from tests.test_returner_care import _outbox, planted  # noqa: F401  (fixture)

PASSWORD = "correct horse battery"
SHOTS = Path("/tmp/shots")


def _shot(tab: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SHOTS / f"register-{name}.png"), full_page=True)


def _sign_in(page: Page, url: str, username: str) -> None:
    page.goto(url)
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.keyboard.press("Enter")


def test_care_list_to_outreach_and_the_register(
    context: AppContext,
    client: TestClient,
    clock: FakeClock,
    tokens: Callable[..., Any],
    planted: None,  # noqa: F811
    live_server: str,
    page: Page,
) -> None:
    tokens(Role.AGENT, username="li.na")
    page.set_viewport_size({"width": 1280, "height": 900})
    _sign_in(page, live_server + "/staff/risk/care", "li.na")
    row = page.locator("tr[data-customer=c-size]")
    expect(row.locator("[data-requests]")).to_have_text("3")
    expect(page.locator("tr[data-customer=c-two]")).to_have_count(0)
    _shot(page, "care-list-zh")
    row.locator("[data-open]").click()
    expect(page.locator("[data-cause=size]")).to_contain_text("尺码表")
    page.check("input[name=action][value=size_guide]")
    page.fill("input[name=link]", "https://shop.example.com/size-guide")
    page.fill("textarea[name=note]", "您好，这款鞋偏小，建议选大一码。")
    page.click("[data-send]")
    outreach = page.locator("[data-outreach]").first
    expect(outreach).to_contain_text("https://shop.example.com/size-guide")
    outreach.locator("[data-set-outcome=reached]").click()
    expect(page.locator("[data-outreach] [data-outcome]").first).to_have_attribute(
        "data-outcome", "reached"
    )
    expect(page.locator("[data-before]").first).to_have_text("3")
    _shot(page, "care-customer-zh")
    assert len(_outbox(context, "care.advice")) == 1

    page.context.clear_cookies()
    tokens(Role.MANAGER, username="zhang.wei")
    with context.uow() as uow:  # the monitors read the planted requests once
        monitor_service.evaluate(uow, clock.now)
        uow.commit(clock.now)
    _sign_in(page, live_server + "/staff/risk/register", "zhang.wei")
    card = page.locator("[data-risk=product_quality]")
    card.locator("summary[data-open-edit]").click()
    card.locator("select[name=probability]").select_option("4")
    card.locator("select[name=impact]").select_option("5")
    card.locator("select[name=owner]").select_option("li.na")
    card.locator("button[type=submit]").click()
    card = page.locator("[data-risk=product_quality]")
    expect(card).to_have_attribute("data-level", "critical")
    expect(card.locator("[data-rating]")).to_have_text("20")
    expect(card.locator("[data-owner]")).to_have_text("li.na")
    card.locator("[data-history] summary").click()
    expect(card.locator("[data-history]")).to_contain_text("运营经理 zhang.wei")
    expect(card.locator("[data-history]")).not_to_contain_text("应对措施")  # unchanged
    expect(card.locator("tr[data-indicator=return_rate]").first).to_be_visible()
    _shot(page, "register-zh")
    page.goto(live_server + "/staff/risk/register?lang=en")
    expect(page.locator("h1")).to_have_text("Risk register")
    _shot(page, "register-en")
