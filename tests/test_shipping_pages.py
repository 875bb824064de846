"""Return-method pages through the ASGI app (SQLite and PostgreSQL): the customer chooses
and gets a label or a drop-off code; staff see the shipments, arrange one, read costs."""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.jobs.worker import Worker
from returnflow.logistics.carriers import ManualCarrier
from returnflow.notify.mailer import FileMailer
from tests.api.test_shipping_api import SHIP_TO
from tests.support.apps import shared_app
from tests.support.booking_carrier import BookingCarrier
from tests.test_console_pages import csrf_from, sign_in

OrderPayload = Callable[..., dict[str, Any]]


@pytest.fixture
def carrier(context: AppContext) -> BookingCarrier:
    double = BookingCarrier()
    context.carriers = {"manual": ManualCarrier(), "simulated": double}
    return double


@pytest.fixture
def portal_context(context: AppContext, carrier: BookingCarrier) -> AppContext:
    settings = context.settings.model_copy(update={"secret_key": "shipping-pages"})
    return dataclasses.replace(context, settings=settings)


def approved_return(client: TestClient, order_payload: OrderPayload) -> str:
    """A no-reason return of line 2 of an order delivered to SHIP_TO: approved at once."""
    order = order_payload(ship_to=SHIP_TO)
    assert client.post("/api/v1/orders", json=order).status_code == 201
    body = {
        "order_no": "SO-1001",
        "type": "refund",
        "lines": [{"line_no": 2, "quantity": 1, "reason_code": "no_reason"}],
    }
    filed = client.post("/api/v1/returns", json=body).json()
    assert filed["status"] == "approved"
    return str(filed["rma_no"])


@pytest.fixture
def rma(client: TestClient, order_payload: OrderPayload) -> str:
    return approved_return(client, order_payload)


@pytest.fixture
def web(portal_context: AppContext) -> Iterator[TestClient]:
    with TestClient(shared_app(portal_context), follow_redirects=False) as browser:
        yield browser


def _request_url(web: TestClient, rma: str) -> str:
    found = web.post("/portal/lookup", data={"order_no": "SO-1001", "contact": "13800138000"})
    assert found.status_code == 303
    return f"{found.headers['location']}/r/{rma}"


def _deliver(context: AppContext, tmp: Any) -> None:
    Worker(context, FileMailer(tmp)).dispatcher.run_once(context.clock())


def test_the_request_page_lists_methods_with_fee_time_and_instructions(
    web: TestClient, rma: str
) -> None:
    page = web.get(_request_url(web, rma), headers={"Accept-Language": "en"}).text
    section = page.split('id="return-method"', 1)[1].split("</section>", 1)[0]
    assert re.findall(r'data-method="(\w+)" data-fee="(\d+)"', section) == [
        ("pickup", "1500"),
        ("dropoff", "1000"),
        ("self_ship", "1200"),
    ]
    assert "you pay CN¥15.00" in section
    assert "arrives in about 3 days" in section
    assert "courier station or locker" in section
    assert 'id="choose-method"' in section
    # issue 16: one way to send it back at a time; the free-text form is for requests
    # with no method to choose (a refused POST …/ship shows it again)
    assert 'id="ship"' not in page


def test_the_customer_books_a_pickup_then_downloads_the_label(
    web: TestClient,
    rma: str,
    context: AppContext,
    carrier: BookingCarrier,
    client: TestClient,
    tmp_path: Any,
) -> None:
    url = _request_url(web, rma)
    choose = web.get(f"{url}/shipping")
    assert choose.status_code == 200
    slots = re.findall(r'name="slot" value="([^"]+)"', choose.text)
    assert len(slots) == 13
    missing = web.post(f"{url}/shipping", data={"method": "pickup"})
    assert missing.status_code == 422 and "取件时段" in missing.text
    booked = web.post(f"{url}/shipping", data={"method": "pickup", "slot": slots[0]})
    assert booked.status_code == 303 and booked.headers["location"].endswith("?done=arranged")
    waiting = web.get(booked.headers["location"]).text
    assert 'id="waiting-for-carrier"' in waiting and 'id="label-link"' not in waiting
    assert 'id="ship"' not in waiting  # one parcel: the free-text form is gone
    _deliver(context, tmp_path)
    ready = web.get(url).text
    assert 'data-shipment-status="arranged"' in ready
    assert "SIM0000000001" in ready and 'id="pickup-window"' in ready
    label = web.get(f"{url}/label.pdf")
    assert label.headers["content-type"] == "application/pdf"
    text = PdfReader(io.BytesIO(label.content)).pages[0].extract_text()
    assert rma in text and "SIM0000000001" in text
    # and the customer may call the courier off
    cancelled = web.post(re.findall(r'action="([^"]+/cancel)"', ready)[0].replace("&amp;", "&"))
    assert cancelled.status_code == 303
    assert client.get(f"/api/v1/returns/{rma}/shipments").json()[0]["status"] == "cancelling"


def test_dropoff_shows_the_code_and_its_qr(
    web: TestClient, rma: str, context: AppContext, tmp_path: Any
) -> None:
    url = _request_url(web, rma)
    assert web.post(f"{url}/shipping", data={"method": "dropoff"}).status_code == 303
    _deliver(context, tmp_path)
    page = web.get(url).text
    code = re.search(r'id="dropoff-code">(\w+)<', page)
    assert code is not None and len(code.group(1)) == 8
    qr = web.get(f"{url}/dropoff.png")
    assert qr.status_code == 200 and qr.content.startswith(b"\x89PNG")


def test_self_ship_with_a_typo_keeps_what_was_typed(
    web: TestClient, rma: str, client: TestClient
) -> None:
    url = _request_url(web, rma)
    typo = web.post(
        f"{url}/shipping",
        data={"method": "self_ship", "brand": "sf", "tracking_no": "SF123"},
        headers={"Accept-Language": "en"},
    )
    assert typo.status_code == 422
    assert "not a SF Express tracking number" in typo.text
    assert 'value="SF123"' in typo.text
    done = web.post(
        f"{url}/shipping",
        data={"method": "self_ship", "brand": "sf", "tracking_no": "SF1234567890123"},
    )
    assert done.status_code == 303
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "in_transit"


def test_console_shows_shipments_and_an_agent_arranges_one(
    context: AppContext, rma: str, carrier: BookingCarrier, tokens: Any, tmp_path: Any
) -> None:
    tokens(Role.AGENT, username="li.na")
    with sign_in(context, "li.na") as agent:
        page = agent.get(f"/staff/returns/{rma}").text
        assert 'id="shipments"' in page and 'data-arrange="dropoff"' in page
        done = agent.post(
            f"/staff/returns/{rma}/shipping",
            data={"csrf_token": csrf_from(page), "method": "dropoff"},
            follow_redirects=False,
        )
        assert done.status_code == 303
        _deliver(context, tmp_path)
        page = agent.get(f"/staff/returns/{rma}").text
        row = page.split('data-method="dropoff"', 1)[1].split("</tr>", 1)[0]
        assert "SIM0000000001" in row and "label.pdf" in row
        assert 'data-arrange="dropoff"' not in page  # arranged: no second one offered
        again = agent.post(
            f"/staff/returns/{rma}/shipping",
            data={"csrf_token": csrf_from(page), "method": "dropoff"},
        )
        assert again.status_code == 409
        assert agent.get(f"/api/v1/returns/{rma}/label.pdf").status_code == 200
        assert agent.get("/staff/reports/shipping-costs").status_code == 403


def test_the_cost_page_for_finance(
    context: AppContext,
    rma: str,
    carrier: BookingCarrier,
    client: TestClient,
    tokens: Any,
    tmp_path: Any,
) -> None:
    client.post(f"/api/v1/returns/{rma}/shipments", json={"method": "dropoff"})
    _deliver(context, tmp_path)
    tokens(Role.FINANCE, username="liu.yang")
    with sign_in(context, "liu.yang") as finance:
        page = finance.get("/staff/reports/shipping-costs").text
        assert 'data-key="simulated"' in page and 'data-net="-200"' in page  # 800 label − 1000 fee
        assert 'data-menu="costs"' in page
        by_merchant = finance.get("/staff/reports/shipping-costs?by=merchant").text
        assert 'data-key="m-babycare"' in by_merchant
