"""Inspection, partial refunds, send-back, disposition, put-away, stock, RTV and figures
through the API, on SQLite and PostgreSQL (R5.2–R5.4)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.storage.schema import (
    InventoryMovementRow,
    OutboxRow,
    ShipmentRow,
    WarehouseStockRow,
)
from tests.support.clock import FakeClock

OrderPayload = Callable[..., dict[str, Any]]
BABY = ["appearance", "accessories", "packaging", "hygiene_seal"]
W = "/api/v1/warehouse"


@pytest.fixture(autouse=True)
def order(client: TestClient, order_payload: OrderPayload) -> None:
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201
    phone = order_payload(
        order_no="SO-E1",
        lines=[
            {
                "line_no": 1,
                "sku": "PHONE-X",
                "title": "手机",
                "category": "electronics",
                "unit_price": 150000,
                "quantity": 1,
                "discount": 0,
                "flags": [],
            }
        ],
    )
    assert client.post("/api/v1/orders", json=phone).status_code == 201


@pytest.fixture
def manual_refunds(context: AppContext) -> None:
    """The refund is decided by hand: automatic refunds at inspection and instant refunds
    at the first scan are off, so nothing is paid before the partial-refund offer."""
    context.settings.refund_auto_request = False
    context.settings.instant_refund_enabled = False


def _received(
    client: TestClient, order_no: str = "SO-1001", reason: str = "no_reason", quantity: int = 1
) -> str:
    body = {
        "order_no": order_no,
        "type": "refund",
        "lines": [{"line_no": 1, "quantity": quantity, "reason_code": reason}],
        "photos": ["0" * 32 + ".jpg"] if reason != "no_reason" else [],
    }
    filed = client.post("/api/v1/returns", json=body)
    assert filed.status_code == 201, filed.text
    rma: str = filed.json()["rma_no"]
    if filed.json()["status"] == "pending_review":
        assert client.post(f"/api/v1/returns/{rma}/approve").status_code == 200
    ship = {"carrier": "SF", "tracking_no": f"SF{rma[-10:]}"}
    assert client.post(f"/api/v1/returns/{rma}/ship", json=ship).status_code == 200
    assert client.post(f"/api/v1/returns/{rma}/receive").status_code == 200
    return rma


def _checks(names: list[str], fail: dict[str, str] | None = None) -> list[dict[str, str]]:
    fail = fail or {}
    return [
        {"check": n, "mark": "fail" if n in fail else "pass", "note": fail.get(n, "")}
        for n in names
    ]


def _inspect(client: TestClient, rma: str, **body: Any) -> dict[str, Any]:
    response = client.post(f"{W}/returns/{rma}/inspection", json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def _stock(client: TestClient, **filters: str) -> dict[tuple[str, str, str], int]:
    items = client.get(f"{W}/stock", params=filters).json()["items"]
    return {(i["sku"], i["location"], i["grade"]): i["quantity"] for i in items}


def test_checklist_follows_the_items(client: TestClient) -> None:
    rma = _received(client)
    listed = client.get(f"{W}/returns/{rma}/checklist", headers={"accept-language": "en"})
    assert [c["check"] for c in listed.json()["checks"]] == BABY
    phone = _received(client, "SO-E1")
    checks = [c["check"] for c in client.get(f"{W}/returns/{phone}/checklist").json()["checks"]]
    assert "serial_number" in checks and "function" in checks


def test_passed_inspection_then_dispose_and_put_away(client: TestClient) -> None:
    rma = _received(client)
    result = _inspect(client, rma, checks=_checks(BABY), grade="A", responsibility="none")
    assert (result["route"], result["status"]) == ("passed", "inspected")
    assert result["inspection"]["passed"] and result["inspection"]["grade"] == "A"
    assert _stock(client) == {("BOTTLE-240", "INSPECT", "A"): 1}
    # the request's own record still says passed, for the old readers
    assert client.get(f"/api/v1/returns/{rma}").json()["inspection"]["passed"] is True

    wrong_zone = client.post(
        f"{W}/returns/{rma}/dispositions", json={"line_no": 1, "bin": "B-01-01"}
    )
    assert wrong_zone.status_code == 422 and wrong_zone.json()["code"] == "bin_wrong_zone"
    decided = client.post(f"{W}/returns/{rma}/dispositions", json={"line_no": 1})
    assert decided.status_code == 201, decided.text
    assert decided.json()["chosen"] == "restock" and decided.json()["rule_id"] == "a-restock"
    again = client.post(f"{W}/returns/{rma}/dispositions", json={"line_no": 1})
    assert again.status_code == 409

    stored = client.post(f"{W}/returns/{rma}/put-away", json={"line_no": 1, "bin": "a-01-02"})
    assert stored.status_code == 200, stored.text
    assert stored.json()["bin"] == "A-01-02"
    assert _stock(client) == {("BOTTLE-240", "A-01-02", "A"): 1}
    twice = client.post(f"{W}/returns/{rma}/put-away", json={"line_no": 1, "bin": "A-01-02"})
    assert twice.status_code == 409
    kinds = [m["kind"] for m in client.get(f"{W}/ledger").json()["items"]]
    assert kinds == ["put_away", "grade", "receive"]


def test_moves_sales_and_never_negative(client: TestClient, context: AppContext) -> None:
    rma = _received(client, quantity=2)
    _inspect(client, rma, checks=_checks(BABY), grade="A", responsibility="none")
    client.post(f"{W}/returns/{rma}/dispositions", json={"line_no": 1, "bin": "A-01-01"})
    move = {
        "kind": "move",
        "merchant_id": "m-babycare",
        "sku": "BOTTLE-240",
        "grade": "A",
        "quantity": 1,
        "from_location": "A-01-01",
        "to_location": "A-02-01",
    }
    assert client.post(f"{W}/movements", json=move).status_code == 201
    sell = {**move, "kind": "sell", "from_location": "A-02-01", "to_location": ""}
    assert client.post(f"{W}/movements", json=sell).status_code == 201
    short = client.post(f"{W}/movements", json={**sell, "quantity": 1})
    assert (short.status_code, short.json()["code"]) == (422, "insufficient_stock")
    assert _stock(client) == {("BOTTLE-240", "A-01-01", "A"): 1}
    assert _stock(client, location="a-02-01") == {}
    with context.session_factory() as session:
        assert (session.scalar(select(func.min(WarehouseStockRow.quantity))) or 0) >= 0
        rows = session.scalars(select(InventoryMovementRow)).all()
    net: dict[str, int] = {}
    for row in rows:
        net[row.from_location] = net.get(row.from_location, 0) - row.quantity
        net[row.to_location] = net.get(row.to_location, 0) + row.quantity
    assert {k: v for k, v in net.items() if not k.startswith("@") and v} == {"A-01-01": 1}


def test_failed_inspection_sends_the_goods_back(client: TestClient, context: AppContext) -> None:
    rma = _received(client)
    fail = {"hygiene_seal": "封条已撕开"}
    result = _inspect(client, rma, checks=_checks(BABY, fail), grade="D", responsibility="customer")
    assert (result["route"], result["status"]) == ("sent_back", "inspection_failed")
    assert "封条已撕开" in " ".join(result["inspection"]["reasons"])
    assert result["send_back"] == [
        {"id": result["send_back"][0]["id"], "carrier": "manual", "status": "requested"}
    ]
    with context.session_factory() as session:
        shipment = session.scalars(
            select(ShipmentRow).where(ShipmentRow.purpose == "send_back")
        ).one()
        topics = session.scalars(select(OutboxRow.topic)).all()
    assert (shipment.direction, shipment.purpose) == ("outbound", "send_back")
    assert "return.sent_back" in topics and "return.inspection_failed" in topics
    assert _stock(client) == {}
    refund = client.post(f"/api/v1/returns/{rma}/refund")
    assert refund.status_code == 409, refund.text
    dispose = client.post(f"{W}/returns/{rma}/dispositions", json={"line_no": 1})
    assert dispose.json()["code"] == "not_ready_for_disposition"


def _offer(client: TestClient) -> str:
    rma = _received(client)
    result = _inspect(
        client,
        rma,
        checks=_checks(BABY, {"appearance": "瓶身划痕"}),
        grade="B",
        responsibility="customer",
        deduction={"amount": 2000, "reason": "瓶身划痕，扣减 20 元"},
    )
    assert result["route"] == "offered"
    assert result["offer"]["status"] == "offered"
    assert result["offer"]["deduction"] == {"amount": 2000, "currency": "CNY"}
    return rma


@pytest.mark.usefixtures("manual_refunds")
def test_partial_refund_accepted_refunds_less(client: TestClient, context: AppContext) -> None:
    rma = _offer(client)
    with context.session_factory() as session:
        topics = session.scalars(select(OutboxRow.topic)).all()
    assert "return.partial_refund_offered" in topics
    refused = client.post(f"/api/v1/returns/{rma}/refund")
    assert refused.status_code == 409, refused.text
    answered = client.post(f"{W}/returns/{rma}/offer", json={"accept": True})
    assert answered.status_code == 200, answered.text
    assert answered.json()["offer"]["status"] == "accepted"
    assert answered.json()["refund_total"] == {"amount": 6400, "currency": "CNY"}
    twice = client.post(f"{W}/returns/{rma}/offer", json={"accept": False})
    assert twice.status_code == 404
    refunded = client.post(f"/api/v1/returns/{rma}/refund")
    assert refunded.status_code == 200, refunded.text
    assert refunded.json()["amount"] == {"amount": 6400, "currency": "CNY"}
    # the goods stay: grade B → sell at a discount, into zone B
    decided = client.post(f"{W}/returns/{rma}/dispositions", json={"line_no": 1, "bin": "B-01-01"})
    assert decided.status_code == 201, decided.text
    assert decided.json()["chosen"] == "sell_discounted"
    assert _stock(client) == {("BOTTLE-240", "B-01-01", "B"): 1}


def test_partial_refund_declined_sends_back(client: TestClient, context: AppContext) -> None:
    rma = _offer(client)
    answered = client.post(f"{W}/returns/{rma}/offer", json={"accept": False})
    assert answered.json()["offer"]["status"] == "declined"
    assert answered.json()["send_back"][0]["status"] == "requested"
    assert answered.json()["refund_total"]["amount"] == 8400
    assert _stock(client) == {}


def test_partial_refund_only_where_the_rules_allow(client: TestClient) -> None:
    rma = _received(client)
    refused = client.post(
        f"{W}/returns/{rma}/inspection",
        json={
            "checks": _checks(BABY, {"appearance": "碎裂"}),
            "grade": "D",
            "responsibility": "customer",
            "deduction": {"amount": 100, "reason": "x"},
        },
    )
    assert refused.json()["code"] == "partial_refund_not_allowed"
    too_much = client.post(
        f"{W}/returns/{rma}/inspection",
        json={
            "checks": _checks(BABY, {"appearance": "划痕"}),
            "grade": "B",
            "responsibility": "customer",
            "deduction": {"amount": 8400, "reason": "x"},
        },
    )
    assert too_much.json()["code"] == "deduction_out_of_range"
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "received"


def test_old_inspect_body_still_works(client: TestClient) -> None:
    rma = _received(client)
    old = client.post(f"/api/v1/returns/{rma}/inspect", json={"passed": True, "notes": "ok"})
    assert old.status_code == 200 and old.json()["status"] == "inspected"


def test_rtv_batch_and_high_value_scrap(client: TestClient, tokens: Callable[..., str]) -> None:
    phone = _received(client, "SO-E1", reason="quality")
    checks = _checks(
        ["appearance", "function", "accessories", "packaging", "serial_number"],
        {"function": "无法开机"},
    )
    result = _inspect(
        client, phone, checks=checks, grade="C", responsibility="merchant", serial_no="SN1"
    )
    assert result["route"] == "passed"
    decided = client.post(f"{W}/returns/{phone}/dispositions", json={"line_no": 1})
    assert decided.json()["chosen"] == "return_to_vendor", decided.text
    batch_id = decided.json()["rtv_batch_id"]
    batches = client.get(f"{W}/rtv-batches", params={"status": "open"}).json()["items"]
    assert [(b["id"], b["merchant_id"], b["units"]) for b in batches] == [
        (batch_id, "m-babycare", 1)
    ]
    assert _stock(client) == {("PHONE-X", f"RTV-{batch_id}", "C"): 1}
    shipped = client.post(
        f"{W}/rtv-batches/{batch_id}/ship", json={"carrier": "SF", "waybill_no": "SF99"}
    )
    assert shipped.status_code == 200, shipped.text
    assert shipped.json()["status"] == "shipped" and shipped.json()["items"][0]["sku"] == "PHONE-X"
    assert _stock(client) == {}
    assert client.post(f"{W}/rtv-batches/{batch_id}/ship").status_code == 409

    # a warehouse clerk may not scrap a ¥1,500 item; a manager may
    other = _received(client, "SO-1001", reason="quality")
    _inspect(client, other, checks=_checks(BABY), grade="D", responsibility="merchant")
    clerk = {"Authorization": f"Bearer {tokens(Role.WAREHOUSE)}"}
    scrap = client.post(
        f"{W}/returns/{other}/dispositions",
        json={"line_no": 1, "disposition": "scrap"},
        headers=clerk,
    )
    assert scrap.status_code == 201  # ¥84 is under the approval value
    assert scrap.json()["approved_by"] is None


def test_rules_are_versioned(client: TestClient) -> None:
    current = client.get(f"{W}/rules").json()
    assert current["version"] == 0
    current["rules"] = [{"id": "all-scrap", "disposition": "scrap"}]
    published = client.post(f"{W}/rules", json=current)
    assert published.status_code == 201 and published.json()["version"] == 1
    bad = client.post(
        f"{W}/rules", json={"rules": [{"id": "a", "disposition": "restock", "grades": ["A"]}]}
    )
    assert bad.json()["code"] == "rules_incomplete"
    assert client.get(f"{W}/rules").json()["rules"][0]["id"] == "all-scrap"


def test_figures(client: TestClient, clock: FakeClock, tokens: Callable[..., str]) -> None:
    first = _received(client)
    second = _received(client, "SO-1001", quantity=1)
    clock.advance(minutes=30)
    _inspect(client, first, checks=_checks(BABY), grade="A", responsibility="none")
    clock.advance(minutes=10)
    _inspect(client, second, checks=_checks(BABY), grade="A", responsibility="none")
    clock.advance(minutes=20)  # first: 60 minutes dock to stock
    client.post(f"{W}/returns/{first}/dispositions", json={"line_no": 1, "bin": "A-01-01"})
    clock.advance(minutes=120)  # second: 180 minutes
    client.post(f"{W}/returns/{second}/dispositions", json={"line_no": 1, "bin": "A-01-01"})
    found = client.get(f"{W}/figures").json()
    assert found["dock_to_stock"] == [
        {"day": "2026-11-20", "count": 2, "median_minutes": 120.0, "p90_minutes": 180.0}
    ]
    assert found["inspections_per_hour"] == [
        {
            "day": "2026-11-20",
            "inspector": "admin:root",
            "inspections": 2,
            "hours_worked": 1,
            "per_hour": 2.0,
        }
    ]


def test_bin_label_pdf(client: TestClient) -> None:
    response = client.get(f"{W}/bins/A-01-02/label.pdf", params={"sku": "BOTTLE-240", "grade": "A"})
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert client.get(f"{W}/bins/nope/label.pdf").status_code == 422


@pytest.mark.usefixtures("manual_refunds")
def test_goods_held_for_an_offer_are_sorted_once_the_failure_is_overturned(
    client: TestClient,
) -> None:
    """Issue 12: an overturned failed inspection leaves the goods with the warehouse."""
    rma = _offer(client)
    held = client.post(f"{W}/returns/{rma}/dispositions", json={"line_no": 1})
    assert held.json()["code"] == "not_ready_for_disposition"
    overturned = client.post(
        f"/api/v1/returns/{rma}/overturn", json={"reason": "复核照片，划痕为出厂瑕疵"}
    )
    assert overturned.status_code == 200, overturned.text
    assert overturned.json()["status"] == "inspected"
    sorted_ = client.post(f"{W}/returns/{rma}/dispositions", json={"line_no": 1})
    assert sorted_.status_code in (200, 201), sorted_.text
