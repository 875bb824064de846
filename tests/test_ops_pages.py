"""Issue 16, the warehouse's side of the console: the awaiting-inspection queue (paged,
oldest first, a merchant's own only), the warehouse home's counts, and the links from
one step to the next (received → inspect → dispose)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from tests.support.clock import FakeClock
from tests.test_console_pages import csrf_from, sign_in
from tests.test_merchant_desk import _shipped

Payload = Callable[..., dict[str, Any]]
Tokens = Callable[..., str]
QUEUE = "/staff/warehouse/awaiting-inspection"


def _received(client: TestClient, order_no: str, waybill: str) -> str:
    rma = _shipped(client, order_no, waybill)  # filed and shipped, as on the merchant's desk
    assert client.post(f"/api/v1/returns/{rma}/receive").status_code == 200
    return rma


def _two_received(client: TestClient, order_payload: Payload, clock: FakeClock) -> list[str]:
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201
    other = order_payload(order_no="SO-2", merchant_id="m-other")
    assert client.post("/api/v1/orders", json=other).status_code == 201
    first = _received(client, "SO-1001", "SF1234567890")
    clock.advance(hours=3)
    return [first, _received(client, "SO-2", "SF1234567891")]


def test_the_warehouse_opens_on_its_work_and_the_queue_is_oldest_first(
    context: AppContext,
    client: TestClient,
    order_payload: Payload,
    clock: FakeClock,
    tokens: Tokens,
) -> None:
    first, second = _two_received(client, order_payload, clock)
    tokens(Role.WAREHOUSE, username="zhang.wei")
    with sign_in(context, "zhang.wei") as desk:
        home = desk.get("/staff", headers={"Accept-Language": "en"}).text
        assert 'data-tile="warehouse"' in home
        tile = re.search(r'data-count="inspection".*?<strong[^>]*>(\d+)</strong>', home, re.S)
        assert tile is not None and tile.group(1) == "2"
        assert 'data-count="rtv"' in home and f'href="{QUEUE}"' in home
        queue = desk.get(QUEUE, headers={"Accept-Language": "zh"})
        assert queue.status_code == 200 and 'data-total="2"' in queue.text
        assert 'data-pager="1/1"' in queue.text and "第 1–2 条，共 2 条" in queue.text  # one pager
        assert queue.text.index(first) < queue.text.index(second)  # longest waiting first
        assert "3 小时" in queue.text and "待验收" in queue.text
        assert desk.get(QUEUE, params={"page": "99"}).status_code == 200  # clamped
        assert desk.get(QUEUE, params={"page": "x"}).status_code == 200
        done = desk.get("/staff/receiving", params={"done": first}).text
        assert (
            f'href="/staff/warehouse/returns/{first}/inspect" data-link="inspect-received"' in done
        )
        inspect = desk.get(f"/staff/warehouse/returns/{first}/inspect")
        assert inspect.status_code == 200 and 'id="inspect-form"' in inspect.text
        form = {f"mark_{c}": "pass" for c in set(re.findall(r'name="mark_(\w+)"', inspect.text))}
        form |= {"csrf_token": csrf_from(inspect.text), "grade": "A", "responsibility": "none"}
        url = f"/staff/warehouse/returns/{first}/inspect"
        assert desk.post(url, data=form, follow_redirects=False).status_code == 303
        waiting = desk.get("/staff/warehouse/awaiting-disposition").text
        assert 'data-total="1"' in waiting and f'/warehouse/returns/{first}/dispose"' in waiting
        inspected = desk.get(f"/staff/warehouse/returns/{first}/inspect").text
        assert 'data-link="dispose-next"' in inspected


def test_a_merchant_sees_its_own_queue_only_and_others_none(
    context: AppContext,
    client: TestClient,
    order_payload: Payload,
    clock: FakeClock,
    tokens: Tokens,
) -> None:
    first, second = _two_received(client, order_payload, clock)
    tokens(Role.MERCHANT, merchant_id="m-babycare", username="baby")
    tokens(Role.AGENT, username="li.na")
    with sign_in(context, "baby") as shop:
        closed = shop.get(QUEUE)  # no warehouse of its own: the platform inspects
        assert closed.status_code == 200 and 'data-code="no_own_warehouse"' in closed.text
        assert 'data-tile="warehouse"' not in shop.get("/staff").text
        warehouse = {
            "name": "宝贝屋退货组",
            "phone": "0571-88880000",
            "province": "浙江省",
            "city": "杭州市",
            "district": "余杭区",
            "detail": "仓前街道 8 号",
        }
        profile = {"methods": ["self_ship"], "warehouse": warehouse}
        saved = client.put("/api/v1/merchants/m-babycare/profile", json=profile)
        assert saved.status_code == 200, saved.text
        own = shop.get(QUEUE).text
        assert first in own and second not in own and 'data-total="1"' in own
    with sign_in(context, "li.na") as agent:
        assert agent.get(QUEUE).status_code == 403


def test_the_finance_home_says_who_acts_on_a_refund_waiting_for_approval(
    context: AppContext,
    client: TestClient,
    order_payload: Payload,
    clock: FakeClock,
    tokens: Tokens,
) -> None:
    context.settings.instant_refund_enabled = False
    context.settings.refund_auto_request = False
    context.settings.authority_limits = {"finance": 100}
    rma = _received(client, *_one_order(client, order_payload))
    assert client.post(f"/api/v1/returns/{rma}/inspect", json={"passed": True}).status_code == 200
    bearer = {"Authorization": f"Bearer {tokens(Role.FINANCE, username='fay')}"}
    owed = client.post(f"/api/v1/returns/{rma}/refund", headers=bearer).json()
    assert owed["status"] == "awaiting_approval"
    clock.advance(days=30)  # past its deadline: on the finance home
    tokens(Role.MANAGER, username="mona")
    english = {"Accept-Language": "en"}
    with sign_in(context, "fay") as finance:
        page = finance.get("/staff/finance", headers=english).text
        row = re.search(rf'<tr data-rma="{rma}">.*?</tr>', page, re.S)
        assert row is not None and "awaiting_approval<" not in row.group(0)
        assert "Waiting for a manager: above Finance fay's authority of CN¥1.00" in row.group(0)
        assert "/staff/finance/approvals" not in row.group(0)
    with sign_in(context, "mona") as manager:
        page = manager.get("/staff/finance", headers=english).text
        assert "Approve or decline it" in page


def _one_order(client: TestClient, order_payload: Payload) -> tuple[str, str]:
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201
    return "SO-1001", "SF1234567890"


def test_an_administrator_publishes_the_next_policy_version_from_the_page(
    context: AppContext, client: TestClient, tokens: Tokens
) -> None:
    tokens(Role.ADMIN, username="ada")
    english = {"Accept-Language": "en"}
    with sign_in(context, "ada") as admin:
        page = admin.get("/staff/admin/policy", headers=english).text
        assert 'data-in-force="true"' in page and "Return it within 7 days of delivery" in page
        form = {"csrf_token": csrf_from(page), "effective_from": "2020-01-01T00:00"}
        form |= {"no_reason_days": "15", "quality_refund_days": "7", "quality_exchange_days": "15"}
        form |= {"warranty_days": "90", "auto_approve_limit": "2000.00", "review_hours": "24"}
        form |= {"ship_within_days": "7", "confirm_within_days": "7"}
        past = admin.post("/staff/admin/policy", data=form, headers=english)
        assert past.status_code == 422 and "The start must be now or later" in past.text
        future = (context.clock() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
        done = admin.post(
            "/staff/admin/policy", data=form | {"effective_from": future}, follow_redirects=False
        )
        assert done.status_code == 303, done.text
        shown = admin.get(done.headers["location"], headers=english).text
        assert 'id="rules" data-version="2"' in shown and "within 15 days of delivery" in shown
    book = client.get("/api/v1/policy").json()
    assert [v["version"] for v in book["versions"]] == [1, 2]
    assert book["current"]["version"] == 1  # version 2 starts in two days


def test_an_administrator_switches_a_return_method_off_and_edits_its_fee(
    context: AppContext, client: TestClient, tokens: Tokens
) -> None:
    tokens(Role.ADMIN, username="ada")
    url = "/staff/admin/return-methods"
    with sign_in(context, "ada") as admin:
        page = admin.get(url).text
        assert 'data-method="dropoff" data-enabled="true"' in page
        form = {"csrf_token": csrf_from(page), "fee": "9.50", "expected_days": "4"}
        form |= {"instructions_zh": "到驿站寄件", "instructions_en": "Drop it at a station"}
        bad = admin.post(f"{url}/dropoff", data=form | {"fee": "-1"})
        assert bad.status_code == 422 and 'data-error="true"' in bad.text
        assert admin.post(f"{url}/dropoff", data=form, follow_redirects=False).status_code == 303
        keep = form | {"enabled": "on", "fee": "12", "instructions_en": "We come to you"}
        assert admin.post(f"{url}/pickup", data=keep, follow_redirects=False).status_code == 303
        assert admin.post(f"{url}/teleport", data=keep).status_code == 404
        page = admin.get(url).text
        assert 'data-method="dropoff" data-enabled="false"' in page
    methods = {m["method"]: m for m in client.get("/api/v1/shipping/methods").json()["methods"]}
    assert methods["dropoff"]["enabled"] is False and methods["dropoff"]["fee"] == 950
    assert methods["pickup"]["enabled"] is True and methods["pickup"]["fee"] == 1200
