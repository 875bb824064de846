"""A dispute in a real browser (R8.3, R8.4): a mediator opens the dispute, sees both sides,
rules for the customer with compensation, and the page shows the ruling and the refund;
the customer then reads the decision in the portal. Screenshots go to a temporary folder
(printed), in Chinese and English."""

from __future__ import annotations

import dataclasses
import io
import tempfile
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.jobs.worker import Worker
from returnflow.notify.mailer import FileMailer
from returnflow.payments.sandbox import SandboxGateway
from tests.api.test_disputes_api import upheld

PASSWORD = "correct horse battery"
SHOTS = Path(tempfile.gettempdir()) / "returnflow-dispute-journey"
Tokens = Callable[..., str]


@pytest.fixture
def context(context: AppContext, tmp_path: Path) -> AppContext:
    settings = context.settings.model_copy(
        update={
            "upload_dir": str(tmp_path / "uploads"),
            "secret_key": "dispute-browser-tests",
            "instant_refund_enabled": False,
        }
    )
    found = dataclasses.replace(context, settings=settings)
    found.gateway = SandboxGateway(found.clock, settle_after=timedelta(0))
    return found


@pytest.fixture
def shot() -> Iterator[Callable[[Page, str], Path]]:
    SHOTS.mkdir(parents=True, exist_ok=True)

    def take(tab: Page, name: str) -> Path:
        path = SHOTS / f"{name}.png"
        tab.screenshot(path=str(path), full_page=True)
        print(f"screenshot: {path}")
        return path

    yield take


def _dispute(client: TestClient, tokens: Tokens, order: dict[str, Any]) -> tuple[str, str]:
    """Rejected, appealed, upheld; the customer's side through an agent, then the merchant's."""
    assert client.post("/api/v1/orders", json=order).status_code == 201
    rma = upheld(client)
    agent = {"Authorization": f"Bearer {tokens(Role.AGENT, username='alice')}"}
    body = {"statement": "收到时奶瓶瓶身就有一道裂纹，包装完好，不是人为损坏。"}
    opened = client.post(f"/api/v1/returns/{rma}/disputes", json=body, headers=agent)
    assert opened.status_code == 201, opened.text
    no = str(opened.json()["dispute_no"])
    seller = tokens(Role.MERCHANT, merchant_id="m-babycare", username="babycare")
    evidence = {
        "kind": "statement",
        "text": "出库前逐件检验，出库照片显示瓶身完好；怀疑运输中磕碰。",
    }
    added = client.post(
        f"/api/v1/disputes/{no}/evidence",
        json=evidence,
        headers={"Authorization": f"Bearer {seller}"},
    )
    assert added.status_code == 201, added.text
    return rma, no


def _sign_in(page: Page, live_server: str, username: str) -> None:
    page.goto(live_server + "/staff/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    expect(page.locator(".menu .who")).to_be_visible()


def test_a_mediator_rules_for_the_customer_with_compensation(
    page: Page,
    browser: Browser,
    live_server: str,
    client: TestClient,
    tokens: Tokens,
    context: AppContext,
    shot: Callable[[Page, str], Path],
    tmp_path: Path,
    order_payload: Callable[..., dict[str, Any]],
) -> None:
    rma, no = _dispute(client, tokens, order_payload())
    # the merchant's console shows the dispute on its request at once
    seller = browser.new_context(locale="zh-CN", viewport={"width": 1200, "height": 900})
    desk = seller.new_page()
    _sign_in(desk, live_server, "babycare")
    expect(desk.locator("[data-tile=disputes]")).to_be_visible()
    desk.click("[data-tile=disputes] a.button")
    desk.click("a[data-tab=under_review]")
    expect(desk.locator(f"tr[data-dispute='{no}']")).to_be_visible()
    shot(desk, "disputes-merchant-queue-zh")
    seller.close()

    tokens(Role.MEDIATOR, username="wu.mediator")
    _sign_in(page, live_server, "wu.mediator")

    page.click("[data-menu=disputes]")
    expect(page.locator("h1")).to_have_text("争议处理")
    page.click("a[data-tab=under_review]")  # both sides heard: the mediator's turn
    expect(page.locator(f"tr[data-dispute='{no}']")).to_be_visible()
    shot(page, "disputes-queue-zh")

    page.click(f"tr[data-dispute='{no}'] a[href='/staff/disputes/{no}']")
    expect(page.locator("h1")).to_contain_text(no)
    customer = page.locator("section[data-side=customer]")
    merchant = page.locator("section[data-side=merchant]")
    expect(customer).to_contain_text("瓶身就有一道裂纹")
    expect(merchant).to_contain_text("出库前逐件检验")
    expect(page.locator("#history tr[data-step=appeal]")).to_be_visible()
    expect(page.locator("#policy")).to_be_visible()
    shot(page, "dispute-both-sides-zh")

    form = page.locator("form[data-action=ruling]")
    form.locator("input[name=outcome][value=split]").check()  # a split without its refund
    form.locator("select[name=liable]").select_option("merchant")
    form.locator("textarea[name=reason]").fill("双方各担一半")
    form.locator("button[type=submit]").click()
    expect(page.locator("[role=alert]")).to_have_text("部分支持的裁决须写明退款金额")
    expect(form.locator("textarea[name=reason]")).to_have_value("双方各担一半")
    shot(page, "dispute-refused-ruling-zh")
    form.locator("input[name=outcome][value=customer]").check()
    form.locator("select[name=liable]").select_option("merchant")
    form.locator("input[name=compensation]").fill("20")
    form.locator("textarea[name=reason]").fill(
        "商家未能证明商品出库完好，支持顾客退款并补偿 20 元。"
    )
    form.locator("button[type=submit]").click()

    expect(page.locator("[role=status]")).to_contain_text("裁决已记录")
    ruling = page.locator("#ruling")
    expect(ruling).to_have_attribute("data-outcome", "customer")
    expect(ruling).to_contain_text("支持顾客")
    expect(ruling).to_contain_text("¥20.00")
    expect(ruling).to_contain_text("商家 m-babycare")
    expect(page.locator("#ruling [data-refund-state]")).to_be_visible()
    expect(page.locator("form[data-action=ruling]")).to_have_count(0)
    shot(page, "dispute-ruled-zh")

    worker = Worker(context, FileMailer(tmp_path))
    worker.tick()
    worker.tick()  # the refund is submitted and settles
    page.reload()
    expect(page.locator("#ruling [data-refund-state=paid]")).to_be_visible()
    expect(page.locator("#ruling")).to_contain_text("已入账")
    page.click("button[data-lang=en]")
    expect(page.locator("#ruling")).to_contain_text("For the customer")
    expect(page.locator("#ruling")).to_contain_text("Refund paid")
    shot(page, "dispute-paid-en")

    phone = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    tab = phone.new_page()
    tab.goto(live_server + "/portal")
    tab.fill("input[name=order_no]", "SO-1001")
    tab.fill("input[name=contact]", "13800138000")
    tab.click("main button[type=submit]")
    tab.click(f"#requests a:has-text('{rma}')")
    tab.click("[data-dispute-link]")
    expect(tab.locator("#ruling")).to_contain_text("裁决支持您")
    expect(tab.locator("section[data-side=merchant]")).to_contain_text("出库前逐件检验")
    shot(tab, "dispute-portal-customer-zh")
    phone.close()


def test_a_customer_opens_a_dispute_with_a_photo_in_the_portal(
    browser: Browser,
    live_server: str,
    client: TestClient,
    shot: Callable[[Page, str], Path],
    order_payload: Callable[..., dict[str, Any]],
    tmp_path: Path,
) -> None:
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201
    rma = upheld(client)
    picture = tmp_path / "crack.png"
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (210, 180, 140)).save(buffer, "PNG")
    picture.write_bytes(buffer.getvalue())
    phone = browser.new_context(locale="en-GB", viewport={"width": 390, "height": 844})
    tab = phone.new_page()
    tab.goto(live_server + "/portal")
    tab.fill("input[name=order_no]", "SO-1001")
    tab.fill("input[name=contact]", "13800138000")
    tab.click("main button[type=submit]")
    tab.click(f"#requests a:has-text('{rma}')")
    tab.click("[data-dispute-link]")
    form = tab.locator("form[data-action=open-dispute]")
    shot(tab, "dispute-portal-open-form-en")
    form.locator("button[type=submit]").click()  # the browser asks for the statement first
    expect(form).to_be_visible()
    form.locator("textarea[name=text]").fill("The bottle arrived cracked; the box was intact.")
    form.locator("input[name=photos]").set_input_files(str(picture))
    form.locator("button[type=submit]").click()
    expect(tab.locator("[role=status]")).to_contain_text("Your dispute was opened")
    expect(tab.locator("section[data-side=customer]")).to_contain_text("arrived cracked")
    expect(tab.locator("section[data-side=customer] img")).to_have_count(1)
    expect(tab.locator("#deadline")).to_contain_text("3 d 0 h left")
    expect(tab.locator("#evidence")).to_be_visible()
    shot(tab, "dispute-portal-opened-en")
    phone.close()
