"""Return methods through the API: options, each method, the worker's carrier calls,
the label read back, the drop-off code, cancelling a pickup, settings and the cost report."""

from __future__ import annotations

import io
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.jobs.worker import Worker
from returnflow.logistics.carriers import ManualCarrier
from returnflow.notify.mailer import FileMailer
from returnflow.storage.schema import OutboxRow, ReturnRow
from tests.conftest import TokenFactory
from tests.support.booking_carrier import BookingCarrier, refusal
from tests.support.clock import FakeClock

SHIP_TO = {
    "name": "王小明",
    "phone": "13800138000",
    "province": "四川省",
    "city": "成都市",
    "district": "武侯区",
    "detail": "人民南路四段 1 号 2 栋 301 室",
}


@pytest.fixture
def carrier(context: AppContext) -> BookingCarrier:
    double = BookingCarrier()
    context.carriers = {"manual": ManualCarrier(), "simulated": double}
    return double


def _approved(
    client: TestClient,
    order_payload: Callable[..., dict[str, Any]],
    *,
    insured: bool = False,
    reason: str = "no_reason",
    order_no: str = "SO-1001",
    merchant_id: str = "m-babycare",
) -> str:
    order = order_payload(
        order_no=order_no,
        merchant_id=merchant_id,
        ship_to=SHIP_TO,
        return_shipping_insurance=insured,
    )
    assert client.post("/api/v1/orders", json=order).status_code in (200, 201)
    body = {
        "order_no": order_no,
        "type": "refund",
        "lines": [{"line_no": 2, "quantity": 1, "reason_code": reason}],
        "photos": [merchant_id.encode().hex()[:32].ljust(32, "0") + ".jpg"],  # one per merchant
    }
    filed = client.post("/api/v1/returns", json=body).json()
    assert filed["status"] == "approved", filed
    return str(filed["rma_no"])


def _deliver(context: AppContext) -> int:
    """Run the worker's outbox delivery once, with the carrier consumer only."""
    worker = Worker(context, FileMailer("/tmp/rf-methods-mail"))
    return worker.dispatcher.run_once(context.clock()).sent


def test_orders_keep_their_ship_to_address(
    client: TestClient, order_payload: Callable[..., dict[str, Any]], context: AppContext
) -> None:
    assert client.post("/api/v1/orders", json=order_payload(ship_to=SHIP_TO)).status_code == 201
    with context.uow() as uow:
        order = uow.orders.get("SO-1001")
    assert order is not None and order.ship_to is not None
    assert (order.ship_to.province, order.ship_to.detail) == ("四川省", SHIP_TO["detail"])
    bad = client.post("/api/v1/orders", json=order_payload(ship_to={**SHIP_TO, "city": ""}))
    assert (bad.status_code, bad.json()["field"]) == (422, "ship_to.city")


def test_options_show_fee_time_and_instructions_by_who_pays(
    client: TestClient, order_payload: Callable[..., dict[str, Any]], carrier: BookingCarrier
) -> None:
    rma = _approved(client, order_payload)
    options = client.get(
        f"/api/v1/returns/{rma}/shipping-options", headers={"Accept-Language": "en"}
    ).json()
    assert options["can_choose"] is True
    by_method = {o["method"]: o for o in options["offers"]}
    assert list(by_method) == ["pickup", "dropoff", "self_ship"]
    assert by_method["pickup"]["customer_fee"] == {"amount": 1500, "currency": "CNY"}
    assert by_method["pickup"]["payer"] == "customer"
    assert by_method["dropoff"]["expected_days"] == 3
    assert "courier station" in by_method["dropoff"]["instructions"]
    assert len(options["slots"]) == 13  # 10:00 now: three windows today, five on two more days
    assert options["return_address"][0] == "ReturnFlow 中央退货仓"

    insured = _approved(client, order_payload, insured=True, order_no="SO-2")
    covered = client.get(f"/api/v1/returns/{insured}/shipping-options").json()["offers"][0]
    assert (covered["payer"], covered["customer_fee"]["amount"]) == ("insurance", 0)
    assert covered["insurance_covers"]["amount"] == 1500

    fault = _approved(client, order_payload, reason="wrong_item", order_no="SO-3")
    merchant = client.get(f"/api/v1/returns/{fault}/shipping-options").json()["offers"][0]
    assert (merchant["payer"], merchant["customer_fee"]["amount"]) == ("merchant", 0)


def test_pickup_goes_through_the_outbox_to_the_carrier_once(
    client: TestClient,
    order_payload: Callable[..., dict[str, Any]],
    carrier: BookingCarrier,
    context: AppContext,
) -> None:
    rma = _approved(client, order_payload)
    slot = client.get(f"/api/v1/returns/{rma}/shipping-options").json()["slots"][1]
    chosen = client.post(
        f"/api/v1/returns/{rma}/shipments", json={"method": "pickup", "slot": slot["key"]}
    )
    assert chosen.status_code == 201, chosen.text
    shipment = chosen.json()
    assert (shipment["status"], shipment["waybill_no"]) == ("requested", None)
    start = datetime.fromisoformat(shipment["pickup_start"].replace("Z", "+00:00"))
    assert start == datetime.fromisoformat(slot["start"].replace("Z", "+00:00"))
    assert shipment["customer_fee"]["amount"] == 1500
    assert (shipment["label_cost"]["amount"], shipment["pickup_cost"]["amount"]) == (800, 400)
    assert carrier.waybills == []  # nothing was called inside the customer's request
    with context.uow() as uow:
        topics = [r.topic for r in uow.session.query(OutboxRow).all()]
    assert "carrier.arrange" in topics

    assert _deliver(context) >= 1
    assert len(carrier.waybills) == 1 and len(carrier.pickups) == 1
    sent = carrier.waybills[0]
    assert sent.sender.name == "王小明" and "四川省成都市武侯区" in sent.sender.address
    assert sent.receiver.name == "ReturnFlow 中央退货仓"
    arranged = client.get(f"/api/v1/returns/{rma}/shipments").json()[0]
    assert arranged["status"] == "arranged"
    assert arranged["waybill_no"] == "SIM0000000001"
    assert arranged["promised_by"] is not None
    # the request waits for the first scan, and shows the waybill meanwhile
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "approved"
    with context.uow() as uow:
        row = uow.session.query(ReturnRow).filter_by(rma_no=rma).one()
        assert (row.tracking_no, row.carrier) == ("SIM0000000001", "模拟快递")
    # delivered again (at least once): the carrier is not asked twice
    with context.uow() as uow:
        uow.outbox.put(
            "carrier.arrange", {"shipment_id": arranged["id"], "rma_no": rma}, context.clock()
        )
        uow.commit(context.clock())
    _deliver(context)
    assert len(carrier.waybills) == 1 and len(carrier.pickups) == 1


def test_a_carrier_outage_is_retried_and_resumes_where_it_stopped(
    client: TestClient,
    order_payload: Callable[..., dict[str, Any]],
    carrier: BookingCarrier,
    context: AppContext,
    clock: FakeClock,
) -> None:
    rma = _approved(client, order_payload)
    slot = client.get(f"/api/v1/returns/{rma}/shipping-options").json()["slots"][0]["key"]
    client.post(f"/api/v1/returns/{rma}/shipments", json={"method": "pickup", "slot": slot})
    # the waybill is issued, then booking the pickup times out
    original = carrier.book_pickup

    def flaky(request: Any) -> Any:
        carrier.book_pickup = original  # type: ignore[method-assign]
        raise TimeoutError("carrier did not answer")

    carrier.book_pickup = flaky  # type: ignore[method-assign]
    _deliver(context)
    shipment = client.get(f"/api/v1/returns/{rma}/shipments").json()[0]
    assert (shipment["status"], shipment["waybill_no"]) == ("requested", "SIM0000000001")
    clock.advance(minutes=1)
    _deliver(context)
    shipment = client.get(f"/api/v1/returns/{rma}/shipments").json()[0]
    assert shipment["status"] == "arranged"
    assert len(carrier.waybills) == 1 and len(carrier.pickups) == 1


def test_a_carrier_refusal_fails_the_shipment_and_another_method_can_be_chosen(
    client: TestClient,
    order_payload: Callable[..., dict[str, Any]],
    carrier: BookingCarrier,
    context: AppContext,
) -> None:
    rma = _approved(client, order_payload)
    client.post(f"/api/v1/returns/{rma}/shipments", json={"method": "dropoff"})
    carrier.fail_next = refusal()
    _deliver(context)
    failed = client.get(f"/api/v1/returns/{rma}/shipments").json()[0]
    assert failed["status"] == "failed" and "address_not_served" in failed["last_error"]
    again = client.post(f"/api/v1/returns/{rma}/shipments", json={"method": "dropoff"})
    assert again.status_code == 201


def test_dropoff_gives_a_code_a_qr_and_a_label(
    client: TestClient,
    order_payload: Callable[..., dict[str, Any]],
    carrier: BookingCarrier,
    context: AppContext,
    tmp_path: Any,
) -> None:
    rma = _approved(client, order_payload)
    shipment = client.post(f"/api/v1/returns/{rma}/shipments", json={"method": "dropoff"}).json()
    code = shipment["dropoff_code"]
    assert code and len(code) == 8 and shipment["pickup_start"] is None
    not_yet = client.get(f"/api/v1/returns/{rma}/label.pdf")
    assert (not_yet.status_code, not_yet.json()["code"]) == (404, "label_not_ready")
    _deliver(context)

    label = client.get(f"/api/v1/returns/{rma}/label.pdf")
    assert label.status_code == 200
    assert label.headers["content-type"] == "application/pdf"
    text = PdfReader(io.BytesIO(label.content)).pages[0].extract_text()
    assert rma in text and "SIM0000000001" in text
    assert "青浦区" in text  # the return address

    qr = client.get(f"/api/v1/returns/{rma}/dropoff.png")
    assert qr.headers["content-type"] == "image/png"
    image = tmp_path / "code.png"
    image.write_bytes(qr.content)
    scanned = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(image)], capture_output=True, text=True, check=True
    )
    assert scanned.stdout.strip() == code


def test_self_ship_checks_the_number_and_moves_the_request_on_at_once(
    client: TestClient, order_payload: Callable[..., dict[str, Any]], carrier: BookingCarrier
) -> None:
    rma = _approved(client, order_payload)
    typo = client.post(
        f"/api/v1/returns/{rma}/shipments",
        json={"method": "self_ship", "carrier": "sf", "tracking_no": "SF12"},
    )
    assert (typo.status_code, typo.json()["code"], typo.json()["field"]) == (
        422,
        "tracking_no_invalid",
        "tracking_no",
    )
    done = client.post(
        f"/api/v1/returns/{rma}/shipments",
        json={"method": "self_ship", "carrier": "SF", "tracking_no": "sf 1234 5678 9012 3"},
    )
    assert done.status_code == 201, done.text
    assert (done.json()["waybill_no"], done.json()["carrier"]) == ("SF1234567890123", "manual")
    assert done.json()["status"] == "in_transit"
    request = client.get(f"/api/v1/returns/{rma}").json()
    assert request["status"] == "in_transit"
    assert request["shipment"]["tracking_no"] == "SF1234567890123"
    assert carrier.waybills == []  # self-ship never calls a carrier
    # a label (packing slip) is available with the customer's own number
    assert client.get(f"/api/v1/returns/{rma}/label.pdf").status_code == 200


def test_the_ship_step_records_a_self_shipped_parcel(
    client: TestClient, order_payload: Callable[..., dict[str, Any]], carrier: BookingCarrier
) -> None:
    rma = _approved(client, order_payload)
    shipped = client.post(
        f"/api/v1/returns/{rma}/ship", json={"carrier": "顺丰速运", "tracking_no": "SF1234567890"}
    )
    assert shipped.status_code == 200 and shipped.json()["status"] == "in_transit"
    rows = client.get(f"/api/v1/returns/{rma}/shipments").json()
    assert [(r["method"], r["carrier_name"], r["waybill_no"]) for r in rows] == [
        ("self_ship", "顺丰速运", "SF1234567890")
    ]
    other = _approved(client, order_payload, order_no="SO-9")
    reused = client.post(
        f"/api/v1/returns/{other}/ship", json={"carrier": "韵达", "tracking_no": "SF1234567890"}
    )
    assert (reused.status_code, reused.json()["code"]) == (409, "waybill_in_use")


def test_one_arrangement_at_a_time_and_only_while_approved(
    client: TestClient, order_payload: Callable[..., dict[str, Any]], carrier: BookingCarrier
) -> None:
    rma = _approved(client, order_payload)
    assert (
        client.post(f"/api/v1/returns/{rma}/shipments", json={"method": "dropoff"}).status_code
        == 201
    )
    second = client.post(f"/api/v1/returns/{rma}/shipments", json={"method": "dropoff"})
    assert (second.status_code, second.json()["code"]) == (409, "shipment_already_arranged")
    slotless = _approved(client, order_payload, order_no="SO-5")
    bad_slot = client.post(
        f"/api/v1/returns/{slotless}/shipments", json={"method": "pickup", "slot": "tomorrow"}
    )
    assert (bad_slot.status_code, bad_slot.json()["field"]) == (422, "slot")
    client.post(f"/api/v1/returns/{slotless}/cancel")
    closed = client.post(f"/api/v1/returns/{slotless}/shipments", json={"method": "dropoff"})
    assert (closed.status_code, closed.json()["code"]) == (409, "transition_not_allowed")


def test_cancel_a_pickup_through_the_outbox(
    client: TestClient,
    order_payload: Callable[..., dict[str, Any]],
    carrier: BookingCarrier,
    context: AppContext,
) -> None:
    rma = _approved(client, order_payload)
    slot = client.get(f"/api/v1/returns/{rma}/shipping-options").json()["slots"][0]["key"]
    shipment = client.post(
        f"/api/v1/returns/{rma}/shipments", json={"method": "pickup", "slot": slot}
    ).json()
    _deliver(context)
    cancelled = client.post(f"/api/v1/returns/{rma}/shipments/{shipment['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelling"
    assert carrier.cancelled == []
    _deliver(context)
    assert carrier.cancelled == ["PK1"]
    assert client.get(f"/api/v1/returns/{rma}/shipments").json()[0]["status"] == "cancelled"
    twice = client.post(f"/api/v1/returns/{rma}/shipments/{shipment['id']}/cancel")
    assert (twice.status_code, twice.json()["code"]) == (409, "pickup_not_cancellable")
    # the customer may now choose again
    assert (
        client.post(f"/api/v1/returns/{rma}/shipments", json={"method": "dropoff"}).status_code
        == 201
    )


def test_cancelling_before_the_carrier_answered_books_nothing(
    client: TestClient,
    order_payload: Callable[..., dict[str, Any]],
    carrier: BookingCarrier,
    context: AppContext,
) -> None:
    rma = _approved(client, order_payload)
    slot = client.get(f"/api/v1/returns/{rma}/shipping-options").json()["slots"][0]["key"]
    shipment = client.post(
        f"/api/v1/returns/{rma}/shipments", json={"method": "pickup", "slot": slot}
    ).json()
    assert (
        client.post(f"/api/v1/returns/{rma}/shipments/{shipment['id']}/cancel").json()["status"]
        == "cancelled"
    )
    _deliver(context)
    assert carrier.waybills == [] and carrier.pickups == []


def test_settings_per_merchant_and_province_change_the_offer(
    client: TestClient,
    order_payload: Callable[..., dict[str, Any]],
    carrier: BookingCarrier,
    tokens: TokenFactory,
) -> None:
    rma = _approved(client, order_payload)
    put = client.put(
        "/api/v1/shipping/methods/m-babycare/四川省",
        json={
            "methods": {"pickup": {"fee": 900}, "dropoff": {"enabled": False}},
            "warehouse": {
                "name": "西部退货仓",
                "phone": "028-1",
                "province": "四川省",
                "city": "成都市",
                "district": "双流区",
                "detail": "物流大道 1 号",
            },
        },
    )
    assert put.status_code == 200, put.text
    options = client.get(f"/api/v1/returns/{rma}/shipping-options").json()
    assert [o["method"] for o in options["offers"]] == ["pickup", "self_ship"]
    assert options["offers"][0]["fee"]["amount"] == 900
    assert options["return_address"][0] == "西部退货仓"
    seen = client.get("/api/v1/shipping/methods?merchant_id=m-babycare&province=四川省").json()
    assert seen["warehouse"]["name"] == "西部退货仓" and len(seen["adjustments"]) == 1
    bad = client.put(
        "/api/v1/shipping/methods/*/*",
        json={
            "pickup_hours": {
                "first_hour": 18,
                "last_hour": 9,
                "window_hours": 2,
                "days_ahead": 3,
                "lead_minutes": 0,
            }
        },
    )
    assert (bad.status_code, bad.json()["code"]) == (422, "shipping_config_invalid")
    agent = {"Authorization": f"Bearer {tokens(Role.AGENT)}"}
    assert client.put("/api/v1/shipping/methods/*/*", json={}, headers=agent).status_code == 403
    assert client.get("/api/v1/shipping/methods", headers=agent).status_code == 200
    assert client.delete("/api/v1/shipping/methods/m-babycare/四川省").status_code == 204
    assert client.delete("/api/v1/shipping/methods/m-babycare/四川省").status_code == 404


def test_cost_report_by_carrier_and_by_merchant(
    client: TestClient,
    order_payload: Callable[..., dict[str, Any]],
    carrier: BookingCarrier,
    context: AppContext,
    tokens: TokenFactory,
) -> None:
    first = _approved(client, order_payload)  # customer pays: fee 1000 for drop-off
    second = _approved(client, order_payload, insured=True, order_no="SO-2", merchant_id="m-toys")
    third = _approved(client, order_payload, order_no="SO-3")
    slot = client.get(f"/api/v1/returns/{second}/shipping-options").json()["slots"][0]["key"]
    client.post(f"/api/v1/returns/{first}/shipments", json={"method": "dropoff"})
    client.post(f"/api/v1/returns/{second}/shipments", json={"method": "pickup", "slot": slot})
    client.post(
        f"/api/v1/returns/{third}/shipments",
        json={"method": "self_ship", "carrier": "zto", "tracking_no": "123456789012"},
    )
    before = client.get("/api/v1/reports/return-shipping-costs?by=carrier").json()["rows"]
    assert [r["key"] for r in before] == ["manual"]  # not yet arranged: no cost yet
    _deliver(context)
    by_carrier = {
        r["key"]: r for r in client.get("/api/v1/reports/return-shipping-costs").json()["rows"]
    }
    sim = by_carrier["simulated"]
    assert (sim["shipments"], sim["label_cost"], sim["pickup_cost"]) == (2, 1600, 400)
    assert (sim["insurance_cost"], sim["customer_fees"]) == (1500, 1000)
    assert sim["net_cost"] == 1600 + 400 - 1500 - 1000
    assert by_carrier["manual"]["customer_fees"] == 1200
    by_merchant = {
        r["key"]: r
        for r in client.get("/api/v1/reports/return-shipping-costs?by=merchant").json()["rows"]
    }
    assert by_merchant["m-toys"]["shipments"] == 1
    assert by_merchant["m-toys"]["insurance_cost"] == 1500
    assert by_merchant["m-babycare"]["shipments"] == 2
    later = datetime(2030, 1, 1, tzinfo=UTC).isoformat()
    empty = client.get("/api/v1/reports/return-shipping-costs", params={"created_from": later})
    assert empty.json()["rows"] == []
    agent = {"Authorization": f"Bearer {tokens(Role.AGENT)}"}
    assert client.get("/api/v1/reports/return-shipping-costs", headers=agent).status_code == 403


def test_merchants_see_only_their_own_shipments(
    client: TestClient,
    order_payload: Callable[..., dict[str, Any]],
    carrier: BookingCarrier,
    tokens: TokenFactory,
) -> None:
    rma = _approved(client, order_payload)
    client.post(f"/api/v1/returns/{rma}/shipments", json={"method": "dropoff"})
    other = {"Authorization": f"Bearer {tokens(Role.MERCHANT, 'm-toys')}"}
    own = {"Authorization": f"Bearer {tokens(Role.MERCHANT, 'm-babycare')}"}
    assert client.get(f"/api/v1/returns/{rma}/shipments", headers=other).status_code == 404
    assert client.get(f"/api/v1/returns/{rma}/shipments", headers=own).status_code == 200
    assert client.get(f"/api/v1/returns/{rma}/dropoff.png", headers=other).status_code == 404


def test_cancelling_the_request_calls_the_courier_off(
    client: TestClient,
    order_payload: Callable[..., dict[str, Any]],
    carrier: BookingCarrier,
    context: AppContext,
) -> None:
    rma = _approved(client, order_payload)
    slot = client.get(f"/api/v1/returns/{rma}/shipping-options").json()["slots"][0]["key"]
    client.post(f"/api/v1/returns/{rma}/shipments", json={"method": "pickup", "slot": slot})
    _deliver(context)
    assert client.post(f"/api/v1/returns/{rma}/cancel").status_code == 200
    _deliver(context)
    assert carrier.cancelled == ["PK1"]
    assert client.get(f"/api/v1/returns/{rma}/shipments").json()[0]["status"] == "cancelled"
