"""The conversation on the portal request page and the console request page (R11.1)."""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.storage.schema import AccessLogRow, OutboxRow
from tests.support.apps import shared_app
from tests.support.staff import post_login
from tests.test_console_pages import PASSWORD
from tests.test_portal_pages import SECRET, _filed, _open

OrderPayload = Callable[..., dict[str, Any]]
EN = {"Accept-Language": "en"}
_SUBMISSION = re.compile(r'name="submission" value="([^"]+)"')
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def png(color: str = "blue") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), color).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def site(
    context: AppContext, client: TestClient, order_payload: OrderPayload, tmp_path: Path
) -> AppContext:
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201
    settings = context.settings.model_copy(
        update={"upload_dir": str(tmp_path / "uploads"), "secret_key": SECRET}
    )
    return dataclasses.replace(context, settings=settings)


@pytest.fixture
def web(site: AppContext) -> Iterator[TestClient]:
    with TestClient(shared_app(site), follow_redirects=False) as browser:
        yield browser


def staff(
    site: AppContext, tokens: Callable[..., str], role: Role, merchant: str | None = None
) -> TestClient:
    name = f"{role.value}-{merchant or 'x'}"
    tokens(role, merchant_id=merchant, username=name)
    browser = TestClient(shared_app(site), follow_redirects=False)
    assert post_login(browser, name, PASSWORD).status_code == 303
    return browser


def _form(html: str) -> dict[str, str]:
    found = _SUBMISSION.search(html)
    assert found, "no message form"
    return {"submission": found.group(1)}


def _section(html: str) -> str:
    found = re.search(r'<section class="card" id="conversation".*?</section>', html, re.S)
    assert found, "no conversation on the page"
    return found.group(0)


def test_the_customer_writes_with_a_photo_once_per_tap(web: TestClient) -> None:
    request_url, rma = _filed(web, _open(web))
    page = web.get(request_url).text
    thread = _section(page)
    assert "与客服沟通" in thread and "还没有留言。" in thread and "发送留言" in thread
    form = {**_form(page), "body": "请问什么时候上门取件？"}
    files = [("photos", ("box.png", png(), "image/png"))]
    sent = web.post(f"{request_url}/messages", data=form, files=files)
    assert sent.status_code == 303 and sent.headers["location"].endswith(
        "done=message#conversation"
    )
    twice = web.post(f"{request_url}/messages", data=form, files=files)  # a double tap
    assert twice.status_code == 303
    shown = _section(web.get(sent.headers["location"]).text)
    assert shown.count('data-author="customer"') == 1 and "留言已发送。" in shown
    assert "请问什么时候上门取件？" in shown and ">您<" in shown
    (src,) = re.findall(r'<img src="([^"]+)"', shown)
    picture = web.get(src)
    assert picture.status_code == 200 and picture.content == png()
    assert web.get(src.replace(rma, "RMA000000")).status_code in (303, 404)


def test_a_refused_message_keeps_what_was_typed_in_english(web: TestClient) -> None:
    request_url, _ = _filed(web, _open(web))
    page = web.get(request_url, headers=EN).text
    assert "Messages with us" in _section(page)
    fake = [("photos", ("invoice.pdf", b"%PDF-1.4 nope", "application/pdf"))]
    form = {**_form(page), "body": "Here is my invoice"}
    refused = web.post(f"{request_url}/messages", data=form, files=fake, headers=EN)
    assert refused.status_code == 422
    thread = _section(refused.text)
    alert = re.search(r'data-error="message">(.*?)</p>', thread, re.S)
    assert alert and "is not a JPEG, PNG or WebP picture" in alert.group(1)
    assert ">Here is my invoice</textarea>" in thread
    blank = web.post(f"{request_url}/messages", data={**_form(page), "body": "  "})
    assert blank.status_code == 422 and "请填写留言内容" in _section(blank.text)


def test_an_agent_answers_from_a_canned_reply_and_the_customer_is_told(
    web: TestClient, site: AppContext, tokens: Callable[..., str]
) -> None:
    request_url, rma = _filed(web, _open(web), reason="quality", reason_text="瓶盖裂了")
    crack = [("photos", ("crack.png", png("gray"), "image/png"))]
    form = {**_form(web.get(request_url).text), "body": "盖子裂了"}
    assert web.post(f"{request_url}/messages", data=form, files=crack).status_code == 303
    with staff(site, tokens, Role.AGENT) as agent:
        page = agent.get(f"/staff/returns/{rma}").text
        thread = _section(page)
        assert "与顾客的沟通记录" in thread and "盖子裂了" in thread and "常用回复" in thread
        assert "★ 质量问题致歉" in thread  # the request's reason first, in the agent's language
        (src,) = re.findall(r'<img src="(/staff/returns/[^"]+)"', thread)
        assert agent.get(src).content == png("gray")
        assert agent.get(src.replace(rma, "RMA000000")).status_code == 404
        with site.session_factory() as session:
            looks = session.scalars(select(AccessLogRow).where(AccessLogRow.subject == rma))
            assert "photo" in [row.what for row in looks]  # R14.1: the look is logged
        picked = agent.get(f"/staff/returns/{rma}", params={"reply": "quality.sorry_photos"}).text
        box = re.search(r'<textarea id="message-body"[^>]*>(.*?)</textarea>', picked, re.S)
        assert box and box.group(1).startswith("您好，非常抱歉商品出现质量问题")
        english = agent.get(f"/staff/returns/{rma}?reply=quality.sorry_photos", headers=EN).text
        assert "Hello, we are very sorry the item is faulty." in english
        form = {**_form(picked), "csrf_token": _CSRF.findall(picked)[0], "body": box.group(1)}
        sent = agent.post(f"/staff/returns/{rma}/messages", data=form)
        assert sent.status_code == 303, sent.text
        shown = _section(agent.get(sent.headers["location"]).text)
        assert shown.count('data-author="agent"') == 1 and "系统将通知顾客" in shown
        no_csrf = agent.post(f"/staff/returns/{rma}/messages", data={**form, "csrf_token": "x"})
        assert no_csrf.status_code == 403
    with site.session_factory() as session:
        topics = [
            r.topic for r in session.scalars(select(OutboxRow)) if r.payload.get("rma_no") == rma
        ]
    assert topics.count("return.message") == 1
    customer_view = _section(web.get(request_url).text)
    assert 'data-author="agent"' in customer_view and "平台客服" in customer_view


def test_merchants_write_on_their_own_requests_only(
    web: TestClient, site: AppContext, tokens: Callable[..., str]
) -> None:
    _, rma = _filed(web, _open(web))
    with staff(site, tokens, Role.MERCHANT, "m-babycare") as own:
        page = own.get(f"/staff/returns/{rma}").text
        form = {**_form(page), "csrf_token": _CSRF.findall(page)[0], "body": "已为您安排"}
        assert own.post(f"/staff/returns/{rma}/messages", data=form).status_code == 303
        assert 'data-author="merchant"' in _section(own.get(f"/staff/returns/{rma}").text)
    with staff(site, tokens, Role.MERCHANT, "m-other") as other:
        assert other.get(f"/staff/returns/{rma}").status_code == 404
        csrf = _CSRF.findall(other.get("/staff").text)[0]
        refused = other.post(
            f"/staff/returns/{rma}/messages", data={"body": "x", "csrf_token": csrf}
        )
        assert refused.status_code == 404
    with staff(site, tokens, Role.WAREHOUSE) as warehouse:
        page = warehouse.get(f"/staff/returns/{rma}").text
        assert "已为您安排" in _section(page) and 'data-form="message"' not in page
