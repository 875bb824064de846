"""Issue 16: a door pickup to another address through the API — checked, stored with the
parcel, sent to the carrier as the waybill's sender, printed on the label (SQLite and
PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from returnflow.app_context import AppContext
from returnflow.logistics.carriers import ManualCarrier
from returnflow.services import shipping_queries
from returnflow.storage.anonymise import anonymise_customer
from returnflow.storage.schema import ShipmentRow
from tests.api.test_shipping_api import _approved, _deliver
from tests.support.booking_carrier import BookingCarrier

OrderPayload = Callable[..., dict[str, Any]]
ELSEWHERE = {
    "name": "李四",
    "phone": "+86 139-0000-1111",
    "province": "广东省",
    "city": "深圳市",
    "district": "南山区",
    "detail": "科技园路 1 号 2 栋 301",
}


@pytest.fixture
def booking(context: AppContext) -> BookingCarrier:
    double = BookingCarrier()
    context.carriers = {"manual": ManualCarrier(), "simulated": double}
    return double


def _pickup(client: TestClient, rma: str, lang: str = "zh", **body: Any) -> Any:
    slot = client.get(f"/api/v1/returns/{rma}/shipping-options").json()["slots"][0]["key"]
    return client.post(
        f"/api/v1/returns/{rma}/shipments",
        json={"method": "pickup", "slot": slot, **body},
        headers={"Accept-Language": lang},
    )


def test_the_courier_goes_to_the_address_chosen_with_the_pickup(
    client: TestClient, order_payload: OrderPayload, booking: BookingCarrier, context: AppContext
) -> None:
    rma = _approved(client, order_payload)
    chosen = _pickup(client, rma, pickup_to=ELSEWHERE)
    assert chosen.status_code == 201, chosen.text
    # the API shows where, not who exactly: the region and a masked phone (R14.1)
    assert chosen.json()["pickup_to"] == {
        "name": "李四",
        "phone": "139****1111",
        "province": "广东省",
        "city": "深圳市",
    }
    _deliver(context)
    waybill, pickup = booking.waybills[0].sender, booking.pickups[0].sender
    assert waybill == pickup
    assert (waybill.name, waybill.phone) == ("李四", "13900001111")
    assert waybill.address == ("广东省深圳市南山区", "科技园路 1 号 2 栋 301")
    with context.uow() as uow:
        label = shipping_queries.label_for(uow, rma)
    assert (label.sender_name, label.sender_region) == ("李四", "广东省深圳市南山区")
    listed = client.get(f"/api/v1/returns/{rma}/shipments").json()[0]
    assert listed["pickup_to"]["city"] == "深圳市" and listed["status"] == "arranged"
    # anonymising the customer (R14.1) keeps the region of the typed address only
    with context.session_factory() as session:
        anonymise_customer(session, "c-1", context.clock())
        session.commit()
        kept = session.scalars(select(ShipmentRow.pickup_to)).one()
    assert kept == {**dict.fromkeys(ELSEWHERE, ""), "province": "广东省", "city": "深圳市"}


def test_without_an_address_the_pickup_keeps_the_orders(
    client: TestClient, order_payload: OrderPayload, booking: BookingCarrier
) -> None:
    rma = _approved(client, order_payload)
    kept = _pickup(client, rma).json()["pickup_to"]
    assert (kept["name"], kept["province"], kept["phone"]) == ("王小明", "四川省", "138****8000")
    dropoff = _approved(client, order_payload, order_no="SO-2")
    body = {"method": "dropoff", "pickup_to": ELSEWHERE}  # only a pickup has one
    answer = client.post(f"/api/v1/returns/{dropoff}/shipments", json=body)
    assert answer.status_code == 201 and answer.json()["pickup_to"] is None


BAD = [
    ({"phone": "12345"}, "pickup_phone_invalid", "phone"),
    ({"phone": "+1 415 555 0100"}, "pickup_phone_invalid", "phone"),
    ({"detail": "路" * 121}, "pickup_address_too_long", "detail"),
    ({"name": "名" * 31}, "pickup_address_too_long", "name"),
    ({"detail": ""}, "pickup_address_incomplete", "detail"),
    ({"city": "  "}, "pickup_address_incomplete", "city"),
    ({"name": "李\x07四"}, "pickup_address_invalid", "name"),
]


def test_a_bad_address_is_a_problem_with_its_code_and_nothing_is_booked(
    client: TestClient, order_payload: OrderPayload, booking: BookingCarrier
) -> None:
    rma = _approved(client, order_payload)
    for change, code, field in BAD:
        refused = _pickup(client, rma, pickup_to={**ELSEWHERE, **change})
        assert refused.status_code == 422, change
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert (refused.json()["code"], refused.json()["field"]) == (code, field)
    assert client.get(f"/api/v1/returns/{rma}/shipments").json() == []
    english = _pickup(client, rma, pickup_to={**ELSEWHERE, "phone": "5"}, lang="en")
    assert "mainland China mobile number" in english.json()["detail"]


def test_an_absurdly_long_part_stops_at_the_body_bounds(
    client: TestClient, order_payload: OrderPayload, booking: BookingCarrier
) -> None:
    rma = _approved(client, order_payload)
    refused = _pickup(client, rma, pickup_to={**ELSEWHERE, "detail": "x" * 10_000})
    assert (refused.status_code, refused.json()["code"]) == (422, "validation_error")
