"""The countdowns in Chromium (issue 13): the portal request page on a phone (390 px wide)
and the receiving desk's inspection queue, in both languages; screenshots for people to
look at (artifacts/screenshots/ and /tmp/shots/)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, expect

from returnflow.domain.access import Role
from tests.support.clock import FakeClock

PASSWORD = "correct horse battery"
SHOTS = Path("/tmp/shots")
Screenshot = Callable[[Page, str], Path]
OrderPayload = Callable[..., dict[str, Any]]


def _keep(path: Path) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SHOTS / f"notices-{path.name}")


def _filed(client: TestClient, order_payload: OrderPayload, order_no: str) -> str:
    named = order_payload(order_no=order_no, merchant_name="贝乐母婴旗舰店")
    assert client.post("/api/v1/orders", json=named).status_code == 201
    body = {
        "order_no": order_no,
        "type": "refund",
        "lines": [{"line_no": 1, "quantity": 1, "reason_code": "no_reason"}],
    }
    rma: str = client.post("/api/v1/returns", json=body).json()["rma_no"]
    return rma


def test_the_portal_request_page_counts_down_on_a_phone(
    browser: Browser,
    live_server: str,
    client: TestClient,
    order_payload: OrderPayload,
    clock: FakeClock,
    screenshot: Screenshot,
) -> None:
    rma = _filed(client, order_payload, "SO-CD-1")
    ship_by = datetime.fromisoformat(client.get(f"/api/v1/returns/{rma}").json()["ship_by"])
    clock.now = ship_by - timedelta(days=2, hours=3, minutes=10)
    for language in ("zh", "en"):
        phone = browser.new_context(
            locale="zh-CN" if language == "zh" else "en-GB",
            viewport={"width": 390, "height": 844},
        )
        tab = phone.new_page()
        tab.goto(live_server + f"/portal?lang={language}")
        tab.fill("input[name=order_no]", "SO-CD-1")
        tab.fill("input[name=contact]", "xiaoming@example.com")
        tab.locator("input[name=contact]").press("Enter")
        tab.wait_for_url("**/portal/o/**")
        tab.goto(tab.url.split("?")[0] + f"/r/{rma}?lang={language}")
        clock_row = tab.locator('[data-deadline="ship_by"]')
        expect(clock_row).to_be_visible()
        left = "还剩 2 天 3 小时" if language == "zh" else "2 days 3 hours left"
        expect(clock_row.locator("[data-left]")).to_have_text(left)
        width = tab.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
        _keep(screenshot(tab, f"portal-deadlines-390-{language}"))
        phone.close()


def test_the_inspection_queue_shows_due_and_overdue_returns(
    page: Page,
    live_server: str,
    client: TestClient,
    tokens: Callable[..., str],
    order_payload: OrderPayload,
    clock: FakeClock,
    screenshot: Screenshot,
) -> None:
    first = _filed(client, order_payload, "SO-CD-2")
    shipped = client.post(
        f"/api/v1/returns/{first}/ship", json={"carrier": "SF", "tracking_no": "SF7100001"}
    )
    assert shipped.status_code == 200, shipped.text
    received = client.post(f"/api/v1/returns/{first}/receive")
    assert received.status_code == 200, received.text
    clock.advance(days=2, hours=5)
    second = _filed(client, order_payload, "SO-CD-3")
    shipped = client.post(
        f"/api/v1/returns/{second}/ship", json={"carrier": "SF", "tracking_no": "SF7200002"}
    )
    assert shipped.status_code == 200, shipped.text
    received = client.post(f"/api/v1/returns/{second}/receive")
    assert received.status_code == 200, received.text
    clock.advance(hours=7)
    tokens(Role.WAREHOUSE, username="wang.wu")
    page.goto(live_server + "/staff/receiving")
    page.fill("input[name=username]", "wang.wu")
    page.fill("input[name=password]", PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(live_server + "/staff/receiving")
    for language in ("zh", "en"):
        page.goto(live_server + f"/staff/receiving?lang={language}")
        late = page.locator(f'#inspection-queue tr[data-rma="{first}"]')
        due = page.locator(f'#inspection-queue tr[data-rma="{second}"]')
        expect(late).to_have_attribute("data-overdue", "true")
        expect(due).to_have_attribute("data-overdue", "false")
        expect(late.locator("[data-merchant]")).to_have_text("贝乐母婴旗舰店")  # not m-babycare
        red = late.locator("[data-left]").evaluate("node => getComputedStyle(node).color")
        assert red != due.locator("[data-left]").evaluate("node => getComputedStyle(node).color")
        _keep(screenshot(page, f"inspection-queue-{language}"))
