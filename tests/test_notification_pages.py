"""The console's notifications (issue 13): the bell on every staff page, the list, opening
one, "mark all read", both languages; the users page's notification e-mail.

The acceptance line "the merchant's console shows the new request at once": a request filed
through the API is in the merchant's bell, notifications page and review queue right after.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.domain.staff_notice_words import drafts_for
from returnflow.domain.staff_notices import Audience
from returnflow.services import staff_notices as service
from tests.test_console_pages import csrf_from, sign_in

OrderPayload = Callable[..., dict[str, Any]]
Tokens = Callable[..., str]
EN = {"Accept-Language": "en"}
UNREAD_ITEM = re.compile(r'data-notification="\d+" data-kind="\w+" data-unread="1"')
BELL = re.compile(r'class="bell" data-menu="notifications" data-unread="(\d+)"')


def _bell(html: str) -> int:
    found = BELL.search(html)
    assert found, "no bell on the page"
    return int(found.group(1))


@pytest.fixture
def merchant(context: AppContext, tokens: Tokens) -> Iterator[TestClient]:
    tokens(Role.MERCHANT, merchant_id="m-babycare", username="babycare.ops")
    with sign_in(context, "babycare.ops") as browser:
        browser.follow_redirects = False
        yield browser


def _file(client: TestClient, order_payload: OrderPayload) -> str:
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201
    body = {
        "order_no": "SO-1001",
        "type": "refund",
        "lines": [{"line_no": 1, "quantity": 1, "reason_code": "quality"}],
    }
    answer = client.post("/api/v1/returns", json=body)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["rma_no"])


def test_the_merchants_console_shows_a_new_request_at_once(
    merchant: TestClient, client: TestClient, order_payload: OrderPayload
) -> None:
    home = merchant.get("/staff")
    assert home.status_code == 200 and _bell(home.text) == 0
    rma = _file(client, order_payload)
    home = merchant.get("/staff").text
    assert _bell(home) == 1 and "1 条未读" in home
    assert "Waiting for a decision: 1." in merchant.get("/staff", headers=EN).text
    queue = merchant.get("/staff/review").text
    assert rma in queue and _bell(queue) == 1
    listing = merchant.get("/staff/notifications").text
    assert "我的通知" in listing and f"新退货申请 {rma} 待您审核" in listing
    assert len(UNREAD_ITEM.findall(listing)) == 1 and "全部标为已读" in listing
    english = merchant.get("/staff/notifications", headers=EN).text
    assert f"New request {rma} is waiting for your review" in english
    assert "Mark all as read" in english and "1 unread" in english
    [notice_id] = re.findall(r'data-notification="(\d+)"', listing)
    opened = merchant.get(f"/staff/notifications/{notice_id}/open")
    assert opened.status_code == 303 and opened.headers["location"] == f"/staff/returns/{rma}"
    after = merchant.get("/staff/notifications").text
    assert _bell(after) == 0 and UNREAD_ITEM.findall(after) == [] and "没有未读通知" in after
    unread_only = merchant.get("/staff/notifications?unread=true").text
    assert 'data-notification="' not in unread_only and "没有未读通知。" in unread_only


def test_mark_all_read_needs_the_pages_token(
    context: AppContext, merchant: TestClient, client: TestClient, order_payload: OrderPayload
) -> None:
    _file(client, order_payload)
    now = context.clock()
    with context.uow() as uow:
        data = {"complaint_no": "CP-1", "merchant_id": "m-babycare"}
        service.notify(uow, drafts_for("complaint.filed", data), now)
        uow.commit(now)
    page = merchant.get("/staff/notifications").text
    assert _bell(page) == 2
    refused = merchant.post("/staff/notifications/read-all", data={"csrf_token": "wrong"})
    assert refused.status_code in (400, 403, 422)
    assert _bell(merchant.get("/staff").text) == 2
    done = merchant.post("/staff/notifications/read-all", data={"csrf_token": csrf_from(page)})
    assert done.status_code == 303 and done.headers["location"] == "/staff/notifications"
    assert _bell(merchant.get("/staff").text) == 0


def test_someone_elses_notification_does_not_open(
    context: AppContext, tokens: Tokens, client: TestClient, order_payload: OrderPayload
) -> None:
    _file(client, order_payload)
    tokens(Role.MERCHANT, merchant_id="m-other", username="other.ops")
    with sign_in(context, "other.ops") as other:
        page = other.get("/staff/notifications").text
        assert _bell(page) == 0 and "暂无通知" in page
        with context.uow() as uow:
            assert uow.staff_notices.page([], 0, 1, 10).total == 0  # no audience: nothing
            babycare = [Audience.merchant("m-babycare")]
            [notice] = uow.staff_notices.page(babycare, 0, 1, 10).notices
        url = f"/staff/notifications/{notice.id}/open"
        assert other.get(url, follow_redirects=False).status_code == 404


def test_staff_see_their_roles_notifications(
    context: AppContext, tokens: Tokens, agent_and_manager: tuple[TestClient, TestClient]
) -> None:
    agent, manager = agent_and_manager
    now = context.clock()
    with context.uow() as uow:
        appeal = {"rma_no": "RMA-9", "subject": "rejection", "occurred_at": now.isoformat()}
        service.notify(uow, drafts_for("appeal.filed", appeal), now)
        breach = {"complaint_no": "CP-9", "deadline": "respond"}
        service.notify(uow, drafts_for("complaint.breached", breach), now)
        uow.commit(now)
    agents = agent.get("/staff/notifications", headers=EN).text
    assert "Appeal filed on request RMA-9" in agents and "CP-9" not in agents
    managers = manager.get("/staff/notifications", headers=EN).text
    assert "Complaint CP-9 breached its deadline" in managers and "RMA-9" not in managers
    assert 'href="/staff/notifications/' in managers


@pytest.fixture
def agent_and_manager(
    context: AppContext, tokens: Tokens
) -> Iterator[tuple[TestClient, TestClient]]:
    tokens(Role.AGENT, username="li.na")
    tokens(Role.MANAGER, username="wu.lei")
    with sign_in(context, "li.na") as agent, sign_in(context, "wu.lei") as manager:
        yield agent, manager


def test_an_administrator_sets_an_accounts_notification_email(
    context: AppContext, tokens: Tokens
) -> None:
    tokens(Role.ADMIN, username="root.admin")
    with sign_in(context, "root.admin") as admin:
        admin.follow_redirects = False
        page = admin.get("/staff/users").text
        assert "通知邮箱" in page
        token = csrf_from(page)
        added = admin.post(
            "/staff/users",
            data={
                "csrf_token": token,
                "username": "acme.ops",
                "display_name": "Acme",
                "role": "merchant",
                "merchant_id": "m-acme",
                "email": "ops@acme.example",
            },
        )
        assert added.status_code == 201 and 'value="ops@acme.example"' in added.text
        with context.uow() as uow:
            [who] = uow.staff_notices.merchant_recipients("m-acme")
        assert who.address == "ops@acme.example"
        url = f"/staff/users/{who.user_id}/email"
        bad = admin.post(url, data={"csrf_token": token, "email": "not an address"})
        assert bad.status_code == 422 and "请填写有效的电子邮箱地址" in bad.text
        changed = admin.post(url, data={"csrf_token": token, "email": "desk@acme.example"})
        assert changed.status_code == 303
        assert 'value="desk@acme.example"' in admin.get("/staff/users").text
        assert admin.post(url, data={"csrf_token": token, "email": ""}).status_code == 303
        with context.uow() as uow:
            assert uow.staff_notices.merchant_recipients("m-acme") == []


def test_the_list_is_paged_when_it_is_longer_than_a_page(
    context: AppContext, merchant: TestClient
) -> None:
    now = context.clock()
    with context.uow() as uow:
        for n in range(1, service.PAGE_SIZE + 4):
            data = {"complaint_no": f"CP-{n}", "merchant_id": "m-babycare"}
            service.notify(uow, drafts_for("complaint.filed", data), now)
        uow.commit(now)
    first = merchant.get("/staff/notifications").text
    assert len(re.findall(r'data-notification="\d+"', first)) == service.PAGE_SIZE
    pager = first.split('<nav class="pager"')[1].split("</nav>")[0]  # the console's one pager
    assert 'data-pager="1/2"' in pager and "第 1–20 条，共 23 条" in pager
    assert 'rel="next" href="/staff/notifications?page=2"' in pager and 'rel="prev"' not in pager
    second = merchant.get("/staff/notifications?page=2", headers=EN).text
    assert len(re.findall(r'data-notification="\d+"', second)) == 3
    pager = second.split('<nav class="pager"')[1].split("</nav>")[0]
    assert "21–23 of 23" in pager and 'rel="prev" href="/staff/notifications"' in pager
    assert 'rel="next"' not in pager
    # the badge says the kind in words, never its code
    assert '<span class="nt-kind nt-kind-complaint_filed">Complaint</span>' in second
    unread = merchant.get("/staff/notifications?unread=true&page=2").text
    assert 'rel="prev" href="/staff/notifications?unread=true"' in unread  # the filter is kept
    beyond = merchant.get("/staff/notifications?unread=true&page=9").text
    assert 'data-pager="2/2"' in beyond  # past the last page: the last


def test_one_page_of_notifications_has_no_pager(context: AppContext, merchant: TestClient) -> None:
    now = context.clock()
    with context.uow() as uow:
        data = {"complaint_no": "CP-1", "merchant_id": "m-babycare"}
        service.notify(uow, drafts_for("complaint.filed", data), now)
        uow.commit(now)
    page = merchant.get("/staff/notifications").text
    assert 'data-notification="' in page and 'data-pager="1/1"' in page
