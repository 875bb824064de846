"""Finance settles an instant refund's recovery on the finance page; an exchange's
refunded price gap shows its workings on the request page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.domain.ledger import Account
from tests.support.catalogue import feed
from tests.support.refunds import pay_refunds
from tests.test_console_pages import csrf_from, sign_in

OrderPayload = Callable[..., dict[str, Any]]
Tokens = Callable[..., str]
SHIP = {"carrier": "顺丰速运", "tracking_no": "SF1234567890"}
EN = {"Accept-Language": "en"}


def _file(client: TestClient, order_payload: OrderPayload, type_: str, reason: str) -> str:
    client.post("/api/v1/orders", json=order_payload())
    body = {
        "order_no": "SO-1001",
        "type": type_,
        "lines": [{"line_no": 1, "quantity": 1, "reason_code": reason}],
    }
    return str(client.post("/api/v1/returns", json=body).json()["rma_no"])


def test_finance_settles_a_recovery_from_the_finance_page(
    client: TestClient, context: AppContext, tokens: Tokens, order_payload: OrderPayload
) -> None:
    rma = _file(client, order_payload, "refund", "no_reason")
    assert client.post(f"/api/v1/returns/{rma}/ship", json=SHIP).status_code == 200
    pay_refunds(context)  # paid at the first scan
    client.post(f"/api/v1/returns/{rma}/receive")
    client.post(f"/api/v1/returns/{rma}/inspect", json={"passed": False, "notes": "商品已使用"})
    pay_refunds(context)  # the recovery case opens
    tokens(Role.FINANCE, username="fay")
    with sign_in(context, "fay") as finance:
        page = finance.get("/staff/finance", headers=EN).text
        assert f'data-recovery-form="{rma}"' in page
        assert "Paid back" in page and "Write off" in page
        zh = finance.get("/staff/finance", headers={"Accept-Language": "zh"}).text
        assert "核销（我方承担）" in zh
        forged = finance.post(
            f"/staff/finance/recoveries/{rma}/resolve",
            data={"csrf_token": "nope", "outcome": "recovered"},
            follow_redirects=False,
        )
        assert forged.status_code in (400, 403)
        done = finance.post(
            f"/staff/finance/recoveries/{rma}/resolve",
            data={"csrf_token": csrf_from(page), "outcome": "recovered"},
            follow_redirects=False,
        )
        assert (done.status_code, done.headers["location"]) == (303, "/staff/finance#recoveries")
        twice = finance.post(
            f"/staff/finance/recoveries/{rma}/resolve",
            data={"csrf_token": csrf_from(page), "outcome": "written_off"},
            follow_redirects=False,
        )
        assert twice.status_code == 303  # already settled: nothing more happens
        page = finance.get("/staff/finance", headers=EN).text
        assert f'data-recovery-form="{rma}"' not in page
    with context.uow() as uow:
        assert uow.ledger.balance(Account.CASH).cents == 8400
        assert uow.ledger.balance(Account.COMPENSATION).cents == 0
        assert uow.ledger.balance(Account.CUSTOMER_RECEIVABLE, party="c-1").cents == 0
    [row] = client.get("/api/v1/finance/recoveries", params={"status": "recovered"}).json()
    assert (row["rma_no"], row["resolved_by"]) == (rma, "finance:fay")


def test_agents_cannot_settle_recoveries(
    client: TestClient, context: AppContext, tokens: Tokens
) -> None:
    tokens(Role.AGENT, username="amy")
    with sign_in(context, "amy") as agent:
        page = agent.get("/staff/returns", headers=EN).text
        refused = agent.post(
            "/staff/finance/recoveries/RMA1/resolve",
            data={"csrf_token": csrf_from(page), "outcome": "written_off"},
            follow_redirects=False,
        )
        assert refused.status_code == 403


def test_request_page_shows_an_exchange_gap_refund_with_its_workings(
    client: TestClient, context: AppContext, tokens: Tokens, order_payload: OrderPayload
) -> None:
    rma = _file(client, order_payload, "exchange", "wrong_item")
    for action, step in (("ship", SHIP), ("receive", None), ("inspect", {"passed": True})):
        assert client.post(f"/api/v1/returns/{rma}/{action}", json=step).status_code == 200
    feed(client, "BOTTLE-160", 5900, title="奶瓶")
    item = {"line_no": 1, "sku": "BOTTLE-160", "quantity": 1}
    chosen = client.post(f"/api/v1/returns/{rma}/exchange-order", json={"items": [item]})
    assert chosen.status_code == 201, chosen.text
    pay_refunds(context)
    tokens(Role.FINANCE, username="fay")
    with sign_in(context, "fay") as finance:
        page = finance.get(f"/staff/returns/{rma}", headers=EN).text
        assert 'data-refund-status="succeeded"' in page
        assert 'data-gap="returned"' in page and "CN¥84.00" in page
        assert 'data-gap="replacement"' in page and "CN¥59.00" in page
        assert "data-refund-total>CN¥25.00<" in page
