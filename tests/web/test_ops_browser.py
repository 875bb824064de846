"""The warehouse's day at 1366 px (issue 16): the home opens on its counts, the
awaiting-inspection queue leads to the checklist, the result leads to disposition; the
manager's menu holds in two lines with its groups opening without JavaScript.
Screenshots are kept in artifacts/ops/."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, expect

from returnflow.domain.access import Role

PASSWORD = "correct horse battery"
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "ops"


def _received(client: TestClient, order_payload: Callable[..., dict[str, Any]]) -> str:
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201
    body = {
        "order_no": "SO-1001",
        "type": "refund",
        "lines": [{"line_no": 1, "quantity": 1, "reason_code": "no_reason"}],
    }
    rma: str = client.post("/api/v1/returns", json=body).json()["rma_no"]
    ship = {"carrier": "SF", "tracking_no": "SF1234567890"}
    assert client.post(f"/api/v1/returns/{rma}/ship", json=ship).status_code == 200
    assert client.post(f"/api/v1/returns/{rma}/receive").status_code == 200
    return rma


def _desk(browser: Browser, live_server: str, username: str, language: str) -> Page:
    tab = browser.new_context(locale=language, viewport={"width": 1366, "height": 900}).new_page()
    tab.set_default_timeout(10_000)
    tab.goto(live_server + "/staff")
    tab.fill("input[name=username]", username)
    tab.fill("input[name=password]", PASSWORD)
    tab.click("main button[type=submit]")
    return tab


def _shot(tab: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_the_warehouse_day_and_the_managers_menu(
    browser: Browser,
    live_server: str,
    client: TestClient,
    tokens: Callable[..., str],
    order_payload: Callable[..., dict[str, Any]],
) -> None:
    rma = _received(client, order_payload)
    tokens(Role.WAREHOUSE, username="zhang.wei")
    tab = _desk(browser, live_server, "zhang.wei", "zh-CN")
    expect(tab.locator("[data-tile=warehouse] [data-count=inspection] strong")).to_have_text("1")
    _shot(tab, "warehouse-home-zh")
    tab.click("[data-tile=warehouse] [data-link=awaiting-inspection]")
    row = tab.locator(f'tr[data-rma="{rma}"]')
    expect(row).to_be_visible()
    _shot(tab, "awaiting-inspection-zh")
    row.locator("[data-action=inspect]").click()
    tab.locator("select[name=grade]").select_option("A")
    tab.locator("select[name=responsibility]").select_option("none")
    tab.locator("#inspect-form button.primary[type=submit]").click()
    expect(tab.locator("#next-step [data-link=dispose-next]")).to_be_visible()
    _shot(tab, "inspected-next-step-zh")
    tab.click("#next-step [data-link=dispose-next]")
    expect(tab).to_have_url(f"{live_server}/staff/warehouse/returns/{rma}/dispose")
    tab.context.close()

    tokens(Role.MANAGER, username="wang.min")
    tab = _desk(browser, live_server, "wang.min", "en-US")
    menu = tab.locator("nav.menu")
    line = tab.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('nav.menu a')).lineHeight) || 24"
    )
    box = menu.bounding_box()
    assert box is not None and box["height"] <= 2.6 * line  # two lines at 1366 px, not three
    tab.click("[data-menu-group=admin] > summary")
    tab.click("[data-menu=admin-policy]")
    expect(tab.locator("#rules[data-version='1']")).to_be_visible()
    tab.click("[data-menu-group=operations] > summary")
    _shot(tab, "manager-menu-policy-en")
    tab.context.close()
