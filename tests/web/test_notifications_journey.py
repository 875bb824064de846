"""A merchant's notifications in a real browser (issue 13): a request filed through the API
lights the bell at once; the list in both languages; opening one; mark all read.

Screenshots go to /tmp/shots/alerts-*.png (and artifacts/screenshots/) for people to look at.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.domain.staff_notice_words import drafts_for
from returnflow.services import staff_notices as service

PASSWORD = "correct horse battery"
SHOTS = Path("/tmp/shots")
Screenshot = Callable[[Page, str], Path]


def _shot(page: Page, screenshot: Screenshot, name: str) -> None:
    saved = screenshot(page, f"alerts-{name}")
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(saved, SHOTS / saved.name)


def _file(client: TestClient) -> str:
    body = {
        "order_no": "SO-1001",
        "type": "refund",
        "lines": [
            {"line_no": 1, "quantity": 1, "reason_code": "quality", "reason_text": "瓶身有裂纹"}
        ],
    }
    response = client.post("/api/v1/returns", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["rma_no"])


def test_the_merchant_sees_a_new_request_in_the_bell_at_once(
    context: AppContext,
    client: TestClient,
    tokens: Callable[..., str],
    order_payload: Callable[..., dict[str, Any]],
    live_server: str,
    page: Page,
    screenshot: Screenshot,
) -> None:
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201
    tokens(Role.MERCHANT, merchant_id="m-babycare", username="babycare.ops")
    page.goto(live_server + "/staff")
    page.fill("input[name=username]", "babycare.ops")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    expect(page).to_have_url(live_server + "/staff")
    bell = page.locator("a.bell")
    expect(bell).to_have_attribute("data-unread", "0")
    rma = _file(client)
    now = context.clock()
    with context.uow() as uow:  # more of what a merchant hears, for a fuller page
        complaint = {"complaint_no": "CP202612070003", "merchant_id": "m-babycare"}
        service.notify(uow, drafts_for("complaint.filed", complaint), now)
        message = {
            "rma_no": rma,
            "merchant_id": "m-babycare",
            "author_kind": "customer",
            "author_name": "王小明",
            "message_id": 7,
        }
        service.notify(uow, drafts_for("conversation.posted", message), now)
        uow.commit(now)
    page.reload()
    expect(bell).to_have_attribute("data-unread", "3")
    expect(bell.locator(".bell-count")).to_have_text("3")
    bell.click()
    expect(page).to_have_url(live_server + "/staff/notifications")
    expect(page.locator("h1")).to_have_text("我的通知")
    expect(page.locator("li.nt-item[data-unread]")).to_have_count(3)
    expect(page.locator("li.nt-item").last).to_contain_text(f"新退货申请 {rma} 待您审核")
    _shot(page, screenshot, "notifications-zh")
    page.click("button[data-lang=en]")
    expect(page.locator("h1")).to_have_text("Notifications for you")
    expect(page.locator("li.nt-item").last).to_contain_text(
        f"New request {rma} is waiting for your review"
    )
    _shot(page, screenshot, "notifications-en")
    page.locator("li.nt-item").last.locator("a.nt-open").click()
    expect(page).to_have_url(live_server + f"/staff/returns/{rma}")
    expect(bell).to_have_attribute("data-unread", "2")
    page.goto(live_server + "/staff/notifications")
    page.click("form[data-form=read-all] button")
    expect(page).to_have_url(live_server + "/staff/notifications")
    expect(page.locator("li.nt-item[data-unread]")).to_have_count(0)
    expect(bell).to_have_attribute("data-unread", "0")
    _shot(page, screenshot, "notifications-read-en")


def test_an_administrator_gives_a_merchant_account_its_notification_email(
    tokens: Callable[..., str],
    live_server: str,
    page: Page,
    screenshot: Screenshot,
) -> None:
    tokens(Role.ADMIN, username="root.admin")
    tokens(Role.MERCHANT, merchant_id="m-babycare", username="babycare.ops")
    page.goto(live_server + "/staff/users")
    page.fill("input[name=username]", "root.admin")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    expect(page).to_have_url(live_server + "/staff/users")
    row = page.locator("tr[data-user='babycare.ops']")
    row.locator("form[data-form=email] input[name=email]").fill("ops@babycare.example")
    row.locator("form[data-form=email] button").click()
    expect(page).to_have_url(live_server + "/staff/users")
    expect(row.locator("input[name=email]")).to_have_value("ops@babycare.example")
    _shot(page, screenshot, "users-email-zh")
