"""Carriers: one interface for every way a return parcel can travel (R4.1–R4.3).

Door pickup, drop-off and self-ship all end in the same things the rest of the platform
cares about: a waybill number on the parcel and a tracking feed in a handful of
normalised statuses. Each carrier's API says these in its own words, so every adapter
translates into the types here and nothing above this module sees a carrier's dialect.

Only `ManualCarrier` is real today: the customer ships the parcel themselves and types
the carrier and tracking number. Checking the number's shape against the carrier's known
format catches most typos while the customer is still on the form, instead of days later
when nothing is ever tracked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

# the scan vocabulary is the domain's; re-exported here for the carrier adapters
from returnflow.domain.scans import TrackingEvent
from returnflow.domain.text import DomainError, Text


@dataclass(frozen=True, slots=True)
class Party:
    """One end of a shipment: who, how to reach them, where."""

    name: str
    phone: str
    address: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class WaybillRequest:
    """What a carrier needs to put a return parcel on its books.

    `carrier_code` picks the brand (for the manual carrier, the one the customer chose;
    `carrier_name` is their free text when it is "other"). `tracking_no` is only set when
    the customer already has a number, i.e. for self-ship.
    """

    rma_no: str
    sender: Party
    receiver: Party
    carrier_code: str
    tracking_no: str = ""
    carrier_name: str = ""


@dataclass(frozen=True, slots=True)
class Waybill:
    """A waybill number the parcel travels under, and which carrier it belongs to."""

    rma_no: str
    carrier_code: str
    carrier_name: str
    waybill_no: str
    # whether the carrier itself knows this waybill (false for a number the customer typed)
    registered_with_carrier: bool
    # the carrier's own id for the shipment or order (EasyPost `shp_…`, Kuaidi100
    # `taskId:orderId`): later calls about this parcel (a pickup) must quote it
    carrier_reference: str = ""


@dataclass(frozen=True, slots=True)
class PickupRequest:
    """A door-pickup appointment the customer asked for (R4.1)."""

    rma_no: str
    waybill_no: str
    sender: Party
    window_start: datetime
    window_end: datetime
    # `Waybill.carrier_reference` of the parcel, for carriers whose pickups attach to it
    carrier_reference: str = ""
    # where the parcel goes, for carriers whose pickup order is also the waybill (Kuaidi100)
    receiver: Party | None = None


@dataclass(frozen=True, slots=True)
class Pickup:
    """A booked pickup; `pickup_id` is the carrier's reference, needed to cancel it."""

    pickup_id: str
    waybill_no: str
    window_start: datetime
    window_end: datetime


@dataclass(frozen=True, slots=True)
class PushedEvents:
    """The events one tracking push carries for one waybill."""

    waybill_no: str
    events: tuple[TrackingEvent, ...]


class CarrierError(Exception):
    """A carrier call that did not do what was asked; see the two kinds below."""

    def __init__(self, carrier: str, message: str) -> None:
        super().__init__(f"{carrier}: {message}")
        self.carrier = carrier
        self.message = message


class CarrierUnavailable(CarrierError):
    """Timeout, connection failure or a 5xx: nothing is known, so retry later (backoff)."""


class CarrierRejected(CarrierError):
    """The carrier refused the request (4xx or its own error code): retrying cannot help.

    `code` is the carrier's machine-readable reason and `message` its words, so staff
    can see why a label or pickup was refused without reading logs.
    """

    def __init__(
        self, carrier: str, code: str, message: str, *, http_status: int | None = None
    ) -> None:
        super().__init__(carrier, f"{code}: {message}")
        self.code = code
        self.message = message
        self.http_status = http_status


class PushSignatureInvalid(Exception):
    """A tracking push whose signature does not check out: it is refused, never read."""


@dataclass(frozen=True, slots=True)
class PushReply:
    """What a carrier expects back from our webhook once a push is taken."""

    status_code: int
    body: bytes
    media_type: str = "application/json"


@runtime_checkable
class PushFeed(Protocol):
    """A carrier that pushes tracking to our webhook (carriers without it are polled)."""

    def parse_push(self, headers: Mapping[str, str], body: bytes) -> list[PushedEvents]:
        """Check the signature (raise `PushSignatureInvalid`) and normalise the events."""
        ...

    def push_reply(self) -> PushReply: ...


@runtime_checkable
class Carrier(Protocol):
    """What the platform asks of any carrier; adapters translate their API into this."""

    @property
    def code(self) -> str: ...

    @property
    def name(self) -> Text: ...

    def create_waybill(self, request: WaybillRequest) -> Waybill: ...

    def book_pickup(self, request: PickupRequest) -> Pickup: ...

    def cancel_pickup(self, pickup_id: str) -> None: ...

    def fetch_tracking(self, waybill_no: str) -> list[TrackingEvent]: ...


@dataclass(frozen=True, slots=True)
class TrackingFormat:
    """A carrier brand a customer can pick, and the shape of its tracking numbers."""

    code: str
    name: Text
    pattern: re.Pattern[str]
    hint: Text
    # known brands print their numbers in capitals; customers type them any way
    uppercase: bool = True


OTHER = "other"

TRACKING_FORMATS: dict[str, TrackingFormat] = {
    f.code: f
    for f in (
        TrackingFormat(
            "sf",
            Text("顺丰速运", "SF Express"),
            re.compile(r"SF\d{12,15}"),
            Text("SF 加 12–15 位数字", "SF followed by 12–15 digits"),
        ),
        TrackingFormat(
            "zto",
            Text("中通快递", "ZTO Express"),
            re.compile(r"\d{12,15}"),
            Text("12–15 位数字", "12–15 digits"),
        ),
        TrackingFormat(
            "yto",
            Text("圆通速递", "YTO Express"),
            re.compile(r"YT\d{13}"),
            Text("YT 加 13 位数字", "YT followed by 13 digits"),
        ),
        TrackingFormat(
            "jd",
            Text("京东物流", "JD Logistics"),
            re.compile(r"JD[A-Z0-9]{13,15}"),
            Text("JD 加 13–15 位字母或数字", "JD followed by 13–15 letters or digits"),
        ),
        TrackingFormat(
            OTHER,
            Text("其他快递", "Other carrier"),
            re.compile(r"[A-Za-z0-9-]{6,40}"),
            Text("6–40 位字母、数字或连字符", "6–40 letters, digits or hyphens"),
            uppercase=False,
        ),
    )
}

_SPACES = re.compile(r"\s+")


def normalise_tracking_no(carrier_code: str, tracking_no: str) -> str:
    """The tracking number as the carrier writes it, or DomainError if it cannot be one.

    Spaces are dropped (numbers get pasted from messages in groups) and known brands are
    upper-cased before the format check, so only real typos are refused.
    """
    fmt = TRACKING_FORMATS.get(carrier_code)
    if fmt is None:
        raise DomainError(
            "carrier_unknown",
            Text("请选择快递公司", "Choose the carrier"),
            field="carrier",
        )
    cleaned = _SPACES.sub("", tracking_no)
    if fmt.uppercase:
        cleaned = cleaned.upper()
    if not fmt.pattern.fullmatch(cleaned):
        raise DomainError(
            "tracking_no_invalid",
            Text(
                f"{fmt.name.zh}运单号格式不正确，应为{fmt.hint.zh}",
                f"This is not a {fmt.name.en} tracking number: it should be {fmt.hint.en}",
            ),
            field="tracking_no",
        )
    return cleaned


class ManualCarrier:
    """Self-ship: the customer sends the parcel with any carrier and tells us the number.

    Nothing is registered anywhere and there is no feed to read, so the warehouse's
    receiving scan is what moves the request on; pickups do not exist here.
    """

    @property
    def code(self) -> str:
        return "manual"

    @property
    def name(self) -> Text:
        return Text("自行寄回", "Ship it yourself")

    def create_waybill(self, request: WaybillRequest) -> Waybill:
        """Validate the customer's number and record it as this return's waybill."""
        waybill_no = normalise_tracking_no(request.carrier_code, request.tracking_no)
        if request.carrier_code == OTHER:
            carrier_name = request.carrier_name.strip()
            if not carrier_name:
                raise DomainError(
                    "carrier_required",
                    Text("请填写快递公司名称", "Give the carrier's name"),
                    field="carrier",
                )
        else:
            carrier_name = TRACKING_FORMATS[request.carrier_code].name.zh
        return Waybill(
            rma_no=request.rma_no,
            carrier_code=request.carrier_code,
            carrier_name=carrier_name,
            waybill_no=waybill_no,
            registered_with_carrier=False,
        )

    def book_pickup(self, request: PickupRequest) -> Pickup:
        raise _pickup_not_offered()

    def cancel_pickup(self, pickup_id: str) -> None:
        raise _pickup_not_offered()

    def fetch_tracking(self, waybill_no: str) -> list[TrackingEvent]:
        """No feed for a number we only know from the customer: nothing to report."""
        return []


def _pickup_not_offered() -> DomainError:
    return DomainError(
        "pickup_not_offered",
        Text(
            "自行寄回不提供上门取件，请选择上门取件方式或自行寄出",
            "Self-ship has no door pickup: choose a pickup method or send the parcel yourself",
        ),
    )
