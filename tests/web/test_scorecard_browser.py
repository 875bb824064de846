"""The scorecard pages in Chromium (R11.2, R12.2): a manager's ranking and staff figures,
a merchant's own card, at 1280 px and 390 px. Screenshots: /tmp/shots/scorecards-*.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from tests.api.test_scorecards_api import MARCH, plant

PASSWORD = "correct horse battery"
SHOTS = Path("/tmp/shots")


def _sign_in(tab: Page, live_server: str, username: str, where: str) -> None:
    tab.goto(live_server + where)
    tab.fill("input[name=username]", username)
    tab.fill("input[name=password]", PASSWORD)
    tab.keyboard.press("Enter")
    expect(tab).to_have_url(live_server + where)


def _shot(tab: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SHOTS / f"scorecards-{name}.png"), full_page=True)


def _fits(tab: Page) -> None:
    assert tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_a_manager_and_a_merchant_read_their_scorecards(
    context: AppContext, tokens: Any, live_server: str, page: Page
) -> None:
    plant(context)
    tokens(Role.MANAGER, username="chen.jing")
    tokens(Role.MERCHANT, merchant_id="m-a", username="alpha.shop")
    page.set_viewport_size({"width": 1280, "height": 900})
    where = f"/staff/scorecards/merchants?{MARCH}"
    _sign_in(page, live_server, "chen.jing", where)
    expect(page.locator("tr[data-merchant=m-b] .sc-rank")).to_have_text("1")
    _shot(page, "merchants-zh")
    page.goto(live_server + f"/staff/scorecards/staff?{MARCH}")
    expect(page.locator("tr[data-person='warehouse:zhao']")).to_be_visible()
    _shot(page, "staff-zh")
    page.goto(live_server + where + "&lang=en")
    expect(page.get_by_role("heading", name="Merchant scorecards")).to_be_visible()
    _shot(page, "merchants-en")
    page.context.clear_cookies()
    _sign_in(page, live_server, "alpha.shop", where)
    page.goto(live_server + where + "&lang=en")
    expect(page.get_by_text("Rank 2 of 2 merchants")).to_be_visible()
    _shot(page, "own-en")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server + where + "&lang=en")
    _fits(page)
    _shot(page, "own-390-en")
