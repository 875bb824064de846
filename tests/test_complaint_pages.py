"""The complaint pages (issue 12, R8.1, R8.2, R8.5) on SQLite and PostgreSQL.

Console: the hotline form files for a caller and lands on the complaint with its
suggested category and deadline; the queue orders by time left, counts down, shows
breaches after the worker's sweep, filters and pages; the handling forms (respond,
classify, flag, escalate, resolve, reopen) refuse bad input beside the form. Portal:
the customer's list, filing about an order or a request, the replies, the rating
once. Both languages; who may open what.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from jinja2.ext import babel_extract

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.services import complaints as complaint_service
from returnflow.services.classifying import LabelledText, Suggestion
from returnflow.services.complaints import ComplaintFiling, ComplaintRules
from returnflow.web.complaints_common import duration, time_left
from returnflow.web.i18n import LOCALE_DIR
from returnflow.web.portal_links import PortalAccess, make_token
from returnflow.web.templating import TEMPLATES
from tests.support.apps import shared_app
from tests.support.clock import FakeClock
from tests.test_console_pages import csrf_from, sign_in

OrderPayload = Callable[..., dict[str, Any]]
Tokens = Callable[..., str]
SECRET = "complaint-pages-secret"
EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}
OURS = [
    "staff/complaints.html",
    "staff/complaints_detail.html",
    "staff/complaints_new.html",
    "staff/complaints_macros.html",
    "portal/complaints.html",
    "portal/complaints_new.html",
    "portal/complaints_detail.html",
]


class Fixed:
    """A classifier that always says logistics (87 %), ordinary: the pages' stand-in."""

    def suggest(self, text: str) -> Suggestion:
        return Suggestion("logistics", 0.87, "ordinary", 0.7)

    def learn(self, corrections: Iterable[LabelledText]) -> None:
        return None


@pytest.fixture
def context(context: AppContext) -> AppContext:
    settings = context.settings.model_copy(update={"secret_key": SECRET})
    return dataclasses.replace(context, settings=settings, classifier=Fixed())


@pytest.fixture
def orders(client: TestClient, order_payload: OrderPayload) -> None:
    """SO-1001 (m-babycare, customer c-1) and SO-2001 (m-other, customer c-2)."""
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201
    other = order_payload(
        order_no="SO-2001",
        merchant_id="m-other",
        customer={"id": "c-2", "name": "李雷", "phone": "13900139000", "email": "lei@example.com"},
    )
    assert client.post("/api/v1/orders", json=other).status_code == 201


@pytest.fixture
def agent(context: AppContext, tokens: Tokens, orders: None) -> Iterator[TestClient]:
    tokens(Role.AGENT, username="li.na")
    with sign_in(context, "li.na") as browser:
        yield browser


def _file(context: AppContext, text: str = "快递三天没动了", **values: Any) -> str:
    """A complaint filed through the service, as the API or the mail intake would."""
    filing = ComplaintFiling(channel=values.pop("channel", "app"), text=text, **values)
    now = context.clock()
    rules = ComplaintRules.from_settings(context.settings)
    with context.uow() as uow:
        filed = complaint_service.file_complaint(uow, filing, "agent:api", now, Fixed(), rules)
        uow.commit(now)
    return filed.complaint_no


def _sweep(context: AppContext) -> int:
    now = context.clock()
    with context.uow() as uow:
        count = complaint_service.flag_breaches(uow, now)
        uow.commit(now)
    return count


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr data-complaint="([^"]+)"', html)


def _alert(html: str) -> str:
    found = re.search(r'role="alert"[^>]*>(.*?)</', html, re.S)
    assert found, "no alert on the page"
    return found.group(1).strip()


# --- words ---------------------------------------------------------------------------


def test_every_complaint_page_text_has_a_chinese_translation() -> None:
    translated: set[str] = set()
    for po in (LOCALE_DIR / "zh" / "LC_MESSAGES").glob("*.po"):
        with po.open("rb") as handle:
            translated |= {str(m.id) for m in read_po(handle) if m.id and m.string}
    missing = []
    for name in OURS:
        with (TEMPLATES / name).open("rb") as handle:
            for _, _, message, _ in babel_extract(handle, ("_", "gettext"), [], {}):
                msgid = message if isinstance(message, str) else str((message or ("",))[0])
                if msgid not in translated:
                    missing.append(f"{name}: {msgid}")
    assert missing == []


@pytest.mark.parametrize(
    ("seconds", "zh", "en"),
    [
        (0, "0 分钟", "0 min"),
        (30, "1 分钟", "1 min"),
        (59 * 60 + 59, "59 分钟", "59 min"),
        (3600, "1 小时", "1 h"),
        (3600 + 5 * 60, "1 小时 5 分钟", "1 h 5 min"),
        (2 * 86400 + 4 * 3600 + 59, "2 天 4 小时", "2 d 4 h"),
    ],
)
def test_durations_read_at_a_glance(seconds: int, zh: str, en: str) -> None:
    words = duration(seconds)
    assert (words.zh, words.en) == (zh, en)


def test_time_left_says_overdue_once_the_clock_ran_out() -> None:
    from datetime import timedelta

    assert time_left(None) is None
    assert time_left(timedelta(minutes=59)).en == "59 min left"  # type: ignore[union-attr]
    assert time_left(timedelta(0)).en == "overdue by 0 min"  # type: ignore[union-attr]
    late = time_left(timedelta(hours=-1, minutes=-5))
    assert late is not None and (late.zh, late.en) == (
        "已超时 1 小时 5 分钟",
        "overdue by 1 h 5 min",
    )


# --- the hotline form ----------------------------------------------------------------


def test_the_hotline_files_an_urgent_complaint_with_its_suggestion_and_deadline(
    agent: TestClient,
) -> None:
    form = agent.get("/staff/complaints/new", headers=EN)
    assert form.status_code == 200 and "File a hotline complaint" in form.text
    data = {
        "csrf_token": csrf_from(form.text),
        "order_no": "SO-1001",
        "text": "The parcel has not moved for three days",
        "urgency": "urgent",
    }
    filed = agent.post("/staff/complaints/new", data=data, follow_redirects=False)
    assert filed.status_code == 303
    location = filed.headers["location"]
    assert re.fullmatch(r"/staff/complaints/CP\d{8}-\d{6}\?done=filed", location)
    page = agent.get(location, headers=EN)
    assert "suggested category Logistics (87% confident)" in page.text
    assert "first response due in 1 h" in page.text
    assert 'data-urgency="urgent"' in page.text and 'data-channel="hotline"' in page.text
    assert 'data-order="SO-1001"' in page.text and 'data-confidence="87"' in page.text
    assert 'data-state="running"' in page.text and "1 h left" in page.text
    chinese = agent.get(location, headers=ZH)
    assert "建议分类“物流配送”（置信度 87%）" in chinese.text
    assert "首次响应须在 1 小时内完成" in chinese.text and "客服热线" in chinese.text


def test_the_hotline_form_refuses_bad_input_beside_the_form(agent: TestClient) -> None:
    csrf = csrf_from(agent.get("/staff/complaints/new").text)
    empty = agent.post("/staff/complaints/new", data={"csrf_token": csrf, "text": "  "}, headers=EN)
    assert empty.status_code == 422
    assert _alert(empty.text) == "Write down what the caller complains about"
    unknown = agent.post(
        "/staff/complaints/new",
        data={"csrf_token": csrf, "text": "late", "order_no": "SO-NOPE"},
        headers=EN,
    )
    assert unknown.status_code == 404 and "SO-NOPE" in _alert(unknown.text)
    assert 'value="SO-NOPE"' in unknown.text  # what was typed stays
    bad = agent.post(
        "/staff/complaints/new",
        data={"csrf_token": csrf, "text": "late", "category": "weather"},
        headers=ZH,
    )
    assert bad.status_code == 422 and "未知" in _alert(bad.text)
    forged = agent.post("/staff/complaints/new", data={"csrf_token": "x", "text": "late"})
    assert forged.status_code == 403


# --- the queue -----------------------------------------------------------------------


def test_the_queue_puts_breached_first_counts_down_and_filters(
    agent: TestClient, context: AppContext, clock: FakeClock
) -> None:
    ordinary = _file(context, "物流太慢", order_no="SO-1001")
    urgent = _file(context, "漏液了", order_no="SO-1001", urgency="urgent")
    queue = agent.get("/staff/complaints", headers=EN)
    assert queue.status_code == 200 and 'data-menu="complaints"' in queue.text
    assert _rows(queue.text) == [urgent, ordinary]  # the soonest due first
    assert "1 h left" in queue.text and "1 d left" in queue.text
    clock.advance(hours=1, minutes=5)
    assert _sweep(context) == 1
    late = agent.get("/staff/complaints", headers=EN)
    assert _rows(late.text) == [urgent, ordinary]
    assert (
        f'<tr data-complaint="{urgent}" data-breached="true" data-status="escalated">' in late.text
    )
    assert "overdue by 5 min" in late.text and "to a manager" in late.text
    breached = agent.get("/staff/complaints", params={"breached": "yes"})
    assert _rows(breached.text) == [urgent]
    fine = agent.get("/staff/complaints", params={"breached": "no", "status": "open"})
    assert _rows(fine.text) == [ordinary]
    none = agent.get("/staff/complaints", params={"category": "account"})
    assert 'data-empty="true"' in none.text
    chinese = agent.get("/staff/complaints", headers=ZH)
    assert (
        "已超时 5 分钟" in chinese.text and "物流配送" in chinese.text and "已升级" in chinese.text
    )


def test_the_queue_pages_and_says_what_it_cannot_read(
    agent: TestClient, context: AppContext
) -> None:
    numbers = [_file(context, f"complaint {n}") for n in range(21)]
    first = agent.get("/staff/complaints", headers=EN)
    assert len(_rows(first.text)) == 20 and "1–20 of 21" in first.text
    assert 'rel="next" href="/staff/complaints?page=2"' in first.text
    second = agent.get("/staff/complaints", params={"page": "2"}, headers=EN)
    assert _rows(second.text) == [numbers[-1]]
    for field, value in [("page", "²"), ("page", "0"), ("status", "lost"), ("flag", "evil")]:
        odd = agent.get("/staff/complaints", params={field: value}, headers=EN)
        assert odd.status_code == 422, (field, value)
        assert odd.text.count('role="alert"') == 1, (field, value)


# --- handling ------------------------------------------------------------------------


def _post(agent: TestClient, no: str, step: str, **data: str) -> Any:
    csrf = csrf_from(agent.get(f"/staff/complaints/{no}").text)
    return agent.post(
        f"/staff/complaints/{no}/{step}",
        data={"csrf_token": csrf, **data},
        headers=EN,
        follow_redirects=False,
    )


def test_respond_classify_flag_resolve_and_reopen_through_the_forms(
    agent: TestClient, context: AppContext
) -> None:
    no = _file(context, "包裹丢了", order_no="SO-1001")
    empty = _post(agent, no, "respond", message=" ")
    assert empty.status_code == 422 and _alert(empty.text) == "Write a few words about it"
    assert _post(agent, no, "respond", message="We are on it").status_code == 303
    page = agent.get(f"/staff/complaints/{no}?done=responded", headers=EN)
    assert "Your reply was sent to the customer" in page.text and "We are on it" in page.text
    assert 'data-deadline="1" data-state="met"' in page.text
    bad = _post(agent, no, "classify", category="weather", urgency="urgent")
    assert bad.status_code == 422 and 'value="weather"' not in bad.text
    assert (
        _post(agent, no, "classify", category="product_quality", urgency="urgent").status_code
        == 303
    )
    page = agent.get(f"/staff/complaints/{no}", headers=EN)
    assert "Logistics · Ordinary → Product quality · Urgent" in page.text
    assert "corrected by Customer service li.na" in page.text  # not the raw "agent:li.na"
    assert 'data-check="corrected"' in page.text
    assert (
        _post(agent, no, "flag", flag="abnormal_order", note="ten orders, one card").status_code
        == 303
    )
    page = agent.get(f"/staff/complaints/{no}", headers=ZH)
    assert (
        'data-flag="abnormal_order"' in page.text and "异常订单：ten orders, one card" in page.text
    )
    again = _post(agent, no, "flag", flag="abnormal_order")
    assert again.status_code == 422 and "Already marked" in _alert(again.text)
    assert _post(agent, no, "resolve", message="Refunded in full").status_code == 303
    page = agent.get(f"/staff/complaints/{no}", headers=EN)
    assert 'data-status="resolved"' in page.text and 'data-action="respond"' not in page.text
    assert "has not answered yet" in page.text
    late = _post(agent, no, "respond", message="one more thing")
    assert late.status_code == 409 and "resolved" in _alert(late.text)
    assert 'data-action="respond"' in late.text  # the refused form stays, with what was typed
    assert "one more thing" in late.text
    assert _post(agent, no, "reopen", message="still leaking").status_code == 303
    assert 'data-status="reopened"' in agent.get(f"/staff/complaints/{no}").text
    assert agent.get("/staff/complaints/CP-NOWHERE").status_code == 404


def test_who_may_open_and_handle_complaints(
    context: AppContext, tokens: Tokens, orders: None
) -> None:
    mine = _file(context, "baby bottle cracked", order_no="SO-1001")
    theirs = _file(context, "wrong colour", order_no="SO-2001")
    tokens(Role.WAREHOUSE, username="wh.zhao")
    with sign_in(context, "wh.zhao") as warehouse:
        assert warehouse.get("/staff/complaints").status_code == 403
        assert 'data-menu="complaints"' not in warehouse.get("/staff").text
    tokens(Role.MERCHANT, merchant_id="m-babycare", username="babycare")
    with sign_in(context, "babycare") as merchant:
        queue = merchant.get("/staff/complaints")
        assert _rows(queue.text) == [mine]
        assert merchant.get(f"/staff/complaints/{theirs}").status_code == 404
        page = merchant.get(f"/staff/complaints/{mine}")
        assert page.status_code == 200 and 'data-action="respond"' not in page.text
        assert 'data-action="new-complaint"' not in queue.text
        post = merchant.post(
            f"/staff/complaints/{mine}/respond",
            data={"csrf_token": csrf_from(page.text), "message": "hi"},
        )
        assert post.status_code == 403
        assert merchant.get("/staff/complaints/new").status_code == 403


# --- the portal ----------------------------------------------------------------------


@pytest.fixture
def customer(context: AppContext, orders: None) -> Iterator[tuple[TestClient, str]]:
    """Customer c-1's browser and the signed link of SO-1001."""
    token = make_token(SECRET, PortalAccess("SO-1001", "c-1"), context.clock())
    with TestClient(shared_app(context), follow_redirects=False) as browser:
        yield browser, f"/portal/o/{token}"


def test_the_customer_files_reads_the_reply_and_rates_once(
    customer: tuple[TestClient, str], context: AppContext, agent: TestClient
) -> None:
    web, link = customer
    empty = web.get(f"{link}/complaints", headers=EN)
    assert empty.status_code == 200 and 'data-empty="true"' in empty.text
    assert 'data-link="my-complaints"' in web.get(link).text
    form = web.get(f"{link}/complaints/new", headers=EN)
    assert 'value="order" checked' in form.text
    refused = web.post(f"{link}/complaints/new", data={"about": "order", "text": ""}, headers=EN)
    assert refused.status_code == 422 and _alert(refused.text) == "Tell us what happened"
    filed = web.post(
        f"{link}/complaints/new", data={"about": "order", "text": "奶瓶有裂纹，客服不理我"}
    )
    assert filed.status_code == 303 and filed.headers["location"].endswith("?done=filed")
    page = web.get(filed.headers["location"], headers=ZH)
    assert "投诉已提交" in page.text and "我们将在" in page.text and "奶瓶有裂纹" in page.text
    no = re.search(r'data-complaint="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    assert 'data-form="rate"' not in page.text
    _post(agent, no, "flag", flag="suspected_malicious_review", note="competitor")
    _post(agent, no, "resolve", message="A new bottle is on its way")
    page = web.get(f"{link}/complaints/{no}", headers=EN)
    assert "A new bottle is on its way" in page.text and 'data-form="rate"' in page.text
    assert "competitor" not in page.text and "risk" not in page.text.lower()  # staff only
    assert "li.na" not in page.text  # no staff usernames
    for score in ["0", "6", "²", ""]:
        bad = web.post(f"{link}/complaints/{no}/rate", data={"score": score}, headers=EN)
        assert bad.status_code == 422 and _alert(bad.text) == "Choose 1 to 5 stars", score
    rated = web.post(f"{link}/complaints/{no}/rate", data={"score": "4", "comment": "快"})
    assert rated.status_code == 303
    page = web.get(f"{link}/complaints/{no}", headers=EN)
    assert 'data-score="4"' in page.text and 'data-form="rate"' not in page.text
    twice = web.post(f"{link}/complaints/{no}/rate", data={"score": "5"}, headers=EN)
    assert twice.status_code == 409 and "already rated" in _alert(twice.text)
    staff = agent.get(f"/staff/complaints/{no}", headers=EN)
    assert 'id="satisfaction" data-score="4"' in staff.text and "“快”" in staff.text
    listed = web.get(f"{link}/complaints", headers=EN)
    assert f'data-complaint="{no}"' in listed.text and "You rated it 4 of 5" in listed.text


def test_the_customer_complains_about_a_request_and_sees_only_their_own(
    customer: tuple[TestClient, str], context: AppContext, client: TestClient
) -> None:
    web, link = customer
    body = {
        "order_no": "SO-1001",
        "type": "refund",
        "lines": [{"line_no": 2, "quantity": 1, "reason_code": "no_reason"}],
    }
    rma = client.post("/api/v1/returns", json=body).json()["rma_no"]
    request_page = web.get(f"{link}/r/{rma}")
    assert f"complaints/new?about={rma}" in request_page.text
    form = web.get(f"{link}/complaints/new", params={"about": rma})
    assert f'value="{rma}" checked' in form.text
    filed = web.post(f"{link}/complaints/new", data={"about": rma, "text": "退款太慢"})
    assert filed.status_code == 303
    page = web.get(filed.headers["location"], headers=EN)
    assert rma in page.text
    foreign = web.post(
        f"{link}/complaints/new", data={"about": "RMA-NOT-MINE", "text": "x"}, headers=EN
    )
    assert foreign.status_code == 404 and 'role="alert"' in foreign.text
    other = _file(context, "not yours", order_no="SO-2001")
    assert web.get(f"{link}/complaints/{other}").status_code == 404
    assert f'data-complaint="{other}"' not in web.get(f"{link}/complaints").text
    forged = web.get("/portal/o/not-a-token/complaints")
    assert forged.status_code == 404 and "lookup" in forged.text.lower()


# --- names, order numbers and the classifier check (visual-grievances) --------------------


def test_the_complaint_page_names_the_merchant_and_says_who_checked_the_category(
    agent: TestClient, context: AppContext, client: TestClient, order_payload: OrderPayload
) -> None:
    named = order_payload(order_no="SO-4004", merchant_name="贝乐母婴旗舰店")
    assert client.post("/api/v1/orders", json=named).status_code == 201
    no = _file(context, "快递三天没动了", order_no="SO-1001")
    waiting = agent.get(f"/staff/complaints/{no}", headers=ZH).text
    assert 'data-merchant="m-babycare">贝乐母婴旗舰店<' in waiting
    assert 'data-check="pending"' in waiting and "尚无客服确认或更正系统建议" in waiting
    confirmed = _post(agent, no, "classify", category="logistics", urgency="ordinary")
    assert confirmed.status_code == 303
    zh = agent.get(f"/staff/complaints/{no}", headers=ZH).text
    en = agent.get(f"/staff/complaints/{no}", headers=EN).text
    assert 'data-check="confirmed"' in zh and "客服已确认" in zh
    assert "客服 li.na 认可了系统建议" in zh
    assert "Customer service li.na agreed with the suggestion." in en
    corrected = _post(agent, no, "classify", category="product_quality", urgency="urgent")
    assert corrected.status_code == 303
    zh = agent.get(f"/staff/complaints/{no}", headers=ZH).text
    en = agent.get(f"/staff/complaints/{no}", headers=EN).text
    check = zh.split('data-check="corrected"')[1].split("</p>")[0]
    assert "客服已更正" in check and "商品质量 · 紧急" in check and "物流配送 · 一般" in check
    assert "Corrected by an agent" in en and "the suggestion was Logistics · Ordinary" in en
    history = zh.split('id="history"')[1]
    assert "客服 li.na" in history and "agent:li.na" not in history


def test_order_numbers_in_the_queue_stay_on_one_line(
    agent: TestClient, context: AppContext
) -> None:
    no = _file(context, "快递三天没动了", order_no="SO-1001")
    queue = agent.get("/staff/complaints", headers=ZH).text
    row = queue.split(f'data-complaint="{no}"')[1].split("</tr>")[0]
    assert '<span class="cq-ref" data-order="SO-1001">SO-1001</span>' in row
    assert "white-space: nowrap" in queue.split(".cq-ref {")[1].split("}")[0]
