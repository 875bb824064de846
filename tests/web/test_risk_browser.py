"""Risk at intake in Chromium (issue 15, R10.3): a manager reads a high-risk request's
signals, marks it safe, and keeps the watch list. Screenshots: /tmp/shots/risk-*.png."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from tests.support.clock import FakeClock

PASSWORD = "correct horse battery"
SHOTS = Path("/tmp/shots")


def _shot(tab: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SHOTS / f"risk-{name}.png"), full_page=True)


def _file(client: TestClient, order_no: str) -> dict[str, Any]:
    body = {
        "order_no": order_no,
        "type": "refund",
        "lines": [{"line_no": 1, "quantity": 1, "reason_code": "no_reason"}],
    }
    answer = client.post("/api/v1/returns", json=body)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def test_a_manager_reads_the_signals_marks_safe_and_keeps_the_watch_list(
    context: AppContext,
    client: TestClient,
    clock: FakeClock,
    order_payload: Any,
    tokens: Any,
    live_server: str,
    page: Page,
) -> None:
    def order(order_no: str, customer: str) -> None:
        who = {"id": customer, "name": "王小明", "phone": "13800138000", "email": "x@ex.cn"}
        made = client.post("/api/v1/orders", json=order_payload(order_no=order_no, customer=who))
        assert made.status_code == 201, made.text

    order("SO-OTHER", "c-2")
    _file(client, "SO-OTHER")
    for n in range(5):
        order(f"SO-{n}", "c-1")
        _file(client, f"SO-{n}")
        clock.advance(days=5)
    order("SO-5", "c-1")
    rma = _file(client, "SO-5")["rma_no"]
    tokens(Role.MANAGER, username="zhang.wei")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server + f"/staff/returns/{rma}?lang=en")
    page.fill("input[name=username]", "zhang.wei")
    page.fill("input[name=password]", PASSWORD)
    page.keyboard.press("Enter")
    panel = page.locator("#risk")
    expect(panel.locator("[data-score]")).to_have_text("70")
    expect(panel.locator("[data-signal=no_reason_repeat]")).to_contain_text(
        "5 no-reason returns in the last 30 days"
    )
    expect(panel.locator("[data-action-code=no_instant_refund]")).to_be_visible()
    _shot(page, "request-en")
    panel.locator("input[name=note]").fill("called the customer: a family of two")
    panel.get_by_role("button", name="Mark safe").click()
    expect(page.locator("[data-risk-feedback]")).to_contain_text("called the customer")
    expect(page.locator("[data-action-code=no_instant_refund]")).to_have_count(0)
    page.goto(live_server + "/staff/risk/watch-list")
    form = page.locator("form[data-action=watch-add]")
    form.locator("input[name=customer_id]").fill("c-9")
    form.locator("input[name=reason]").fill("三次空包退货")
    last = (clock.now + timedelta(days=30)).date().isoformat()
    form.locator("input[name=last_day]").fill(last)
    form.locator("button").click()
    expect(page.locator("[data-customer=c-9]")).to_contain_text("三次空包退货")
    _shot(page, "watch-list-zh")
