"""The staff console through its pages (TestClient), on SQLite and PostgreSQL.

Sign in as the agent li.na, then: the review queue, approving and rejecting (the
customer reads the reason), refusals that keep what was typed, CSRF, filing by phone,
search, contact masking with its access log, and merchants kept to their own requests.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from jinja2.ext import babel_extract
from PIL import Image
from sqlalchemy import select

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.entrypoints.deps import SESSION_COOKIE
from returnflow.storage.accounts import token_hash
from returnflow.storage.schema import AccessLogRow, ReturnRow, SessionRow
from returnflow.web import console_actions, console_search
from returnflow.web.i18n import catalog_files
from returnflow.web.templating import TEMPLATES
from tests.support.apps import shared_app
from tests.support.clock import FakeClock
from tests.support.staff import post_login

PASSWORD = "correct horse battery"
OrderPayload = Callable[..., dict[str, Any]]
Tokens = Callable[..., str]
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of_session(context: AppContext, client: TestClient) -> str:
    """The CSRF token of the client's session, read where the server keeps it."""
    with context.session_factory() as session:
        row = session.get(SessionRow, token_hash(client.cookies[SESSION_COOKIE]))
    assert row is not None
    return row.csrf_token


def sign_in(context: AppContext, username: str) -> TestClient:
    client = TestClient(shared_app(context))
    response = post_login(client, username, PASSWORD)
    assert response.status_code == 303, response.text
    return client


def csrf_from(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no csrf_token on the page"
    return found.group(1)


@pytest.fixture
def agent(context: AppContext, tokens: Tokens, orders: None) -> Iterator[TestClient]:
    tokens(Role.AGENT, username="li.na")
    with sign_in(context, "li.na") as client:
        yield client


@pytest.fixture
def orders(client: TestClient, order_payload: OrderPayload) -> None:
    """SO-1001 from m-babycare (customer c-1), SO-2001 from m-other (customer c-2)."""
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201
    other = order_payload(
        order_no="SO-2001",
        merchant_id="m-other",
        customer={"id": "c-2", "name": "李雷", "phone": "13900139000", "email": "lei@example.com"},
    )
    assert client.post("/api/v1/orders", json=other).status_code == 201


def file(
    client: TestClient,
    order_no: str = "SO-1001",
    reason: str = "quality",
    line_no: int = 1,
    **extra: Any,
) -> dict[str, Any]:
    """A fault claim without photos waits for review; a no-reason one is approved at once."""
    body = {
        "order_no": order_no,
        "type": "refund",
        "lines": [{"line_no": line_no, "quantity": 1, "reason_code": reason}],
        **extra,
    }
    response = client.post("/api/v1/returns", json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def api_return(client: TestClient, rma_no: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/returns/{rma_no}")
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def rows_in(html: str, table_class: str) -> list[str]:
    body = html.split(f'<table class="{table_class}">', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<tr data-rma="([^"]+)"', body)


# --- queue ---------------------------------------------------------------------


def test_queue_lists_pending_requests_oldest_first_with_deadlines(
    context: AppContext, client: TestClient, agent: TestClient, clock: FakeClock
) -> None:
    first = file(client)["rma_no"]
    clock.advance(hours=2)
    file(client, reason="no_reason", line_no=2)  # approved at once: not in the queue
    second = file(client, order_no="SO-2001")["rma_no"]
    clock.advance(hours=23)  # first: 25 h old, one hour overdue; second: 1 h left
    with sign_in(context, "li.na") as later:  # the morning's session has timed out
        page = later.get("/staff/review")
    assert page.status_code == 200
    assert rows_in(page.text, "queue") == [first, second]
    rows = dict(re.findall(r'<tr data-rma="([^"]+)" data-overdue="(true|false)"', page.text))
    assert rows == {first: "true", second: "false"}
    first_row = page.text.split(f'data-rma="{first}"', 1)[1].split("</tr>", 1)[0]
    assert 'class="overdue"' in first_row and "已超时 1 小时 0 分钟" in first_row
    second_row = page.text.split(f'data-rma="{second}"', 1)[1].split("</tr>", 1)[0]
    assert 'class="overdue"' not in second_row and "剩余 1 小时 0 分钟" in second_row
    assert 'data-overdue-count="1"' in page.text


@pytest.mark.usefixtures("orders")
def test_merchant_queue_holds_only_its_own_requests(
    context: AppContext, client: TestClient, tokens: Tokens
) -> None:
    file(client)
    theirs = file(client, order_no="SO-2001")["rma_no"]
    tokens(Role.MERCHANT, merchant_id="m-other", username="other.shop")
    with sign_in(context, "other.shop") as merchant:
        page = merchant.get("/staff/review")
    assert rows_in(page.text, "queue") == [theirs]


# --- deciding ------------------------------------------------------------------


def test_approve_from_the_request_page(client: TestClient, agent: TestClient) -> None:
    rma = file(client)["rma_no"]
    page = agent.get(f"/staff/returns/{rma}")
    assert 'data-action="approve"' in page.text and 'data-action="reject"' in page.text
    response = agent.post(
        f"/staff/returns/{rma}/approve",
        data={"csrf_token": csrf_from(page.text), "note": "照片已补充"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/staff/returns/{rma}?done=approved"
    body = api_return(client, rma)
    assert body["status"] == "approved"
    assert body["decision"]["decided_by"] == "agent:li.na"
    assert body["timeline"][-1]["note"] == "照片已补充"
    after = agent.get(response.headers["location"])
    assert f"申请 {rma} 已审核通过" in after.text
    # approved: no second decision offered, but it can still be cancelled
    assert 'data-action="approve"' not in after.text
    assert 'data-action="cancel"' in after.text


def test_reject_with_template_and_text_is_what_the_customer_reads(
    client: TestClient, agent: TestClient
) -> None:
    rma = file(client)["rma_no"]
    csrf = csrf_from(agent.get(f"/staff/returns/{rma}").text)
    response = agent.post(
        f"/staff/returns/{rma}/reject",
        data={"csrf_token": csrf, "template": "photos", "reason_text": "请补拍瓶口裂纹"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    decision = api_return(client, rma)["decision"]
    assert decision["outcome"] == "rejected"
    assert decision["reasons"] == [
        {"code": "rejected_by_staff", "message": "照片无法证明质量问题：请补拍瓶口裂纹"}
    ]
    page = agent.get(response.headers["location"]).text
    assert "照片无法证明质量问题：请补拍瓶口裂纹" in page  # decision and audit trail


def test_reject_in_english_uses_the_english_template(client: TestClient, agent: TestClient) -> None:
    rma = file(client)["rma_no"]
    agent.cookies.set("lang", "en")
    csrf = csrf_from(agent.get(f"/staff/returns/{rma}").text)
    agent.post(
        f"/staff/returns/{rma}/reject",
        data={"csrf_token": csrf, "template": "used", "reason_text": ""},
    )
    message = api_return(client, rma)["decision"]["reasons"][0]["message"]
    assert message == "The item has been used or damaged"


def test_missing_reason_is_refused_and_the_form_kept(client: TestClient, agent: TestClient) -> None:
    rma = file(client)["rma_no"]
    csrf = csrf_from(agent.get(f"/staff/returns/{rma}").text)
    response = agent.post(
        f"/staff/returns/{rma}/reject",
        data={"csrf_token": csrf, "template": "other", "reason_text": "   "},
    )
    assert response.status_code == 422
    assert "拒绝时必须说明原因" in response.text
    assert '<option value="other" selected>' in response.text
    assert api_return(client, rma)["status"] == "pending_review"


def test_refused_step_keeps_the_typed_reason(client: TestClient, agent: TestClient) -> None:
    rma = file(client, reason="no_reason")["rma_no"]  # approved at once
    csrf = csrf_from(agent.get(f"/staff/returns/{rma}").text)
    response = agent.post(
        f"/staff/returns/{rma}/reject",
        data={"csrf_token": csrf, "template": "late", "reason_text": "顾客来电说明超期"},
    )
    assert response.status_code == 409
    assert "当前状态“审核通过，待寄回”下不能执行“reject”" in response.text
    assert "顾客来电说明超期</textarea>" in response.text
    assert '<option value="late" selected>' in response.text
    assert api_return(client, rma)["status"] == "approved"


def test_cancel_from_the_request_page(client: TestClient, agent: TestClient) -> None:
    rma = file(client)["rma_no"]
    csrf = csrf_from(agent.get(f"/staff/returns/{rma}").text)
    response = agent.post(
        f"/staff/returns/{rma}/cancel",
        data={"csrf_token": csrf, "note": "顾客来电撤销"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    body = api_return(client, rma)
    assert body["status"] == "cancelled"
    assert body["timeline"][-1]["actor"] == "agent:li.na"


def test_complete_and_confirm_from_the_request_page(client: TestClient, agent: TestClient) -> None:
    """Issue 13: the roles that own them complete a result and confirm it for the caller."""
    rma = file(client, reason="no_reason")["rma_no"]  # approved at once
    ship = {"carrier": "顺丰速运", "tracking_no": "SF1234567890"}
    for action, sent in (
        ("ship", ship),
        ("receive", None),
        ("inspect", {"passed": False, "notes": "有使用痕迹"}),
    ):
        assert client.post(f"/api/v1/returns/{rma}/{action}", json=sent).status_code == 200
    assert api_return(client, rma)["status"] == "inspection_failed"  # nothing completes it
    page = agent.get(f"/staff/returns/{rma}")
    assert 'data-action="complete"' in page.text and 'data-action="confirm"' not in page.text
    done = agent.post(
        f"/staff/returns/{rma}/complete",
        data={"csrf_token": csrf_from(page.text), "note": "配件已签收"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert api_return(client, rma)["status"] == "completed"
    page = agent.get(f"/staff/returns/{rma}?done=completed")
    assert "已完成" in page.text and 'data-action="confirm"' in page.text
    confirmed = agent.post(
        f"/staff/returns/{rma}/confirm",
        data={"csrf_token": csrf_from(page.text), "note": "顾客来电确认"},
        follow_redirects=False,
    )
    assert confirmed.status_code == 303
    body = api_return(client, rma)
    assert body["status"] == "confirmed" and body["timeline"][-1]["actor"] == "agent:li.na"
    again = agent.post(f"/staff/returns/{rma}/confirm", data={"csrf_token": csrf_from(page.text)})
    assert again.status_code == 409  # the lifecycle allows it once


def test_post_without_csrf_is_refused(client: TestClient, agent: TestClient) -> None:
    rma = file(client)["rma_no"]
    for data in ({}, {"csrf_token": "forged"}):
        response = agent.post(f"/staff/returns/{rma}/approve", data=data)
        assert response.status_code == 403
        assert 'data-code="csrf_failed"' in response.text
    response = agent.post("/staff/hotline", data={"order_no": "SO-1001"})
    assert response.status_code == 403
    assert api_return(client, rma)["status"] == "pending_review"


@pytest.mark.usefixtures("orders")
def test_actions_follow_status_and_role(
    context: AppContext, client: TestClient, tokens: Tokens
) -> None:
    rma = file(client)["rma_no"]
    tokens(Role.WAREHOUSE, username="zhang.wei")
    with sign_in(context, "zhang.wei") as warehouse:
        page = warehouse.get(f"/staff/returns/{rma}")
    assert page.status_code == 200
    assert 'id="actions"' not in page.text


# --- the request page ----------------------------------------------------------


def test_request_page_explains_the_decision_and_shows_history(
    client: TestClient, agent: TestClient, clock: FakeClock
) -> None:
    earlier = file(client, reason="no_reason", line_no=2)["rma_no"]
    clock.advance(hours=1)
    rma = file(client)["rma_no"]
    clock.advance(hours=1)
    file(client, order_no="SO-2001")  # another customer's: not history
    page = agent.get(f"/staff/returns/{rma}").text
    # every rule result of the automated decision, with its code
    decision = page.split('id="decision"', 1)[1].split('id="order"', 1)[0]
    stored = decision.split('<ul class="reasons decision-reasons">', 1)[1].split("</ul>", 1)[0]
    assert 'data-code="evidence_missing"' in stored
    assert "未上传商品照片，将由客服人工审核" in stored
    # the line's policy, re-run now: the option the customer chose shows every rule
    chosen = decision.split('data-chosen="true"', 1)[1].split("</div>", 1)[0]
    assert 'data-code="quantity_ok"' in chosen and 'data-code="fault_window_open"' in chosen
    # the customer's earlier request on any order, with its outcome; later ones are not
    assert rows_in(page, "history") == [earlier]
    later_page = agent.get(f"/staff/returns/{earlier}").text
    assert 'data-empty="history"' in later_page
    # the request's own unit is not counted against it: line 2 has one unit, this request
    # holds it, and policy still allows the claim (issue 16: it said "only 0 can be requested")
    own_line = later_page.split('data-line="2"', 1)[1].split("</details>", 1)[0]
    assert "仍可申请数量：1" in own_line
    assert 'data-code="quantity_ok"' in own_line.split('data-chosen="true"', 1)[1]
    # timeline and audit trail in local time (10:00 UTC+8 on the day of filing)
    audit = page.split('<table class="audit hist">', 1)[1].split("</table>", 1)[0]
    assert re.findall(r'<tr data-step="(\w+)">', audit) == ["submit", "refer"]
    assert "2026-11-20 11:00" in audit  # 03:00 UTC is 11:00 in Shanghai
    # people and rules in words, never "admin:root" or "evidence_missing"
    assert "root" in audit and "admin:root" not in audit and "evidence_missing" not in audit


def test_contact_is_masked_unless_the_role_may_see_it(
    context: AppContext, client: TestClient, agent: TestClient, tokens: Tokens
) -> None:
    rma = file(client)["rma_no"]
    tokens(Role.WAREHOUSE, username="zhang.wei")
    with sign_in(context, "zhang.wei") as warehouse:
        masked = warehouse.get(f"/staff/returns/{rma}").text
    assert '<dd data-field="phone">138****8000</dd>' in masked
    assert '<dd data-field="email">x***@example.com</dd>' in masked
    assert "13800138000" not in masked
    shown = agent.get(f"/staff/returns/{rma}").text
    assert '<dd data-field="phone">13800138000</dd>' in shown
    with context.session_factory() as session:
        logged = [
            (r.actor, r.subject, r.what)
            for r in session.scalars(select(AccessLogRow).order_by(AccessLogRow.id))
        ]
    # the API filing by admin:root was logged too; the warehouse's masked look was not
    assert logged == [("admin:root", rma, "contact"), ("agent:li.na", rma, "contact")]


@pytest.mark.usefixtures("orders")
def test_merchant_cannot_open_another_merchants_request_or_photo(
    context: AppContext,
    client: TestClient,
    tokens: Tokens,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(context.settings, "upload_dir", str(tmp_path))
    png = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(png, format="PNG")
    [photo] = context.photos.save_all([("crack.png", png.getvalue())])
    rma = file(client, type="refund_only", photos=[photo])["rma_no"]  # waits for review
    tokens(Role.MERCHANT, merchant_id="m-other", username="other.shop")
    tokens(Role.MERCHANT, merchant_id="m-babycare", username="babycare.shop")
    with sign_in(context, "other.shop") as other:
        page = other.get(f"/staff/returns/{rma}")
        assert page.status_code == 404
        assert 'data-code="return_not_found"' in page.text
        assert other.get(f"/staff/photos/{photo}").status_code == 404
        csrf = csrf_of_session(context, other)
        refused = other.post(f"/staff/returns/{rma}/approve", data={"csrf_token": csrf})
        assert refused.status_code == 404
    with sign_in(context, "babycare.shop") as own:
        page = own.get(f"/staff/returns/{rma}")
        assert page.status_code == 200
        assert f'src="/staff/photos/{photo}"' in page.text
        image = own.get(f"/staff/photos/{photo}")
        assert image.status_code == 200
        assert image.headers["content-type"] == "image/png"
        assert image.content == png.getvalue()
        # a photo no request carries is not served, even if the file exists
        [stray] = context.photos.save_all([("stray.png", png.getvalue())])
        assert own.get(f"/staff/photos/{stray}").status_code == 404
    assert api_return(client, rma)["status"] == "pending_review"


# --- hotline -------------------------------------------------------------------


def _hotline_form(csrf: str, **changes: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "csrf_token": csrf,
        "order_no": "SO-1001",
        "request_type": "refund",
        "submission": "form-1",
        "line_no": ["1", "2"],
        "quantity": ["1", "0"],
        "reason": ["no_reason", ""],
        "reason_text": ["尺寸不合适", ""],
    }
    form.update(changes)
    return form


def test_hotline_files_for_the_caller_as_the_agent(
    context: AppContext, client: TestClient, agent: TestClient
) -> None:
    page = agent.get("/staff/hotline", params={"order_no": "SO-1001"})
    assert page.status_code == 200
    assert '<dd data-field="name">王小明</dd>' in page.text  # the agent may see contact data
    response = agent.post(
        "/staff/hotline", data=_hotline_form(csrf_from(page.text)), follow_redirects=False
    )
    assert response.status_code == 303
    rma = response.headers["location"].split("/staff/returns/", 1)[1].split("?", 1)[0]
    body = api_return(client, rma)
    assert body["channel"] == "hotline"
    assert body["timeline"][0]["actor"] == "agent:li.na"
    assert body["status"] == "approved"
    assert body["lines"][0]["reason_text"] == "尺寸不合适"
    shown = agent.get(response.headers["location"]).text
    assert f"已为顾客提交申请 {rma}" in shown and 'data-outcome="approved"' in shown
    # a second click on the same form answers with the first request, files nothing new
    again = agent.post(
        "/staff/hotline", data=_hotline_form(csrf_from(page.text)), follow_redirects=False
    )
    assert again.headers["location"] == f"/staff/returns/{rma}"
    with context.session_factory() as session:
        assert len(session.scalars(select(ReturnRow)).all()) == 1
        logged = session.scalars(select(AccessLogRow.subject)).all()
    assert "SO-1001" in logged


def test_hotline_refusals_keep_what_was_typed(client: TestClient, agent: TestClient) -> None:
    csrf = csrf_from(agent.get("/staff/hotline", params={"order_no": "SO-1001"}).text)
    nothing = agent.post("/staff/hotline", data=_hotline_form(csrf, quantity=["0", "0"]))
    assert nothing.status_code == 422
    assert "请至少为一行填写申请数量" in nothing.text
    assert 'value="尺寸不合适"' in nothing.text
    no_reason = agent.post("/staff/hotline", data=_hotline_form(csrf, reason=["", ""]))
    assert no_reason.status_code == 422
    assert "请为第 1 行选择原因" in no_reason.text
    # policy answers are recorded like the portal's: a repair for no reason is refused
    repair = agent.post(
        "/staff/hotline", data=_hotline_form(csrf, request_type="repair"), follow_redirects=False
    )
    assert repair.status_code == 303
    rma = repair.headers["location"].split("/staff/returns/", 1)[1].split("?", 1)[0]
    assert api_return(client, rma)["decision"]["reasons"][0]["code"] == "type_not_allowed"
    unknown = agent.post(
        "/staff/hotline", data=_hotline_form(csrf, order_no="SO-404", submission="form-2")
    )
    assert unknown.status_code == 404
    assert "找不到订单 SO-404" in unknown.text
    assert 'value="SO-404"' in unknown.text


@pytest.mark.usefixtures("orders")
def test_hotline_masks_the_caller_for_roles_without_contact_access(
    context: AppContext, tokens: Tokens, monkeypatch: pytest.MonkeyPatch
) -> None:
    from returnflow.domain import access

    # no role that files by phone lacks contact access today; take it away to prove the mask
    reduced = access.ROLE_PERMISSIONS[Role.AGENT] - {access.Permission.CONTACT_VIEW}
    monkeypatch.setitem(access.ROLE_PERMISSIONS, Role.AGENT, reduced)
    tokens(Role.AGENT, username="temp.agent")
    with sign_in(context, "temp.agent") as temp:
        page = temp.get("/staff/hotline", params={"order_no": "SO-1001"})
    assert '<dd data-field="name">王**</dd>' in page.text
    assert '<dd data-field="phone">138****8000</dd>' in page.text
    with context.session_factory() as session:
        actors = session.scalars(select(AccessLogRow.actor)).all()
    assert "agent:temp.agent" not in actors


# --- search --------------------------------------------------------------------


def test_search_filters_and_pages(
    context: AppContext, client: TestClient, agent: TestClient, clock: FakeClock, tokens: Tokens
) -> None:
    pending = file(client)["rma_no"]
    clock.advance(days=1)
    approved = file(client, reason="no_reason", line_no=2)["rma_no"]
    other = file(client, order_no="SO-2001", reason="no_reason")["rma_no"]

    later = sign_in(context, "li.na")  # a day on, the morning's session has timed out

    def found(**params: str) -> list[str]:
        page = later.get("/staff/returns", params=params)
        assert page.status_code == 200, page.text
        return rows_in(page.text, "results") if "<table" in page.text else []

    assert found() == [other, approved, pending]  # newest first
    assert found(status="pending_review") == [pending]
    assert found(order_no="SO-2001") == [other]
    assert found(rma_no=approved) == [approved]
    assert found(merchant_id="m-other") == [other]
    assert found(date_from="2026-11-21") == [other, approved]
    assert found(date_to="2026-11-20") == [pending]
    bad = later.get("/staff/returns", params={"date_from": "21/11/2026"})
    assert bad.status_code == 422 and "日期格式应为" in bad.text
    assert 'value="21/11/2026"' in bad.text
    # merchants search only their own, whatever merchant they ask for
    tokens(Role.MERCHANT, merchant_id="m-other", username="other.shop")
    with sign_in(context, "other.shop") as merchant:
        page = merchant.get("/staff/returns", params={"merchant_id": "m-babycare"})
    assert rows_in(page.text, "results") == [other]


def test_search_pages_through_many_requests(
    client: TestClient, agent: TestClient, order_payload: OrderPayload, clock: FakeClock
) -> None:
    big = order_payload(order_no="SO-BIG")
    big["lines"][1]["quantity"] = 30
    assert client.post("/api/v1/orders", json=big).status_code == 201
    filed = []
    for _ in range(console_search.PAGE_SIZE + 1):
        filed.append(file(client, order_no="SO-BIG", reason="no_reason", line_no=2)["rma_no"])
        clock.advance(minutes=1)
    first = agent.get("/staff/returns", params={"order_no": "SO-BIG"}).text
    assert rows_in(first, "results") == filed[::-1][: console_search.PAGE_SIZE]
    assert 'rel="next" href="/staff/returns?order_no=SO-BIG&amp;page=2"' in first
    second = agent.get("/staff/returns", params={"order_no": "SO-BIG", "page": "2"}).text
    assert rows_in(second, "results") == [filed[0]]
    assert 'rel="prev"' in second and 'rel="next"' not in second


# --- both languages ------------------------------------------------------------


def test_pages_speak_english_too(client: TestClient, agent: TestClient) -> None:
    rma = file(client)["rma_no"]
    agent.cookies.set("lang", "en")
    assert "Review queue" in agent.get("/staff").text
    page = agent.get(f"/staff/returns/{rma}").text
    assert "Decision and policy" in page and "Audit trail" in page
    assert "No photos of the goods: a person will review the claim" in page
    assert "未上传" not in page


def test_every_console_message_has_chinese() -> None:
    """Each English msgid in the staff templates has a Chinese msgstr in some catalog."""
    chinese: dict[str, str] = {}
    for po in catalog_files("zh"):
        with po.open("rb") as handle:
            for entry in read_po(handle, locale="zh"):
                if entry.id and isinstance(entry.id, str) and isinstance(entry.string, str):
                    chinese[entry.id] = entry.string
    missing = []
    for template in sorted((TEMPLATES / "staff").glob("*.html")):
        with template.open("rb") as handle:
            for _, _, message, _ in _extract(handle):
                if not chinese.get(message):
                    missing.append((template.name, message))
    assert missing == []
    assert chinese["Review queue"] == "待审核队列"


def test_staff_catalog_agrees_with_the_other_catalogs() -> None:
    """The catalogs are merged into one: a msgid translated two ways would change a page."""
    by_file: dict[str, dict[str, str]] = {}
    for po in catalog_files("zh"):
        with po.open("rb") as handle:
            by_file[po.name] = {
                entry.id: entry.string
                for entry in read_po(handle, locale="zh")
                if isinstance(entry.id, str) and entry.id and isinstance(entry.string, str)
            }
    staff = by_file.pop("staff.po")
    clashes = [
        (name, msgid, theirs[msgid], staff[msgid])
        for name, theirs in by_file.items()
        for msgid in staff.keys() & theirs.keys()
        if theirs[msgid] != staff[msgid]
    ]
    assert clashes == []


def _extract(handle: Any) -> Iterator[tuple[int, str, str, list[str]]]:
    for lineno, function, message, comments in babel_extract(
        handle, ["_", "gettext"], [], {"extensions": "jinja2.ext.i18n"}
    ):
        # messages with parameters come as (text, None, …): the text is the msgid
        text = message if isinstance(message, str) else (message or (None,))[0]
        if text:
            yield lineno, function, text, comments


def test_reason_is_composed_in_the_agents_language() -> None:
    late = console_actions.compose_reason("late", " 已超 3 天 ", "zh")
    assert late == "超过七天无理由退货期限：已超 3 天"
    assert console_actions.compose_reason("late", "", "en") == "Past the 7-day no-reason period"
    assert console_actions.compose_reason("other", "见附言", "zh") == "见附言"
    assert console_actions.compose_reason("unknown", "", "zh") == ""
