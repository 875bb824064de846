"""The dispute pages on SQLite and PostgreSQL (R8.3, R8.4): the queue, both sides, evidence,
the ruling and its refund, the merchant's own queue, the portal, both languages, and bad
input answered with the form again (never a 500)."""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from jinja2.ext import babel_extract
from PIL import Image

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.domain.awards import Liable
from returnflow.domain.disputes import Outcome, Ruling
from returnflow.domain.money import Money
from returnflow.jobs.worker import Worker
from returnflow.notify.mailer import FileMailer
from returnflow.payments.sandbox import SandboxGateway
from returnflow.web.i18n import LOCALE_DIR
from returnflow.web.portal_links import PortalAccess, make_token
from returnflow.web.templating import TEMPLATES
from tests.api.test_disputes_api import BIG, upheld
from tests.support.apps import shared_app
from tests.support.clock import FakeClock
from tests.test_console_pages import csrf_from, sign_in

Tokens = Callable[..., str]
SECRET = "dispute-pages-secret"
EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}
TEMPLATE_NAMES = (
    "staff/disputes.html",
    "staff/disputes_detail.html",
    "staff/disputes_open.html",
    "staff/disputes_macros.html",
    "staff/disputes_link.html",
    "staff/disputes_tile.html",
    "portal/disputes.html",
    "portal/disputes_link.html",
)


@pytest.fixture
def context(context: AppContext, tmp_path: Path) -> AppContext:
    settings = context.settings.model_copy(
        update={
            "upload_dir": str(tmp_path / "uploads"),
            "secret_key": SECRET,
            "instant_refund_enabled": False,
        }
    )
    return dataclasses.replace(context, settings=settings)


@pytest.fixture(autouse=True)
def orders(client: TestClient, order_payload: Callable[..., dict[str, Any]]) -> None:
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201
    line = {
        "line_no": 1,
        "sku": "STROLLER-1",
        "title": "婴儿推车",
        "category": "baby",
        "unit_price": BIG,
        "quantity": 1,
        "discount": 0,
        "flags": [],
    }
    big = order_payload(order_no="SO-2002", lines=[line], shipping_fee=0)
    assert client.post("/api/v1/orders", json=big).status_code == 201
    other = order_payload(
        order_no="SO-3003",
        merchant_id="m-other",
        customer={"id": "c-3", "name": "李雷", "phone": "13900139000", "email": "l@example.com"},
    )
    assert client.post("/api/v1/orders", json=other).status_code == 201


def _png(color: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (12, 12), color).save(buffer, "PNG")
    return buffer.getvalue()


def _person(context: AppContext, tokens: Tokens, role: Role, name: str, **extra: Any) -> TestClient:
    tokens(role, username=name, **extra)
    return sign_in(context, name)


@pytest.fixture
def mediator(context: AppContext, tokens: Tokens) -> Iterator[TestClient]:
    with _person(context, tokens, Role.MEDIATOR, "wu.mediator") as browser:
        yield browser


@pytest.fixture
def merchant(context: AppContext, tokens: Tokens) -> Iterator[TestClient]:
    with _person(context, tokens, Role.MERCHANT, "babycare", merchant_id="m-babycare") as browser:
        yield browser


def _open_by_agent(client: TestClient, tokens: Tokens, rma: str, words: str = "商品有裂纹") -> str:
    agent = {"Authorization": f"Bearer {tokens(Role.AGENT, username=f'agent-{rma.lower()}')}"}
    opened = client.post(
        f"/api/v1/returns/{rma}/disputes", json={"statement": words}, headers=agent
    )
    assert opened.status_code == 201, opened.text
    return str(opened.json()["dispute_no"])


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr data-dispute="([^"]+)"', html)


def test_every_dispute_text_has_a_chinese_translation() -> None:
    with (LOCALE_DIR / "zh" / "LC_MESSAGES" / "disputes.po").open("rb") as handle:
        ours = {m.id for m in read_po(handle) if m.id}
    known: set[str] = set()
    for po in (LOCALE_DIR / "zh" / "LC_MESSAGES").glob("*.po"):
        with po.open("rb") as handle:
            known |= {str(m.id) for m in read_po(handle) if m.id and m.string}
    missing = []
    for name in TEMPLATE_NAMES:
        with (TEMPLATES / name).open("rb") as handle:
            for _, _, message, _ in babel_extract(handle, ("_", "gettext"), [], {}):
                msgid = message if isinstance(message, str) else str((message or ("",))[0])
                if msgid not in known:
                    missing.append(f"{name}: {msgid}")
    assert missing == []
    assert "Disputes" in ours


def test_the_queue_is_due_soonest_first_marks_the_overdue_and_filters(
    client: TestClient, tokens: Tokens, mediator: TestClient, clock: FakeClock, context: AppContext
) -> None:
    first = _open_by_agent(client, tokens, upheld(client))
    clock.advance(hours=5)
    second = _open_by_agent(client, tokens, upheld(client, "SO-2002"))
    page = mediator.get("/staff/disputes", headers=EN)
    assert page.status_code == 200 and 'data-menu="disputes"' in page.text
    assert _rows(page.text) == [first, second]  # evidence due soonest first
    assert 'data-overdue="true"' not in page.text and "2 d 19 h left" in page.text
    clock.advance(days=2, hours=20)  # the first is past its deadline, the second not yet
    with sign_in(context, "wu.mediator") as again:  # the first session idled out
        late = again.get("/staff/disputes", headers=EN)
        ruled = again.get("/staff/disputes", params={"status": "ruled"}, headers=EN)
        every = again.get("/staff/disputes", params={"status": "all", "page": "1"})
        chinese = again.get("/staff/disputes", headers=ZH)
        odd = [
            again.get("/staff/disputes", params={"status": status, "page": page_no})
            for status, page_no in (("bogus", "1"), ("open", "abc"), ("open", "9" * 30))
        ]
    assert f'data-dispute="{first}" data-overdue="true"' in late.text
    assert f'data-dispute="{second}" data-overdue="false"' in late.text
    assert "Overdue by 1 h 0 min" in late.text
    assert _rows(ruled.text) == [] and 'data-empty="true"' in ruled.text
    assert _rows(every.text) == [first, second]
    assert "争议处理" in chinese.text and "举证中" in chinese.text
    assert "已超时 1 小时 0 分钟" in chinese.text
    assert [answer.status_code for answer in odd] == [200, 200, 200]


def test_a_merchant_sees_its_own_disputes_at_once_and_no_one_elses(
    client: TestClient, tokens: Tokens, merchant: TestClient, context: AppContext
) -> None:
    ours = _open_by_agent(client, tokens, upheld(client))
    theirs = _open_by_agent(client, tokens, upheld(client, "SO-3003"))
    page = merchant.get("/staff/disputes", headers=EN)
    assert _rows(page.text) == [ours]
    assert "Disputes about your requests" in page.text
    home = merchant.get("/staff", headers=EN)
    assert 'data-tile="disputes"' in home.text and 'data-disputes-open="1"' in home.text
    assert merchant.get(f"/staff/disputes/{theirs}").status_code == 404
    assert merchant.get(f"/staff/disputes/{ours}").status_code == 200
    with _person(context, tokens, Role.WAREHOUSE, "wh.zhao") as warehouse:
        assert warehouse.get("/staff/disputes").status_code == 403
        assert 'data-menu="disputes"' not in warehouse.get("/staff").text


def test_both_sides_the_history_and_policy_and_the_merchants_evidence(
    client: TestClient, tokens: Tokens, merchant: TestClient, mediator: TestClient
) -> None:
    rma = upheld(client)
    no = _open_by_agent(client, tokens, rma, "收到时瓶身就有裂纹")
    page = merchant.get(f"/staff/disputes/{no}", headers=EN)
    assert page.status_code == 200
    customer = page.text.split('data-side="customer"')[1].split('data-side="merchant"')[0]
    assert "收到时瓶身就有裂纹" in customer
    assert 'data-heard="false"' in page.text.split('data-side="merchant"')[1]
    assert 'data-step="appeal"' in page.text and "Appeal filed" in page.text  # the history
    assert 'id="policy"' in page.text and 'data-appeal="upheld"' in page.text
    assert 'id="deadline"' in page.text and "3 d 0 h left" in page.text
    assert 'data-action="ruling"' not in page.text  # merchants do not rule
    csrf = csrf_from(page.text)
    files = [("photos", ("box.png", _png(), "image/png"))]
    data = {"csrf_token": csrf, "kind": "statement", "text": "发货前已检验，附出库照片"}
    added = merchant.post(
        f"/staff/disputes/{no}/evidence", data=data, files=files, follow_redirects=False
    )
    assert added.status_code == 303, added.text
    after = merchant.get(added.headers["location"], headers=EN)
    assert "The evidence was added" in after.text
    side = after.text.split('data-side="merchant"')[1].split('data-side="carrier"')[0]
    assert "发货前已检验" in side and 'data-heard="true"' in side
    photo = re.search(rf'src="(/staff/disputes/{no}/photos/[0-9a-f]{{32}}\.png)"', after.text)
    assert photo is not None
    assert merchant.get(photo.group(1)).headers["content-type"] == "image/png"
    assert mediator.get(photo.group(1)).status_code == 200
    missing = f"/staff/disputes/{no}/photos/{'0' * 32}.png"
    assert merchant.get(missing).status_code == 404
    seen = mediator.get(f"/staff/disputes/{no}", headers=EN)
    assert 'data-dispute-status="under_review"' in seen.text  # both sides heard


def test_an_agent_adds_a_carrier_record(
    client: TestClient, tokens: Tokens, context: AppContext
) -> None:
    no = _open_by_agent(client, tokens, upheld(client))
    with _person(context, tokens, Role.AGENT, "li.na") as agent:
        page = agent.get(f"/staff/disputes/{no}", headers=EN)
        assert "the carrier's records" in page.text and 'value="carrier_record"' in page.text
        data = {"csrf_token": csrf_from(page.text), "kind": "carrier_record", "text": "SF123 签收"}
        added = agent.post(f"/staff/disputes/{no}/evidence", data=data, follow_redirects=False)
        assert added.status_code == 303
        after = agent.get(f"/staff/disputes/{no}", headers=EN)
    carrier = after.text.split('data-side="carrier"')[1].split('data-side="platform"')[0]
    assert "SF123 签收" in carrier and "Carrier record" in carrier


def _rule(browser: TestClient, no: str, **fields: str) -> Any:
    page = browser.get(f"/staff/disputes/{no}")
    data = {
        "csrf_token": csrf_from(page.text),
        "mode": "ruling",
        "outcome": "customer",
        "liable": "merchant",
        "refund": "",
        "compensation": "",
        "reason": "商家未能证明商品出库完好",
        **fields,
    }
    return browser.post(
        f"/staff/disputes/{no}/ruling", data=data, headers=EN, follow_redirects=False
    )


def test_the_mediator_rules_for_the_customer_and_the_page_shows_the_refund(
    client: TestClient, tokens: Tokens, mediator: TestClient
) -> None:
    no = _open_by_agent(client, tokens, upheld(client))
    page = mediator.get(f"/staff/disputes/{no}", headers=EN)
    assert 'data-action="ruling"' in page.text and "Platform ruling" in page.text
    done = _rule(mediator, no, compensation="20")
    assert done.status_code == 303, done.text
    after = mediator.get(done.headers["location"], headers=EN)
    assert "The ruling was recorded" in after.text
    ruling = after.text.split('id="ruling"')[1].split('id="both-sides"')[0]
    assert 'data-outcome="customer"' in after.text and "For the customer" in ruling
    assert "CN¥20.00" in ruling or "¥20.00" in ruling
    assert "data-refund-state=" in ruling and "Waiting for a manager" not in ruling
    assert "merchant m-babycare: deducted from their next settlement" in ruling
    assert 'data-action="ruling"' not in after.text  # once
    again = _rule(mediator, no)
    assert again.status_code == 409 and "already decided" in again.text
    chinese = mediator.get(f"/staff/disputes/{no}", headers=ZH)
    assert "支持顾客" in chinese.text and "平台裁决" in chinese.text


def test_a_ruling_over_the_mediators_limit_waits_for_a_manager(
    client: TestClient, tokens: Tokens, mediator: TestClient
) -> None:
    no = _open_by_agent(client, tokens, upheld(client, "SO-2002"))
    done = _rule(mediator, no)
    assert done.status_code == 303, done.text
    after = mediator.get(done.headers["location"], headers=EN)
    assert 'data-refund-state="awaiting_approval"' in after.text
    assert "Waiting for a manager" in after.text


BAD_RULINGS = [
    {"outcome": "everyone"},
    {"liable": "the moon"},
    {"mode": "coin-toss"},
    {"outcome": "split", "refund": ""},
    {"outcome": "split", "refund": "abc"},
    {"outcome": "split", "refund": "1e9"},
    {"compensation": "-5"},
    {"compensation": "inf"},
    {"compensation": "²"},
    {"compensation": "٣"},
    {"outcome": "split", "refund": "12.345"},
    {"compensation": "99999"},  # above the refundable amount
    {"outcome": "merchant", "liable": "customer", "compensation": "10"},
    {"outcome": "customer", "liable": "customer"},
    {"reason": "   "},
    {"reason": "长" * 4001},
]


@pytest.mark.parametrize("fields", BAD_RULINGS)
def test_a_bad_ruling_is_the_form_again_never_a_500(
    client: TestClient, tokens: Tokens, mediator: TestClient, fields: dict[str, str]
) -> None:
    no = _open_by_agent(client, tokens, upheld(client))
    refused = _rule(mediator, no, **fields)
    assert 400 <= refused.status_code < 500, refused.text[:300]
    assert 'role="alert"' in refused.text and 'data-action="ruling"' in refused.text
    for name, value in fields.items():
        if name in ("refund", "compensation", "reason") and value.strip() and len(value) < 100:
            assert f'value="{value}"' in refused.text or value in refused.text  # kept
    assert 'data-dispute-status="open"' in refused.text  # nothing was decided


def test_an_oversized_field_is_refused_not_crashed(
    client: TestClient, tokens: Tokens, mediator: TestClient
) -> None:
    no = _open_by_agent(client, tokens, upheld(client))
    for fields in ({"compensation": "9" * 5000}, {"reason": "x" * 100_000}):
        answer = _rule(mediator, no, **fields)
        assert 400 <= answer.status_code < 500, fields.keys()
    assert 'data-dispute-status="open"' in mediator.get(f"/staff/disputes/{no}").text


def test_bad_evidence_and_forged_forms_are_refused(
    client: TestClient, tokens: Tokens, merchant: TestClient, clock: FakeClock, context: AppContext
) -> None:
    no = _open_by_agent(client, tokens, upheld(client))
    csrf = csrf_from(merchant.get(f"/staff/disputes/{no}").text)
    url = f"/staff/disputes/{no}/evidence"
    empty = merchant.post(
        url, data={"csrf_token": csrf, "kind": "statement", "text": " "}, headers=EN
    )
    assert empty.status_code == 422 and "Write a statement" in empty.text
    carrier = merchant.post(url, data={"csrf_token": csrf, "kind": "carrier_record", "text": "x"})
    assert carrier.status_code == 422
    fake = [("photos", ("evil.jpg", b"<script>", "image/jpeg"))]
    bad_photo = merchant.post(url, data={"csrf_token": csrf, "kind": "photo"}, files=fake)
    assert bad_photo.status_code == 422
    forged = merchant.post(url, data={"csrf_token": "nope", "kind": "statement", "text": "x"})
    assert forged.status_code == 403
    assert merchant.get("/staff/disputes/" + "X" * 500).status_code == 404
    clock.advance(days=3)  # exactly the deadline: late
    with sign_in(context, "babycare") as again:
        csrf = csrf_from(again.get(f"/staff/disputes/{no}").text)
        data = {"csrf_token": csrf, "kind": "statement", "text": "晚了"}
        late = again.post(url, data=data, headers=EN)
    assert late.status_code == 409 and "evidence deadline has passed" in late.text


def test_the_request_pages_lead_to_the_dispute(
    client: TestClient, tokens: Tokens, mediator: TestClient, context: AppContext
) -> None:
    rma = upheld(client)
    request_page = mediator.get(f"/staff/returns/{rma}", headers=EN)
    assert f'href="/staff/returns/{rma}/dispute"' in request_page.text
    offer = mediator.get(f"/staff/returns/{rma}/dispute", headers=EN)
    assert offer.status_code == 200 and 'data-action="open-dispute"' in offer.text
    csrf = csrf_from(offer.text)
    empty = mediator.post(
        f"/staff/returns/{rma}/dispute", data={"csrf_token": csrf, "statement": ""}
    )
    assert empty.status_code == 422 and 'data-action="open-dispute"' in empty.text
    opened = mediator.post(
        f"/staff/returns/{rma}/dispute",
        data={"csrf_token": csrf, "statement": "平台介入"},
        follow_redirects=False,
    )
    assert opened.status_code == 303
    found = mediator.get(f"/staff/returns/{rma}/dispute", follow_redirects=False)
    assert found.status_code == 303 and found.headers["location"].startswith("/staff/disputes/DP")


def _link(context: AppContext, clock: FakeClock, order_no: str = "SO-1001") -> str:
    return make_token(SECRET, PortalAccess(order_no, "c-1"), clock.now)


def test_the_customer_opens_a_dispute_adds_evidence_and_reads_the_ruling(
    client: TestClient, tokens: Tokens, context: AppContext, clock: FakeClock, mediator: TestClient
) -> None:
    rma = upheld(client)
    token = _link(context, clock)
    base = f"/portal/o/{token}/r/{rma}"
    with TestClient(shared_app(context)) as web:
        request_page = web.get(base, headers=EN)
        assert f'href="{base}/dispute"' in request_page.text
        form = web.get(f"{base}/dispute", headers=EN)
        assert 'data-action="open-dispute"' in form.text
        refused = web.post(f"{base}/dispute", data={"text": "  "}, headers=EN)
        assert refused.status_code == 422 and "Write a statement" in refused.text
        files = [("photos", ("crack.png", _png(), "image/png"))]
        opened = web.post(
            f"{base}/dispute", data={"text": "瓶底有裂纹"}, files=files, follow_redirects=False
        )
        assert opened.status_code == 303, opened.text
        page = web.get(opened.headers["location"], headers=EN)
        assert "Your dispute was opened" in page.text and "瓶底有裂纹" in page.text
        assert 'id="deadline"' in page.text and 'id="evidence"' in page.text
        photo = re.search(rf'src="({base}/dispute/photos/[0-9a-f]{{32}}\.png)"', page.text)
        assert photo is not None and web.get(photo.group(1)).status_code == 200
        more = web.post(
            f"{base}/dispute/evidence",
            data={"kind": "statement", "text": "补充：包装完好"},
            follow_redirects=False,
        )
        assert more.status_code == 303
        no = re.search(r'data-dispute="(DP[^"]+)"', page.text)
        assert no is not None
        assert _rule(mediator, no.group(1), compensation="10").status_code == 303
        ruled = web.get(f"{base}/dispute", headers=EN)
        assert "Decided in your favour" in ruled.text and "补充：包装完好" in ruled.text
        assert 'data-refund-state="' in ruled.text and 'id="evidence"' not in ruled.text
        chinese = web.get(f"{base}/dispute", headers=ZH)
        assert "裁决结果" in chinese.text or "支持您" in chinese.text
        stranger = make_token(SECRET, PortalAccess("SO-3003", "c-3"), clock.now)
        assert web.get(f"/portal/o/{stranger}/r/{rma}/dispute").status_code == 404


def test_the_portal_says_when_a_dispute_cannot_be_opened_yet(
    client: TestClient, context: AppContext, clock: FakeClock
) -> None:
    body = {
        "order_no": "SO-1001",
        "type": "refund",
        "lines": [{"line_no": 1, "quantity": 1, "reason_code": "quality"}],
    }
    rma = client.post("/api/v1/returns", json=body).json()["rma_no"]
    token = _link(context, clock)
    with TestClient(shared_app(context)) as web:
        page = web.get(f"/portal/o/{token}/r/{rma}/dispute", headers=EN)
        assert page.status_code == 200 and 'data-action="open-dispute"' not in page.text
        assert "Appeal the decision first" in page.text
        refused = web.post(f"/portal/o/{token}/r/{rma}/dispute", data={"text": "不服"}, headers=EN)
        assert refused.status_code == 409 and "once the appeal was turned down" in refused.text


# --- names and words instead of ids and codes (visual-grievances) ------------------------


def _paying(context: AppContext, tmp_path: Path) -> Worker:
    """A worker whose sandbox settles at once: a ruling's refund is paid in two ticks."""
    context.gateway = SandboxGateway(context.clock, settle_after=timedelta(0))
    return Worker(context, FileMailer(tmp_path))


def _named(client: TestClient, order_payload: Callable[..., dict[str, Any]]) -> None:
    """The order system names the merchant m-babycare (the import keeps the name)."""
    body = order_payload(order_no="SO-4004", merchant_name="贝乐母婴旗舰店")
    assert client.post("/api/v1/orders", json=body).status_code == 201


def _history(html: str) -> str:
    return html.split('id="history"')[1]


def test_merchants_are_named_and_the_history_speaks_words_not_codes(
    client: TestClient,
    tokens: Tokens,
    mediator: TestClient,
    context: AppContext,
    order_payload: Callable[..., dict[str, Any]],
    tmp_path: Path,
) -> None:
    _named(client, order_payload)
    worker = _paying(context, tmp_path)
    no = _open_by_agent(client, tokens, upheld(client))
    queue = mediator.get("/staff/disputes", headers=ZH)
    cell = queue.text.split('data-merchant="m-babycare">')[1].split("<")[0]
    assert cell == "贝乐母婴旗舰店"
    assert _rule(mediator, no, compensation="20").status_code == 303
    worker.tick()
    worker.tick()  # submitted, then paid: the request settles
    zh = mediator.get(f"/staff/disputes/{no}", headers=ZH).text
    en = mediator.get(f"/staff/disputes/{no}", headers=EN).text
    assert 'data-merchant="m-babycare">贝乐母婴旗舰店<' in zh
    assert "merchant 贝乐母婴旗舰店: deducted from their next settlement" in en
    for page in (zh, en):
        history = _history(page)
        assert 'data-step="settle"' in history and 'data-step="refer"' in history
        # no rule codes, no raw actors, no English audit note
        for raw in ("evidence_missing", "customer:", "agent:", "mediator:", "admin:", "CNY;"):
            assert raw not in history, raw
        assert ">system<" not in history
    assert "未上传商品照片，将由客服人工审核" in _history(zh)
    assert "No photos of the goods: a person will review the claim" in _history(en)
    assert "由 平台调解员 wu.mediator 发起" in _history(zh) and "系统自动" in _history(zh)
    assert "requested by Mediator wu.mediator" in _history(en)
    settle = _history(zh).split('data-step="settle"')[1].split("</tr>")[0]
    assert "¥" in settle and "data-amount=" in settle  # the money filter, not "120.00 CNY"


def test_the_deadline_ruling_reason_is_in_the_readers_language(
    client: TestClient, tokens: Tokens, context: AppContext, clock: FakeClock, tmp_path: Path
) -> None:
    worker = _paying(context, tmp_path)
    no = _open_by_agent(client, tokens, upheld(client))
    clock.advance(days=3)
    worker.tick()
    worker.tick()
    with _person(context, tokens, Role.MEDIATOR, "wu.later") as mediator:  # a fresh session
        zh = mediator.get(f"/staff/disputes/{no}", headers=ZH).text
        en = mediator.get(f"/staff/disputes/{no}", headers=EN).text
    reason_zh = zh.split("data-reason>")[1].split("<")[0]
    reason_en = en.split("data-reason>")[1].split("<")[0]
    assert reason_zh == "商家未在举证期限内举证"
    assert reason_en == "The merchant gave no evidence by the deadline"
    assert "系统自动" in zh.split('id="ruling"')[1].split('id="both-sides"')[0]
    api = client.get(f"/api/v1/disputes/{no}", headers=EN).json()
    assert api["ruling"]["reason"] == "The merchant gave no evidence by the deadline"
    assert client.get(f"/api/v1/disputes/{no}", headers=ZH).json()["ruling"]["reason"] == (
        "商家未在举证期限内举证"
    )


def test_an_older_two_language_reason_is_still_read_in_one_language() -> None:
    older = "商家未在举证期限内举证 / The merchant gave no evidence by the deadline"
    ruling = Ruling(
        Outcome.CUSTOMER, Liable.MERCHANT, None, Money(0), older, "system", datetime(2026, 1, 1)
    )
    assert ruling.reason_text.zh == "商家未在举证期限内举证"
    assert ruling.reason_text.en == "The merchant gave no evidence by the deadline"
    typed = dataclasses.replace(ruling, reason="双方各有责任 / both at fault")
    assert typed.reason_text.zh == typed.reason_text.en == "双方各有责任 / both at fault"


def test_the_ruling_form_says_when_evidence_is_still_due(
    client: TestClient, tokens: Tokens, mediator: TestClient, clock: FakeClock, context: AppContext
) -> None:
    no = _open_by_agent(client, tokens, upheld(client))
    early = mediator.get(f"/staff/disputes/{no}", headers=ZH).text
    assert 'data-early="true"' in early and "data-early-note" in early
    assert "举证期限" in early.split("data-early-note>")[1].split("</p>")[0]
    assert '<details class="early-form"' in early and 'data-action="ruling"' in early
    clock.advance(days=3)
    with _person(context, tokens, Role.MEDIATOR, "wu.later") as later:  # a fresh session
        late = later.get(f"/staff/disputes/{no}", headers=EN).text
    assert 'data-early="false"' in late and "data-early-note" not in late
    assert '<details class="early-form"' not in late and 'data-action="ruling"' in late


def test_the_file_pickers_speak_the_pages_language(
    client: TestClient, tokens: Tokens, merchant: TestClient, context: AppContext, clock: FakeClock
) -> None:
    rma = upheld(client)
    no = _open_by_agent(client, tokens, rma)
    zh = merchant.get(f"/staff/disputes/{no}", headers=ZH).text
    en = merchant.get(f"/staff/disputes/{no}", headers=EN).text
    assert "选择照片" in zh and "尚未选择照片" in zh and 'data-many="已选择 {n} 张照片"' in zh
    assert "Choose photos" in en and 'data-many="{n} photos chosen"' in en
    assert 'class="filepick-input" type="file" name="photos"' in zh
    assert '<script src="/static/filepick.js" defer></script>' in zh
    script = client.get("/static/filepick.js")
    assert script.status_code == 200 and "data-filepick" in script.text
    with TestClient(shared_app(context)) as web:
        portal = web.get(f"/portal/o/{_link(context, clock)}/r/{rma}/dispute", headers=ZH)
    assert portal.status_code == 200 and "选择照片" in portal.text
    assert "Choose Files" not in portal.text
