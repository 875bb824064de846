"""The customer portal's pages through the ASGI app (SQLite and PostgreSQL).

A customer finds an order with its number and the phone or email on it, reads what
policy allows, applies with photos, and follows and acts on the request. Staff steps
are driven through the API, as the console and the warehouse systems would.
"""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jinja2.ext import babel_extract
from PIL import Image

from returnflow.app_context import AppContext
from returnflow.domain.text import DomainError, Text
from returnflow.services import portal_returns
from returnflow.services import returns as return_service
from returnflow.web.i18n import translations
from returnflow.web.portal_links import PortalAccess, make_token
from returnflow.web.templating import TEMPLATES
from tests.support.apps import shared_app
from tests.support.clock import FakeClock
from tests.support.refunds import pay_refunds

OrderPayload = Callable[..., dict[str, Any]]
SECRET = "portal-test-secret"


@pytest.fixture
def uploads(tmp_path: Path) -> Path:
    return tmp_path / "uploads"


@pytest.fixture
def portal_context(context: AppContext, uploads: Path) -> AppContext:
    """The same database, with photos in a temporary folder and a known signing key."""
    settings = context.settings.model_copy(
        update={"upload_dir": str(uploads), "secret_key": SECRET}
    )
    return dataclasses.replace(context, settings=settings)


@pytest.fixture
def orders(client: TestClient, order_payload: OrderPayload) -> None:
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201
    other = order_payload(
        order_no="SO-2002",
        customer={"id": "c-2", "name": "李华", "phone": "13900139000", "email": "li@example.com"},
    )
    assert client.post("/api/v1/orders", json=other).status_code == 201


@pytest.fixture
def web(portal_context: AppContext, orders: None) -> Iterator[TestClient]:
    """A customer's browser, with two orders on file: no credentials, Chinese by default."""
    with TestClient(shared_app(portal_context), follow_redirects=False) as browser:
        yield browser


def _png(color: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (12, 12), color).save(buffer, "PNG")
    return buffer.getvalue()


def _lookup(web: TestClient, order_no: str = "SO-1001", contact: str = "13800138000") -> Any:
    return web.post("/portal/lookup", data={"order_no": order_no, "contact": contact})


def _open(web: TestClient, order_no: str = "SO-1001", contact: str = "13800138000") -> str:
    """Look the order up; the path of the signed order page."""
    response = _lookup(web, order_no, contact)
    assert response.status_code == 303, response.text
    location: str = response.headers["location"]
    assert location.startswith("/portal/o/")
    return location


def _alert(html: str) -> str:
    found = re.search(r'role="alert"[^>]*>(.*?)</', html, re.S)
    assert found, "no alert on the page"
    return found.group(1).strip()


def _apply(
    web: TestClient,
    order_url: str,
    *,
    photos: list[tuple[str, bytes, str]] | None = None,
    **fields: Any,
) -> Any:
    data: dict[str, Any] = {
        "type": "refund",
        "reason": "no_reason",
        "qty_1": "1",
        "qty_2": "0",
        "reason_text": "",
        "channel": "web",
        **fields,
    }
    files = [("photos", photo) for photo in photos or []]
    return web.post(f"{order_url}/apply", data=data, files=files or None)


def _filed(web: TestClient, order_url: str, **fields: Any) -> tuple[str, str]:
    """Apply; the request page's path and its RMA number."""
    response = _apply(web, order_url, **fields)
    assert response.status_code == 303, response.text
    location: str = response.headers["location"]
    match = re.search(r"/r/(RMA\d+)\?done=filed$", location)
    assert match, location
    return location.split("?")[0], match.group(1)


def _returns(client: TestClient) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = client.get("/api/v1/returns").json()["items"]
    return items


def _files(folder: Path) -> list[Path]:
    return sorted(folder.iterdir()) if folder.exists() else []


# --- the catalog ------------------------------------------------------------------


def test_every_portal_text_has_a_chinese_translation() -> None:
    catalog = translations("zh")
    missing = []
    for template in sorted(TEMPLATES.glob("portal/*.html")):
        with template.open("rb") as handle:
            for _, _, message, _ in babel_extract(handle, ("_", "gettext"), [], {}):
                msgid = message if isinstance(message, str) else str((message or ("",))[0])
                if catalog.gettext(msgid) == msgid:
                    missing.append(f"{template.name}: {msgid}")
    assert missing == []
    assert catalog.gettext("Order %(no)s") == "订单 %(no)s"


# --- finding the order ------------------------------------------------------------


def test_lookup_page_is_a_plain_form(web: TestClient) -> None:
    page = web.get("/portal")
    assert page.status_code == 200
    assert 'action="/portal/lookup"' in page.text
    assert 'method="post"' in page.text
    assert "查找您的订单" in page.text


@pytest.mark.parametrize(
    "contact", ["13800138000", " 138-0013 8000 ", "Xiaoming@Example.COM", "xiaoming@example.com"]
)
def test_the_phone_or_the_email_opens_the_order(web: TestClient, contact: str) -> None:
    order_url = _open(web, contact=contact)
    page = web.get(order_url)
    assert page.status_code == 200
    assert "SO-1001" in page.text
    assert "宽口径玻璃奶瓶 240ml" in page.text


@pytest.mark.parametrize(
    ("order_no", "contact"),
    [
        ("SO-1001", "13900139000"),  # another customer's phone
        ("SO-1001", "li@example.com"),  # another customer's email
        ("SO-1001", "1380013800"),  # one digit short
        ("SO-1001", "138001380001"),  # one digit more
        ("SO-1001", ""),
        ("SO-9999", "13800138000"),  # no such order
        ("so-1001", "13800138000"),  # order numbers are exact
    ],
)
def test_wrong_pairs_and_unknown_orders_get_the_same_answer(
    web: TestClient, order_no: str, contact: str
) -> None:
    unknown = _lookup(web, "SO-0000", "13800138000")
    refused = _lookup(web, order_no, contact)
    assert refused.status_code == unknown.status_code == 404
    assert _alert(refused.text) == _alert(unknown.text) == "我们找不到与这些信息相符的订单"
    assert "location" not in refused.headers
    # what was typed is still in the form
    assert f'name="order_no" value="{order_no}"' in refused.text
    assert f'name="contact" value="{contact}"' in refused.text


def test_the_refusal_in_english(web: TestClient) -> None:
    web.cookies.set("lang", "en")
    refused = _lookup(web, "SO-1001", "00000000")
    assert _alert(refused.text) == "We could not find an order matching these details"


def test_repeated_failures_are_slowed_down(web: TestClient, clock: FakeClock) -> None:
    for attempt in range(5):
        assert _lookup(web, "SO-1001", f"1000000000{attempt}").status_code == 404
    blocked = _lookup(web, "SO-1001", "13800138000")  # even the right pair must wait
    assert blocked.status_code == 429
    assert 'data-code="too_many_attempts"' in blocked.text
    assert "尝试次数过多" in blocked.text
    clock.advance(minutes=16)
    assert _lookup(web, "SO-1001", "13800138000").status_code == 303


def test_guessing_across_orders_is_limited_per_address(portal_context: AppContext) -> None:
    limited = portal_context.settings.model_copy(update={"lookup_tries_per_source": 5})
    app = shared_app(dataclasses.replace(portal_context, settings=limited))
    with TestClient(app, follow_redirects=False) as browser:
        for number in range(5):
            assert _lookup(browser, f"SO-GUESS-{number}", "13800138000").status_code == 404
        assert _lookup(browser, "SO-1001", "13800138000").status_code == 429


def test_one_customers_misses_do_not_lock_out_others_behind_the_same_address(
    web: TestClient,
) -> None:
    """Many customers share one address behind a NAT: one of them guessing wrong locks
    only that order from that address (it used to lock the whole address)."""
    for attempt in range(5):
        assert _lookup(web, "SO-1001", f"1000000000{attempt}").status_code == 404
    assert _lookup(web, "SO-1001", "13800138000").status_code == 429
    assert _lookup(web, "SO-2002", "13900139000").status_code == 303


def test_a_success_clears_the_order_count(web: TestClient) -> None:
    for attempt in range(4):
        assert _lookup(web, "SO-1001", f"1000000000{attempt}").status_code == 404
    _open(web)
    for attempt in range(4):
        assert _lookup(web, "SO-1001", f"1000000000{attempt}").status_code == 404
    assert _lookup(web, "SO-1001", "13800138000").status_code == 303


# --- links ------------------------------------------------------------------------


def test_a_forged_link_is_refused_with_a_new_lookup(web: TestClient) -> None:
    order_url = _open(web)
    token = order_url.rsplit("/", 1)[1]
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for path in (f"/portal/o/{forged}", f"/portal/o/{forged}/apply", "/portal/o/not-a-token"):
        page = web.get(path)
        assert page.status_code == 404, path
        assert 'data-code="link_invalid"' in page.text
        assert 'action="/portal/lookup"' in page.text  # offers to look the order up again
    other_key = make_token("another key", PortalAccess("SO-1001", "c-1"), web_now(web))
    assert web.get(f"/portal/o/{other_key}").status_code == 404
    # a valid signature for a customer the order does not belong to
    wrong_customer = make_token(SECRET, PortalAccess("SO-1001", "c-2"), web_now(web))
    assert web.get(f"/portal/o/{wrong_customer}").status_code == 404


def web_now(web: TestClient) -> Any:
    context: AppContext = web.app.state.context  # type: ignore[attr-defined]
    return context.clock()


def test_a_link_lasts_three_days(web: TestClient, clock: FakeClock) -> None:
    order_url = _open(web)
    clock.advance(days=2, hours=23)
    assert web.get(order_url).status_code == 200
    clock.advance(hours=1, seconds=1)
    expired = web.get(order_url)
    assert expired.status_code == 403
    assert 'data-code="link_expired"' in expired.text
    assert "此链接已过期" in expired.text
    assert 'action="/portal/lookup"' in expired.text
    refused_post = web.post(f"{order_url}/apply", data={"type": "refund"})
    assert refused_post.status_code == 403


# --- the order and what policy allows ---------------------------------------------


def test_the_order_page_explains_the_policy_in_chinese(web: TestClient) -> None:
    page = web.get(_open(web)).text
    assert page.count('class="item line"') == 2  # one card per item (issue 16)
    assert page.count(">申请售后</a>") == 2  # and one button each, to the apply page
    assert "/apply?line=1" in page and "/apply?line=2" in page
    assert '¥168.00 <span class="muted">× 2</span>' in page
    assert "可申请退货退款、换货" in page  # what can be done, in one line
    assert 'data-days-left="5"' in page and "还剩 5 天" in page  # 11-20 to 11-25
    assert 'class="thumb thumb-tile"' in page and ">母</span>" in page  # no picture: 母婴
    assert "2026-11-25 前可申请7天无理由退换" in page  # delivered 11-18, the last day is D+7
    assert "无理由退货的退货运费由您承担" in page
    assert "退货运费由商家承担" in page  # quality faults
    assert "须保持原包装密封，拆封后不支持七天无理由退货" in page  # the hygiene seal
    assert "退货退款" in page and "换货" in page
    assert page.count("2026-11-25 前可申请7天无理由退换") == 2  # once per item, not per option
    assert "您在此订单上还没有申请" in page
    assert "Quantity" not in page and "Can ask for" not in page


def test_the_order_page_explains_the_policy_in_english(web: TestClient) -> None:
    web.cookies.set("lang", "en")
    page = web.get(_open(web)).text
    assert "Can ask for: return and refund, exchange" in page
    assert "5 days left" in page and "Request after-sales" in page
    assert "No-reason returns and exchanges until 2026-11-25 (7 days)" in page
    assert "You pay return shipping for a no-reason return" in page
    assert "The merchant pays return shipping" in page
    assert "Only while the original seal is unbroken" in page
    assert "return and refund" in page
    assert "You have no requests on this order yet." in page
    assert "七天无理由" not in page and "申请售后" not in page


def test_an_undelivered_order_offers_a_refund_without_return(
    web: TestClient, client: TestClient, order_payload: OrderPayload
) -> None:
    waiting = order_payload(order_no="SO-3003", delivered_at=None)
    assert client.post("/api/v1/orders", json=waiting).status_code == 201
    page = web.get(_open(web, "SO-3003")).text
    assert "尚未签收" in page
    assert page.count('<span class="can">可申请仅退款</span>') == 2  # one line per item
    assert "订单未签收，可申请仅退款" in page
    assert "订单尚未签收，只能申请仅退款" in page  # why a return is not possible
    form = web.get(f"{_open(web, 'SO-3003')}/apply").text
    assert re.findall(r'name="type" value="(\w+)"', form) == ["refund_only"]


def test_portal_pages_keep_the_link_private(web: TestClient) -> None:
    page = web.get(_open(web))
    assert page.headers["referrer-policy"] == "no-referrer"  # issue 9: api/security_headers.py
    assert page.headers["cache-control"] == "no-store"


def test_the_order_page_lists_the_customers_requests(web: TestClient, client: TestClient) -> None:
    order_url = _open(web)
    request_url, _ = _filed(web, order_url)
    other = client.post(
        "/api/v1/returns",
        json={
            "order_no": "SO-2002",
            "type": "refund",
            "lines": [{"line_no": 2, "quantity": 1, "reason_code": "no_reason"}],
        },
    ).json()["rma_no"]
    page = web.get(order_url).text
    assert f'href="{request_url}"' in page
    assert other not in page
    assert "审核通过，待寄回" in page


# --- applying -----------------------------------------------------------------------


def test_apply_with_a_photo_shows_the_rma_and_the_decision(
    web: TestClient, client: TestClient, uploads: Path
) -> None:
    order_url = _open(web)
    form = web.get(f"{order_url}/apply")
    assert form.status_code == 200
    assert 'enctype="multipart/form-data"' in form.text
    assert 'accept="image/jpeg,image/png,image/webp"' in form.text
    response = _apply(
        web,
        order_url,
        reason="quality",
        reason_text="瓶身有裂纹",
        photos=[("crack.png", _png(), "image/png")],
    )
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.endswith("/r/RMA202611200000001?done=filed")
    page = web.get(location)
    assert page.status_code == 200
    assert "RMA202611200000001" in page.text
    assert "申请已提交" in page.text  # the notice
    assert 'data-outcome="approved"' in page.text
    assert "质量问题：2026-11-25 前可申请退货退款" in page.text  # the decision's reason
    assert "退货运费由商家承担" in page.text
    assert "瓶身有裂纹" in page.text
    assert "¥84.00" in page.text
    stored = _files(uploads)
    assert len(stored) == 1 and stored[0].suffix == ".png"
    assert f"/photos/{stored[0].name}" in page.text
    photo = web.get(f"{order_url}/photos/{stored[0].name}")
    assert photo.status_code == 200
    assert photo.headers["content-type"] == "image/png"
    assert photo.content == _png()
    filed = client.get("/api/v1/returns/RMA202611200000001").json()
    assert filed["channel"] == "web"
    assert filed["photos"] == [stored[0].name]
    assert filed["timeline"][0]["actor"] == "customer:c-1"
    assert filed["lines"] == [
        {
            "line_no": 1,
            "quantity": 1,
            "reason_code": "quality",
            "reason_text": "瓶身有裂纹",
            "opened": False,
        }
    ]


def test_the_request_page_in_english(web: TestClient) -> None:
    web.cookies.set("lang", "en")
    order_url = _open(web)
    request_url, rma = _filed(web, order_url, qty_2="1", opened="2")
    page = web.get(request_url).text
    assert f"Request {rma}" in page
    assert "Approved" in page
    assert "No-reason returns and exchanges until 2026-11-25 (7 days)" in page
    assert "You pay return shipping for a no-reason return" in page
    assert "Ship the goods back by 2026-11-27 10:00." in page  # 7 days, in local time
    assert "Total refund" in page
    assert "CN¥123.00" in page  # 84.00 for one bottle + 39.00 for the bibs
    assert "× 1 · no reason (7-day return) · opened" in page
    assert "Requested" in page and "Approved, awaiting shipment" in page
    assert "2026-11-20 10:00 · You" in page
    assert "Automatic" in page


def test_a_fake_photo_is_refused_and_nothing_is_filed(
    web: TestClient, client: TestClient, uploads: Path
) -> None:
    web.cookies.set("lang", "en")
    order_url = _open(web)
    response = _apply(
        web,
        order_url,
        reason="quality",
        reason_text="cracked",
        photos=[
            ("good.png", _png(), "image/png"),
            ("evil.jpg", b"this is text, not a picture", "image/jpeg"),
        ],
    )
    assert response.status_code == 422
    assert _alert(response.text) == "The file evil.jpg is not a JPEG, PNG or WebP picture"
    assert ">cracked</textarea>" in response.text  # what was typed is kept
    assert '<option value="quality" selected' in response.text
    assert 'name="qty_1" min="0" max="2" step="1" inputmode="numeric" value="1"' in response.text
    assert "Please choose your photos again" in response.text
    assert _returns(client) == []
    assert _files(uploads) == []


def test_ten_photos_are_refused(web: TestClient, client: TestClient, uploads: Path) -> None:
    order_url = _open(web)
    photos = [(f"p{i}.png", _png((i * 20, 0, 0)), "image/png") for i in range(10)]
    response = _apply(web, order_url, reason="quality", photos=photos)
    assert response.status_code == 422
    assert _alert(response.text) == "最多上传 9 张照片"
    assert _returns(client) == []
    assert _files(uploads) == []


@pytest.mark.parametrize("failure", ["refusal", "crash"])
def test_photos_stored_for_a_request_that_fails_are_removed(
    web: TestClient,
    client: TestClient,
    uploads: Path,
    monkeypatch: pytest.MonkeyPatch,
    failure: str,
) -> None:
    order_url = _open(web)

    def fail(*args: Any, **kwargs: Any) -> Any:
        assert len(_files(uploads)) == 1  # the photo is stored before the request is
        if failure == "refusal":
            raise DomainError("order_not_found", Text("找不到订单", "Order not found"))
        raise RuntimeError("the database went away")

    monkeypatch.setattr(return_service, "file_return", fail)
    photos = [("a.png", _png(), "image/png")]
    if failure == "refusal":
        response = _apply(web, order_url, reason="quality", photos=photos)
        assert response.status_code == 422
        assert _alert(response.text) == "找不到订单"
    else:
        with pytest.raises(RuntimeError):
            _apply(web, order_url, reason="quality", photos=photos)
    assert _files(uploads) == []
    assert _returns(client) == []


def test_nine_photos_are_accepted(web: TestClient, uploads: Path) -> None:
    order_url = _open(web)
    photos = [(f"p{i}.png", _png((i * 20, 0, 0)), "image/png") for i in range(9)]
    assert _apply(web, order_url, reason="quality", photos=photos).status_code == 303
    assert len(_files(uploads)) == 9


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"qty_1": "0", "qty_2": "0"}, "请至少为一件商品填写大于 0 的数量"),
        ({"qty_1": "", "qty_2": ""}, "请至少为一件商品填写大于 0 的数量"),
        ({"qty_1": "-1"}, "“宽口径玻璃奶瓶 240ml”的数量须为整数"),
        ({"qty_1": "3"}, "“宽口径玻璃奶瓶 240ml”最多还可申请 2 件"),
        ({"qty_7": "1"}, "订单中没有第 7 行"),
        ({"type": "swap"}, "请选择申请类型"),
        ({"reason": ""}, "请选择申请原因"),
        ({"reason_text": "长" * 2001}, "问题描述最多 2000 个字"),
        ({"contact_phone": "call me"}, "联系电话只能包含数字、空格、“-”和开头的“+”"),
    ],
)
def test_form_mistakes_are_refused_and_nothing_is_filed(
    web: TestClient, client: TestClient, uploads: Path, fields: dict[str, str], message: str
) -> None:
    order_url = _open(web)
    response = _apply(web, order_url, photos=[("a.png", _png(), "image/png")], **fields)
    assert response.status_code == 422
    assert _alert(response.text) == message
    assert _returns(client) == []
    assert _files(uploads) == []


def test_a_policy_refusal_is_filed_with_every_reason(web: TestClient) -> None:
    order_url = _open(web)
    # a no-reason return of an opened hygiene item: recorded, refused, explained
    request_url, _ = _filed(web, order_url, opened="1")
    page = web.get(request_url).text
    assert 'data-outcome="rejected"' in page
    assert "贴身卫生用品拆封后不再完好，不支持七天无理由退货" in page
    assert "已拒绝" in page
    assert 'id="cancel"' not in page


def test_a_fault_without_photos_waits_for_a_person(web: TestClient) -> None:
    order_url = _open(web)
    request_url, _ = _filed(web, order_url, reason="quality")
    page = web.get(request_url).text
    assert 'data-outcome="pending_review"' in page
    assert "将由客服人工审核" in page
    assert "未上传商品照片，将由客服人工审核" in page
    assert "我们将在 2026-11-21 10:00 前答复您。" in page  # 24 hours, in local time
    assert "退货运费：由商家承担。" in page  # the payer, though no reason says it
    assert 'id="cancel"' in page and 'id="ship"' not in page


def test_another_phone_for_the_request(web: TestClient, client: TestClient) -> None:
    order_url = _open(web)
    _, rma = _filed(web, order_url, contact_phone="+86 139 0000 1111")
    filed = client.get(f"/api/v1/returns/{rma}").json()
    assert filed["contact"]["phone"] == "+86 139 0000 1111"
    assert filed["contact"]["email"] == "xiaoming@example.com"


def test_the_app_channel_is_kept(web: TestClient, client: TestClient) -> None:
    order_url = _open(web)
    _, rma = _filed(web, order_url, channel="app")
    assert client.get(f"/api/v1/returns/{rma}").json()["channel"] == "app"
    _, other = _filed(web, order_url, channel="fax")
    assert client.get(f"/api/v1/returns/{other}").json()["channel"] == "web"


# --- acting on a request -------------------------------------------------------------


def test_cancel_while_allowed(web: TestClient, client: TestClient) -> None:
    order_url = _open(web)
    request_url, rma = _filed(web, order_url)
    assert 'id="cancel"' in web.get(request_url).text
    assert web.get(f"{request_url}/cancel").status_code == 405  # a change is always a POST
    done = web.post(f"{request_url}/cancel")
    assert done.status_code == 303
    assert done.headers["location"] == f"{request_url}?done=cancelled"
    page = web.get(done.headers["location"]).text
    assert "申请已取消" in page
    assert 'data-status="cancelled"' in page
    assert 'id="cancel"' not in page
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "cancelled"
    again = web.post(f"{request_url}/cancel")
    assert again.status_code == 409
    assert "不能执行" in _alert(again.text)


def test_ship_with_a_tracking_number(web: TestClient, client: TestClient) -> None:
    order_url = _open(web)
    request_url, rma = _filed(web, order_url)
    # issue 16: with return methods on offer, the page offers the choice, not a second form
    before = web.get(request_url).text
    assert 'data-next="choose_method"' in before and 'id="ship"' not in before
    refused = web.post(f"{request_url}/ship", data={"carrier": "顺丰速运", "tracking_no": "x"})
    assert refused.status_code == 422
    assert _alert(refused.text) == "运单号为 4–64 位字母、数字或“-”"
    assert 'name="carrier" value="顺丰速运"' in refused.text
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "approved"
    no_carrier = web.post(f"{request_url}/ship", data={"carrier": " ", "tracking_no": "SF1234"})
    assert no_carrier.status_code == 422
    shipped = web.post(
        f"{request_url}/ship", data={"carrier": "顺丰速运", "tracking_no": "SF1234567890"}
    )
    assert shipped.status_code == 303
    page = web.get(shipped.headers["location"]).text
    assert "已记录寄回运单" in page
    assert "SF1234567890" in page
    assert 'id="ship"' not in page and 'id="cancel"' not in page
    body = client.get(f"/api/v1/returns/{rma}").json()
    assert body["status"] == "in_transit"
    assert body["shipment"]["tracking_no"] == "SF1234567890"
    assert body["timeline"][-1]["actor"] == "customer:c-1"


def test_a_refund_without_return_has_no_shipping_form(web: TestClient) -> None:
    order_url = _open(web)
    request_url, _ = _filed(
        web, order_url, type="reissue", reason="missing_parts", qty_1="0", qty_2="1"
    )
    page = web.get(request_url).text
    assert 'data-status="approved"' in page
    assert 'id="ship"' not in page
    assert "无需寄回商品" in page
    assert "此类申请不退款" in page


def test_confirm_and_rate_after_completion(
    web: TestClient, client: TestClient, context: AppContext, clock: FakeClock
) -> None:
    order_url = _open(web)
    request_url, rma = _filed(web, order_url)
    early = web.post(f"{request_url}/rate", data={"score": "5"})
    assert early.status_code == 422
    assert _alert(early.text) == "处理完成后才能评价"
    web.post(f"{request_url}/ship", data={"carrier": "SF", "tracking_no": "SF1234567890"})
    clock.advance(days=1)
    for action, body in (("receive", None), ("inspect", {"passed": True, "notes": "完好"})):
        assert client.post(f"/api/v1/returns/{rma}/{action}", json=body).status_code == 200
    # the passed inspection asks for the refund and the paid refund completes the request
    # (bootstrap.EVENT_HANDLERS, issue 10); the worker pays it (issue 5)
    pay_refunds(context)
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "completed"
    page = web.get(request_url).text
    assert 'id="confirm"' in page and 'id="rate"' in page
    assert "2026-11-28 10:00" in page  # confirms itself 7 days after completion
    assert "已退款 ¥84.00" in page
    confirmed = web.post(f"{request_url}/confirm")
    assert confirmed.status_code == 303
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "confirmed"
    bad = web.post(f"{request_url}/rate", data={"score": "9", "comment": "太棒了"})
    assert bad.status_code == 422
    assert _alert(bad.text) == "评分须为 1 到 5 分"
    assert ">太棒了</textarea>" in bad.text
    rated = web.post(f"{request_url}/rate", data={"score": "4", "comment": "退款很快"})
    assert rated.status_code == 303
    page = web.get(rated.headers["location"]).text
    assert "感谢您的评价" in page
    assert "4 / 5 · 退款很快" in page
    assert 'id="rate"' not in page and 'id="confirm"' not in page
    again = web.post(f"{request_url}/rate", data={"score": "1"})
    assert _alert(again.text) == "您已评价过"
    with web.app.state.context.uow() as uow:  # type: ignore[attr-defined]
        stored = uow.returns.get(rma)
        assert stored is not None and stored.rating is not None
        assert (stored.rating.score, stored.rating.comment) == (4, "退款很快")


def test_another_orders_request_is_not_found_under_this_link(
    web: TestClient, client: TestClient, uploads: Path
) -> None:
    other_url = _open(web, "SO-2002", "li@example.com")
    _, other_rma = _filed(
        web, other_url, reason="quality", photos=[("mine.png", _png(), "image/png")]
    )
    (photo,) = _files(uploads)
    order_url = _open(web)
    assert web.get(f"{order_url}/r/{other_rma}").status_code == 404
    assert web.post(f"{order_url}/r/{other_rma}/cancel").status_code == 404
    assert web.post(f"{order_url}/r/RMA000/cancel").status_code == 404
    assert client.get(f"/api/v1/returns/{other_rma}").json()["status"] == "approved"
    assert web.get(f"{order_url}/photos/{photo.name}").status_code == 404
    assert web.get(f"{other_url}/photos/{photo.name}").status_code == 200
    assert web.get(f"{other_url}/photos/../../etc/passwd").status_code == 404


def test_the_same_customers_other_order_is_not_under_this_link(
    web: TestClient, client: TestClient, order_payload: OrderPayload
) -> None:
    assert client.post("/api/v1/orders", json=order_payload(order_no="SO-1002")).status_code == 201
    second_url = _open(web, "SO-1002")
    _, second_rma = _filed(web, second_url)
    order_url = _open(web)
    assert web.get(f"{order_url}/r/{second_rma}").status_code == 404
    assert web.post(f"{order_url}/r/{second_rma}/cancel").status_code == 404
    assert second_rma not in web.get(order_url).text
    assert web.get(f"{second_url}/r/{second_rma}").status_code == 200


# --- issue 16: the portal as a phone shop's after-sales pages --------------------------


def _steps(page: str) -> list[tuple[str, str]]:
    return re.findall(r'<li class="(\w+)" data-step="(\w+)"', page)


def test_apply_starts_from_the_item_in_four_numbered_steps(web: TestClient) -> None:
    form = web.get(f"{_open(web)}/apply?line=2").text
    legends = re.findall(r'<span class="n">(\d)</span>([^<]+)</legend>', form)
    assert legends == [
        ("1", "问题描述"),
        ("2", "您希望如何处理？"),
        ("3", "寄回方式"),
        ("4", "确认提交"),
    ]
    first, others = form.split('<details class="more-items">', 1)
    assert 'name="qty_2"' in first and 'value="1"' in first  # the item the customer chose
    assert 'name="qty_1"' in others and "同时申请本订单的其他商品（1 件）" in others
    assert 'name="contact_phone"' in form and 'name="reason"' in form  # the same fields


def test_the_request_page_opens_on_progress_and_the_one_next_step(
    web: TestClient, client: TestClient, context: AppContext, clock: FakeClock
) -> None:
    request_url, rma = _filed(web, _open(web))
    page = web.get(request_url).text
    assert _steps(page) == [
        ("done", "submitted"),
        ("done", "approved"),
        ("now", "shipped"),
        ("todo", "received"),
        ("todo", "done"),
    ]
    assert 'data-next="choose_method"' in page and "下一步：选择寄回方式" in page
    assert page.index('id="next"') < page.index('id="decision"')  # the action comes first
    assert 'id="ship"' not in page  # one way at a time: the methods, not a second form
    choose = web.get(f"{request_url}/shipping").text
    assert 'id="return-address"' in choose and "寄回地址" in choose  # where to send it
    sent = web.post(
        f"{request_url}/shipping",
        data={"method": "self_ship", "brand": "sf", "tracking_no": "SF1234567890123"},
    )
    assert sent.status_code == 303
    page = web.get(request_url).text
    assert 'data-next="wait_arrival"' in page
    assert ("now", "received") in _steps(page)
    clock.advance(days=1)
    for action, body in (("receive", None), ("inspect", {"passed": True, "notes": "完好"})):
        assert client.post(f"/api/v1/returns/{rma}/{action}", json=body).status_code == 200
    pay_refunds(context)
    page = web.get(request_url).text
    assert 'data-status="completed"' in page and 'data-next="confirm"' in page
    assert [state for state, _ in _steps(page)] == ["done"] * 5
    assert "前送达仓库" not in page and 'id="return-address"' not in page  # stale panels
    assert "所有检查项通过" not in page and "完好" not in page  # no internal notes


def test_a_rejected_request_shows_no_refund_and_offers_to_apply_again(
    web: TestClient, client: TestClient
) -> None:
    order_url = _open(web)
    request_url, rma = _filed(web, order_url, reason="quality")  # no photo: a person decides
    assert 'data-next="wait_review"' in web.get(request_url).text
    assert client.post(f"/api/v1/returns/{rma}/reject", json={"reason": "照片不清晰"}).is_success
    page = web.get(request_url).text
    assert 'data-next="rejected"' in page and "申请未通过" in page
    assert 'id="refund"' not in page and "退款合计" not in page
    assert f'href="{order_url}" data-link="reapply"' in page
    assert _steps(page) == [("done", "submitted"), ("failed", "stopped")]
    web.cookies.set("lang", "en")
    english = web.get(request_url).text
    assert "This request was not approved" in english and "Apply again" in english
    assert "申请未通过" not in english and "重新申请" not in english


def test_my_returns_lists_every_order_of_the_customer_paged(
    web: TestClient,
    client: TestClient,
    order_payload: OrderPayload,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(portal_returns, "PAGE_SIZE", 1)
    assert client.post("/api/v1/orders", json=order_payload(order_no="SO-1002")).status_code == 201
    _, first = _filed(web, _open(web))
    clock.advance(hours=1)
    _, second = _filed(web, _open(web, "SO-1002"), qty_1="0", qty_2="1")
    order_url = _open(web)
    page = web.get(f"{order_url}/returns").text
    assert 'data-total="2"' in page and "第 1–1 条，共 2 条" in page  # the one pager
    assert f'rel="next" href="{order_url}/returns?page=2"' in page
    assert f'data-rma="{second}"' in page and f'data-rma="{first}"' not in page  # newest first
    assert "审核通过，待寄回" in page and ">approved<" not in page  # the status in words
    assert "婴儿围兜三条装" in page  # the item's title, not only a number
    link = re.search(rf'href="(/portal/o/[^"]+/r/{second})"', page)
    assert link is not None and web.get(link.group(1)).status_code == 200  # its own order
    older = web.get(f"{order_url}/returns?page=2").text
    assert f'data-rma="{first}"' in older and f'rel="prev" href="{order_url}/returns"' in older
    beyond = web.get(f"{order_url}/returns?page=9").text  # past the last page: the last
    assert f'data-rma="{first}"' in beyond and 'data-pager="2/2"' in beyond
    assert web.get(f"{order_url}/returns?page=x").status_code == 200  # a bad page: the first
    other = _open(web, "SO-2002", "li@example.com")
    assert 'data-total="0"' in web.get(f"{other}/returns").text  # another customer's list


def test_history_and_messages_fold_away_until_staff_answer(
    web: TestClient, client: TestClient
) -> None:
    """Issue 16: on a phone the status and next step come first; the history and the
    messages are one tap away, and the messages open by themselves on a reply to answer."""
    request_url, rma = _filed(web, _open(web))
    page = web.get(request_url).text
    assert re.search(r'<details class="card fold" id="timeline">', page)  # closed
    assert re.search(r'<details class="fold" id="messages">', page)
    assert "进度详情" in page and 'name="body"' in page  # the form is kept, folded
    said = client.post(f"/api/v1/returns/{rma}/messages", json={"body": "请补一张照片"})
    assert said.status_code == 201, said.text
    page = web.get(request_url).text
    assert re.search(r'<details class="fold" id="messages" open>', page)
    assert "data-reply" in page and "新回复" in page
