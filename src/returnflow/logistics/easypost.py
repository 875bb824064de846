"""An adapter for EasyPost's published API: return labels, pickups, trackers, webhooks.

Written against the documented wire format (JSON bodies under `/v2`, HTTP Basic auth
with the API key as user name, `{"error": {"code", "message", "errors"}}` bodies) with
the project's httpx, and tested against a local stand-in that checks the same things.

- Waybill: `POST /v2/shipments` with `is_return: true` and the addresses *as the
  outbound shipment had them* (EasyPost swaps them), then `POST
  /v2/shipments/{id}/buy` with the cheapest rate. Our `sender` is the customer, so it
  goes in `to_address`; the warehouse goes in `from_address`.
- Pickup: `POST /v2/pickups` for the shipment (`Waybill.carrier_reference`), then
  `POST /v2/pickups/{id}/buy` with the cheapest pickup rate; `.../cancel` cancels.
- Tracking: `POST /v2/trackers` with the tracking code answers the tracker (EasyPost
  returns the existing one for a known code) with its full `tracking_details`.
- Webhook: `tracker.updated` events, signed in `X-Hmac-Signature` as
  `hmac-sha256-hex=` + HMAC-SHA256(NFKD(secret), raw body).

`Party.address` lines are read as street lines followed by city, state, postal code and
ISO country (the last four lines), which is what EasyPost needs to rate a parcel.
Buying is not idempotent at EasyPost: a timeout after the buy may leave a paid label
that a retry does not see; the label is then refunded by hand (noted in the notes).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import unicodedata
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

import httpx

from returnflow.domain.scans import TrackingEvent, TrackingProblem, TrackingStatus
from returnflow.domain.text import Text
from returnflow.http_adapter import HttpAdapter
from returnflow.logistics.carrier_http import json_object, send
from returnflow.logistics.carriers import (
    CarrierRejected,
    CarrierUnavailable,
    Party,
    Pickup,
    PickupRequest,
    PushedEvents,
    PushReply,
    PushSignatureInvalid,
    Waybill,
    WaybillRequest,
)

CODE = "easypost"
SIGNATURE_HEADER = "X-Hmac-Signature"
SIGNATURE_PREFIX = "hmac-sha256-hex="

TS = TrackingStatus
TP = TrackingProblem

# EasyPost tracking status → ours. pre_transit (label bought, nothing scanned) and
# unknown carry no movement and are dropped; failure, error and cancelled need a person.
_STATUSES: dict[str, TrackingStatus | None] = {
    "pre_transit": None,
    "unknown": None,
    "in_transit": TS.IN_TRANSIT,
    "out_for_delivery": TS.OUT_FOR_DELIVERY,
    "available_for_pickup": TS.OUT_FOR_DELIVERY,
    "delivered": TS.DELIVERED,
    "return_to_sender": TS.RETURNED_TO_SENDER,
    "failure": TS.EXCEPTION,
    "error": TS.EXCEPTION,
    "cancelled": TS.EXCEPTION,
}
# status_detail values that name the problem of an exception scan
_PROBLEMS: dict[str, TrackingProblem] = {
    "lost": TP.LOST,
    "damaged": TP.DAMAGED,
    "delayed": TP.DELAYED,
    "weather_delay": TP.DELAYED,
    "held": TP.DELAYED,
}
# in_transit scans whose detail is really a problem
_TRANSIT_PROBLEMS = frozenset(_PROBLEMS)
# the first scans in the carrier's hands
_ACCEPTED_DETAILS = frozenset({"received_at_origin_facility", "picked_up", "accepted"})


class EasyPostCarrier(HttpAdapter):
    """`Carrier` and `PushFeed` over EasyPost.

    `parcel_weight_oz` is the weight quoted when rating a return (EasyPost needs one;
    a return's real weight is unknown until it arrives).
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        webhook_secret: str,
        *,
        parcel_weight_oz: float = 32.0,
        timeout: float = 10.0,
    ) -> None:
        if not api_key:
            raise ValueError("api_key is required")
        if not webhook_secret:
            raise ValueError("webhook_secret is required")
        self._base_url = base_url.rstrip("/")
        self._secret = unicodedata.normalize("NFKD", webhook_secret).encode()
        self._weight = parcel_weight_oz
        self._client = httpx.Client(timeout=httpx.Timeout(timeout), auth=(api_key, ""))

    @property
    def code(self) -> str:
        return CODE

    @property
    def name(self) -> Text:
        return Text("EasyPost 国际退货", "EasyPost international return")

    # --- waybill -------------------------------------------------------------------

    def create_waybill(self, request: WaybillRequest) -> Waybill:
        shipment = self._call(
            "POST",
            "/v2/shipments",
            {
                "shipment": {
                    "is_return": True,
                    "reference": request.rma_no,
                    "to_address": _address(request.sender),
                    "from_address": _address(request.receiver),
                    "parcel": {"weight": self._weight},
                }
            },
        )
        shipment_id = _text(shipment, "id")
        rate = _cheapest(shipment.get("rates"), "rate")
        if rate is None:
            raise CarrierRejected(CODE, "no_rates", _messages(shipment) or "no rate offered")
        bought = self._call(
            "POST", f"/v2/shipments/{quote(shipment_id, safe='')}/buy", {"rate": {"id": rate["id"]}}
        )
        tracking_code = str(bought.get("tracking_code") or "")
        if not tracking_code:
            raise CarrierUnavailable(CODE, "bought shipment without tracking_code")
        return Waybill(
            rma_no=request.rma_no,
            carrier_code=CODE,
            carrier_name=str(rate.get("carrier") or "EasyPost"),
            waybill_no=tracking_code,
            registered_with_carrier=True,
            carrier_reference=shipment_id,
        )

    # --- pickups -------------------------------------------------------------------

    def book_pickup(self, request: PickupRequest) -> Pickup:
        if not request.carrier_reference:
            raise CarrierRejected(CODE, "shipment_required", "pickup needs the EasyPost shipment")
        pickup = self._call(
            "POST",
            "/v2/pickups",
            {
                "pickup": {
                    "reference": request.rma_no,
                    "address": _address(request.sender),
                    "shipment": {"id": request.carrier_reference},
                    "min_datetime": _iso(request.window_start),
                    "max_datetime": _iso(request.window_end),
                    "is_account_address": False,
                    "instructions": f"Return parcel {request.rma_no}",
                }
            },
        )
        pickup_id = _text(pickup, "id")
        rate = _cheapest(pickup.get("pickup_rates"), "rate")
        if rate is None:
            raise CarrierRejected(CODE, "no_pickup_rates", _messages(pickup) or "no pickup offered")
        bought = self._call(
            "POST",
            f"/v2/pickups/{quote(pickup_id, safe='')}/buy",
            {"carrier": rate.get("carrier"), "service": rate.get("service")},
        )
        if bought.get("status") != "scheduled":
            raise CarrierRejected(
                CODE, "pickup_not_scheduled", str(bought.get("status") or "no status")
            )
        return Pickup(
            pickup_id=pickup_id,
            waybill_no=request.waybill_no,
            window_start=request.window_start,
            window_end=request.window_end,
        )

    def cancel_pickup(self, pickup_id: str) -> None:
        if not pickup_id:
            raise ValueError("pickup_id is required")
        cancelled = self._call("POST", f"/v2/pickups/{quote(pickup_id, safe='')}/cancel", {})
        if cancelled.get("status") != "canceled":
            raise CarrierRejected(
                CODE, "pickup_not_canceled", str(cancelled.get("status") or "no status")
            )

    # --- tracking ------------------------------------------------------------------

    def fetch_tracking(self, waybill_no: str) -> list[TrackingEvent]:
        tracker = self._call("POST", "/v2/trackers", {"tracker": {"tracking_code": waybill_no}})
        return events_of(tracker)

    def parse_push(self, headers: Mapping[str, str], body: bytes) -> list[PushedEvents]:
        signature = next(
            (v for k, v in headers.items() if k.lower() == SIGNATURE_HEADER.lower()), ""
        )
        expected = SIGNATURE_PREFIX + hmac.new(self._secret, body, hashlib.sha256).hexdigest()
        if not signature or not hmac.compare_digest(expected, signature):
            raise PushSignatureInvalid("X-Hmac-Signature does not match the body")
        try:
            event = json.loads(body)
        except ValueError as exc:
            raise PushSignatureInvalid("signed body is not JSON") from exc
        if not isinstance(event, dict) or event.get("description") not in (
            "tracker.updated",
            "tracker.created",
        ):
            return []  # batch, refund, report … events: signed, but nothing to track
        tracker = event.get("result")
        if not isinstance(tracker, dict) or not tracker.get("tracking_code"):
            return []
        return [PushedEvents(str(tracker["tracking_code"]), tuple(events_of(tracker)))]

    def push_reply(self) -> PushReply:
        # EasyPost only needs a 2xx; an empty JSON object keeps the body well-formed
        return PushReply(200, b"{}")

    # --- plumbing ------------------------------------------------------------------

    def _call(self, method: str, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
        response = send(self._client, CODE, method, self._base_url + path, json=dict(body))
        if response.status_code >= 400:
            code, message = _error_details(response)
            raise CarrierRejected(CODE, code, message, http_status=response.status_code)
        return json_object(CODE, response)


def _address(party: Party) -> dict[str, str]:
    """Street lines, then city, state, zip, country: the last four lines are fixed."""
    lines = [line.strip() for line in party.address if line.strip()]
    if len(lines) < 5:
        raise CarrierRejected(
            CODE,
            "address_incomplete",
            "an EasyPost address needs street, city, state, postal code and country lines",
        )
    *streets, city, state, zip_code, country = lines
    address = {
        "name": party.name,
        "phone": party.phone,
        "street1": streets[0],
        "city": city,
        "state": state,
        "zip": zip_code,
        "country": country,
    }
    if len(streets) > 1:
        address["street2"] = ", ".join(streets[1:])
    return address


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _text(obj: Mapping[str, Any], name: str) -> str:
    value = obj.get(name)
    if not isinstance(value, str) or not value:
        raise CarrierUnavailable(CODE, f"answer lacks {name}")
    return value


def _price(option: Mapping[str, Any], field: str) -> Decimal | None:
    try:
        return Decimal(str(option.get(field)))
    except InvalidOperation:
        return None


def _cheapest(options: object, field: str) -> dict[str, Any] | None:
    """The lowest-priced rate (EasyPost sends prices as decimal strings)."""
    if not isinstance(options, list):
        return None
    priced = [
        (price, option)
        for option in options
        if isinstance(option, dict) and (price := _price(option, field)) is not None
    ]
    if not priced:
        return None
    return min(priced, key=lambda pair: pair[0])[1]


def _messages(obj: Mapping[str, Any]) -> str:
    messages = obj.get("messages")
    if not isinstance(messages, list):
        return ""
    return "; ".join(str(m.get("message")) for m in messages if isinstance(m, dict))


def _error_details(response: httpx.Response) -> tuple[str, str]:
    try:
        payload = response.json()
    except ValueError:
        payload = None
    error = payload.get("error") if isinstance(payload, dict) else None
    if not isinstance(error, dict):
        return f"http_{response.status_code}", response.text[:200]
    message = str(error.get("message") or "")
    details = [
        f"{e.get('field')}: {e.get('message')}" if isinstance(e, dict) else str(e)
        for e in error.get("errors") or []
    ]
    if details:
        message = f"{message} ({'; '.join(details)})"
    return str(error.get("code") or f"http_{response.status_code}"), message


def _scan_time(text: object) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    # EasyPost writes local time with an offset when it knows the place, else UTC
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def _location(detail: Mapping[str, Any]) -> str:
    where = detail.get("tracking_location")
    if not isinstance(where, dict):
        return ""
    parts = (where.get(k) for k in ("city", "state", "country"))
    return ", ".join(str(p) for p in parts if p)


def normalise(status: str, detail: str) -> tuple[TrackingStatus, TrackingProblem | None] | None:
    """EasyPost's status and status_detail → ours; None for a scan that is not movement."""
    ours = _STATUSES.get(status, TS.IN_TRANSIT if status else None)
    if ours is None:
        return None
    if ours is TS.IN_TRANSIT and detail in _TRANSIT_PROBLEMS:
        return TS.EXCEPTION, _PROBLEMS[detail]
    if ours is TS.IN_TRANSIT and detail in _ACCEPTED_DETAILS:
        return TS.ACCEPTED, None
    if ours is TS.EXCEPTION:
        return TS.EXCEPTION, _PROBLEMS.get(detail, TP.OTHER)
    return ours, None


def events_of(tracker: Mapping[str, Any]) -> list[TrackingEvent]:
    """A tracker's `tracking_details` → our events, oldest first."""
    details = tracker.get("tracking_details")
    if not isinstance(details, list):
        return []
    events: list[TrackingEvent] = []
    for detail in details:
        if not isinstance(detail, dict):
            continue
        at = _scan_time(detail.get("datetime"))
        mapped = normalise(str(detail.get("status") or ""), str(detail.get("status_detail") or ""))
        if at is None or mapped is None:
            continue
        events.append(
            TrackingEvent(
                at=at,
                status=mapped[0],
                description=str(detail.get("message") or detail.get("description") or ""),
                location=_location(detail),
                problem=mapped[1],
            )
        )
    events.sort(key=lambda e: e.at)
    return events
