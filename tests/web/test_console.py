"""The staff console in a real browser: review, reject with a reason, hotline, search.

Data is set up through the API (the `client` fixture, an administrator); people then
work through the pages in Chromium, in Chinese and English, with screenshots saved.
The customer's side of a rejection is read in the customer portal.
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

PASSWORD = "correct horse battery"
Screenshot = Callable[[Page, str], Path]


@pytest.fixture
def context(context: AppContext, tmp_path: Path) -> AppContext:
    """Customer portal links are signed: a known key, so no key file is written."""
    settings = context.settings.model_copy(
        update={"upload_dir": str(tmp_path / "uploads"), "secret_key": "console-browser-tests"}
    )
    return dataclasses.replace(context, settings=settings)


@pytest.fixture
def orders(client: TestClient, order_payload: Callable[..., dict[str, Any]]) -> None:
    """SO-1001 from m-babycare and SO-2001 from m-other."""
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201
    other = order_payload(
        order_no="SO-2001",
        merchant_id="m-other",
        customer={"id": "c-2", "name": "李雷", "phone": "13900139000", "email": "lei@example.com"},
    )
    assert client.post("/api/v1/orders", json=other).status_code == 201


def _file_for_review(client: TestClient, order_no: str = "SO-1001") -> str:
    """A quality claim without photos: it waits for a person."""
    body = {
        "order_no": order_no,
        "type": "refund",
        "lines": [
            {"line_no": 1, "quantity": 1, "reason_code": "quality", "reason_text": "瓶身有裂纹"}
        ],
    }
    response = client.post("/api/v1/returns", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "pending_review"
    rma_no: str = response.json()["rma_no"]
    return rma_no


def _sign_in(page: Page, live_server: str, username: str, start: str = "/staff") -> None:
    page.goto(live_server + start)
    expect(page).to_have_url(
        live_server + "/staff/login?next=" + start.replace("/", "%2F"), ignore_case=True
    )
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    expect(page).to_have_url(live_server + start)


@pytest.mark.usefixtures("orders")
def test_agent_rejects_with_a_reason_the_customer_reads(
    page: Page,
    browser: Browser,
    live_server: str,
    client: TestClient,
    tokens: Callable[..., str],
    screenshot: Screenshot,
) -> None:
    rma = _file_for_review(client)
    _file_for_review(client, "SO-2001")
    tokens(Role.AGENT, username="li.na")
    _sign_in(page, live_server, "li.na")
    expect(page.locator(".menu .who")).to_contain_text("客服")
    expect(page.locator("[data-menu=hotline]")).to_be_visible()

    page.click("[data-menu=review]")
    expect(page.locator("h1")).to_have_text("待审核队列")
    expect(page.locator("table.queue tbody tr")).to_have_count(2)
    expect(page.locator("table.queue tbody tr").first).to_have_attribute("data-rma", rma)
    expect(page.locator(f"tr[data-rma={rma}]")).to_contain_text("剩余 24 小时 0 分钟")
    screenshot(page, "staff-queue-zh")

    page.click(f"a:text('{rma}')")
    expect(page.locator("h1")).to_contain_text(rma)
    expect(page.locator(".decision-reasons")).to_contain_text("未上传商品照片")
    expect(page.locator("#photos")).to_contain_text("顾客未上传照片")
    expect(page.locator("#customer dd[data-field=phone]")).to_have_text("13800138000")
    screenshot(page, "staff-request-zh")

    # refused without a reason: the page says why and keeps the choice
    page.select_option("form[data-action=reject] select[name=template]", "other")
    page.click("form[data-action=reject] button")
    expect(page.locator("[role=alert]")).to_have_text("拒绝时必须说明原因")
    expect(page.locator("form[data-action=reject] select[name=template]")).to_have_value("other")

    page.select_option("form[data-action=reject] select[name=template]", "photos")
    page.fill("form[data-action=reject] textarea[name=reason_text]", "请补拍瓶身裂纹处的照片")
    page.click("form[data-action=reject] button")
    expect(page.locator("[role=status]")).to_contain_text("已拒绝")
    expect(page.locator("h1 .status")).to_have_attribute("data-status", "rejected")
    expect(page.locator("form[data-action=reject]")).to_have_count(0)
    reason = "照片无法证明质量问题：请补拍瓶身裂纹处的照片"
    expect(page.locator("#audit")).to_contain_text(reason)

    # what the customer is shown: the decision carries the agent's reason (R3.3)
    decision = client.get(f"/api/v1/returns/{rma}").json()["decision"]
    assert decision["outcome"] == "rejected"
    assert [r["message"] for r in decision["reasons"]] == [reason]
    customer = browser.new_context(locale="zh-CN")
    tab = customer.new_page()
    tab.goto(live_server + "/portal")
    tab.fill("input[name=order_no]", "SO-1001")
    tab.fill("input[name=contact]", "13800138000")
    tab.click("main button[type=submit]")
    tab.click(f"#requests a:has-text('{rma}')")
    expect(tab.locator("#decision")).to_have_attribute("data-outcome", "rejected")
    expect(tab.locator("#decision")).to_contain_text(reason)
    screenshot(tab, "staff-rejection-as-the-customer-sees-it")
    customer.close()

    page.click("button[data-lang=en]")
    expect(page.locator("#decision h2")).to_have_text("Decision and policy")
    screenshot(page, "staff-request-en")
    page.click("[data-menu=review]")
    expect(page.locator("h1")).to_have_text("Review queue")
    expect(page.locator("table.queue tbody tr")).to_have_count(1)
    screenshot(page, "staff-queue-en")

    page.click("[data-menu=signout]")
    expect(page.locator("h1")).to_have_text("Sign in to the staff console")


@pytest.mark.usefixtures("orders")
def test_merchant_cannot_open_another_merchants_request(
    page: Page, live_server: str, client: TestClient, tokens: Callable[..., str]
) -> None:
    theirs = _file_for_review(client, "SO-2001")
    mine = _file_for_review(client)
    tokens(Role.MERCHANT, merchant_id="m-babycare", username="babycare.shop")
    _sign_in(page, live_server, "babycare.shop")
    # merchants review, but neither take calls nor see other merchants' work
    expect(page.locator("[data-menu=review]")).to_be_visible()
    expect(page.locator("[data-menu=hotline]")).to_have_count(0)
    page.click("[data-menu=review]")
    expect(page.locator("table.queue tbody tr")).to_have_count(1)
    expect(page.locator("table.queue tbody tr")).to_have_attribute("data-rma", mine)

    response = page.goto(f"{live_server}/staff/returns/{theirs}")
    assert response is not None and response.status == 404
    expect(page.locator(".error")).to_have_attribute("data-code", "return_not_found")
    expect(page.locator("h1")).to_have_text("未找到相关内容")

    response = page.goto(f"{live_server}/staff/returns/{mine}")
    assert response is not None and response.status == 200
    expect(page.locator("#customer dd[data-field=phone]")).to_have_text("138****8000")
    expect(page.locator("form[data-action=approve]")).to_be_visible()
    expect(page.locator("form[data-action=cancel]")).to_have_count(0)


@pytest.mark.usefixtures("orders")
def test_hotline_filing_and_search(
    page: Page,
    live_server: str,
    client: TestClient,
    tokens: Callable[..., str],
    screenshot: Screenshot,
) -> None:
    tokens(Role.AGENT, username="li.na")
    _sign_in(page, live_server, "li.na", "/staff/hotline")
    page.fill("input[name=order_no]", "SO-404")
    page.click("form[data-form=find-order] button")
    expect(page.locator("[role=alert]")).to_have_text("找不到订单 SO-404")
    page.fill("input[name=order_no]", "SO-1001")
    page.click("form[data-form=find-order] button")
    expect(page.locator("#caller dd[data-field=name]")).to_have_text("王小明")

    page.select_option("select[name=request_type]", "refund")
    line = page.locator("fieldset[data-line='1']")
    line.locator("input[name=quantity]").fill("1")
    line.locator("select[name=reason]").select_option("no_reason")
    line.locator("input[name=reason_text]").fill("尺寸买错了")
    screenshot(page, "staff-hotline-zh")
    page.click("form[data-form=file] button[type=submit]")

    expect(page.locator("[role=status]")).to_contain_text("已为顾客提交申请")
    expect(page.locator("[data-channel]")).to_have_attribute("data-channel", "hotline")
    expect(page.locator("[data-outcome]")).to_have_attribute("data-outcome", "approved")
    rma = page.locator("section[data-rma]").get_attribute("data-rma")
    assert rma is not None
    body = client.get(f"/api/v1/returns/{rma}").json()
    assert body["channel"] == "hotline" and body["timeline"][0]["actor"] == "agent:li.na"

    page.click("[data-menu=search]")
    page.fill("form[data-form=search] input[name=order_no]", "SO-1001")
    page.select_option("form[data-form=search] select[name=status]", "approved")
    page.click("form[data-form=search] button[type=submit]")
    expect(page.locator("table.results tbody tr")).to_have_count(1)
    expect(page.locator("table.results tbody tr")).to_have_attribute("data-rma", rma)
    screenshot(page, "staff-search-zh")
    page.select_option("form[data-form=search] select[name=status]", "rejected")
    page.click("form[data-form=search] button[type=submit]")
    expect(page.locator("table.results")).to_have_count(0)
    expect(page.locator("[data-total]")).to_have_attribute("data-total", "0")

    page.click("button[data-lang=en]")
    page.goto(f"{live_server}/staff/returns?order_no=SO-1001")
    expect(page.locator("h1")).to_have_text("Find requests")
    expect(page.locator("table.results tbody tr")).to_have_count(1)
    screenshot(page, "staff-search-en")
    page.goto(f"{live_server}/staff/hotline?order_no=SO-1001")
    expect(page.locator("#file h2")).to_have_text("File a request for the caller")
    screenshot(page, "staff-hotline-en")
    page.goto(f"{live_server}/staff")
    expect(page.locator(".menu .who")).to_contain_text("Customer service")
    screenshot(page, "staff-home-en")
