"""The incidents console in Chromium (issue 14, R13.1): a planted spike opens an incident
the manager works; the monitors page shows the breach. Screenshots: /tmp/shots/incidents-*.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from tests.support.clock import FakeClock
from tests.test_incident_monitors import _evaluate, _plant, _sensitive

PASSWORD = "correct horse battery"
SHOTS = Path("/tmp/shots")


def _shot(tab: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SHOTS / f"incidents-{name}.png"), full_page=True)


def test_a_spike_becomes_an_incident_the_manager_works(
    context: AppContext,
    client: TestClient,
    clock: FakeClock,
    order_payload: Any,
    tokens: Any,
    live_server: str,
    page: Page,
) -> None:
    tokens(Role.MANAGER, username="zhang.wei")
    _plant(client, clock, order_payload, last_day_returns=4)
    _sensitive(context)
    assert len(_evaluate(context).opened) == 1
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server + "/staff/incidents")
    page.fill("input[name=username]", "zhang.wei")
    page.fill("input[name=password]", PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator("[data-incident] .ic-title")).to_contain_text("退货率异常")
    page.select_option("select[name=kind]", "carrier_exception_rate")
    page.click("form[data-form=drill] button")
    expect(page.locator("[data-field=drill]")).to_be_visible()
    page.goto(live_server + "/staff/incidents")
    _shot(page, "list-zh")
    page.click("[data-severity=high] .ic-title")
    page.click("text=确认响应")
    page.locator("[data-step='1'] button").click()
    page.locator("[data-step='2'] button").click()
    page.fill("#note", "抽检 12 件，8 件为奶瓶刻度印刷模糊")
    page.click("form[data-form=note] button")
    expect(page.locator("[data-action=note]")).to_contain_text("印刷模糊")
    _shot(page, "detail-zh")
    page.goto(page.url.split("#")[0] + "?lang=en")
    expect(page.get_by_role("heading", name="Planned response")).to_be_visible()
    _shot(page, "detail-en")
    page.goto(live_server + "/staff/monitors?lang=en")
    expect(page.locator("tr[data-key=baby][data-breached]")).to_be_visible()
    expect(page.get_by_text("Above the threshold")).to_be_visible()
    _shot(page, "monitors-en")
    page.goto(live_server + "/staff/monitors?lang=zh")
    _shot(page, "monitors-zh")
    page.goto(live_server + "/staff/playbooks")
    page.locator("[data-playbook=backlog] summary").click()
    _shot(page, "playbooks-zh")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server + "/staff/incidents")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    _shot(page, "list-phone")
