"""Every lifecycle step through the API; steps the state forbids are 409 and change nothing."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from returnflow.app_context import AppContext
from returnflow.storage.schema import RefundRow, ReturnEventRow
from tests.support.clock import FakeClock
from tests.support.refunds import pay_refunds

OrderPayload = Callable[..., dict[str, Any]]


@pytest.fixture(autouse=True)
def order(client: TestClient, order_payload: OrderPayload) -> None:
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201


def _file(
    client: TestClient, type_: str = "refund", reason: str = "no_reason", **extra: Any
) -> str:
    body = {
        "order_no": "SO-1001",
        "type": type_,
        "lines": [{"line_no": 1, "quantity": 1, "reason_code": reason}],
        **extra,
    }
    response = client.post("/api/v1/returns", json=body)
    assert response.status_code == 201, response.text
    rma_no: str = response.json()["rma_no"]
    return rma_no


def _step(
    client: TestClient, rma_no: str, action: str, body: dict[str, Any] | None = None
) -> dict[str, Any]:
    response = client.post(f"/api/v1/returns/{rma_no}/{action}", json=body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


SHIP = {"carrier": "顺丰速运", "tracking_no": "SF1234567890"}


def test_refund_journey_to_confirmation(
    client: TestClient, context: AppContext, clock: FakeClock
) -> None:
    rma = _file(client)
    clock.advance(hours=3)
    assert _step(client, rma, "ship", SHIP)["shipment"]["tracking_no"] == "SF1234567890"
    clock.advance(days=1)
    assert _step(client, rma, "receive")["status"] == "received"
    assert _step(client, rma, "inspect", {"passed": True, "notes": "完好"})["inspection"]["passed"]
    # a passed inspection owes the money at once (the bus, issue 10); the worker pays it
    # through the gateway (issue 5), and a second ask by hand is refused
    owed = client.get(f"/api/v1/refunds/{rma}").json()
    assert (owed["status"], owed["amount"]) == ("requested", {"amount": 8400, "currency": "CNY"})
    assert client.post(f"/api/v1/returns/{rma}/refund").status_code == 409
    assert client.get(f"/api/v1/returns/{rma}").json()["refund"] is None  # not paid yet
    pay_refunds(context)
    # paid: the refund is on the request, which the bus then completed (R7.1)
    completed = client.get(f"/api/v1/returns/{rma}").json()
    assert completed["refund"]["amount"] == {"amount": 8400, "currency": "CNY"}
    assert completed["refund"]["reference"] == "2026112022001"  # back to the original payment
    assert completed["status"] == "completed"
    assert completed["confirm_by"] is not None
    assert completed["timeline"][-1]["actor"] == "system"
    confirmed = _step(client, rma, "confirm")
    assert confirmed["status"] == "confirmed"
    assert confirmed["allowed_actions"] == []
    statuses = [entry["status"] for entry in confirmed["timeline"]]
    assert statuses == [
        "requested", "approved", "in_transit", "received", "inspected",
        "refunded", "completed", "confirmed",
    ]  # fmt: skip
    assert all(entry["actor"] for entry in confirmed["timeline"])


@pytest.mark.parametrize(
    ("type_", "reason", "path"),
    [
        ("exchange", "no_reason", ["ship", "receive", "inspect", "exchange"]),
        ("repair", "quality", ["ship", "receive", "inspect", "repair"]),
        ("reissue", "missing_parts", ["reissue"]),
    ],
)
def test_each_resolution_type(client: TestClient, type_: str, reason: str, path: list[str]) -> None:
    rma = _file(client, type_, reason, photos=["1" * 32 + ".jpg"])
    for action in path:
        body = {"passed": True} if action == "inspect" else SHIP if action == "ship" else None
        _step(client, rma, action, body)
    # the outcome reached the customer: the bus completed the request (issue 10)
    completed = client.get(f"/api/v1/returns/{rma}").json()
    assert completed["status"] == "completed"
    assert completed["confirm_by"] is not None
    assert client.post(f"/api/v1/returns/{rma}/complete").status_code == 409
    assert _step(client, rma, "confirm")["status"] == "confirmed"


def test_review_then_reject_tells_the_reason(client: TestClient) -> None:
    rma = _file(client, "refund", "quality")  # no photos: pending review
    missing = client.post(f"/api/v1/returns/{rma}/reject", json={"reason": ""})
    assert (missing.status_code, missing.json()["field"]) == (422, "reason")
    rejected = _step(client, rma, "reject", {"reason": "照片显示为人为损坏"})
    assert rejected["status"] == "rejected"
    assert rejected["decision"]["reasons"] == [
        {"code": "rejected_by_staff", "message": "照片显示为人为损坏"}
    ]
    assert rejected["decision"]["decided_by"] == "admin:root"


def test_review_then_approve(client: TestClient) -> None:
    rma = _file(client, "refund", "quality")
    approved = _step(client, rma, "approve", {"note": "照片清晰"})
    assert approved["decision"]["outcome"] == "approved"
    assert approved["ship_by"] is not None


@pytest.mark.parametrize(
    "action", ["approve", "receive", "refund", "complete", "confirm", "exchange"]
)
def test_steps_out_of_order_are_409_and_change_nothing(
    client: TestClient, context: AppContext, action: str
) -> None:
    rma = _file(client)  # approved, awaiting shipment
    before = client.get(f"/api/v1/returns/{rma}").json()
    response = client.post(f"/api/v1/returns/{rma}/{action}", headers={"Accept-Language": "en"})
    assert response.status_code == 409
    assert response.json()["code"] == "transition_not_allowed"
    assert "approved, awaiting shipment" in response.json()["detail"]
    assert client.get(f"/api/v1/returns/{rma}").json() == before


def test_failed_inspection_needs_notes_and_ends_without_refund(client: TestClient) -> None:
    rma = _file(client)
    _step(client, rma, "ship", SHIP)
    _step(client, rma, "receive")
    response = client.post(f"/api/v1/returns/{rma}/inspect", json={"passed": False})
    assert (response.status_code, response.json()["code"]) == (422, "reason_required")
    failed = _step(client, rma, "inspect", {"passed": False, "notes": "商品已使用"})
    assert failed["status"] == "inspection_failed"
    # refund stays listed for a partial refund the customer may accept (R5.3); it is
    # refused without an accepted offer (tests/api/test_warehouse_api.py)
    assert failed["allowed_actions"] == ["refund", "complete"]
    assert client.post(f"/api/v1/returns/{rma}/refund").status_code == 409
    # nothing was delivered to the customer: completing it is a person's step
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "inspection_failed"
    assert _step(client, rma, "complete")["status"] == "completed"


def test_ship_needs_carrier_and_tracking(client: TestClient) -> None:
    rma = _file(client)
    bad = client.post(f"/api/v1/returns/{rma}/ship", json={"carrier": "SF", "tracking_no": "x"})
    assert (bad.status_code, bad.json()["field"]) == (422, "tracking_no")
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "approved"


def test_unknown_request_is_404(client: TestClient) -> None:
    response = client.post("/api/v1/returns/RMA000/approve")
    assert (response.status_code, response.json()["code"]) == (404, "return_not_found")


def test_concurrent_refunds_pay_once(client: TestClient, context: AppContext) -> None:
    # the refund is asked for by hand, 12 times at once: neither the instant refund at the
    # first scan nor the one owed at inspection (both followed by the bus) comes first
    context.settings.refund_auto_request = False
    context.settings.instant_refund_enabled = False
    rma = _file(client)
    _step(client, rma, "ship", SHIP)
    _step(client, rma, "receive")
    _step(client, rma, "inspect", {"passed": True})

    def refund(_: int) -> int:
        return int(client.post(f"/api/v1/returns/{rma}/refund").status_code)

    with ThreadPoolExecutor(max_workers=6) as pool:
        codes = sorted(pool.map(refund, range(12)))
    assert codes.count(200) == 1
    assert set(codes) == {200, 409}
    pay_refunds(context)  # the one refund owed is paid once
    with context.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(RefundRow)) == 1
        steps = session.scalars(select(ReturnEventRow.action)).all()
    assert steps.count("refund") == 1


def test_concurrent_requests_cannot_oversell_a_line(client: TestClient) -> None:
    body = {
        "order_no": "SO-1001",
        "type": "refund",
        "lines": [{"line_no": 1, "quantity": 2, "reason_code": "no_reason"}],
    }

    def file(_: int) -> str:
        response = client.post("/api/v1/returns", json=body)
        assert response.status_code == 201
        status: str = response.json()["status"]
        return status

    with ThreadPoolExecutor(max_workers=5) as pool:
        statuses = list(pool.map(file, range(5)))
    assert statuses.count("approved") == 1
    assert statuses.count("rejected") == 4
