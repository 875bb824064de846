"""The review queue and the request list at 1366 px in Chromium (issue 16): numbers, amounts
and chips on one line, the pager, and a manager's bulk approval from the page. Screenshots
in both languages."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, expect

from returnflow.domain.access import Role
from tests.test_console_pages import file

PASSWORD = "correct horse battery"

# every code, amount and chip cell of the queue, and how many lines its text takes
_LINES = """() => [...document.querySelectorAll(
  'table.queue td.code, table.queue td.num, table.queue td.chip, table.queue th, ' +
  'table.results td.code, table.results td.num, table.results td.chip, table.results th')]
  .map(cell => { const range = document.createRange(); range.selectNodeContents(cell);
    const tops = [...range.getClientRects()].map(r => r.top);  // a box's padding is no line
    const lines = new Set(tops.map(top => Math.round((top - Math.min(...tops)) / 12)));
    return [cell.textContent.trim(), lines.size]; })"""


def test_the_review_queue_holds_at_1366_and_decides_in_bulk(
    browser: Browser,
    live_server: str,
    client: TestClient,
    tokens: Callable[..., str],
    order_payload: Callable[..., dict[str, Any]],
    screenshot: Callable[[Page, str], Path],
) -> None:
    order = order_payload()
    order["lines"][0]["quantity"] = 3
    assert client.post("/api/v1/orders", json=order).status_code == 201
    filed = [file(client)["rma_no"] for _ in range(3)]
    tokens(Role.MANAGER, username="boss")
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(live_server + "/staff/login?next=%2Fstaff%2Freview")
    page.fill("input[name=username]", "boss")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    expect(page.locator("table.queue tbody tr")).to_have_count(3)
    expect(page.locator("nav.pager .pager-range")).to_have_text("第 1–3 条，共 3 条")
    broken = [(text, lines) for text, lines in page.evaluate(_LINES) if lines > 1]
    assert broken == []
    screenshot(page, "lists-review-queue-zh-1366")
    page.click("form.lang button[data-lang=en]")
    expect(page.locator("h1")).to_have_text("Review queue")
    assert [(t, n) for t, n in page.evaluate(_LINES) if n > 1] == []
    screenshot(page, "lists-review-queue-en-1366")
    for rma_no in filed[:2]:
        page.check(f'input[type=checkbox][value="{rma_no}"]')
    page.click("button[data-bulk=approve]")
    expect(page.locator("[data-done-count]")).to_have_text("2 of 2 approved.")
    page.click("text=Back to the review queue")
    expect(page.locator("table.queue tbody tr")).to_have_count(1)
    page.goto(live_server + "/staff/returns?sort=amount_high")
    expect(page.locator("table.results tbody tr")).to_have_count(3)
    assert [(t, n) for t, n in page.evaluate(_LINES) if n > 1] == []
    screenshot(page, "lists-requests-en-1366")
    context.close()
