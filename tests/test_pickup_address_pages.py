"""Issue 16: the pickup address on the portal — kept or typed, checked with readable words
in both languages, shown to the customer and to staff (SQLite and PostgreSQL)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.jobs.worker import Worker
from returnflow.logistics.carriers import ManualCarrier
from returnflow.notify.mailer import FileMailer
from tests.support.apps import shared_app
from tests.support.booking_carrier import BookingCarrier
from tests.test_console_pages import sign_in
from tests.test_shipping_pages import approved_return

OrderPayload = Callable[..., dict[str, Any]]
ELSEWHERE = {
    "pickup_where": "other",
    "pickup_name": "李四",
    "pickup_phone": "139 0000 1111",
    "pickup_province": "广东省",
    "pickup_city": "深圳市",
    "pickup_district": "南山区",
    "pickup_detail": "科技园路 1 号 2 栋 301",
}


@pytest.fixture
def booking(context: AppContext) -> BookingCarrier:
    double = BookingCarrier()
    context.carriers = {"manual": ManualCarrier(), "simulated": double}
    return double


@pytest.fixture
def rma(client: TestClient, order_payload: OrderPayload) -> str:
    return approved_return(client, order_payload)


@pytest.fixture
def web(context: AppContext, booking: BookingCarrier) -> Iterator[TestClient]:
    settings = context.settings.model_copy(update={"secret_key": "pickup-pages"})
    app = shared_app(dataclasses.replace(context, settings=settings))
    with TestClient(app, follow_redirects=False) as browser:
        yield browser


def _request_url(web: TestClient, rma: str) -> str:
    found = web.post("/portal/lookup", data={"order_no": "SO-1001", "contact": "13800138000"})
    assert found.status_code == 303
    return f"{found.headers['location']}/r/{rma}"


def _book(web: TestClient, url: str, lang: str = "zh", **fields: str) -> Any:
    slot = re.findall(r'name="slot" value="([^"]+)"', web.get(f"{url}/shipping").text)[0]
    data = {"method": "pickup", "slot": slot, **fields}
    return web.post(f"{url}/shipping", data=data, headers={"Accept-Language": lang})


def test_the_choosing_page_offers_the_orders_address_or_another(web: TestClient, rma: str) -> None:
    page = web.get(f"{_request_url(web, rma)}/shipping").text
    part = page.split('id="pickup-address"', 1)[1].split("</fieldset>", 1)[0]
    assert "取件地址" in part and "订单收货地址" in part and "其他地址" in part
    assert "四川省成都市武侯区 人民南路四段 1 号 2 栋 301 室" in part  # the order's, to keep
    assert re.search(r'name="pickup_where" value="order" checked', part)
    for name in ("name", "phone", "province", "city", "district", "detail"):
        assert f'name="pickup_{name}"' in part
    assert 'maxlength="120"' in part and 'type="tel"' in part


def test_a_bad_address_is_shown_again_with_a_readable_error(
    web: TestClient, rma: str, client: TestClient
) -> None:
    url = _request_url(web, rma)
    bad = _book(web, url, **{**ELSEWHERE, "pickup_phone": "12345"})
    assert bad.status_code == 422
    assert "请填写快递员可拨打的中国大陆手机号" in bad.text
    assert re.search(r'name="pickup_phone" value="12345"[^>]*aria-invalid="true"', bad.text)
    assert 'value="科技园路 1 号 2 栋 301"' not in bad.text  # a textarea keeps it as text
    assert ">科技园路 1 号 2 栋 301</textarea>" in bad.text
    assert re.search(r'name="pickup_where" value="other" checked', bad.text)
    long = _book(web, url, "en", **{**ELSEWHERE, "pickup_detail": "路" * 121})
    assert long.status_code == 422
    assert "The street address may be at most 120 characters" in long.text
    missing = _book(web, url, "en", **{**ELSEWHERE, "pickup_city": ""})
    assert missing.status_code == 422 and "Fill in the city" in missing.text
    assert client.get(f"/api/v1/returns/{rma}/shipments").json() == []


def test_the_courier_comes_to_the_typed_address_shown_to_customer_and_staff(
    web: TestClient,
    rma: str,
    context: AppContext,
    booking: BookingCarrier,
    tokens: Any,
    tmp_path: Any,
) -> None:
    url = _request_url(web, rma)
    assert _book(web, url, **ELSEWHERE).status_code == 303
    Worker(context, FileMailer(tmp_path)).dispatcher.run_once(context.clock())
    sender = booking.pickups[0].sender
    assert (sender.name, sender.phone, sender.address[0]) == (
        "李四",
        "13900001111",
        "广东省深圳市南山区",
    )
    page = web.get(url).text
    shown = re.search(r'id="pickup-to">(.*?)</p>', page, re.S)
    assert shown is not None
    assert "李四 · 13900001111 · 广东省深圳市南山区 科技园路 1 号 2 栋 301" in shown.group(1)
    assert "请取消取件后重新预约" in page  # the way to change it
    tokens(Role.AGENT, username="li.na")
    tokens(Role.WAREHOUSE, username="zhou.qi")
    with sign_in(context, "li.na") as agent:
        staff = agent.get(f"/staff/returns/{rma}").text
    assert "李四 · 13900001111 · 广东省深圳市南山区 科技园路 1 号 2 栋 301" in staff
    with sign_in(context, "zhou.qi") as warehouse:  # contacts masked for this role
        masked = warehouse.get(f"/staff/returns/{rma}").text
    assert "李四 · 139****1111 · 广东省深圳市" in masked and "科技园路" not in masked


def test_keeping_the_orders_address(web: TestClient, rma: str, booking: BookingCarrier) -> None:
    url = _request_url(web, rma)
    assert _book(web, url, pickup_where="order", pickup_phone="ignored").status_code == 303
    page = web.get(url, headers={"Accept-Language": "en"}).text
    assert re.search(r'id="pickup-to">The courier comes to: 王小明 · 13800138000 ·', page)
