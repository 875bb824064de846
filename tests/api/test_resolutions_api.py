"""Exchanges, fast exchanges, repairs and reissues end to end through the API (R6.2, R6.3).

The order (conftest): line 1 is 2 × 89.00 with a 10.00 discount, so each unit was paid
84.00; line 2 is 1 × 39.00.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.domain.ledger import Account
from returnflow.integrations.webhooks import verify
from returnflow.jobs import resolutions as resolution_jobs
from returnflow.jobs.outbox import DispatchReport, OutboxDispatcher
from returnflow.storage.schema import OutboxRow, RefundIntentRow, ShipmentRow
from returnflow.storage.schema.risk import RiskAssessmentRow
from tests.support.clock import FakeClock

OrderPayload = Callable[..., dict[str, Any]]
SHIP = {"carrier": "SF", "tracking_no": "SF1234567890"}


@pytest.fixture(autouse=True)
def order(client: TestClient, order_payload: OrderPayload) -> None:
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201


@pytest.fixture
def manual_refunds(context: AppContext) -> None:
    """The refund is decided by hand: automatic refunds at inspection and instant refunds
    at the first scan are off, so the customer's earlier refund is taken as store credit."""
    context.settings.refund_auto_request = False
    context.settings.instant_refund_enabled = False


def file(
    client: TestClient,
    type_: str,
    line_no: int = 1,
    reason: str = "wrong_item",
    expect: str = "approved",
) -> str:
    body = {
        "order_no": "SO-1001",
        "type": type_,
        "lines": [{"line_no": line_no, "quantity": 1, "reason_code": reason}],
    }
    response = client.post("/api/v1/returns", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["status"] == expect, response.text
    rma: str = response.json()["rma_no"]
    return rma


def step(client: TestClient, rma: str, action: str, body: dict[str, Any] | None = None) -> None:
    response = client.post(f"/api/v1/returns/{rma}/{action}", json=body)
    assert response.status_code == 200, response.text


def back_at_warehouse(client: TestClient, rma: str, tracking: str = "SF1234567890") -> None:
    step(client, rma, "ship", {"carrier": "SF", "tracking_no": tracking})
    step(client, rma, "receive")
    step(client, rma, "inspect", {"passed": True, "notes": "ok"})


def feed(client: TestClient, price: int, available: int = 100, sku: str = "BOTTLE-300") -> None:
    """The order system's price feed: replacements are priced from it, never by the caller."""
    item = {
        "merchant_id": "m-babycare",
        "sku": sku,
        "title": "宽口径玻璃奶瓶 300ml",
        "unit_price": price,
        "available": available,
    }
    fed = client.put("/api/v1/catalog/items", json={"items": [item]})
    assert fed.status_code == 200, fed.text


def choose(
    client: TestClient,
    rma: str,
    price: int,
    *,
    fast: bool = False,
    available: int = 100,
    sku: str = "BOTTLE-300",
    headers: dict[str, str] | None = None,
) -> Any:
    feed(client, price, available, sku)
    body = {"items": [{"line_no": 1, "sku": sku, "quantity": 1}], "fast": fast}
    return client.post(f"/api/v1/returns/{rma}/exchange-order", json=body, headers=headers)


def pending(client: TestClient) -> list[dict[str, Any]]:
    response = client.get("/api/v1/shipment-requests", params={"status": "pending"})
    assert response.status_code == 200
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def topics(context: AppContext, prefix: str) -> list[dict[str, Any]]:
    with context.session_factory() as session:
        rows = session.scalars(
            select(OutboxRow).where(OutboxRow.topic.startswith(prefix)).order_by(OutboxRow.id)
        ).all()
        return [row.payload for row in rows]


def balance(context: AppContext, account: Account, party: str = "") -> int:
    with context.uow() as uow:
        return uow.ledger.balance(account, "CNY", party).cents


def test_exchange_with_positive_difference_is_charged_and_ships_after_inspection(
    client: TestClient, context: AppContext
) -> None:
    rma = file(client, "exchange")
    chosen = choose(client, rma, 9900, available=5)
    assert chosen.status_code == 201, chosen.text
    exchange = chosen.json()["exchange"]
    assert exchange["returned_value"] == {"amount": 8400, "currency": "CNY"}
    assert exchange["difference"] == {"amount": 1500, "currency": "CNY"}
    assert (exchange["status"], exchange["settlement"]) == ("reserved", "charge")
    assert chosen.json()["reservations"] == [
        {"sku": "BOTTLE-300", "quantity": 1, "status": "reserved"}
    ]
    early = client.post(f"/api/v1/returns/{rma}/exchange-order/release")
    assert (early.status_code, early.json()["code"]) == (409, "exchange_waits_for_inspection")
    assert pending(client) == []

    back_at_warehouse(client, rma)
    released = client.post(f"/api/v1/returns/{rma}/exchange-order/release")
    assert released.json()["exchange"]["status"] == "requested"
    [request] = pending(client)
    assert (request["purpose"], request["price"]["amount"]) == ("exchange", 9900)
    assert balance(context, Account.CUSTOMER_RECEIVABLE, "c-1") == 1500
    [payment] = topics(context, "integration.payment")
    assert (payment["amount"], payment["purpose"]) == (1500, "exchange_price_gap")
    assert topics(context, "integration.shipment")[0]["shipment_request_id"] == request["id"]

    shipped = client.post(
        f"/api/v1/shipment-requests/{request['id']}/shipped",
        json={"carrier": "SF", "waybill_no": "SF9990001"},
    )
    assert shipped.status_code == 200, shipped.text
    assert shipped.json()["return_status"] == "exchanged"
    again = client.post(
        f"/api/v1/shipment-requests/{request['id']}/shipped",
        json={"carrier": "SF", "waybill_no": "SF9990001"},
    )
    assert again.status_code == 200  # the same report twice changes nothing
    state = client.get(f"/api/v1/returns/{rma}/resolution").json()
    assert state["exchange"]["status"] == "shipped"
    assert state["reservations"][0]["status"] == "shipped"
    assert pending(client) == []
    with context.session_factory() as session:
        outbound = session.scalars(select(ShipmentRow).where(ShipmentRow.rma_no == rma)).all()
        assert [
            (s.direction, s.purpose, s.waybill_no) for s in outbound if s.direction == "outbound"
        ] == [("outbound", "exchange", "SF9990001")]


def test_exchange_with_negative_difference_records_the_refund_owed(
    client: TestClient, context: AppContext
) -> None:
    rma = file(client, "exchange")
    back_at_warehouse(client, rma)
    chosen = choose(client, rma, 5001)  # after inspection: it ships at once
    assert chosen.status_code == 201, chosen.text
    exchange = chosen.json()["exchange"]
    assert exchange["difference"]["amount"] == -3399
    assert (exchange["status"], exchange["settlement"]) == ("requested", "refund_pending")
    assert chosen.json()["refund_intents"] == [
        {"amount": 3399, "currency": "CNY", "status": "pending"}
    ]
    assert balance(context, Account.REFUNDS_PAYABLE) == 3399
    assert topics(context, "integration.payment") == []


def test_stock_cannot_be_reserved_beyond_what_the_order_system_has(client: TestClient) -> None:
    first, second = file(client, "exchange"), file(client, "exchange")
    assert choose(client, first, 8400, available=1).status_code == 201
    refused = choose(client, second, 8400, available=1)
    assert (refused.status_code, refused.json()["code"]) == (422, "replacement_out_of_stock")
    assert client.get(f"/api/v1/returns/{second}/resolution").json()["exchange"] is None
    restocked = choose(client, second, 8400, available=2)
    assert restocked.status_code == 201


def _complete_a_refund(client: TestClient) -> None:
    """Customer history: one completed request (line 2), taken as store credit by hand
    (the test needs `manual_refunds`, else the refund is already owed or paid)."""
    rma = file(client, "refund", line_no=2)
    back_at_warehouse(client, rma, "SF5550001")
    assert client.post(f"/api/v1/returns/{rma}/store-credit").status_code == 200
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "completed"  # paid: done


@pytest.mark.usefixtures("manual_refunds")
def test_fast_exchange_is_refused_outside_the_limits(client: TestClient) -> None:
    rma = file(client, "exchange")
    refused = choose(client, rma, 8400, fast=True)
    assert (refused.status_code, refused.json()["code"]) == (409, "fast_exchange_refused")
    english = {"Accept-Language": "en"}
    assert (
        "completed requests"
        in choose(client, rma, 1, fast=True, sku="S", headers=english).json()["detail"]
    )
    _complete_a_refund(client)
    too_dear = choose(client, rma, 60_000, fast=True)  # the limit is ¥500
    assert too_dear.status_code == 409
    assert (
        "worth more"
        in choose(client, rma, 60_000, fast=True, sku="S", headers=english).json()["detail"]
    )


@pytest.mark.usefixtures("manual_refunds")
def test_fast_exchange_ships_before_the_return_and_finishes_at_inspection(
    client: TestClient, context: AppContext, clock: FakeClock
) -> None:
    _complete_a_refund(client)
    rma = file(client, "exchange")
    chosen = choose(client, rma, 8400, fast=True)
    assert chosen.status_code == 201, chosen.text
    assert chosen.json()["exchange"]["status"] == "requested"
    assert chosen.json()["status"] == "approved"  # the request waits for the goods
    [request] = pending(client)
    client.post(
        f"/api/v1/shipment-requests/{request['id']}/shipped",
        json={"carrier": "SF", "waybill_no": "SF7770001"},
    )
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "approved"
    clock.advance(days=2)
    back_at_warehouse(client, rma, "SF7770002")
    clock.advance(days=7)  # past the return deadline, but the goods came back
    report = resolution_jobs.sweep(context, clock.now)
    assert (report.settled, report.charged) == (1, 0)
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "completed"  # exchanged: done
    assert balance(context, Account.CUSTOMER_RECEIVABLE, "c-1") == 0


@pytest.mark.usefixtures("manual_refunds")
def test_a_request_scored_high_risk_gets_no_fast_exchange(
    client: TestClient, context: AppContext
) -> None:
    """R10.3: the score at filing asks for no fast exchange; the ordinary one stays open."""
    _complete_a_refund(client)
    rma = file(client, "exchange")
    with context.session_factory() as session, session.begin():
        session.execute(
            update(RiskAssessmentRow)
            .where(RiskAssessmentRow.rma_no == rma)
            .values(actions=["review", "no_fast_exchange"])
        )
    refused = choose(client, rma, 8400, fast=True, headers={"Accept-Language": "en"})
    assert (refused.status_code, refused.json()["code"]) == (409, "fast_exchange_refused")
    assert "risk" in refused.json()["detail"].lower()
    assert choose(client, rma, 8400).status_code == 201  # the ordinary exchange


@pytest.mark.usefixtures("manual_refunds")
def test_fast_exchange_not_returned_in_time_becomes_a_charge(
    client: TestClient, context: AppContext, clock: FakeClock
) -> None:
    _complete_a_refund(client)
    rma = file(client, "exchange")
    assert choose(client, rma, 8000, fast=True).status_code == 201  # we owe 4.00 back
    clock.advance(days=6, hours=23)
    assert resolution_jobs.sweep(context, clock.now).charged == 0
    clock.advance(hours=2)
    assert resolution_jobs.sweep(context, clock.now).charged == 1
    assert resolution_jobs.sweep(context, clock.now).charged == 0  # once only
    exchange = client.get(f"/api/v1/returns/{rma}/resolution").json()["exchange"]
    # the refund of the gap was never paid: it is cancelled and the replacement charged
    assert (exchange["status"], exchange["charged"]["amount"]) == ("charged", 8000)
    assert balance(context, Account.CUSTOMER_RECEIVABLE, "c-1") == 8000
    assert balance(context, Account.REFUNDS_PAYABLE) == 0
    with context.session_factory() as session:
        assert session.scalars(select(RefundIntentRow.status)).all() == ["cancelled"]
    [notice] = topics(context, "return.fast_exchange_charged")
    assert (notice["rma_no"], notice["amount"]) == (rma, 8000)


def test_repair_steps_then_shipped_back_performs_the_repair_step(
    client: TestClient, context: AppContext
) -> None:
    rma = file(client, "repair", reason="quality", expect="pending_review")  # no photos
    assert client.post(f"/api/v1/returns/{rma}/approve").status_code == 200
    early = client.post(f"/api/v1/returns/{rma}/repair-order")
    assert (early.status_code, early.json()["code"]) == (409, "repair_not_open")
    back_at_warehouse(client, rma)
    assert client.post(f"/api/v1/returns/{rma}/repair-order").status_code == 201
    diagnosed = client.post(
        f"/api/v1/returns/{rma}/repair-order/diagnose", json={"note": "换主板", "cost": 2000}
    )
    assert diagnosed.json()["repair"]["status"] == "awaiting_approval"
    skipped = client.post(f"/api/v1/returns/{rma}/repair-order/repaired")
    assert (skipped.status_code, skipped.json()["code"]) == (409, "repair_step_not_allowed")
    client.post(f"/api/v1/returns/{rma}/repair-order/cost-answer", json={"approved": True})
    client.post(f"/api/v1/returns/{rma}/repair-order/repaired", json={"note": "done"})
    shipping = client.post(f"/api/v1/returns/{rma}/repair-order/ship-back")
    assert shipping.json()["repair"]["status"] == "awaiting_shipment"
    [request] = pending(client)
    assert (request["purpose"], request["price"]["amount"]) == ("repair", 0)
    shipped = client.post(
        f"/api/v1/shipment-requests/{request['id']}/shipped",
        json={"carrier": "SF", "waybill_no": "SF4440001"},
    )
    assert shipped.json()["return_status"] == "repaired"
    repair = client.get(f"/api/v1/returns/{rma}/resolution").json()["repair"]
    assert [s["step"] for s in repair["steps"]] == [
        "received", "awaiting_approval", "diagnosed", "repaired", "awaiting_shipment",
        "shipped_back",
    ]  # fmt: skip
    assert all(s["actor"] == "admin:root" and s["at"] for s in repair["steps"])
    assert balance(context, Account.CUSTOMER_RECEIVABLE, "c-1") == 2000


def test_reissue_is_a_zero_price_shipment_and_then_the_reissue_step(client: TestClient) -> None:
    rma = file(client, "reissue", reason="missing_parts")
    made = client.post(
        f"/api/v1/returns/{rma}/reissue-order",
        json={"items": [{"sku": "NIPPLE-M", "title": "奶嘴 M 号", "quantity": 2}]},
    )
    assert made.status_code == 201, made.text
    twice = client.post(f"/api/v1/returns/{rma}/reissue-order")
    assert (twice.status_code, twice.json()["code"]) == (409, "reissue_exists")
    [request] = pending(client)
    assert (request["purpose"], request["price"]["amount"]) == ("reissue", 0)
    assert request["items"][0]["sku"] == "NIPPLE-M"
    shipped = client.post(
        f"/api/v1/shipment-requests/{request['id']}/shipped",
        json={"carrier": "SF", "waybill_no": "SF3330001"},
    )
    assert shipped.json()["return_status"] == "reissued"


def test_merchants_see_only_their_own_shipment_requests(
    client: TestClient, tokens: Callable[..., str]
) -> None:
    rma = file(client, "reissue", reason="missing_parts")
    client.post(f"/api/v1/returns/{rma}/reissue-order")
    mine = {"Authorization": f"Bearer {tokens(Role.MERCHANT, merchant_id='m-babycare')}"}
    other = {"Authorization": f"Bearer {tokens(Role.MERCHANT, merchant_id='m-other')}"}
    assert len(client.get("/api/v1/shipment-requests", headers=mine).json()["items"]) == 1
    assert client.get("/api/v1/shipment-requests", headers=other).json()["items"] == []
    [request] = pending(client)
    refused = client.post(
        f"/api/v1/shipment-requests/{request['id']}/shipped",
        json={"carrier": "SF", "waybill_no": "SF3330009"},
        headers=other,
    )
    assert refused.status_code == 404


class _OrderSystem(BaseHTTPRequestHandler):
    """A stand-in order system: the first delivery fails with 500, later ones succeed."""

    received: ClassVar[list[tuple[dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((dict(self.headers), body))
        self.send_response(500 if len(self.received) == 1 else 204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_shipment_request_webhook_is_signed_and_retried_after_a_500(
    client: TestClient, context: AppContext, clock: FakeClock
) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _OrderSystem)
    _OrderSystem.received = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/hooks/returnflow"
        settings = context.settings.model_copy(
            update={"order_system_webhook_url": url, "order_system_webhook_secret": "s3cret"}
        )
        configured = dataclasses.replace(context, settings=settings)
        dispatcher = OutboxDispatcher(
            context.session_factory, resolution_jobs.consumers(configured)
        )
        rma = file(client, "reissue", reason="missing_parts")
        assert client.post(f"/api/v1/returns/{rma}/reissue-order").status_code == 201
        first = dispatcher.run_once(clock.now)  # also settles the filing's mail rows
        assert first.retried == 1 and len(_OrderSystem.received) == 1
        assert dispatcher.run_once(clock.now) == DispatchReport()  # backoff: not yet
        second = dispatcher.run_once(clock.advance(seconds=31))
        assert second.sent == 1
    finally:
        server.shutdown()
    assert len(_OrderSystem.received) == 2
    headers, body = _OrderSystem.received[-1]
    assert verify("s3cret", headers["X-ReturnFlow-Signature"], body)
    assert not verify("other", headers["X-ReturnFlow-Signature"], body)
    assert not verify("s3cret", headers["X-ReturnFlow-Signature"], body + b" ")
    payload = json.loads(body)
    assert (payload["event"], payload["rma_no"], payload["price"]) == (
        "shipment.requested",
        rma,
        0,
    )
    assert headers["X-ReturnFlow-Event"] == "integration.shipment_requested"
