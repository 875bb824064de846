"""Resolution pages: the console panel (exchange, repair, reissue, credit), the shipment
requests list, the store-credit page, and the portal's exchange and credit choices."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jinja2.ext import babel_extract

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.web.i18n import translations
from returnflow.web.portal_links import PortalAccess, make_token
from returnflow.web.templating import TEMPLATES
from tests.support.apps import shared_app
from tests.support.catalogue import feed
from tests.test_console_pages import csrf_from, sign_in

OrderPayload = Callable[..., dict[str, Any]]
Tokens = Callable[..., str]
SECRET = "resolution-page-tests"
OURS = (
    "staff/_resolution.html",
    "staff/store_credit.html",
    "staff/shipment_requests.html",
    "portal/_resolution.html",
    "portal/resolution.html",
)


@pytest.fixture
def context(context: AppContext) -> AppContext:
    settings = context.settings.model_copy(update={"secret_key": SECRET})
    return dataclasses.replace(context, settings=settings)


@pytest.fixture
def manual_refunds(context: AppContext) -> None:
    """The refund is decided by hand: automatic refunds at inspection and instant refunds
    at the first scan are off, so the refund is still open to be taken as store credit."""
    context.settings.refund_auto_request = False
    context.settings.instant_refund_enabled = False


@pytest.fixture(autouse=True)
def order(client: TestClient, order_payload: OrderPayload) -> None:
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201


@pytest.fixture
def agent(context: AppContext, tokens: Tokens) -> Iterator[TestClient]:
    tokens(Role.AGENT, username="li.na")
    with sign_in(context, "li.na") as browser:
        yield browser


@pytest.fixture
def finance(context: AppContext, tokens: Tokens) -> Iterator[TestClient]:
    tokens(Role.FINANCE, username="zhao.cai")
    with sign_in(context, "zhao.cai") as browser:
        yield browser


def file(client: TestClient, type_: str, reason: str = "wrong_item") -> str:
    body = {
        "order_no": "SO-1001",
        "type": type_,
        "lines": [{"line_no": 1, "quantity": 1, "reason_code": reason}],
    }
    rma: str = client.post("/api/v1/returns", json=body).json()["rma_no"]
    return rma


def at_warehouse(client: TestClient, rma: str) -> None:
    for action, payload in (
        ("ship", {"carrier": "SF", "tracking_no": "SF1234567890"}),
        ("receive", None),
        ("inspect", {"passed": True, "notes": "ok"}),
    ):
        assert client.post(f"/api/v1/returns/{rma}/{action}", json=payload).status_code == 200


def test_every_resolution_text_has_a_chinese_translation() -> None:
    catalog = translations("zh")
    missing = []
    for name in OURS:
        with (TEMPLATES / name).open("rb") as handle:
            for _, _, message, _ in babel_extract(handle, ("_", "gettext"), [], {}):
                msgid = message if isinstance(message, str) else str((message or ("",))[0])
                if catalog.gettext(msgid) == msgid:
                    missing.append(f"{name}: {msgid}")
    assert missing == []


def test_agent_chooses_a_replacement_sends_it_and_records_the_waybill(
    client: TestClient, agent: TestClient
) -> None:
    feed(client, "BIB-3", 3900, title="婴儿围兜三条装")
    rma = file(client, "exchange")
    page = agent.get(f"/staff/returns/{rma}").text
    assert 'data-action="exchange"' in page
    assert 'value="BIB-3"' in page  # the order system's catalogue feed
    assert 'name="price"' not in page  # the price is the catalogue's, not the agent's
    chosen = agent.post(
        f"/staff/returns/{rma}/exchange-order",
        data={"csrf_token": csrf_from(page), "sku": "BIB-3", "quantity": "1", "price": "0"},
        follow_redirects=False,
    )
    assert chosen.status_code == 303, chosen.text
    page = agent.get(f"/staff/returns/{rma}").text
    assert 'data-exchange="reserved"' in page
    assert 'data-difference="-4500"' in page  # 39.00 replacing an 84.00 unit
    assert 'data-action="release"' not in page  # the goods are not back yet
    at_warehouse(client, rma)
    page = agent.get(f"/staff/returns/{rma}").text
    released = agent.post(
        f"/staff/returns/{rma}/exchange-order/release",
        data={"csrf_token": csrf_from(page)},
        follow_redirects=False,
    )
    assert released.status_code == 303
    listing = agent.get("/staff/shipment-requests").text
    assert 'data-menu="shipment-requests"' in listing
    request_id = re.search(r'data-request-id="(\d+)" data-status="pending"', listing)
    assert request_id is not None
    shipped = agent.post(
        f"/staff/shipment-requests/{request_id.group(1)}/shipped",
        data={"csrf_token": csrf_from(listing), "carrier": "SF", "waybill_no": "SF8880001"},
        follow_redirects=False,
    )
    assert shipped.status_code == 303
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "completed"  # shipped: done
    assert "SF8880001" in agent.get("/staff/shipment-requests?status=shipped").text


def test_a_refused_exchange_step_explains_itself(client: TestClient, agent: TestClient) -> None:
    feed(client, "BIB-3", 3900)
    rma = file(client, "exchange")
    page = agent.get(f"/staff/returns/{rma}").text
    refused = agent.post(
        f"/staff/returns/{rma}/exchange-order",
        data={"csrf_token": csrf_from(page), "sku": "BIB-3", "fast": "1"},
        headers={"Accept-Language": "en"},
    )
    assert refused.status_code == 409
    assert "Not enough completed requests" in refused.text


def test_repair_steps_and_reissue_from_the_console(client: TestClient, agent: TestClient) -> None:
    rma = file(client, "repair", reason="quality")
    client.post(f"/api/v1/returns/{rma}/approve")
    at_warehouse(client, rma)
    for step, extra in (
        ("open", {}),
        ("diagnose", {"note": "屏幕排线松动", "cost": ""}),
        ("repaired", {"note": "已修复"}),
        ("ship_back", {}),
    ):
        page = agent.get(f"/staff/returns/{rma}").text
        done = agent.post(
            f"/staff/returns/{rma}/repair-order",
            data={"csrf_token": csrf_from(page), "step": step, **extra},
            follow_redirects=False,
        )
        assert done.status_code == 303, (step, done.text)
    page = agent.get(f"/staff/returns/{rma}").text
    assert 'data-repair="awaiting_shipment"' in page
    assert "屏幕排线松动" in page

    parts = file(client, "reissue", reason="missing_parts")
    page = agent.get(f"/staff/returns/{parts}").text
    assert 'data-action="reissue"' in page
    agent.post(f"/staff/returns/{parts}/reissue-order", data={"csrf_token": csrf_from(page)})
    page = agent.get(f"/staff/returns/{parts}").text
    assert 'data-shipment-request="pending"' in page
    assert 'data-action="reissue"' not in page


@pytest.mark.usefixtures("manual_refunds")
def test_finance_credits_the_refund_and_sees_the_customer_balance(
    client: TestClient, finance: TestClient, agent: TestClient
) -> None:
    rma = file(client, "refund")
    at_warehouse(client, rma)
    page = finance.get(f"/staff/returns/{rma}").text
    assert 'data-action="store-credit"' in page
    assert 'data-action="store-credit"' not in agent.get(f"/staff/returns/{rma}").text
    finance.post(f"/staff/returns/{rma}/store-credit", data={"csrf_token": csrf_from(page)})
    credit = finance.get("/staff/store-credit?customer_id=c-1").text
    assert 'data-balance="8820"' in credit
    assert credit.count('data-kind="') == 2  # the grant and the bonus
    assert 'data-menu="store-credit"' in credit
    assert 'data-menu="store-credit"' not in agent.get("/staff").text
    assert agent.get("/staff/store-credit").status_code == 403


@pytest.mark.usefixtures("manual_refunds")
def test_customer_takes_store_credit_and_picks_a_replacement_in_the_portal(
    context: AppContext, client: TestClient
) -> None:
    token = make_token(SECRET, PortalAccess("SO-1001", "c-1"), context.clock())
    refund = file(client, "refund")
    at_warehouse(client, refund)
    with TestClient(shared_app(context)) as web:
        assert 'data-link="resolution"' in web.get(f"/portal/o/{token}/r/{refund}").text
        page = web.get(f"/portal/o/{token}/r/{refund}/resolution").text
        assert 'data-action="store-credit"' in page
        taken = web.post(f"/portal/o/{token}/r/{refund}/store-credit", follow_redirects=False)
        assert taken.status_code == 303
        page = web.get(f"/portal/o/{token}/r/{refund}/resolution").text
        assert 'data-balance="8820"' in page
        assert 'data-action="store-credit"' not in page

        feed(client, "BIB-3", 3900)
        exchange = file(client, "exchange")
        page = web.get(f"/portal/o/{token}/r/{exchange}/resolution").text
        assert 'data-action="exchange"' in page
        web.post(f"/portal/o/{token}/r/{exchange}/exchange", data={"sku": "BIB-3"})
        page = web.get(f"/portal/o/{token}/r/{exchange}/resolution").text
        assert 'data-exchange="reserved"' in page
        forged = web.post(f"/portal/o/{token}x/r/{exchange}/exchange", data={"sku": "BIB-3"})
        assert forged.status_code == 404
