"""A request's conversation in a real browser (issue 13, R11.1): a customer on a phone
asks with a photo, an agent answers from a canned reply, the customer reads the answer.
Screenshots go to /tmp/shots (portal at 390 px, console), in Chinese and English."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from returnflow.app_context import AppContext
from returnflow.domain.access import Role

PASSWORD = "correct horse battery"
SHOTS = Path("/tmp/shots")


@pytest.fixture
def context(context: AppContext, tmp_path: Path) -> AppContext:
    settings = context.settings.model_copy(
        update={"upload_dir": str(tmp_path / "uploads"), "secret_key": "conversation-browser"}
    )
    return dataclasses.replace(context, settings=settings)


def shot(tab: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SHOTS / f"threads-{name}.png"), full_page=True)


def _portal(browser: Browser, live_server: str, locale: str) -> Page:
    phone = browser.new_context(locale=locale, viewport={"width": 390, "height": 844})
    tab = phone.new_page()
    tab.set_default_timeout(10_000)
    tab.goto(live_server + "/portal")
    tab.fill("input[name=order_no]", "SO-1001")
    tab.fill("input[name=contact]", "13800138000")
    tab.click("main button[type=submit]")
    return tab


def test_customer_and_agent_talk_about_a_request(
    page: Page,
    browser: Browser,
    live_server: str,
    client: TestClient,
    tokens: Callable[..., str],
    order_payload: Callable[..., dict[str, Any]],
    tmp_path: Path,
) -> None:
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201
    body = {"type": "refund", "lines": [{"line_no": 2, "quantity": 1, "reason_code": "quality"}]}
    rma = client.post("/api/v1/returns", json={"order_no": "SO-1001", **body}).json()["rma_no"]
    picture = tmp_path / "stain.png"
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (230, 190, 150)).save(buffer, "PNG")
    picture.write_bytes(buffer.getvalue())

    tab = _portal(browser, live_server, "zh-CN")
    tab.click(f"#requests a:has-text('{rma}')")
    thread = tab.locator("#conversation")
    expect(thread).to_contain_text("与客服沟通")
    thread.locator("#messages > summary").click()  # the messages are folded until asked for
    thread.locator("textarea[name=body]").fill("围兜洗了一次就掉色了，照片见附件。请问怎么处理？")
    thread.locator("input[type=file]").set_input_files(str(picture))
    thread.locator("button[type=submit]").click()
    expect(tab.locator("#conversation [data-sent]")).to_be_visible()
    expect(tab.locator("#conversation .bubble.mine img")).to_have_count(1)

    tokens(Role.AGENT, username="li.na")
    page.goto(live_server + "/staff/login")
    page.fill("input[name=username]", "li.na")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.goto(f"{live_server}/staff/returns/{rma}")
    console = page.locator("#conversation")
    expect(console).to_contain_text("围兜洗了一次就掉色了")
    console.locator("select[name=reply]").select_option("quality.sorry_photos")
    console.locator("form[data-form=canned] button").click()
    box = page.locator("#conversation textarea[name=body]")
    expect(box).to_have_value(
        "您好，非常抱歉商品出现质量问题给您带来不便。请补充问题部位的照片，我们核实后会尽快为您安排退换。"
    )
    box.fill(
        "您好，非常抱歉商品掉色给您带来不便。照片已收到，我们会为您办理退货退款，运费由商家承担。"
    )
    page.locator("#conversation form[data-form=message] button[type=submit]").click()
    expect(page.locator("#conversation [data-sent]")).to_be_visible()
    page.locator("#conversation").scroll_into_view_if_needed()
    shot(page, "console-zh")
    page.locator("#conversation").screenshot(path=str(SHOTS / "threads-console-thread-zh.png"))
    page.click("button[data-lang=en]")
    expect(page.locator("#conversation")).to_contain_text("Conversation with the customer")
    shot(page, "console-en")
    page.locator("#conversation").screenshot(path=str(SHOTS / "threads-console-thread-en.png"))

    tab.reload()
    expect(tab.locator("#conversation .bubble.theirs")).to_contain_text("运费由商家承担")
    tab.locator("#conversation").scroll_into_view_if_needed()
    shot(tab, "portal-zh")
    english = _portal(browser, live_server, "en-GB")
    english.click(f"#requests a:has-text('{rma}')")
    expect(english.locator("#conversation")).to_contain_text("Messages with us")
    shot(english, "portal-en")
