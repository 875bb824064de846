"""Finance pages and the refund panels: workings, approvals, deadlines, reconciliation."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.payments.sandbox import SandboxGateway
from tests.support.clock import FakeClock
from tests.support.refunds import pay_refunds
from tests.test_console_pages import csrf_from, sign_in

OrderPayload = Callable[..., dict[str, Any]]
Tokens = Callable[..., str]
SHIP = {"carrier": "顺丰速运", "tracking_no": "SF1234567890"}


def received(client: TestClient, order_payload: OrderPayload) -> str:
    """A no-reason return of SO-1001's first line, shipped and received (through the API)."""
    client.post("/api/v1/orders", json=order_payload())
    body = {
        "order_no": "SO-1001",
        "type": "refund",
        "lines": [{"line_no": 1, "quantity": 1, "reason_code": "no_reason"}],
    }
    rma = str(client.post("/api/v1/returns", json=body).json()["rma_no"])
    for action, step in (("ship", SHIP), ("receive", None)):
        assert client.post(f"/api/v1/returns/{rma}/{action}", json=step).status_code == 200
    return rma


def _inspected(client: TestClient, order_payload: OrderPayload) -> str:
    rma = received(client, order_payload)
    passed = client.post(f"/api/v1/returns/{rma}/inspect", json={"passed": True})
    assert passed.status_code == 200
    return rma


def test_request_page_refunds_and_shows_the_workings(
    client: TestClient, context: AppContext, tokens: Tokens, order_payload: OrderPayload
) -> None:
    context.settings.instant_refund_enabled = False
    context.settings.refund_auto_request = False  # finance asks by hand, policy does not
    rma = _inspected(client, order_payload)
    tokens(Role.FINANCE, username="fay")
    with sign_in(context, "fay") as finance:
        page = finance.get(f"/staff/returns/{rma}", headers={"Accept-Language": "en"}).text
        assert 'id="refund"' in page and "Refund to the original payment method" in page
        done = finance.post(
            f"/staff/returns/{rma}/refund",
            data={"csrf_token": csrf_from(page)},
            follow_redirects=False,
        )
        assert done.status_code == 303
        page = finance.get(f"/staff/returns/{rma}", headers={"Accept-Language": "en"}).text
        assert 'data-refund-status="requested"' in page
        assert "Requested by Finance fay" in page  # the role in words (issue 16)
        assert "Discount share" in page and "−CN¥5.00" in page  # 10.00 shared by two units
        assert re.search(r"data-refund-total>CN¥84.00<", page)
        pay_refunds(context)
        page = finance.get(f"/staff/returns/{rma}").text
        assert 'data-refund-status="succeeded"' in page


def test_finance_home_opens_on_inspected_returns_waiting_for_a_refund(
    client: TestClient, context: AppContext, tokens: Tokens, order_payload: OrderPayload
) -> None:
    """Issue 16: finance's next work is on its home, in words, with the way to it."""
    context.settings.instant_refund_enabled = False
    context.settings.refund_auto_request = False  # finance asks by hand, policy does not
    tokens(Role.FINANCE, username="fay")
    with sign_in(context, "fay") as finance:
        empty = finance.get("/staff/finance").text
        assert 'data-count="awaiting-refund"' not in empty
        rma = _inspected(client, order_payload)
        page = finance.get("/staff/finance").text
        waiting = page.split('id="awaiting-refund"')[1].split("</section>")[0]
        assert "验货通过，等待退款" in waiting
        assert 'data-count="awaiting-refund">1<' in waiting
        assert "/staff/returns?status=inspected&amp;type=refund" in waiting
        listed = finance.get("/staff/returns?status=inspected&type=refund").text
        assert rma in listed
        english = finance.get("/staff/finance", headers={"Accept-Language": "en"}).text
        assert "Inspected, waiting for a refund" in english


def test_finance_page_lists_breached_refunds_and_the_ledger(
    client: TestClient,
    context: AppContext,
    tokens: Tokens,
    order_payload: OrderPayload,
    clock: FakeClock,
) -> None:
    context.settings.instant_refund_enabled = False
    gateway = SandboxGateway(context.clock, settle_after=timedelta(seconds=30))
    gateway.unavailable_next(1000)
    context.gateway = gateway
    context.settings.refund_max_attempts = 100
    rma = _inspected(client, order_payload)
    pay_refunds(context, ticks=1)
    clock.advance(hours=25)
    pay_refunds(context, ticks=1)
    tokens(Role.FINANCE, username="fay")
    with sign_in(context, "fay") as finance:
        page = finance.get("/staff/finance", headers={"Accept-Language": "en"}).text
    breached = page.split('id="breached"')[1].split("</section>")[0]
    assert f'data-rma="{rma}"' in breached
    assert 'data-account="refunds_payable"' in page


def test_manager_approves_from_the_queue_page(
    client: TestClient, context: AppContext, tokens: Tokens, order_payload: OrderPayload
) -> None:
    context.settings.instant_refund_enabled = False
    context.settings.refund_auto_request = False  # finance asks by hand, policy does not
    context.settings.authority_limits = {"finance": 100}
    rma = _inspected(client, order_payload)
    finance_token = tokens(Role.FINANCE, username="fay")
    owed = client.post(
        f"/api/v1/returns/{rma}/refund", headers={"Authorization": f"Bearer {finance_token}"}
    ).json()
    assert owed["status"] == "awaiting_approval"
    tokens(Role.MANAGER, username="mona")
    with sign_in(context, "mona") as manager:
        page = manager.get("/staff/finance/approvals").text
        assert f'data-approval="{owed["approval_id"]}"' in page
        manager.post(
            f"/staff/finance/approvals/{owed['approval_id']}/approve",
            data={"csrf_token": csrf_from(page)},
        )
        assert 'data-approval="' not in manager.get("/staff/finance/approvals").text
    pay_refunds(context)
    refund = client.get(f"/api/v1/refunds/{rma}").json()
    assert (refund["status"], refund["approved_by"]) == ("succeeded", "manager:mona")


def test_reconciliation_page_and_download(
    client: TestClient, context: AppContext, tokens: Tokens, order_payload: OrderPayload
) -> None:
    context.settings.instant_refund_enabled = False
    rma = _inspected(client, order_payload)
    pay_refunds(context)
    tokens(Role.FINANCE, username="fay")
    with sign_in(context, "fay") as finance:
        page = finance.get("/staff/finance/reconciliation", headers={"Accept-Language": "en"})
        assert "1 refunds match" in page.text and "data-clean" in page.text
        xlsx = finance.get("/staff/finance/reconciliation?format=xlsx")
    book = load_workbook(io.BytesIO(xlsx.content))
    assert [c.value for c in book["matched"][2]][1] == rma
    assert book["differences"].max_row == 1  # the header only


def test_portal_request_page_tells_the_customer_the_money_was_paid(
    client: TestClient, context: AppContext, order_payload: OrderPayload
) -> None:
    context.settings.instant_refund_enabled = False
    rma = _inspected(client, order_payload)
    pay_refunds(context)
    web = TestClient(client.app, follow_redirects=False)
    order_url = web.post(
        "/portal/lookup", data={"order_no": "SO-1001", "contact": "13800138000"}
    ).headers["location"]
    page = web.get(f"{order_url}/r/{rma}", headers={"Accept-Language": "en"}).text
    section = page.split('id="refund"')[1].split("</section>")[0]
    assert 'data-refund-status="succeeded"' in section
    assert "Paid back to your Alipay account" in section  # issue 16: no raw method code
    assert "Less your share of the discount" in section
    assert "data-refund-total>CN¥84.00<" in section
