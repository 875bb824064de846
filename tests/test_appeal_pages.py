"""Appeals through the pages, on SQLite and PostgreSQL (R3.2): a rejected request is
appealed in the portal with words and a photo and overturned in the console; the
console's queue, refusals, the automated-decision overturn, and both languages."""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from tests.support.apps import shared_app
from tests.support.clock import FakeClock
from tests.support.staff import post_login

OrderPayload = Callable[..., dict[str, Any]]
PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def uploads(tmp_path: Path) -> Path:
    return tmp_path / "uploads"


@pytest.fixture
def site(context: AppContext, uploads: Path) -> AppContext:
    """The same database, with photos in a temporary folder and a known signing key."""
    settings = context.settings.model_copy(
        update={"upload_dir": str(uploads), "secret_key": "appeal-pages"}
    )
    return dataclasses.replace(context, settings=settings)


@pytest.fixture
def web(site: AppContext, client: TestClient, order_payload: OrderPayload) -> Iterator[TestClient]:
    """A customer's browser (Chinese by default), with order SO-1001 on file."""
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201
    with TestClient(shared_app(site), follow_redirects=False) as browser:
        yield browser


@pytest.fixture
def agent(site: AppContext, tokens: Callable[..., str]) -> Iterator[TestClient]:
    tokens(Role.AGENT, username="li.na")
    with TestClient(shared_app(site), follow_redirects=False) as browser:
        assert post_login(browser, "li.na", PASSWORD).status_code == 303
        yield browser


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (12, 12), (200, 40, 40)).save(buffer, "PNG")
    return buffer.getvalue()


def _csrf(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no csrf_token on the page"
    return found.group(1)


def _alert(html: str) -> str:
    found = re.search(r'role="alert"[^>]*>(.*?)</', html, re.S)
    assert found, "no alert on the page"
    return found.group(1).strip()


def _lookup(web: TestClient) -> str:
    """Look the order up: the signed order page's path."""
    lookup = web.post("/portal/lookup", data={"order_no": "SO-1001", "contact": "13800138000"})
    assert lookup.status_code == 303, lookup.text
    return str(lookup.headers["location"])


def _filed(web: TestClient, reason: str = "quality") -> tuple[str, str]:
    """Look the order up and apply; the request page's path and its RMA number."""
    data = {"type": "refund", "reason": reason, "qty_1": "1", "reason_text": "", "channel": "web"}
    applied = web.post(f"{_lookup(web)}/apply", data=data)
    assert applied.status_code == 303, applied.text
    location = applied.headers["location"].split("?")[0]
    return location, location.rsplit("/", 1)[1]


def _rejected(web: TestClient, agent: TestClient) -> tuple[str, str]:
    """A fault claim without photos, rejected by the agent on the request page."""
    page, rma = _filed(web)
    staff_page = agent.get(f"/staff/returns/{rma}").text
    data = {"csrf_token": _csrf(staff_page), "template": "photos", "reason_text": ""}
    assert agent.post(f"/staff/returns/{rma}/reject", data=data).status_code == 303
    return page, rma


def test_a_rejected_request_is_appealed_and_overturned_through_the_pages(
    web: TestClient, agent: TestClient, client: TestClient, uploads: Path
) -> None:
    page, rma = _rejected(web, agent)
    request_page = web.get(page).text
    assert "申诉" in request_page and f"{page}/appeal" in request_page
    form = web.get(f"{page}/appeal")
    assert form.status_code == 200 and 'data-form="appeal"' in form.text
    assert "您正在对“申请被拒绝”提出申诉" in form.text
    sent = web.post(
        f"{page}/appeal",
        data={"statement": "瓶身裂纹在照片里很清楚"},
        files=[("photos", ("crack.png", _png(), "image/png"))],
    )
    assert sent.status_code == 303, sent.text
    filed = web.get(sent.headers["location"]).text
    assert "申诉已提交" in filed and "工作人员正在审核您的申诉" in filed
    assert 'data-form="appeal"' not in filed  # once
    [photo] = sorted(uploads.iterdir())
    assert f"/appeal/photos/{photo.name}" in filed
    assert web.get(f"{page}/appeal/photos/{photo.name}").content == _png()
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "pending_review"

    queue = agent.get("/staff/appeals").text
    assert f'data-rma="{rma}"' in queue and "申请被拒绝" in queue
    panel = agent.get(f"/staff/returns/{rma}").text
    assert 'data-appealed="true"' in panel and "瓶身裂纹在照片里很清楚" in panel
    appeal_page = agent.get(f"/staff/returns/{rma}/appeal").text
    assert agent.get(f"/staff/returns/{rma}/appeal/photos/{photo.name}").content == _png()
    decided = agent.post(
        f"/staff/returns/{rma}/appeal/decision",
        data={"csrf_token": _csrf(appeal_page), "decision": "overturn", "reason": "照片可见裂纹"},
    )
    assert decided.status_code == 303, decided.text
    after = agent.get(decided.headers["location"]).text
    assert "已改判，申请继续处理" in after and 'data-status="overturned"' in after
    request = client.get(f"/api/v1/returns/{rma}").json()
    assert request["status"] == "approved" and request["ship_by"] is not None
    assert f'data-rma="{rma}"' not in agent.get("/staff/appeals").text

    answer = web.get(f"{page}/appeal").text
    assert "申诉成功：原决定已改判" in answer and "照片可见裂纹" in answer
    again = web.post(f"{page}/appeal", data={"statement": "再申诉一次"})
    assert again.status_code == 409 and "只能申诉一次" in _alert(again.text)


def test_refusals_keep_the_pages(web: TestClient, agent: TestClient) -> None:
    page, rma = _rejected(web, agent)
    empty = web.post(f"{page}/appeal", data={"statement": "   "})
    assert empty.status_code == 422 and "请说明申诉理由" in _alert(empty.text)
    fake = web.post(
        f"{page}/appeal",
        data={"statement": "看照片"},
        files=[("photos", ("x.png", b"not a picture", "image/png"))],
    )
    assert fake.status_code == 422
    web.post(f"{page}/appeal", data={"statement": "请复核"})
    appeal_page = agent.get(f"/staff/returns/{rma}/appeal").text
    no_reason = agent.post(
        f"/staff/returns/{rma}/appeal/decision",
        data={"csrf_token": _csrf(appeal_page), "decision": "uphold", "reason": ""},
    )
    assert no_reason.status_code == 422 and "必须说明原因" in _alert(no_reason.text)
    forged = agent.post(
        f"/staff/returns/{rma}/appeal/decision",
        data={"csrf_token": "forged", "decision": "uphold", "reason": "x"},
    )
    assert forged.status_code == 403


def test_after_the_window_the_form_is_gone(
    web: TestClient, agent: TestClient, clock: FakeClock
) -> None:
    _, rma = _rejected(web, agent)
    clock.advance(days=15, seconds=1)
    fresh = _lookup(web)  # the first link lasted three days
    closed = web.get(f"{fresh}/r/{rma}/appeal").text
    assert 'data-window="closed"' in closed and 'data-form="appeal"' not in closed
    late = web.post(f"{fresh}/r/{rma}/appeal", data={"statement": "迟到的申诉"})
    assert late.status_code == 422 and "申诉期限已过" in _alert(late.text)


def test_staff_overturn_an_automated_rejection_on_the_request_page(
    web: TestClient,
    agent: TestClient,
    client: TestClient,
    clock: FakeClock,
    order_payload: OrderPayload,
) -> None:
    old = order_payload(
        order_no="SO-OLD",
        placed_at=(clock.now - timedelta(days=20)).isoformat(),
        delivered_at=(clock.now - timedelta(days=12)).isoformat(),
    )
    assert client.post("/api/v1/orders", json=old).status_code == 201
    line = {"line_no": 1, "quantity": 1, "reason_code": "no_reason"}
    filed = client.post(
        "/api/v1/returns", json={"order_no": "SO-OLD", "type": "refund", "lines": [line]}
    ).json()
    assert filed["status"] == "rejected"  # past the no-reason window: automatically
    rma = filed["rma_no"]
    staff_page = agent.get(f"/staff/returns/{rma}").text
    assert 'data-action="overturn"' in staff_page and "推翻系统自动决定" in staff_page
    done = agent.post(
        f"/staff/returns/{rma}/overturn",
        data={"csrf_token": _csrf(staff_page), "reason": "物流延误，顾客无责"},
    )
    assert done.status_code == 303, done.text
    request = client.get(f"/api/v1/returns/{rma}").json()
    assert request["status"] == "approved"
    audit = agent.get(f"/staff/returns/{rma}").text
    assert "物流延误，顾客无责" in audit and 'data-step="overturn"' in audit


def test_the_pages_speak_english(web: TestClient, agent: TestClient) -> None:
    page, rma = _rejected(web, agent)
    web.cookies.set("lang", "en")
    agent.cookies.set("lang", "en")
    assert "Think this decision is wrong?" in web.get(page).text
    form = web.get(f"{page}/appeal").text
    assert "You are appealing the rejection" in form and "Send the appeal" in form
    web.post(f"{page}/appeal", data={"statement": "Please look again"})
    assert "A person is looking at your appeal." in web.get(f"{page}/appeal").text
    queue = agent.get("/staff/appeals").text
    assert "Appeals" in queue and "the rejection" in queue and "申诉" not in queue
    staff = agent.get(f"/staff/returns/{rma}").text
    assert "The customer appealed the rejection." in staff
    appeal_page = agent.get(f"/staff/returns/{rma}/appeal").text
    upheld = agent.post(
        f"/staff/returns/{rma}/appeal/decision",
        data={"csrf_token": _csrf(appeal_page), "decision": "uphold", "reason": "No crack shown"},
    )
    assert "Upheld: the customer will read the reason" in agent.get(upheld.headers["location"]).text
    answer = web.get(f"{page}/appeal").text
    assert "Your appeal was not successful: the decision stands." in answer
    assert "Reason: No crack shown" in answer


# --- names, people and the file picker (visual-grievances) --------------------------------


def test_the_appeal_pages_name_the_merchant_and_the_people(
    web: TestClient, agent: TestClient, client: TestClient, order_payload: OrderPayload
) -> None:
    named = order_payload(order_no="SO-4004", merchant_name="贝乐母婴旗舰店")
    assert client.post("/api/v1/orders", json=named).status_code == 201
    page, rma = _rejected(web, agent)
    form = web.get(f"{page}/appeal").text
    assert "选择照片" in form and "尚未选择照片" in form and 'type="file"' in form
    assert '<script src="/static/filepick.js" defer></script>' in form
    english = web.get(f"{page}/appeal", headers={"Accept-Language": "en"}).text
    assert "Choose photos" in english and "No photo chosen yet" in english
    assert web.post(f"{page}/appeal", data={"statement": "照片里能看到裂纹"}).status_code == 303
    queue = agent.get("/staff/appeals").text
    row = queue.split(f'data-rma="{rma}"')[1].split("</tr>")[0]
    assert 'data-merchant="m-babycare">贝乐母婴旗舰店<' in row
    appeal_page = agent.get(f"/staff/returns/{rma}/appeal").text
    decided = agent.post(
        f"/staff/returns/{rma}/appeal/decision",
        data={"csrf_token": _csrf(appeal_page), "decision": "uphold", "reason": "维持"},
    )
    assert decided.status_code == 303
    zh = agent.get(f"/staff/returns/{rma}/appeal").text
    en = agent.get(f"/staff/returns/{rma}/appeal", headers={"Accept-Language": "en"}).text
    facts = zh.split('class="facts"')[1].split("</dl>")[0]
    assert "贝乐母婴旗舰店" in facts and "顾客" in facts and "客服 li.na" in facts
    assert "Customer service li.na" in en.split('class="facts"')[1].split("</dl>")[0]
    for html in (zh, en):
        assert "customer:c-1" not in html and "agent:li.na" not in html
