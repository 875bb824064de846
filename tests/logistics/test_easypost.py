"""EasyPostCarrier against a local stand-in that checks EasyPost's documented API.

The stand-in insists on what EasyPost insists on (Basic auth with the API key, JSON
bodies, `is_return`, complete addresses, a rate of this shipment, pickup windows, a
pickup rate's carrier and service) and answers with the sample payloads in
tests/logistics/payloads and EasyPost's `{"error": {...}}` bodies.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from returnflow.domain.scans import TrackingProblem, TrackingStatus
from returnflow.logistics.carriers import (
    Carrier,
    CarrierRejected,
    CarrierUnavailable,
    Party,
    PickupRequest,
    PushFeed,
    PushSignatureInvalid,
    WaybillRequest,
)
from returnflow.logistics.easypost import EasyPostCarrier
from tests.logistics.standin import Seen, StandIn, closed_port_url, payload, serve

API_KEY = "EZTK_local_test_key"
WEBHOOK_SECRET = "ẞecret-ﬁle"  # not NFKD-normal: EasyPost normalises it before signing
CUSTOMER = Party(
    "Dr. Steve Brule", "8573875756", ("179 N Harbor Dr", "Redondo Beach", "CA", "90277", "US")
)
WAREHOUSE = Party(
    "ReturnFlow US Returns",
    "4153334445",
    ("417 Montgomery Street", "5th Floor", "San Francisco", "CA", "94104", "US"),
)
START = datetime(2026, 11, 21, 16, 0, tzinfo=UTC)
END = datetime(2026, 11, 21, 22, 0, tzinfo=UTC)
TS, TP = TrackingStatus, TrackingProblem
ADDRESS_FIELDS = ("name", "street1", "city", "state", "zip", "country")


def _error(code: str, message: str, errors: list[Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "errors": errors or []}}


class EasyPostStandIn:
    def __init__(self) -> None:
        self.shipments: dict[str, dict[str, Any]] = {}
        self.created: list[dict[str, Any]] = []
        self.pickups: dict[str, dict[str, Any]] = {}
        self.trackers: dict[str, Any] = {"9400100000000000000001": payload("easypost_tracker.json")}
        self.rate_messages: list[str] | None = None  # set: no carrier could rate the parcel

    def route(self, seen: Seen) -> tuple[int, Any]:
        expected = "Basic " + base64.b64encode(f"{API_KEY}:".encode()).decode()
        if seen.headers.get("Authorization") != expected:
            return 401, _error("APIKEY.INACTIVE", "This api key is no longer active.")
        if seen.method != "POST" or seen.headers.get("Content-Type") != "application/json":
            return 400, _error("PARAMETER.INVALID", "Expected a JSON body.")
        body = json.loads(seen.body or b"{}")
        parts = seen.path.strip("/").split("/")
        if parts == ["v2", "shipments"]:
            return self._create_shipment(body.get("shipment") or {})
        if len(parts) == 4 and parts[:2] == ["v2", "shipments"] and parts[3] == "buy":
            return self._buy_shipment(parts[2], body)
        if parts == ["v2", "pickups"]:
            return self._create_pickup(body.get("pickup") or {})
        if len(parts) == 4 and parts[:2] == ["v2", "pickups"]:
            return self._pickup_action(parts[2], parts[3], body)
        if parts == ["v2", "trackers"]:
            code = (body.get("tracker") or {}).get("tracking_code")
            if code not in self.trackers:
                return 422, _error("TRACKER.TRACKING_CODE.INVALID", "Invalid tracking code.")
            return 200, self.trackers[code]
        return 404, _error("NOT_FOUND", "The requested resource could not be found.")

    def _create_shipment(self, shipment: dict[str, Any]) -> tuple[int, Any]:
        problems = [
            {"field": f"{side}.{name}", "message": "cannot be blank"}
            for side in ("to_address", "from_address")
            for name in ADDRESS_FIELDS
            if not (shipment.get(side) or {}).get(name)
        ]
        if not (shipment.get("parcel") or {}).get("weight"):
            problems.append({"field": "parcel.weight", "message": "cannot be blank"})
        if problems:
            return 422, _error("SHIPMENT.INVALID_PARAMS", "Unable to create shipment.", problems)
        self.created.append(shipment)
        answer = payload("easypost_shipment.json")
        answer["id"] = f"shp_{len(self.shipments) + 1:04d}"
        answer["is_return"] = shipment.get("is_return", False)
        answer["reference"] = shipment.get("reference")
        if self.rate_messages is not None:
            answer["rates"] = []
            answer["messages"] = [
                {"carrier": "USPS", "type": "rate_error", "message": m} for m in self.rate_messages
            ]
        self.shipments[answer["id"]] = answer
        return 200, answer

    def _buy_shipment(self, shipment_id: str, body: dict[str, Any]) -> tuple[int, Any]:
        shipment = self.shipments.get(shipment_id)
        if shipment is None:
            return 404, _error("SHIPMENT.NOT_FOUND", "The requested resource could not be found.")
        rate_id = (body.get("rate") or {}).get("id")
        rate = next((r for r in shipment["rates"] if r["id"] == rate_id), None)
        if rate is None:
            return 422, _error("SHIPMENT.RATE.INVALID", "Rate not found on this shipment.")
        if shipment.get("selected_rate"):
            return 422, _error(
                "SHIPMENT.POSTAGE.EXISTS", "Postage already exists for this shipment."
            )
        bought = payload("easypost_shipment_bought.json")
        bought["id"] = shipment_id
        bought["selected_rate"] = rate
        bought["tracking_code"] = f"94001000000000000{len(self.shipments):05d}"
        shipment.update(bought)
        return 200, bought

    def _create_pickup(self, pickup: dict[str, Any]) -> tuple[int, Any]:
        shipment_id = (pickup.get("shipment") or {}).get("id")
        if shipment_id not in self.shipments:
            return 404, _error("SHIPMENT.NOT_FOUND", "The requested resource could not be found.")
        try:
            low = datetime.fromisoformat(pickup["min_datetime"].replace("Z", "+00:00"))
            high = datetime.fromisoformat(pickup["max_datetime"].replace("Z", "+00:00"))
        except (KeyError, AttributeError, ValueError):
            return 422, _error("PICKUP.INVALID_PARAMS", "min_datetime and max_datetime required.")
        if high <= low:
            return 422, _error("PICKUP.INVALID_PARAMS", "max_datetime must be after min_datetime.")
        if not (pickup.get("address") or {}).get("street1"):
            return 422, _error("PICKUP.INVALID_PARAMS", "address is required.")
        answer = payload("easypost_pickup.json")
        answer["id"] = f"pickup_{len(self.pickups) + 1:04d}"
        answer.update(
            {
                k: pickup.get(k)
                for k in ("reference", "min_datetime", "max_datetime", "instructions")
            }
        )
        self.pickups[answer["id"]] = answer
        return 200, answer

    def _pickup_action(self, pickup_id: str, action: str, body: dict[str, Any]) -> tuple[int, Any]:
        pickup = self.pickups.get(pickup_id)
        if pickup is None:
            return 404, _error("PICKUP.NOT_FOUND", "The requested resource could not be found.")
        if action == "buy":
            offered = {(r["carrier"], r["service"]) for r in pickup["pickup_rates"]}
            if (body.get("carrier"), body.get("service")) not in offered:
                return 422, _error("PICKUP.RATE.INVALID", "Carrier and service not offered.")
            pickup.update(status="scheduled", confirmation="WTC12345678", bought=body)
            return 200, pickup
        if action == "cancel":
            if pickup["status"] != "scheduled":
                return 422, _error("PICKUP.CANNOT_CANCEL", "Pickup is not scheduled.")
            pickup["status"] = "canceled"
            return 200, pickup
        return 404, _error("NOT_FOUND", "The requested resource could not be found.")


@pytest.fixture
def rules() -> EasyPostStandIn:
    return EasyPostStandIn()


@pytest.fixture
def stand_in(rules: EasyPostStandIn) -> Iterator[StandIn]:
    with serve(rules.route) as state:
        yield state


@pytest.fixture
def carrier(stand_in: StandIn) -> Iterator[EasyPostCarrier]:
    with EasyPostCarrier(stand_in.url, API_KEY, WEBHOOK_SECRET, timeout=0.3) as c:
        yield c


def _waybill_request(rma_no: str = "RMA-20261120-0042") -> WaybillRequest:
    return WaybillRequest(rma_no, CUSTOMER, WAREHOUSE, carrier_code="easypost")


# --- waybill -------------------------------------------------------------------------


def test_is_a_carrier_with_a_push_feed(carrier: EasyPostCarrier) -> None:
    assert isinstance(carrier, Carrier)
    assert isinstance(carrier, PushFeed)


def test_create_waybill_buys_the_cheapest_return_label(
    carrier: EasyPostCarrier, rules: EasyPostStandIn
) -> None:
    waybill = carrier.create_waybill(_waybill_request())

    shipment = rules.shipments[waybill.carrier_reference]
    assert shipment["selected_rate"]["id"] == "rate_usps_ground"  # 7.58 < 10.20 < 11.42
    assert waybill.waybill_no == shipment["tracking_code"]
    assert waybill.carrier_name == "USPS"
    sent = rules.created[0]
    assert sent["is_return"] is True and sent["reference"] == "RMA-20261120-0042"
    # addresses as the outbound parcel had them: EasyPost swaps them for a return
    assert sent["to_address"]["name"] == "Dr. Steve Brule"
    assert sent["from_address"] == {
        "name": "ReturnFlow US Returns",
        "phone": "4153334445",
        "street1": "417 Montgomery Street",
        "street2": "5th Floor",
        "city": "San Francisco",
        "state": "CA",
        "zip": "94104",
        "country": "US",
    }


def test_address_without_city_state_zip_country_is_refused_before_any_call(
    carrier: EasyPostCarrier, stand_in: StandIn
) -> None:
    short = Party("张三", "13812348000", ("上海市浦东新区世纪大道 100 号",))
    with pytest.raises(CarrierRejected) as caught:
        carrier.create_waybill(WaybillRequest("RMA-1", short, WAREHOUSE, carrier_code="easypost"))
    assert caught.value.code == "address_incomplete"
    assert stand_in.seen == []


def test_shipment_without_rates_is_rejected_with_the_carrier_messages(
    carrier: EasyPostCarrier, rules: EasyPostStandIn
) -> None:
    rules.rate_messages = ["Unable to rate", "Address not serviced"]
    with pytest.raises(CarrierRejected) as caught:
        carrier.create_waybill(_waybill_request())
    assert caught.value.code == "no_rates"
    assert caught.value.message == "Unable to rate; Address not serviced"


# --- pickups -------------------------------------------------------------------------


def _pickup_request(reference: str, start: datetime = START, end: datetime = END) -> PickupRequest:
    return PickupRequest(
        "RMA-20261120-0042",
        "9400100000000000000001",
        CUSTOMER,
        start,
        end,
        carrier_reference=reference,
    )


def test_book_pickup_creates_and_buys_the_cheapest_pickup(
    carrier: EasyPostCarrier, rules: EasyPostStandIn
) -> None:
    waybill = carrier.create_waybill(_waybill_request())
    pickup = carrier.book_pickup(_pickup_request(waybill.carrier_reference))

    stored = rules.pickups[pickup.pickup_id]
    assert stored["status"] == "scheduled"
    assert stored["bought"] == {"carrier": "USPS", "service": "NextDay"}
    assert (stored["min_datetime"], stored["max_datetime"]) == (
        "2026-11-21T16:00:00Z",
        "2026-11-21T22:00:00Z",
    )
    assert (pickup.window_start, pickup.window_end) == (START, END)


def test_pickup_for_an_unknown_shipment_is_rejected(carrier: EasyPostCarrier) -> None:
    with pytest.raises(CarrierRejected) as caught:
        carrier.book_pickup(_pickup_request("shp_missing"))
    assert (caught.value.code, caught.value.http_status) == ("SHIPMENT.NOT_FOUND", 404)
    with pytest.raises(CarrierRejected) as caught:
        carrier.book_pickup(_pickup_request(""))
    assert caught.value.code == "shipment_required"


def test_pickup_window_backwards_is_rejected_by_easypost(carrier: EasyPostCarrier) -> None:
    waybill = carrier.create_waybill(_waybill_request())
    with pytest.raises(CarrierRejected) as caught:
        carrier.book_pickup(_pickup_request(waybill.carrier_reference, END, START))
    assert caught.value.code == "PICKUP.INVALID_PARAMS"
    assert caught.value.http_status == 422


def test_cancel_pickup(carrier: EasyPostCarrier, rules: EasyPostStandIn) -> None:
    waybill = carrier.create_waybill(_waybill_request())
    pickup = carrier.book_pickup(_pickup_request(waybill.carrier_reference))
    carrier.cancel_pickup(pickup.pickup_id)
    assert rules.pickups[pickup.pickup_id]["status"] == "canceled"
    with pytest.raises(CarrierRejected) as caught:  # twice: EasyPost refuses
        carrier.cancel_pickup(pickup.pickup_id)
    assert caught.value.code == "PICKUP.CANNOT_CANCEL"


# --- tracking ------------------------------------------------------------------------


def test_fetch_tracking_normalises_the_documented_tracker(carrier: EasyPostCarrier) -> None:
    events = carrier.fetch_tracking("9400100000000000000001")

    assert [(e.status, e.at) for e in events] == [
        (TS.ACCEPTED, datetime(2026, 11, 20, 10, 5, tzinfo=UTC)),
        (TS.IN_TRANSIT, datetime(2026, 11, 21, 3, 40, tzinfo=UTC)),
        (TS.OUT_FOR_DELIVERY, datetime(2026, 11, 22, 16, 10, tzinfo=UTC)),  # -08:00 local
        (TS.DELIVERED, datetime(2026, 11, 22, 21, 25, tzinfo=UTC)),
    ]  # pre_transit (label created) is no movement and is left out
    assert events[0].location == "REDONDO BEACH, CA, US"
    assert events[-1].description == "Delivered"


EXPECTED_STATUSES: list[tuple[str, str, tuple[TrackingStatus, TrackingProblem | None] | None]] = [
    ("pre_transit", "label_created", None),
    ("unknown", "unknown", None),
    ("in_transit", "received_at_origin_facility", (TS.ACCEPTED, None)),
    ("in_transit", "arrived_at_facility", (TS.IN_TRANSIT, None)),
    ("in_transit", "weather_delay", (TS.EXCEPTION, TP.DELAYED)),
    ("in_transit", "lost", (TS.EXCEPTION, TP.LOST)),
    ("out_for_delivery", "out_for_delivery", (TS.OUT_FOR_DELIVERY, None)),
    ("available_for_pickup", "arrived_at_pickup_location", (TS.OUT_FOR_DELIVERY, None)),
    ("delivered", "arrived_at_destination", (TS.DELIVERED, None)),
    ("return_to_sender", "return", (TS.RETURNED_TO_SENDER, None)),
    ("failure", "damaged", (TS.EXCEPTION, TP.DAMAGED)),
    ("failure", "lost", (TS.EXCEPTION, TP.LOST)),
    ("failure", "delivery_exception", (TS.EXCEPTION, TP.OTHER)),
    ("error", "unknown", (TS.EXCEPTION, TP.OTHER)),
    ("cancelled", "cancelled", (TS.EXCEPTION, TP.OTHER)),
]


@pytest.mark.parametrize(("status", "detail", "expected"), EXPECTED_STATUSES)
def test_every_tracker_status_is_normalised(
    carrier: EasyPostCarrier, rules: EasyPostStandIn, status: str, detail: str, expected: Any
) -> None:
    tracker = copy.deepcopy(payload("easypost_tracker.json"))
    tracker["tracking_details"] = [
        {
            "message": "scan",
            "status": status,
            "status_detail": detail,
            "datetime": "2026-11-21T12:00:00Z",
        }
    ]
    rules.trackers["EZ1"] = tracker
    events = carrier.fetch_tracking("EZ1")
    assert [(e.status, e.problem) for e in events] == ([] if expected is None else [expected])


def test_unknown_tracking_code_is_rejected(carrier: EasyPostCarrier) -> None:
    with pytest.raises(CarrierRejected) as caught:
        carrier.fetch_tracking("NOPE")
    assert caught.value.code == "TRACKER.TRACKING_CODE.INVALID"


# --- failures ------------------------------------------------------------------------


def test_wrong_api_key_is_rejected(stand_in: StandIn) -> None:
    with (
        EasyPostCarrier(stand_in.url, "wrong", WEBHOOK_SECRET) as c,
        pytest.raises(CarrierRejected) as caught,
    ):
        c.fetch_tracking("9400100000000000000001")
    assert (caught.value.code, caught.value.http_status) == ("APIKEY.INACTIVE", 401)


def test_timeout_is_unavailable(carrier: EasyPostCarrier, stand_in: StandIn) -> None:
    stand_in.stall_next = 1
    with pytest.raises(CarrierUnavailable):
        carrier.fetch_tracking("9400100000000000000001")


def test_server_error_is_unavailable_and_a_retry_works(
    carrier: EasyPostCarrier, stand_in: StandIn
) -> None:
    stand_in.fail_next = 1
    with pytest.raises(CarrierUnavailable):
        carrier.create_waybill(_waybill_request())
    assert carrier.create_waybill(_waybill_request()).waybill_no


def test_nothing_listening_is_unavailable() -> None:
    with (
        EasyPostCarrier(closed_port_url(), API_KEY, WEBHOOK_SECRET, timeout=1) as c,
        pytest.raises(CarrierUnavailable),
    ):
        c.fetch_tracking("9400100000000000000001")


# --- webhooks ------------------------------------------------------------------------


def _sign(body: bytes, secret: str = WEBHOOK_SECRET) -> dict[str, str]:
    key = unicodedata.normalize("NFKD", secret).encode()
    return {
        "X-Hmac-Signature": "hmac-sha256-hex=" + hmac.new(key, body, hashlib.sha256).hexdigest()
    }


def _event_body() -> bytes:
    return json.dumps(payload("easypost_event_tracker_updated.json")).encode()


def test_signed_tracker_update_is_normalised(carrier: EasyPostCarrier) -> None:
    body = _event_body()
    (pushed,) = carrier.parse_push({"x-hmac-signature": _sign(body)["X-Hmac-Signature"]}, body)
    assert pushed.waybill_no == "9400100000000000000002"
    assert [(e.status, e.problem) for e in pushed.events] == [
        (TS.ACCEPTED, None),
        (TS.EXCEPTION, TP.DAMAGED),
    ]


def test_forged_webhook_is_refused(carrier: EasyPostCarrier) -> None:
    body = _event_body()
    with pytest.raises(PushSignatureInvalid):
        carrier.parse_push(_sign(body, secret="attacker"), body)


def test_tampered_webhook_is_refused(carrier: EasyPostCarrier) -> None:
    body = _event_body()
    headers = _sign(body)
    tampered = body.replace(b'"failure"', b'"delivered"')
    assert tampered != body
    with pytest.raises(PushSignatureInvalid):
        carrier.parse_push(headers, tampered)


@pytest.mark.parametrize("header", [None, "", "hmac-sha256-hex=", "sha256=abc"])
def test_missing_or_malformed_signature_is_refused(
    carrier: EasyPostCarrier, header: str | None
) -> None:
    headers = {} if header is None else {"X-Hmac-Signature": header}
    with pytest.raises(PushSignatureInvalid):
        carrier.parse_push(headers, _event_body())


def test_signed_event_about_something_else_carries_no_tracking(carrier: EasyPostCarrier) -> None:
    event = payload("easypost_event_tracker_updated.json")
    event["description"] = "batch.updated"
    body = json.dumps(event).encode()
    assert carrier.parse_push(_sign(body), body) == []
    assert carrier.push_reply().status_code == 200
