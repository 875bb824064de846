"""Receiving through the API on SQLite and PostgreSQL (R5.1, R15.1).

Scan by waybill (ours or the customer's) and by RMA, confirm, each mismatch kind,
the customer told about missing items, a parcel that beat the carrier's scan, the
double receive race, and an unidentified parcel matched later.
"""

from __future__ import annotations

import base64
import io
import threading
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select

from returnflow.app_context import AppContext
from returnflow.storage.schema import OutboxRow, ReceiptRow, ReturnEventRow, ShipmentRow
from tests.support.clock import FakeClock

OrderPayload = Callable[..., dict[str, Any]]


@pytest.fixture(autouse=True)
def order(client: TestClient, order_payload: OrderPayload) -> None:
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201


@pytest.fixture
def context(context: AppContext, tmp_path: Any) -> AppContext:
    """Photos go to a folder of the test's own."""
    context.settings = context.settings.model_copy(update={"upload_dir": str(tmp_path)})
    return context


ALL = ((1, 2), (2, 1))


def file_return(client: TestClient, lines: tuple[tuple[int, int], ...] = ALL) -> str:
    body = {
        "order_no": "SO-1001",
        "type": "refund",
        "lines": [
            {"line_no": line_no, "quantity": quantity, "reason_code": "no_reason"}
            for line_no, quantity in lines
        ],
    }
    response = client.post("/api/v1/returns", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "approved"
    rma: str = response.json()["rma_no"]
    return rma


def shipped(
    client: TestClient, tracking_no: str = "SF1234567890", lines: tuple[tuple[int, int], ...] = ALL
) -> str:
    rma = file_return(client, lines)
    response = client.post(
        f"/api/v1/returns/{rma}/ship", json={"carrier": "SF", "tracking_no": tracking_no}
    )
    assert response.status_code == 200, response.text
    return rma


def our_waybill(context: AppContext, rma_no: str, waybill: str) -> None:
    """A drop-off waybill we arranged (the logistics slice writes these rows)."""
    now = context.clock()
    with context.session_factory() as session:
        session.add(
            ShipmentRow(
                rma_no=rma_no,
                direction="return",
                purpose="return",
                method="dropoff",
                carrier="yto",
                carrier_name="圆通",
                waybill_no=waybill,
                status="arranged",
                currency="CNY",
                created_at=now,
                updated_at=now,
            )
        )
        session.commit()


def photo_b64() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def test_scan_by_rma_lists_what_should_be_in_the_box(client: TestClient) -> None:
    rma = shipped(client)
    found = client.post("/api/v1/receiving/scan", json={"code": f" {rma.lower()}\n"})
    assert found.status_code == 200, found.text
    body = found.json()
    assert (body["rma_no"], body["matched_by"], body["receivable"]) == (rma, "rma", True)
    assert [(x["sku"], x["title"], x["expected"]) for x in body["lines"]] == [
        ("BOTTLE-240", "宽口径玻璃奶瓶 240ml", 2),
        ("BIB-3", "婴儿围兜三条装", 1),
    ]
    assert body["receipt"] is None


def test_scan_by_the_customers_tracking_number_and_by_our_waybill(
    client: TestClient, context: AppContext
) -> None:
    typed = shipped(client, "sf5550001", lines=((1, 1),))
    found = client.post("/api/v1/receiving/scan", json={"code": "SF5550001"}).json()
    assert (found["rma_no"], found["matched_by"]) == (typed, "waybill")
    other = file_return(client, lines=((1, 1), (2, 1)))
    our_waybill(context, other, "YT9000000001")
    body = client.post("/api/v1/receiving/scan", json={"code": "yt9000000001"}).json()
    assert (body["rma_no"], body["matched_by"]) == (other, "waybill")


def test_nothing_matches_is_a_404_problem(client: TestClient) -> None:
    response = client.post(
        "/api/v1/receiving/scan", json={"code": "JD000111"}, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "nothing_matches"
    assert "JD000111" in response.json()["detail"]


def test_clean_receipt_moves_the_request_and_records_who_and_when(
    client: TestClient, context: AppContext, clock: FakeClock
) -> None:
    rma = shipped(client)
    clock.advance(days=2)
    response = client.post(f"/api/v1/returns/{rma}/receipt", json={"code": "SF1234567890"})
    assert response.status_code == 201, response.text
    receipt = response.json()
    assert (receipt["status"], receipt["clean"], receipt["discrepancies"]) == (
        "received",
        True,
        [],
    )
    assert receipt["received_by"] == "admin:root"
    assert receipt["received_at"].startswith("2026-11-22T02:00:00")
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "received"
    again = client.get(f"/api/v1/returns/{rma}/receipt").json()
    assert again["received_at"] == receipt["received_at"]
    with context.session_factory() as session:
        row = session.scalars(select(ReceiptRow).where(ReceiptRow.rma_no == rma)).one()
        assert row.received_at == clock.now and row.scanned_code == "SF1234567890"


@pytest.mark.parametrize(
    ("lines", "mismatches", "kinds", "told"),
    [
        (None, [{"kind": "wrong_item", "note": "塑料瓶"}], ["wrong_item"], False),
        (
            [{"line_no": 1, "received": 1}, {"line_no": 2, "received": 1}],
            [],
            ["missing_items"],
            True,
        ),
        (
            [{"line_no": 1, "received": 0}, {"line_no": 2, "received": 0}],
            [{"kind": "empty_box", "note": "箱内无物"}],
            ["empty_box"],
            True,
        ),
        (
            [{"line_no": 1, "received": 2}, {"line_no": 2, "received": 2}],
            [],
            ["extra_items"],
            False,
        ),
    ],
)
def test_each_mismatch_kind_is_stored_and_only_missing_goods_tell_the_customer(
    client: TestClient,
    context: AppContext,
    lines: list[dict[str, int]] | None,
    mismatches: list[dict[str, Any]],
    kinds: list[str],
    told: bool,
) -> None:
    rma = shipped(client)
    for item in mismatches:
        item["photos"] = [{"filename": "box.png", "content_base64": photo_b64()}]
    body: dict[str, Any] = {"mismatches": mismatches}
    if lines is not None:
        body["lines"] = lines
    response = client.post(f"/api/v1/returns/{rma}/receipt", json=body)
    assert response.status_code == 201, response.text
    receipt = response.json()
    assert receipt["clean"] is False and receipt["discrepancies"] == kinds
    assert receipt["status"] == "received"
    for mismatch in receipt["mismatches"]:
        if not mismatch["implied"]:
            assert len(mismatch["photos"]) == 1
            assert context.photos.read(mismatch["photos"][0]) is not None
    with context.session_factory() as session:
        notices = session.scalars(
            select(OutboxRow).where(OutboxRow.topic == "return.receipt_discrepancy")
        ).all()
        note = session.scalars(
            select(ReturnEventRow.note).where(ReturnEventRow.action == "receive")
        ).one()
    assert len(notices) == (1 if told else 0)
    if told:
        assert notices[0].payload["rma_no"] == rma
        assert notices[0].payload["email"] == "xiaoming@example.com"
    assert note.startswith("收货异常")


def test_a_refused_receipt_changes_nothing_and_keeps_no_photos(
    client: TestClient, context: AppContext, tmp_path: Any
) -> None:
    rma = shipped(client)
    body = {
        "lines": [{"line_no": 1, "received": 1}],
        "mismatches": [
            {
                "kind": "empty_box",
                "photos": [{"filename": "a.png", "content_base64": photo_b64()}],
            }
        ],
    }
    response = client.post(f"/api/v1/returns/{rma}/receipt", json=body)
    assert (response.status_code, response.json()["code"]) == (422, "empty_box_with_items")
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "in_transit"
    assert list(tmp_path.iterdir()) == []
    bad = client.post(
        f"/api/v1/returns/{rma}/receipt",
        json={"mismatches": [{"kind": "wrong_item", "photos": [{"content_base64": "aGVsbG8="}]}]},
    )
    assert (bad.status_code, bad.json()["code"]) == (422, "photo_type_not_allowed")


def test_a_parcel_that_beat_the_carrier_scan_is_shipped_then_received(
    client: TestClient, context: AppContext
) -> None:
    rma = file_return(client)
    our_waybill(context, rma, "YT777")
    response = client.post(f"/api/v1/returns/{rma}/receipt", json={"code": "YT777"})
    assert response.status_code == 201, response.text
    timeline = client.get(f"/api/v1/returns/{rma}").json()
    assert timeline["status"] == "received"
    with context.session_factory() as session:
        steps = session.execute(
            select(ReturnEventRow.action, ReturnEventRow.actor, ReturnEventRow.note).order_by(
                ReturnEventRow.seq
            )
        ).all()
    assert [s[0] for s in steps][-2:] == ["ship", "receive"]
    assert steps[-2][1] == "warehouse" and "before any carrier scan" in steps[-2][2]


def test_old_receive_route_records_a_clean_receipt_and_stays_strict(
    client: TestClient, context: AppContext
) -> None:
    early = file_return(client, lines=((1, 1),))
    refused = client.post(f"/api/v1/returns/{early}/receive")
    assert (refused.status_code, refused.json()["code"]) == (409, "transition_not_allowed")
    rma = shipped(client, lines=((1, 1), (2, 1)))
    done = client.post(f"/api/v1/returns/{rma}/receive", json={"note": "包裹完好"})
    assert done.status_code == 200 and done.json()["status"] == "received"
    receipt = client.get(f"/api/v1/returns/{rma}/receipt").json()
    assert receipt["clean"] is True and [x["received"] for x in receipt["lines"]] == [1, 1]
    twice = client.post(f"/api/v1/returns/{rma}/receive")
    assert (twice.status_code, twice.json()["code"]) == (409, "already_received")


def test_receiving_twice_is_already_received(client: TestClient) -> None:
    rma = shipped(client)
    assert client.post(f"/api/v1/returns/{rma}/receipt", json={}).status_code == 201
    again = client.post(
        f"/api/v1/returns/{rma}/receipt", json={}, headers={"Accept-Language": "en"}
    )
    assert (again.status_code, again.json()["code"]) == (409, "already_received")
    assert "already received by admin:root" in again.json()["detail"]
    scan = client.post("/api/v1/receiving/scan", json={"code": rma}).json()
    assert scan["receivable"] is False and scan["receipt"]["rma_no"] == rma


def test_two_workers_at_once_make_one_receipt(client: TestClient, context: AppContext) -> None:
    rma = shipped(client)
    start = threading.Barrier(6)

    def receive(_: int) -> int:
        start.wait()
        return int(client.post(f"/api/v1/returns/{rma}/receipt", json={}).status_code)

    results: list[int] = []
    threads = [threading.Thread(target=lambda i=i: results.append(receive(i))) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [201, 409, 409, 409, 409, 409]
    with context.session_factory() as session:
        count = session.scalar(select(func.count()).select_from(ReceiptRow))
        receives = session.scalar(select(func.count()).where(ReturnEventRow.action == "receive"))
    assert (count, receives) == (1, 1)


def test_unidentified_parcel_then_matched_to_its_rma(
    client: TestClient, context: AppContext
) -> None:
    rma = shipped(client)
    parcel = client.post(
        "/api/v1/receiving/unidentified",
        json={
            "carrier": "中通",
            "waybill_no": "zt123",
            "sender_name": "王**",
            "sender_phone": "138****8000",
            "shelf": "U-01",
            "photos": [{"filename": "label.png", "content_base64": photo_b64()}],
        },
    )
    assert parcel.status_code == 201, parcel.text
    parcel_id = parcel.json()["id"]
    assert parcel.json()["waybill_no"] == "ZT123" and len(parcel.json()["photos"]) == 1
    waiting = client.get("/api/v1/receiving/unidentified").json()
    assert [p["id"] for p in waiting] == [parcel_id]
    matched = client.post(
        f"/api/v1/receiving/unidentified/{parcel_id}/match",
        json={
            "rma_no": rma,
            "lines": [{"line_no": 1, "received": 2}, {"line_no": 2, "received": 1}],
        },
    )
    assert matched.status_code == 201, matched.text
    assert matched.json()["scanned_code"] == "ZT123" and matched.json()["clean"]
    assert client.get("/api/v1/receiving/unidentified").json() == []
    done = client.get("/api/v1/receiving/unidentified", params={"state": "matched"}).json()
    assert done[0]["matched_rma"] == rma and done[0]["resolved_by"] == "admin:root"
    again = client.post(f"/api/v1/receiving/unidentified/{parcel_id}/match", json={"rma_no": rma})
    assert (again.status_code, again.json()["code"]) == (422, "parcel_already_resolved")


def test_unidentified_parcel_let_go_needs_a_reason(client: TestClient) -> None:
    parcel_id = client.post(
        "/api/v1/receiving/unidentified", json={"label_text": "无面单", "shelf": "U-02"}
    ).json()["id"]
    refused = client.post(
        f"/api/v1/receiving/unidentified/{parcel_id}/close",
        json={"outcome": "disposed", "reason": " "},
    )
    assert (refused.status_code, refused.json()["code"]) == (422, "reason_required")
    closed = client.post(
        f"/api/v1/receiving/unidentified/{parcel_id}/close",
        json={"outcome": "returned", "reason": "寄件人来电认领"},
    )
    assert closed.status_code == 200 and closed.json()["state"] == "returned"
    missing = client.post(
        "/api/v1/receiving/unidentified/999/close", json={"outcome": "returned", "reason": "x"}
    )
    assert (missing.status_code, missing.json()["code"]) == (404, "parcel_not_found")
    empty = client.post("/api/v1/receiving/unidentified", json={"shelf": "U-03"})
    assert (empty.status_code, empty.json()["code"]) == (422, "label_required")
