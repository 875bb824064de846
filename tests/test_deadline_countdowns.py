"""Countdowns shown to the party who must act (issue 13), in both languages and local time:
the portal request page (ship back by, the merchant answers by, confirm by) and the
receiving desk's inspection queue (inspect by, overdue in red)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.payments.sandbox import SandboxGateway
from returnflow.web.timer_view import time_left
from tests.support.apps import shared_app
from tests.support.clock import FakeClock
from tests.support.refunds import pay_refunds
from tests.support.staff import post_login

OrderPayload = Callable[..., dict[str, Any]]
PASSWORD = "correct horse battery"
REFUND = {
    "order_no": "SO-1001",
    "type": "refund",
    "lines": [{"line_no": 1, "quantity": 1, "reason_code": "no_reason"}],
}
FAULT = dict(REFUND, lines=[{"line_no": 1, "quantity": 1, "reason_code": "quality"}])


@pytest.fixture(autouse=True)
def order(client: TestClient, order_payload: OrderPayload, context: AppContext) -> None:
    context.settings.instant_refund_enabled = False
    context.gateway = SandboxGateway(context.clock, settle_after=timedelta(0))
    named = order_payload(merchant_name="贝乐母婴旗舰店")
    assert client.post("/api/v1/orders", json=named).status_code == 201


def _portal(context: AppContext, rma: str, language: str) -> str:
    with TestClient(shared_app(context), follow_redirects=False) as browser:
        link = browser.post(
            "/portal/lookup", data={"order_no": "SO-1001", "contact": "xiaoming@example.com"}
        ).headers["location"]
        page = browser.get(f"{link}/r/{rma}?lang={language}")
    assert page.status_code == 200
    return str(page.text)


def _deadline_block(page: str, kind: str) -> str:
    return page.split(f'data-deadline="{kind}"')[1].split("</li>")[0]


@pytest.mark.parametrize(
    "seconds, zh, en",
    [
        (2 * 86400 + 3 * 3600 + 59, "还剩 2 天 3 小时", "2 days 3 hours left"),
        (86400, "还剩 1 天", "1 day left"),
        (3 * 3600 + 60, "还剩 3 小时 1 分钟", "3 hours 1 minute left"),
        (59, "还剩 1 分钟", "1 minute left"),
        (0, "已到期", "Due now"),
        (-(86400 + 2 * 3600), "已逾期 1 天 2 小时", "Overdue by 1 day 2 hours"),
        (-(45 * 60), "已逾期 45 分钟", "Overdue by 45 minutes"),
    ],
)
def test_time_left_reads_in_both_languages(seconds: int, zh: str, en: str) -> None:
    assert time_left(seconds, "zh") == zh
    assert time_left(seconds, "en") == en


def test_portal_counts_down_to_ship_back_by_then_shows_it_overdue_in_red(
    client: TestClient, context: AppContext, clock: FakeClock
) -> None:
    rma = client.post("/api/v1/returns", json=REFUND).json()["rma_no"]
    ship_by = datetime.fromisoformat(client.get(f"/api/v1/returns/{rma}").json()["ship_by"])
    clock.now = ship_by - timedelta(days=2, hours=3)
    english = _deadline_block(_portal(context, rma, "en"), "ship_by")
    assert "Send the goods back" in english and "2 days 3 hours left" in english
    wall = ship_by.astimezone(UTC) + timedelta(hours=8)  # China Standard Time, no DST
    assert wall.strftime("%Y-%m-%d %H:%M") in english and "China Standard Time" in english
    assert 'data-overdue="false"' in english
    chinese = _deadline_block(_portal(context, rma, "zh"), "ship_by")
    assert "寄回商品" in chinese and "还剩 2 天 3 小时" in chinese and "北京时间" in chinese
    clock.now = ship_by + timedelta(hours=5)  # the worker has not closed it yet
    late = _deadline_block(_portal(context, rma, "en"), "ship_by")
    assert 'data-overdue="true"' in late and "is-overdue" in late
    assert 'class="left overdue"' in late and "Overdue by 5 hours" in late


def test_portal_shows_when_the_merchant_answers_by_while_waiting_for_review(
    client: TestClient, context: AppContext
) -> None:
    rma = client.post("/api/v1/returns", json=FAULT).json()["rma_no"]
    found = client.get(f"/api/v1/returns/{rma}").json()
    assert found["status"] == "pending_review"
    english = _deadline_block(_portal(context, rma, "en"), "review")
    assert "The merchant answers" in english and "left" in english
    assert "approved automatically" in english
    chinese = _deadline_block(_portal(context, rma, "zh"), "review")
    assert "商家审核答复" in chinese and "自动通过" in chinese
    assert 'data-deadline="ship_by"' not in _portal(context, rma, "en")


def test_portal_says_the_platform_reviews_an_appealed_request(
    client: TestClient, context: AppContext
) -> None:
    rma = client.post("/api/v1/returns", json=FAULT).json()["rma_no"]
    rejected = client.post(f"/api/v1/returns/{rma}/reject", json={"reason": "照片看不出问题"})
    assert rejected.status_code == 200, rejected.text
    appealed = client.post(f"/api/v1/returns/{rma}/appeal", json={"statement": "奶瓶有裂纹"})
    assert appealed.status_code == 201, appealed.text
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "pending_review"
    english_page = _portal(context, rma, "en")
    assert 'data-deadline="review"' not in english_page  # not the merchant's answer
    english = _deadline_block(english_page, "appeal_review")
    assert "The platform reviews your appeal" in english and "Platform" in english
    assert "The merchant answers" not in english and "approved automatically" not in english
    assert "left" in english and "tells you the decision" in english
    chinese = _deadline_block(_portal(context, rma, "zh"), "appeal_review")
    assert "平台复核" in chinese and "平台" in chinese and "商家" not in chinese
    assert "还剩" in chinese and "重新审核" in chinese


def test_portal_counts_down_to_confirm_by_once_completed(
    client: TestClient, context: AppContext
) -> None:
    rma = client.post("/api/v1/returns", json=REFUND).json()["rma_no"]
    client.post(f"/api/v1/returns/{rma}/ship", json={"carrier": "SF", "tracking_no": "SF0001"})
    client.post(f"/api/v1/returns/{rma}/receive")
    client.post(f"/api/v1/returns/{rma}/inspect", json={"passed": True})
    pay_refunds(context)
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "completed"
    page = _portal(context, rma, "en")
    block = _deadline_block(page, "confirm_by")
    assert "Confirm the result" in block and "days" in block and "confirms itself" in block
    assert 'data-deadline="ship_by"' not in page


def test_the_receiving_desk_lists_returns_waiting_for_inspection_with_their_countdown(
    client: TestClient, context: AppContext, clock: FakeClock, tokens: Callable[..., str]
) -> None:
    rma = client.post("/api/v1/returns", json=REFUND).json()["rma_no"]
    client.post(f"/api/v1/returns/{rma}/ship", json={"carrier": "SF", "tracking_no": "SF0001"})
    assert client.post(f"/api/v1/returns/{rma}/receive").status_code == 200
    tokens(Role.WAREHOUSE, username="wang.wu")
    for days, language, left, overdue in (
        (0.5, "en", "1 day 12 hours left", "false"),
        (2.5, "zh", "已逾期 1 天", "true"),  # three days after receipt
    ):
        clock.advance(days=days)
        with TestClient(shared_app(context), follow_redirects=False) as browser:
            browser.cookies.set("lang", language)
            assert post_login(browser, "wang.wu", PASSWORD).status_code == 303
            page = browser.get("/staff/receiving").text
        queue = page.split('id="inspection-queue"')[1]
        row = queue.split(f'data-rma="{rma}"')[1].split("</tr>")[0]
        assert left in row and f"/staff/warehouse/returns/{rma}/inspect" in row
        assert f'data-overdue="{overdue}"' in queue.split(f'data-rma="{rma}"')[1][:30]
        assert ("待验收" if language == "zh" else "Waiting for inspection") in queue
        merchant = row.split('data-merchant="m-babycare">')[1].split("</td>")[0]
        assert merchant == "贝乐母婴旗舰店"  # the merchant's name, not its id
    assert 'class="overdue"' in row
