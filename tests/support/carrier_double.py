"""A stand-in for an outside carrier in tests: signed pushes (a real HMAC check), a feed
to poll, and a record of cancelled pickups. Only outside systems get doubles."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from returnflow.domain.scans import TrackingEvent, TrackingProblem, TrackingStatus
from returnflow.domain.text import Text
from returnflow.logistics.carriers import (
    Pickup,
    PickupRequest,
    PushedEvents,
    PushReply,
    PushSignatureInvalid,
    Waybill,
    WaybillRequest,
)

MAX_SKEW_SECONDS = 300


def scan(
    at: datetime,
    status: str,
    description: str = "",
    location: str = "",
    problem: str | None = None,
    waybill_no: str = "FX1000",
) -> dict[str, str | None]:
    """One event as the double's push body carries it."""
    return {
        "waybill_no": waybill_no,
        "at": at.isoformat(),
        "status": status,
        "description": description or status,
        "location": location,
        "problem": problem,
    }


@dataclass
class SignedPushCarrier:
    """Pushes carry `X-Timestamp` and `X-Signature` = HMAC-SHA256(secret, "<ts>.<body>")."""

    clock: Callable[[], datetime]
    secret: bytes = b"push-secret"
    carrier_code: str = "fastex"
    feed: dict[str, list[TrackingEvent]] = field(default_factory=dict)
    fetched: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)

    @property
    def code(self) -> str:
        return self.carrier_code

    @property
    def name(self) -> Text:
        return Text("快达", "FastEx")

    def sign(self, body: bytes, timestamp: int | None = None) -> dict[str, str]:
        ts = int(self.clock().timestamp()) if timestamp is None else timestamp
        mac = hmac.new(self.secret, f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
        return {"X-Timestamp": str(ts), "X-Signature": mac, "Content-Type": "application/json"}

    def body(self, *events: dict[str, str | None]) -> bytes:
        return json.dumps({"events": list(events)}).encode()

    def parse_push(self, headers: Mapping[str, str], body: bytes) -> list[PushedEvents]:
        lowered = {k.lower(): v for k, v in headers.items()}
        stamp = lowered.get("x-timestamp", "")
        if not stamp.isdigit():
            raise PushSignatureInvalid("no timestamp")
        if abs(self.clock().timestamp() - int(stamp)) > MAX_SKEW_SECONDS:
            raise PushSignatureInvalid("stale")
        expected = hmac.new(self.secret, f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, lowered.get("x-signature", "")):
            raise PushSignatureInvalid("bad signature")
        grouped: dict[str, list[TrackingEvent]] = {}
        for item in json.loads(body)["events"]:
            grouped.setdefault(item["waybill_no"], []).append(
                TrackingEvent(
                    at=datetime.fromisoformat(item["at"]),
                    status=TrackingStatus(item["status"]),
                    description=item["description"],
                    location=item.get("location") or "",
                    problem=TrackingProblem(item["problem"]) if item.get("problem") else None,
                )
            )
        return [PushedEvents(waybill, tuple(events)) for waybill, events in grouped.items()]

    def push_reply(self) -> PushReply:
        return PushReply(200, b'{"result":true,"returnCode":"200"}')

    def create_waybill(self, request: WaybillRequest) -> Waybill:
        raise NotImplementedError

    def book_pickup(self, request: PickupRequest) -> Pickup:
        raise NotImplementedError

    def cancel_pickup(self, pickup_id: str) -> None:
        self.cancelled.append(pickup_id)

    def fetch_tracking(self, waybill_no: str) -> list[TrackingEvent]:
        self.fetched.append(waybill_no)
        return list(self.feed.get(waybill_no, []))


def push_signed(client: Any, carrier: SignedPushCarrier, *events: dict[str, Any]) -> Any:
    """The carrier's push of `events` to its webhook, signed as the carrier signs it."""
    body = carrier.body(*events)
    return client.post("/api/v1/carriers/fastex/webhook", content=body, headers=carrier.sign(body))
