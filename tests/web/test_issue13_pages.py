"""Issue 13's pages in Chromium, finished (the finishing pass): the journal with the
console's money format, refund numbers and entries said in the reader's language; the
inspection queue with merchants' names; the portal's deadlines card after an appeal; the
notifications page at 390 px and 1280 px, its badges and dates inside the page and its
pages numbered. Screenshots go to /tmp/shots/issue13-*.png for people to look at."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, expect

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.domain.staff_notice_words import drafts_for, review_due_soon
from returnflow.payments.sandbox import SandboxGateway
from returnflow.services import staff_notices
from tests.support.clock import FakeClock
from tests.support.refunds import pay_refunds

PASSWORD = "correct horse battery"
SHOTS = Path("/tmp/shots")
OrderPayload = Callable[..., dict[str, Any]]
Tokens = Callable[..., str]
SHIP = {"carrier": "顺丰速运", "tracking_no": "SF1234567890"}
NAME = "贝乐母婴旗舰店"


def _shot(tab: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SHOTS / f"issue13-{name}.png"), full_page=True)


def _file(client: TestClient, order_payload: OrderPayload, order_no: str, reason: str) -> str:
    named = order_payload(order_no=order_no, merchant_name=NAME)
    assert client.post("/api/v1/orders", json=named).status_code == 201
    body = {
        "order_no": order_no,
        "type": "refund",
        "lines": [{"line_no": 1, "quantity": 1, "reason_code": reason}],
    }
    answer = client.post("/api/v1/returns", json=body)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["rma_no"])


def _sign_in(tab: Page, live_server: str, username: str, where: str) -> None:
    tab.goto(live_server + where)
    tab.fill("input[name=username]", username)
    tab.fill("input[name=password]", PASSWORD)
    tab.keyboard.press("Enter")
    expect(tab).to_have_url(live_server + where)


def _inside(tab: Page, width: int) -> None:
    scrolled = tab.evaluate("document.documentElement.scrollWidth")
    assert scrolled <= width, f"the page scrolls sideways ({scrolled}px > {width}px)"


def test_journal_and_inspection_queue_read_like_the_console(
    browser: Browser,
    live_server: str,
    client: TestClient,
    context: AppContext,
    tokens: Tokens,
    order_payload: OrderPayload,
) -> None:
    context.settings.instant_refund_enabled = False
    context.gateway = SandboxGateway(context.clock, settle_after=timedelta(0))
    paid = _file(client, order_payload, "SO-PL-1", "no_reason")
    for action, body in (("ship", SHIP), ("receive", None), ("inspect", {"passed": True})):
        assert client.post(f"/api/v1/returns/{paid}/{action}", json=body).status_code == 200
    pay_refunds(context)  # the refund is paid: a second entry of the same refund
    waiting = _file(client, order_payload, "SO-PL-2", "no_reason")
    for action, body in (("ship", {**SHIP, "tracking_no": "SF7000002"}), ("receive", None)):
        assert client.post(f"/api/v1/returns/{waiting}/{action}", json=body).status_code == 200
    tokens(Role.FINANCE, username="fay")
    tokens(Role.WAREHOUSE, username="wang.wu")
    for language in ("zh", "en"):
        desk = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        tab = desk.new_page()
        _sign_in(tab, live_server, "fay", "/staff/finance/journal")
        tab.goto(live_server + f"/staff/finance/journal?lang={language}")
        table = tab.locator("table.journal")
        expect(table).to_contain_text("¥")
        expect(table).not_to_contain_text("CNY")
        expect(table.locator("[data-refund]").first).to_be_visible()
        said = {
            "zh": ("确认应退顾客的退款", "退款已通过支付通道付出"),
            "en": ("Refund owed to the customer", "Refund paid out through the gateway"),
        }[language]
        for words in said:
            expect(table).to_contain_text(words)
        _inside(tab, 1280)
        _shot(tab, f"journal-{language}")
        tab.context.clear_cookies()
        _sign_in(tab, live_server, "wang.wu", "/staff/receiving")
        tab.goto(live_server + f"/staff/receiving?lang={language}")
        row = tab.locator(f'#inspection-queue tr[data-rma="{waiting}"]')
        expect(row.locator("[data-merchant]")).to_have_text(NAME)
        tab.locator("#inspection-queue").scroll_into_view_if_needed()
        _shot(tab, f"inspection-queue-{language}")
        desk.close()


def test_the_portal_says_the_platform_reviews_an_appeal_on_a_phone(
    browser: Browser, live_server: str, client: TestClient, order_payload: OrderPayload
) -> None:
    rma = _file(client, order_payload, "SO-PL-3", "quality")
    assert client.post(f"/api/v1/returns/{rma}/reject", json={"reason": "照片不清楚"}).is_success
    statement = {"statement": "奶瓶有裂纹，照片可以看到"}
    assert client.post(f"/api/v1/returns/{rma}/appeal", json=statement).status_code == 201
    for language in ("zh", "en"):
        phone = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
        tab = phone.new_page()
        tab.goto(live_server + f"/portal?lang={language}")
        tab.fill("input[name=order_no]", "SO-PL-3")
        tab.fill("input[name=contact]", "xiaoming@example.com")
        tab.locator("input[name=contact]").press("Enter")
        tab.wait_for_url("**/portal/o/**")
        tab.goto(tab.url.split("?")[0] + f"/r/{rma}?lang={language}")
        card = tab.locator('[data-deadline="appeal_review"]')
        expect(card).to_contain_text(
            "平台复核" if language == "zh" else "The platform reviews your appeal"
        )
        _inside(tab, 390)
        card.scroll_into_view_if_needed()
        tab.screenshot(path=str(SHOTS / f"issue13-portal-appeal-390-{language}.png"))
        phone.close()


def _many_notices(context: AppContext, clock: FakeClock) -> None:
    now = clock.now
    with context.uow() as uow:
        for n in range(1, 24):
            rma = f"RMA2026111800{n:04d}"
            data = {"merchant_id": "m-babycare", "rma_no": rma, "order_no": f"SO-{n}"}
            if n % 3 == 0:
                drafts = [review_due_soon(rma, "m-babycare", now, now + timedelta(hours=20))]
            elif n % 3 == 1:
                drafts = drafts_for("return.created", {**data, "status": "pending_review"})
            else:
                no = f"DP2026111800{n:04d}"
                drafts = drafts_for(
                    "dispute.opened",
                    {**data, "dispute_no": no, "evidence_due_at": now.isoformat()},
                )
            staff_notices.notify(uow, drafts, now + timedelta(minutes=n))
        uow.commit(now)


def test_notifications_fit_a_phone_and_a_desk_and_are_paged(
    browser: Browser, live_server: str, context: AppContext, tokens: Tokens, clock: FakeClock
) -> None:
    _many_notices(context, clock)
    tokens(Role.MERCHANT, merchant_id="m-babycare", username="babycare.ops")
    for width in (390, 1280):
        for language in ("zh", "en"):
            screen = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 900})
            tab = screen.new_page()
            _sign_in(tab, live_server, "babycare.ops", "/staff/notifications")
            tab.goto(live_server + f"/staff/notifications?lang={language}")
            expect(tab.locator("[data-notification]")).to_have_count(20)
            pager = tab.locator("nav.pager")
            expect(pager).to_contain_text("2")
            expect(pager.locator("a[rel=next]")).to_be_visible()
            _inside(tab, width)
            items = tab.locator("[data-notification]")
            for index in range(items.count()):
                item = items.nth(index).bounding_box()
                assert item is not None
                for part in (".nt-kind", ".nt-meta > span:last-child", ".nt-ref"):
                    box = items.nth(index).locator(part).bounding_box()
                    assert box is not None
                    assert box["x"] >= item["x"] - 0.5, (width, language, part)
                    assert box["x"] + box["width"] <= item["x"] + item["width"] + 0.5, (
                        width,
                        language,
                        part,
                    )
            _shot(tab, f"notifications-{width}-{language}")
            pager.locator("a[rel=next]").click()
            expect(tab.locator("[data-notification]")).to_have_count(3)
            expect(tab.locator("nav.pager a[rel=prev]")).to_be_visible()
            screen.close()
