"""Where the money slices meet (issues 4 and 5): an exchange's negative price gap paid
through the refund life, store credit or refund never both, the customer's return
freight taken off the refund, and open recoveries refusing fast exchange.

The order (conftest): line 1 is 2 × 89.00 with a 10.00 discount (84.00 a unit paid);
line 2 is 1 × 39.00; delivery 8.00.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from returnflow.app_context import AppContext
from returnflow.domain.ledger import Account, trial_balance_is_zero
from returnflow.jobs.worker import Worker
from returnflow.logistics.carriers import ManualCarrier
from returnflow.notify.mailer import FileMailer
from returnflow.payments.sandbox import SandboxGateway
from returnflow.storage.schema import (
    OutboxRow,
    RefundIntentRow,
    RefundRow,
    StoreCreditEntryRow,
)
from tests.support.booking_carrier import BookingCarrier
from tests.support.catalogue import feed

OrderPayload = Callable[..., dict[str, Any]]
SHIP = {"carrier": "SF", "tracking_no": "SF1234567890"}
SHIP_TO = {
    "name": "王小明",
    "phone": "13800138000",
    "province": "四川省",
    "city": "成都市",
    "district": "武侯区",
    "detail": "人民南路四段 1 号 2 栋 301 室",
}


@pytest.fixture
def worker(context: AppContext, tmp_path: Any) -> Worker:
    context.gateway = SandboxGateway(context.clock, settle_after=timedelta(0))
    return Worker(context, FileMailer(tmp_path))


def _order(client: TestClient, order_payload: OrderPayload) -> None:
    created = client.post("/api/v1/orders", json=order_payload(ship_to=SHIP_TO))
    assert created.status_code == 201, created.text


def _file(client: TestClient, type_: str, reason: str, line_no: int = 1, **extra: Any) -> str:
    body = {
        "order_no": "SO-1001",
        "type": type_,
        "lines": [{"line_no": line_no, "quantity": 1, "reason_code": reason}],
        **extra,
    }
    response = client.post("/api/v1/returns", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["rma_no"])


def _step(client: TestClient, rma: str, action: str, body: dict[str, Any] | None = None) -> None:
    response = client.post(f"/api/v1/returns/{rma}/{action}", json=body)
    assert response.status_code == 200, response.text


def _inspected(client: TestClient, rma: str, tracking: str = "SF1234567890") -> None:
    _step(client, rma, "ship", {"carrier": "SF", "tracking_no": tracking})
    _step(client, rma, "receive")
    _step(client, rma, "inspect", {"passed": True, "notes": "ok"})


def _choose(
    client: TestClient, rma: str, price: int, *, fast: bool = False, language: str = "zh"
) -> Any:
    feed(client, "BOTTLE-160", price, title="奶瓶 160ml")
    item = {"line_no": 1, "sku": "BOTTLE-160", "quantity": 1}
    return client.post(
        f"/api/v1/returns/{rma}/exchange-order",
        json={"items": [item], "fast": fast},
        headers={"Accept-Language": language},
    )


def _balances(context: AppContext) -> dict[str, int]:
    with context.uow() as uow:
        books = uow.ledger.balances()
        return {a.value: books.of(a).cents for a in Account if not books.of(a).is_zero}


def _outbox(context: AppContext, topic: str) -> list[dict[str, Any]]:
    with context.session_factory() as session:
        rows = session.scalars(select(OutboxRow).where(OutboxRow.topic == topic)).all()
        return [row.payload for row in rows]


def _count(context: AppContext, table: Any) -> int:
    with context.session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


# --- 1. the exchange's negative gap is a refund ----------------------------------------


def test_negative_exchange_gap_is_paid_through_the_refund_life(
    client: TestClient, context: AppContext, order_payload: OrderPayload, worker: Worker
) -> None:
    _order(client, order_payload)
    rma = _file(client, "exchange", "wrong_item")
    _inspected(client, rma)
    chosen = _choose(client, rma, 5900)
    assert chosen.status_code == 201, chosen.text
    assert chosen.json()["exchange"]["difference"]["amount"] == -2500
    assert _balances(context) == {"sales_returns": 2500, "refunds_payable": 2500}

    worker.tick()  # the sweep owes it as a refund and submits it; the sandbox pays at once
    worker.tick()  # the gateway's notification and the customer's notice
    refund = client.get(f"/api/v1/refunds/{rma}")
    assert refund.status_code == 200, refund.text
    body = refund.json()
    assert (body["status"], body["trigger"], body["amount"]["amount"]) == (
        "succeeded",
        "exchange_gap",
        2500,
    )
    assert body["idempotency_key"] == f"rf-{rma}-gap"
    workings = body["workings"]
    assert workings["kind"] == "exchange_gap"
    assert (workings["returned_value"]["amount"], workings["replacement_value"]["amount"]) == (
        8400,
        5900,
    )
    assert workings["total"]["amount"] == 2500
    # owed at release, paid now: nothing left payable, the gateway owes the bank
    assert _balances(context) == {"sales_returns": 2500, "gateway_clearing": -2500}
    with context.uow() as uow:
        assert trial_balance_is_zero(uow.ledger.postings())
    [told] = _outbox(context, "return.refund_paid")
    assert (told["rma_no"], told["amount"]) == (rma, 2500)
    with context.session_factory() as session:
        [intent] = session.scalars(select(RefundIntentRow)).all()
        assert intent.status == "paid"
    # more ticks move no more money: one submission, one refund
    worker.tick()
    assert len(_outbox(context, "refund.submit")) == 1
    assert _count(context, RefundRow) == 1
    # the request still ends as an exchange, not a refund
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "inspected"


def test_an_exchange_gap_is_not_a_refund_anyone_can_ask_for_twice(
    client: TestClient, context: AppContext, order_payload: OrderPayload, worker: Worker
) -> None:
    _order(client, order_payload)
    rma = _file(client, "exchange", "wrong_item")
    _inspected(client, rma)
    assert _choose(client, rma, 5900).status_code == 201
    asked = client.post(f"/api/v1/returns/{rma}/refund")
    assert (asked.status_code, asked.json()["code"]) == (409, "not_a_refund")
    credit = client.post(f"/api/v1/returns/{rma}/store-credit")
    assert credit.status_code == 409, credit.text
    worker.tick()
    assert _count(context, RefundRow) == 1
    assert _count(context, StoreCreditEntryRow) == 0


# --- 2. store credit or refund, never both ---------------------------------------------


def _refund_inspected(client: TestClient, context: AppContext, order_payload: OrderPayload) -> str:
    context.settings.instant_refund_enabled = False
    context.settings.refund_auto_request = False
    _order(client, order_payload)
    rma = _file(client, "refund", "no_reason")
    _inspected(client, rma)
    return rma


def test_store_credit_after_a_refund_is_refused_and_the_other_way_round(
    client: TestClient, context: AppContext, order_payload: OrderPayload
) -> None:
    rma = _refund_inspected(client, context, order_payload)
    assert client.post(f"/api/v1/returns/{rma}/refund").status_code == 200
    credit = client.post(f"/api/v1/returns/{rma}/store-credit")
    assert (credit.status_code, credit.json()["code"]) == (409, "refund_exists")

    second = _file(client, "refund", "no_reason")
    _inspected(client, second, "SF1234567891")
    assert client.post(f"/api/v1/returns/{second}/store-credit").status_code in (200, 201)
    money = client.post(f"/api/v1/returns/{second}/refund")
    assert money.status_code == 409, money.text
    assert _count(context, RefundRow) == 2
    assert len(_outbox(context, "refund.submit")) == 1  # only the first pays money


def test_concurrent_store_credit_and_refund_pay_one_of_them(
    client: TestClient, context: AppContext, order_payload: OrderPayload
) -> None:
    rma = _refund_inspected(client, context, order_payload)

    def ask(n: int) -> tuple[str, int]:
        path = "refund" if n % 2 else "store-credit"
        return path, int(client.post(f"/api/v1/returns/{rma}/{path}").status_code)

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(ask, range(12)))
    won = [path for path, code in answers if code in (200, 201)]
    assert len(won) == 1, answers
    assert {code for _, code in answers} - {200, 201} <= {409}
    assert _count(context, RefundRow) == 1
    balances = _balances(context)
    if won == ["refund"]:
        assert len(_outbox(context, "refund.submit")) == 1
        assert _count(context, StoreCreditEntryRow) == 0
        assert balances == {"sales_returns": 8400, "refunds_payable": 8400}
    else:
        assert _outbox(context, "refund.submit") == []
        assert balances["store_credit"] == 8400 + 420  # the customer's credit, 5 % bonus
        assert "refunds_payable" not in balances


# --- 3. the customer's return freight --------------------------------------------------


@pytest.fixture
def carrier(context: AppContext) -> BookingCarrier:
    double = BookingCarrier()
    context.carriers = {"manual": ManualCarrier(), "simulated": double}
    return double


def _carried_back(client: TestClient, context: AppContext, rma: str, method: str) -> int:
    """The customer books `method`; the worker arranges it; the parcel goes and arrives."""
    booked = client.post(f"/api/v1/returns/{rma}/shipments", json={"method": method})
    assert booked.status_code == 201, booked.text
    fee = int(booked.json()["customer_fee"]["amount"])
    Worker(context, FileMailer("/tmp/rf-money-gaps-mail")).dispatcher.run_once(context.clock())
    [shipment] = client.get(f"/api/v1/returns/{rma}/shipments").json()
    _step(client, rma, "ship", {"carrier": "sim", "tracking_no": shipment["waybill_no"]})
    _step(client, rma, "receive")
    _step(client, rma, "inspect", {"passed": True})
    return fee


def test_return_freight_the_customer_pays_comes_off_the_refund(
    client: TestClient, context: AppContext, order_payload: OrderPayload, carrier: BookingCarrier
) -> None:
    context.settings.instant_refund_enabled = False
    context.settings.refund_auto_request = False
    _order(client, order_payload)
    rma = _file(client, "refund", "no_reason", line_no=2, photos=["a" * 32 + ".jpg"])
    fee = _carried_back(client, context, rma, "dropoff")
    assert fee > 0
    refund = client.post(f"/api/v1/returns/{rma}/refund", headers={"Accept-Language": "en"})
    assert refund.status_code == 200, refund.text
    workings = refund.json()["workings"]
    [freight] = workings["deductions"]
    assert (freight["code"], freight["amount"]["amount"]) == ("return_shipping", fee)
    assert "Return shipping" in freight["reason"]
    assert workings["total"]["amount"] == 3900 - fee
    zh = client.get(f"/api/v1/refunds/{rma}", headers={"Accept-Language": "zh"}).json()
    assert "退货运费" in zh["workings"]["deductions"][0]["reason"]


def test_store_credit_takes_the_return_freight_off_too(
    client: TestClient, context: AppContext, order_payload: OrderPayload, carrier: BookingCarrier
) -> None:
    context.settings.instant_refund_enabled = False
    context.settings.refund_auto_request = False
    _order(client, order_payload)
    rma = _file(client, "refund", "no_reason", line_no=2, photos=["a" * 32 + ".jpg"])
    fee = _carried_back(client, context, rma, "dropoff")
    assert client.post(f"/api/v1/returns/{rma}/store-credit").status_code in (200, 201)
    with context.uow() as uow:
        credit = uow.ledger.balance(Account.STORE_CREDIT, "CNY", "c-1").cents
    principal = 3900 - fee
    assert credit == principal + round(principal * 0.05)


def test_no_freight_deduction_when_the_merchant_pays_or_the_customer_shipped_it(
    client: TestClient, context: AppContext, order_payload: OrderPayload, carrier: BookingCarrier
) -> None:
    context.settings.instant_refund_enabled = False
    context.settings.refund_auto_request = False
    _order(client, order_payload)
    # a quality problem: the merchant pays the freight
    merchant_pays = _file(client, "refund", "quality", line_no=2, photos=["a" * 32 + ".jpg"])
    assert _carried_back(client, context, merchant_pays, "dropoff") == 0
    refund = client.post(f"/api/v1/returns/{merchant_pays}/refund").json()
    assert refund["workings"]["deductions"] == []
    # the customer shipped it themselves and paid their own carrier
    own = _file(client, "refund", "no_reason", line_no=1)
    _inspected(client, own, "SF1234567891")
    assert client.post(f"/api/v1/returns/{own}/refund").json()["workings"]["deductions"] == []


# --- 4. open recoveries refuse fast exchange -------------------------------------------


def test_an_open_recovery_refuses_fast_exchange_until_it_is_settled(
    client: TestClient, context: AppContext, order_payload: OrderPayload, worker: Worker
) -> None:
    _order(client, order_payload)
    paid_early = _file(client, "refund", "no_reason")
    _step(client, paid_early, "ship", SHIP)
    worker.tick()  # instant refund at the first scan
    _step(client, paid_early, "receive")
    _step(client, paid_early, "inspect", {"passed": False, "notes": "商品已使用"})
    worker.tick()
    worker.tick()
    assert [r["rma_no"] for r in client.get("/api/v1/finance/recoveries").json()] == [paid_early]

    context.settings.fast_exchange_min_completed = 0
    exchange = _file(client, "exchange", "wrong_item")
    refused = _choose(client, exchange, 8400, fast=True, language="en")
    assert (refused.status_code, refused.json()["code"]) == (409, "fast_exchange_refused")
    assert "There is an unsettled recovery" in refused.json()["detail"]

    settled = client.post(
        f"/api/v1/finance/recoveries/{paid_early}/resolve", json={"outcome": "written_off"}
    )
    assert settled.status_code == 204
    again = _choose(client, exchange, 8400, fast=True, language="en")
    # the failed inspection still counts against fast exchange, the recovery no longer does
    assert "There is an unsettled recovery" not in again.json()["detail"]
    assert "failed inspection" in again.json()["detail"]
