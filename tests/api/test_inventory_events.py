"""The warehouse system hears every stock movement (R15.1), on both databases.

Each movement booked in the inventory ledger — received, graded, put away, moved, sold,
picked for the vendor, sent to the vendor — puts one `inventory.moved` event in the
outbox in the same transaction, naming the ledger's movement id; a refused movement
announces nothing. Replacement stock held for an exchange is announced when reserved
and when it ships (`inventory.reserved`, `inventory.reservation_settled`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from returnflow.app_context import AppContext
from returnflow.storage.schema import InventoryMovementRow, OutboxRow

OrderPayload = Callable[..., dict[str, Any]]
W = "/api/v1/warehouse"
BABY = ["appearance", "accessories", "packaging", "hygiene_seal"]
PHONE = ["appearance", "function", "accessories", "packaging", "serial_number"]


@pytest.fixture(autouse=True)
def orders(client: TestClient, order_payload: OrderPayload) -> None:
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201
    line = {
        "line_no": 1,
        "sku": "PHONE-X",
        "title": "手机",
        "category": "electronics",
        "unit_price": 150000,
        "quantity": 1,
        "discount": 0,
        "flags": [],
    }
    phone = order_payload(order_no="SO-E1", lines=[line])
    assert client.post("/api/v1/orders", json=phone).status_code == 201


def _received(client: TestClient, order_no: str, reason: str, quantity: int = 1) -> str:
    body = {
        "order_no": order_no,
        "type": "refund",
        "lines": [{"line_no": 1, "quantity": quantity, "reason_code": reason}],
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


def _inspect(client: TestClient, rma: str, names: list[str], grade: str, **extra: Any) -> None:
    checks = [{"check": n, "mark": "pass", "note": ""} for n in names]
    body = {"checks": checks, "grade": grade, "responsibility": "merchant", **extra}
    response = client.post(f"{W}/returns/{rma}/inspection", json=body)
    assert response.status_code == 201, response.text


def _events(context: AppContext, topic: str) -> list[dict[str, Any]]:
    with context.session_factory() as session:
        rows = session.scalars(
            select(OutboxRow).where(OutboxRow.topic == topic).order_by(OutboxRow.id)
        ).all()
        return [row.payload for row in rows]


def test_every_booked_movement_is_one_event_with_its_ledger_id(
    client: TestClient, context: AppContext
) -> None:
    bottles = _received(client, "SO-1001", "no_reason", quantity=2)
    _inspect(client, bottles, BABY, "A")
    put = {"line_no": 1, "bin": "A-01-01"}
    assert client.post(f"{W}/returns/{bottles}/dispositions", json=put).status_code == 201
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
    short = client.post(f"{W}/movements", json=sell)  # nothing left there: refused
    assert (short.status_code, short.json()["code"]) == (422, "insufficient_stock")
    phone = _received(client, "SO-E1", "quality")
    _inspect(client, phone, PHONE, "C", serial_no="SN1")
    decided = client.post(f"{W}/returns/{phone}/dispositions", json={"line_no": 1})
    batch = decided.json()["rtv_batch_id"]
    shipped = client.post(
        f"{W}/rtv-batches/{batch}/ship", json={"carrier": "SF", "waybill_no": "SF9"}
    )
    assert shipped.status_code == 200, shipped.text

    with context.session_factory() as session:
        ledger = session.scalars(
            select(InventoryMovementRow).order_by(InventoryMovementRow.id)
        ).all()
        expected = [
            {
                "movement_id": m.id,
                "reason": m.kind,
                "merchant_id": m.merchant_id,
                "sku": m.sku,
                "quantity": m.quantity,
                "from_location": m.from_location,
                "to_location": m.to_location,
                "from_grade": m.from_grade,
                "to_grade": m.to_grade,
                "rma_no": m.rma_no or "",
                "note": m.note,
                "at": m.at,
            }
            for m in ledger
        ]
    heard = _events(context, "inventory.moved")
    assert [e["reason"] for e in expected] == [
        "receive",
        "grade",
        "put_away",
        "move",
        "sell",
        "receive",
        "grade",
        "rtv_pick",
        "to_vendor",
    ]
    assert len(heard) == len(expected)  # the refused sale announced nothing
    for event, movement in zip(heard, expected, strict=True):
        at = movement.pop("at")
        assert {key: event[key] for key in movement} == movement
        assert datetime.fromisoformat(event["occurred_at"]) == at
    assert heard[4]["to_location"] == "@SOLD" and heard[4]["rma_no"] == ""
    assert heard[-1]["to_location"] == "@VENDOR" and heard[-1]["rma_no"] == phone


def test_stock_held_for_an_exchange_is_announced_reserved_then_shipped(
    client: TestClient, context: AppContext
) -> None:
    body = {
        "order_no": "SO-1001",
        "type": "exchange",
        "lines": [{"line_no": 1, "quantity": 1, "reason_code": "wrong_item"}],
    }
    rma = client.post("/api/v1/returns", json=body).json()["rma_no"]
    item = {
        "merchant_id": "m-babycare",
        "sku": "BOTTLE-300",
        "title": "宽口径玻璃奶瓶 300ml",
        "unit_price": 8400,
        "available": 5,
    }
    assert client.put("/api/v1/catalog/items", json={"items": [item]}).status_code == 200
    chosen = client.post(
        f"/api/v1/returns/{rma}/exchange-order",
        json={"items": [{"line_no": 1, "sku": "BOTTLE-300", "quantity": 1}], "fast": False},
    )
    assert chosen.status_code == 201, chosen.text
    held = {"rma_no": rma, "merchant_id": "m-babycare", "sku": "BOTTLE-300", "quantity": 1}
    [reserved] = _events(context, "inventory.reserved")
    assert {key: reserved[key] for key in held} == held and reserved["status"] == "reserved"
    assert _events(context, "inventory.reservation_settled") == []

    for action, payload in (
        ("ship", {"carrier": "SF", "tracking_no": "SF1234567890"}),
        ("receive", None),
        ("inspect", {"passed": True, "notes": "ok"}),
    ):
        assert client.post(f"/api/v1/returns/{rma}/{action}", json=payload).status_code == 200
    assert client.post(f"/api/v1/returns/{rma}/exchange-order/release").status_code == 200
    [request] = client.get("/api/v1/shipment-requests", params={"status": "pending"}).json()[
        "items"
    ]
    shipped = client.post(
        f"/api/v1/shipment-requests/{request['id']}/shipped",
        json={"carrier": "SF", "waybill_no": "SF9990001"},
    )
    assert shipped.status_code == 200, shipped.text
    [settled] = _events(context, "inventory.reservation_settled")
    assert {key: settled[key] for key in held} == held and settled["status"] == "shipped"
