"""Issue 16's polish through TestClient: merchants and people by name on the review queue,
the request list and the request page; who holds a request in review, taken and assigned
from its own page with the trail in the history; notices in the pages' one money format;
the inspection checklist's results in words."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.domain.money import Money
from returnflow.notify.notices import render_notice
from returnflow.services import accounts
from returnflow.web.templating import money
from tests.test_console_pages import csrf_from, file, sign_in

PASSWORD = "correct horse battery"
EN = {"Accept-Language": "en"}


def _person(context: AppContext, role: Role, username: str, display_name: str) -> None:
    now = context.clock()
    with context.uow() as uow:
        accounts.add_user(
            uow,
            username=username,
            display_name=display_name,
            password=PASSWORD,
            role=role,
            now=now,
        )
        uow.commit(now)


def test_notices_say_money_as_the_pages_do() -> None:
    payload = {"rma_no": "RMA-1", "amount": 123_456, "currency": "CNY"}
    words = render_notice("return.partial_refund_accepted", payload)
    assert words is not None
    body = words[1]
    assert body.zh == f"我们将为您退款 {money(Money(123_456, 'CNY'), 'zh')}。"
    assert "¥1,234.56" in body.zh
    assert body.en == f"We will refund you {money(Money(123_456, 'CNY'), 'en')}."
    assert "CNY" not in body.zh + body.en and "CN¥1,234.56" in body.en


def test_queue_list_and_request_page_name_merchants_and_people_and_take_assign_there(
    context: AppContext, client: TestClient, order_payload: Callable[..., dict[str, Any]]
) -> None:
    named = order_payload(merchant_name="贝贝母婴旗舰店")
    assert client.post("/api/v1/orders", json=named).status_code == 201
    rma = file(client)["rma_no"]
    _person(context, Role.AGENT, "li.na", "李娜")
    _person(context, Role.AGENT, "wang.wu", "王五")
    _person(context, Role.MANAGER, "zhao.min", "赵敏")
    cell = '<td data-merchant="m-babycare">贝贝母婴旗舰店</td>'
    with sign_in(context, "li.na") as agent:
        assert cell in agent.get("/staff/review").text
        assert cell in agent.get("/staff/returns").text
        page = agent.get(f"/staff/returns/{rma}").text
        assert '<dd data-merchant="m-babycare">贝贝母婴旗舰店</dd>' in page
        assert 'data-holder="none"' in page and 'data-action="assign"' not in page
        taken = agent.post(
            f"/staff/review/{rma}/take",
            data={"csrf_token": csrf_from(page), "back": "request"},
            follow_redirects=False,
        )
        assert taken.status_code == 303
        assert taken.headers["location"] == f"/staff/returns/{rma}?done=taken"
        mine = agent.get(taken.headers["location"]).text
        assert "已分派给您" in mine and re.search(r'data-holder="\d+">\s*李娜', mine)
        assert 'data-action="take"' not in mine
    with sign_in(context, "wang.wu") as other:  # refused: the request page says why
        page = other.get(f"/staff/returns/{rma}").text
        refused = other.post(
            f"/staff/review/{rma}/take", data={"csrf_token": csrf_from(page), "back": "request"}
        )
        assert refused.status_code == 422 and 'role="alert"' in refused.text
        assert "已分派给他人" in refused.text and f'data-rma="{rma}"' in refused.text
    with sign_in(context, "zhao.min") as boss:
        page = boss.get(f"/staff/returns/{rma}").text
        wang = re.search(r'<option value="(\d+)"[^>]*>王五</option>', page)
        assert wang and 'data-action="assign"' in page
        moved = boss.post(
            f"/staff/review/{rma}/assign",
            data={"csrf_token": csrf_from(page), "assignee": wang.group(1), "back": "request"},
        )
        assert moved.status_code == 200 and "已改派" in moved.text
        trail = moved.text.split('data-assignment-trail="true"', 1)[1].split("</ol>", 1)[0]
        assert "李娜 分派给 李娜" in trail  # the agent took it: by herself, to herself
        assert "经理 赵敏 从 李娜 改派给 王五" in trail
        queue = boss.get("/staff/review", headers=EN).text
        assert "given by Manager 赵敏" in queue and "贝贝母婴旗舰店" in queue
        assert ">m-babycare<" not in queue
    with sign_in(context, "wang.wu") as holder:  # the audit trail names people too
        page = holder.get(f"/staff/returns/{rma}").text
        holder.post(f"/staff/returns/{rma}/approve", data={"csrf_token": csrf_from(page)})
        audit = holder.get(f"/staff/returns/{rma}").text.split('id="audit"', 1)[1]
        assert re.search(r"<td[^>]*data-who>客服 王五</td>", audit)


def test_the_inspection_checklist_says_pass_and_fail_in_words(
    context: AppContext, client: TestClient, order_payload: Callable[..., dict[str, Any]]
) -> None:
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201
    body = {
        "order_no": "SO-1001",
        "type": "refund",
        "lines": [{"line_no": 1, "quantity": 1, "reason_code": "no_reason"}],
    }
    rma = client.post("/api/v1/returns", json=body).json()["rma_no"]
    client.post(f"/api/v1/returns/{rma}/ship", json={"carrier": "SF", "tracking_no": "SF7001"})
    assert client.post(f"/api/v1/returns/{rma}/receive").status_code == 200
    _person(context, Role.MANAGER, "zhao.min", "赵敏")
    with sign_in(context, "zhao.min") as boss:
        english = boss.get(f"/staff/warehouse/returns/{rma}/inspect", headers=EN).text
        chinese = boss.get(f"/staff/warehouse/returns/{rma}/inspect").text
    radios = re.compile(r'value="(?:pass|fail)"[^>]*>\s*(\S+)</label>')
    assert set(radios.findall(english)) == {"Pass", "Fail"}
    assert set(radios.findall(chinese)) == {"合格", "不合格"}
