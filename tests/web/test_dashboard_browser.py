"""The dashboards in Chromium (issue 14, R9.3): plotly (served from the installed package)
draws every chart, a click on a bar follows its drill-down to the requests behind it,
and the manager's and merchant's console homes open on their KPIs and charts.
Screenshots: /tmp/shots/dash-*.png."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.services import analytics
from tests.api.test_analytics_planted import plant

PASSWORD = "correct horse battery"
SHOTS = Path("/tmp/shots")
NOVEMBER = "from=2026-11-01&to=2026-11-30"


def _sign_in(tab: Page, live_server: str, username: str, where: str) -> None:
    tab.goto(live_server + where)
    tab.fill("input[name=username]", username)
    tab.fill("input[name=password]", PASSWORD)
    tab.keyboard.press("Enter")
    expect(tab).to_have_url(live_server + where)


def _shot(tab: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SHOTS / f"dash-{name}.png"), full_page=True)


def test_plotly_draws_and_a_click_drills_down(
    context: AppContext, tokens: Any, live_server: str, page: Page
) -> None:
    plant(context)
    with context.uow(publish=False) as uow:
        analytics.rebuild(uow, context.clock())
        uow.commit(context.clock())
    tokens(Role.MANAGER, username="chen.jing")
    tokens(Role.MERCHANT, merchant_id="m-a", username="alpha.shop")
    failed: list[str] = []
    page.on("pageerror", lambda error: failed.append(str(error)))
    page.on("console", lambda m: failed.append(m.text) if m.type == "error" else None)
    page.set_viewport_size({"width": 1280, "height": 900})
    _sign_in(page, live_server, "chen.jing", "/staff")
    expect(page.locator("#home-analytics .js-plotly-plot .main-svg").first).to_be_visible()
    expect(page.locator("#home-analytics [data-drawn=true]")).to_have_count(2)
    _shot(page, "home-manager-zh")
    where = f"/staff/analytics?{NOVEMBER}"
    page.goto(live_server + where + "&lang=en")
    expect(page.locator("[data-drawn=true]")).to_have_count(7)
    expect(page.locator("#chart-return_rate .js-plotly-plot .main-svg").first).to_be_visible()
    _shot(page, "analytics-en")
    page.goto(live_server + where + "&lang=zh")
    expect(page.locator("[data-drawn=true]")).to_have_count(7)
    _shot(page, "analytics-zh")
    # a click on the first bar of the reasons chart (not as described: R3's 2 units)
    bar = page.locator("#chart-reasons .bars .point path").first
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page).to_have_url(re.compile(r"/staff/analytics/requests\?.*reason=not_as_described"))
    expect(page.locator("[data-total-units]")).to_have_attribute("data-total-units", "2")
    _shot(page, "drill-zh")
    # the planted rows are bare (no request type): the link, not the request page, is checked
    expect(page.locator("tr[data-rma] a").first).to_have_attribute(
        "href", re.compile(r"^/staff/returns/RMA\d+$")
    )
    page.context.clear_cookies()
    _sign_in(page, live_server, "alpha.shop", "/staff")
    expect(page.locator("#home-analytics [data-drawn=true]")).to_have_count(2)
    page.goto(live_server + "/staff?lang=en")
    expect(page.locator("#home-analytics [data-drawn=true]")).to_have_count(2)
    _shot(page, "home-merchant-en")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server + f"/staff/analytics?{NOVEMBER}&lang=zh")
    expect(page.locator("[data-drawn=true]")).to_have_count(7)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    _shot(page, "analytics-390-zh")
    assert failed == []
