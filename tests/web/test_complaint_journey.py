"""A complaint on the hotline that nobody answers, in Chromium (issue 12, R8.1, R8.2).

The agent files an urgent complaint for a caller; the classifier (the real one)
suggests its category and the page says the first response is due within the hour;
the queue shows it counting down. The clock moves past the hour, the worker's sweep
runs, and the queue shows it breached and escalated to a manager. Then the customer
finds it in the portal on a phone, reads the resolution and rates it with stars.
Screenshots go to artifacts/screenshots/complaint-*.png.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, expect

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.services import complaints as complaint_service
from tests.support.clock import FakeClock

PASSWORD = "correct horse battery"
Screenshot = Callable[[Page, str], Path]


@pytest.fixture
def context(context: AppContext, tmp_path: Path) -> AppContext:
    """Customer portal links are signed: a known key, so no key file is written."""
    settings = context.settings.model_copy(
        update={"upload_dir": str(tmp_path / "uploads"), "secret_key": "complaint-journey"}
    )
    return dataclasses.replace(context, settings=settings)


@pytest.fixture
def order(client: TestClient, order_payload: Callable[..., dict[str, Any]]) -> None:
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201


def _sign_in(page: Page, live_server: str, username: str) -> None:
    page.goto(live_server + "/staff")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    expect(page).to_have_url(live_server + "/staff")


def _sweep(context: AppContext) -> int:
    """What the worker's complaint tick does (jobs/complaints.py)."""
    now = context.clock()
    with context.uow() as uow:
        count = complaint_service.flag_breaches(uow, now)
        uow.commit(now)
    return count


def _file_on_the_hotline(page: Page, screenshot: Screenshot) -> str:
    page.click("[data-menu=complaints]")
    expect(page.locator("h1")).to_have_text("投诉")
    expect(page.locator("[data-empty=true]")).to_be_visible()
    page.click("[data-action=new-complaint]")
    page.fill("input[name=order_no]", "SO-1001")
    page.fill("textarea[name=text]", "奶瓶收到就是裂的，漏水烫到了宝宝，请马上处理！")
    page.select_option("select[name=urgency]", "urgent")
    screenshot(page, "complaint-hotline-form-zh")
    page.click("form[data-form=complaint] button[type=submit]")
    notice = page.locator("[role=status]")
    expect(notice).to_contain_text("已登记")
    expect(notice).to_contain_text("首次响应须在 1 小时内完成")
    expect(page.locator("#classification .suggest")).to_be_visible()
    expect(page.locator("[data-deadline='1']")).to_have_attribute("data-state", "running")
    expect(page.locator("[data-deadline='1']")).to_contain_text("剩余 1 小时")
    screenshot(page, "complaint-filed-zh")
    complaint_no = page.locator("#complaint").get_attribute("data-complaint")
    assert complaint_no is not None
    return complaint_no


@pytest.mark.usefixtures("order")
def test_an_unanswered_urgent_complaint_breaches_visibly(
    page: Page,
    browser: Browser,
    live_server: str,
    context: AppContext,
    clock: FakeClock,
    tokens: Callable[..., str],
    screenshot: Screenshot,
) -> None:
    tokens(Role.AGENT, username="li.na")
    _sign_in(page, live_server, "li.na")
    complaint_no = _file_on_the_hotline(page, screenshot)

    page.click("[data-menu=complaints]")
    row = page.locator(f"tr[data-complaint='{complaint_no}']")
    expect(row).to_have_attribute("data-breached", "false")
    expect(row.locator(".clock")).to_have_text("剩余 1 小时")
    expect(row).to_contain_text("紧急")
    screenshot(page, "complaint-queue-running-zh")

    clock.advance(hours=1, minutes=1)
    assert _sweep(context) == 1
    page.reload()
    expect(row).to_have_attribute("data-breached", "true")
    expect(row).to_have_attribute("data-status", "escalated")
    expect(row.locator(".clock")).to_have_text("已超时 1 分钟")
    expect(row).to_contain_text("已转经理")
    screenshot(page, "complaint-queue-breached-zh")

    page.click("button[data-lang=en]")
    expect(row.locator(".clock")).to_have_text("overdue by 1 min")
    expect(row).to_contain_text("Breached")
    screenshot(page, "complaint-queue-breached-en")
    page.click(f"a:text('{complaint_no}')")
    expect(page.locator("[data-deadline='1']")).to_have_attribute("data-state", "breached")
    expect(page.locator("#history")).to_contain_text("First response deadline passed")
    expect(page.locator("#history")).to_contain_text("Deadline breached: passed to a manager")
    page.fill("form[data-action=resolve] textarea", "A new bottle is on its way, sent by express.")
    page.click("form[data-action=resolve] button")
    expect(page.locator("[role=status]")).to_contain_text("Resolved")
    screenshot(page, "complaint-detail-en")

    _customer_rates(browser, live_server, complaint_no, screenshot)
    page.reload()
    expect(page.locator("#satisfaction")).to_have_attribute("data-score", "5")


def _customer_rates(
    browser: Browser, live_server: str, complaint_no: str, screenshot: Screenshot
) -> None:
    """On a phone: find the order, open "my complaints", read the answer, give 5 stars."""
    phone = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    tab = phone.new_page()
    tab.set_default_timeout(10_000)
    tab.goto(live_server + "/portal")
    tab.fill("input[name=order_no]", "SO-1001")
    tab.fill("input[name=contact]", "13800138000")
    tab.click("main button[type=submit]")
    tab.click("[data-link=my-complaints]")
    item = tab.locator(f"li[data-complaint='{complaint_no}']")
    expect(item).to_contain_text("已解决")
    screenshot(tab, "complaint-portal-list-zh")
    item.locator("a").click()
    expect(tab.locator("#timeline")).to_contain_text("A new bottle is on its way")
    expect(tab.locator("#timeline")).not_to_contain_text("li.na")
    tab.click("label[for=score-5]")
    tab.fill("textarea[name=comment]", "处理很快，谢谢")
    screenshot(tab, "complaint-portal-rate-zh")
    tab.click("form[data-form=rate] button[type=submit]")
    expect(tab.locator("[role=status]")).to_contain_text("感谢您的评价")
    expect(tab.locator("#rating")).to_have_attribute("data-score", "5")
    expect(tab.locator("form[data-form=rate]")).to_have_count(0)
    screenshot(tab, "complaint-portal-rated-zh")
    tab.click("a:text('我的投诉')")
    tab.click("[data-action=new-complaint]")
    expect(tab.locator("input[name=about][value=order]")).to_be_checked()
    screenshot(tab, "complaint-portal-new-zh")
    phone.close()
