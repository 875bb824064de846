"""A carrier that lives inside ReturnFlow, for the demo and for trying it offline.

It issues its own waybill numbers, books pickups and reports a scripted journey that
moves on with the clock (accepted → in transit → out for delivery → delivered over
`journey_hours`), so every tracking screen and alert can be seen without a contract
with a real carrier. Some waybills run into trouble on purpose so the exceptions queue
has something in it.

It keeps no state: the waybill number carries everything `fetch_tracking` needs.
`RF` + creation minute in UTC (YYMMDDHHMM) + a 4-digit tag from the RMA number + a
check digit, e.g. `RF2611200200` `4821` `7`. The tag decides whether the parcel runs
into an exception (every `exception_every`-th tag) and which one, so the same waybill
tells the same story in every process, after every restart.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from returnflow.domain.scans import TrackingEvent, TrackingProblem, TrackingStatus
from returnflow.domain.text import Text
from returnflow.logistics.carriers import (
    CarrierRejected,
    Pickup,
    PickupRequest,
    Waybill,
    WaybillRequest,
)

CODE = "simulated"
_WAYBILL = re.compile(r"RF(\d{10})(\d{4})(\d)")
_PICKUP = re.compile(r"P-(RF\d{15})-(\d{10})")
_STAMP = "%y%m%d%H%M"

TS = TrackingStatus
TP = TrackingProblem


@dataclass(frozen=True, slots=True)
class _Step:
    share: float  # how far into the journey, 0..1
    status: TrackingStatus
    description: str
    location: str


_JOURNEY = (
    _Step(0.05, TS.ACCEPTED, "快递员已揽收 / Picked up by the courier", "始发网点 / Origin depot"),
    _Step(0.25, TS.IN_TRANSIT, "离开转运中心 / Left the sorting hub", "转运中心 / Sorting hub"),
    _Step(
        0.55,
        TS.IN_TRANSIT,
        "到达目的城市 / Arrived in the destination city",
        "目的网点 / Destination depot",
    ),
    _Step(0.85, TS.OUT_FOR_DELIVERY, "派送中 / Out for delivery", "目的网点 / Destination depot"),
    _Step(
        1.0,
        TS.DELIVERED,
        "退货仓已签收 / Signed for at the returns warehouse",
        "退货仓 / Returns warehouse",
    ),
)
_TROUBLE_AT = 0.55  # a troubled parcel stops where the happy one reaches the city
_TROUBLE = (
    (TP.DELAYED, "快件滞留，未按时发出 / Held at the hub, not sent on time"),
    (TP.DAMAGED, "包裹外包装破损 / Parcel damaged in transit"),
    (TP.LOST, "快件遗失，正在查找 / Parcel lost, being searched for"),
)


def _check_digit(digits: str) -> str:
    return str(sum((i + 1) * int(d) for i, d in enumerate(digits)) % 10)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SimulatedCarrier:
    """`Carrier` with a deterministic, clock-driven journey and no outside calls.

    `clock` is asked when a waybill is made and when tracking is read; tests and the
    demo pass their own. `exception_every=0` lets every parcel arrive.
    """

    def __init__(
        self,
        *,
        clock: Callable[[], datetime] = _utc_now,
        journey_hours: float = 48.0,
        exception_every: int = 5,
    ) -> None:
        if journey_hours <= 0:
            raise ValueError("journey_hours must be positive")
        if exception_every < 0:
            raise ValueError("exception_every must not be negative")
        self._clock = clock
        self._journey = timedelta(hours=journey_hours)
        self._exception_every = exception_every

    @property
    def code(self) -> str:
        return CODE

    @property
    def name(self) -> Text:
        return Text("演示快递", "Demo carrier")

    def create_waybill(self, request: WaybillRequest) -> Waybill:
        stamp = self._clock().astimezone(UTC).strftime(_STAMP)
        tag = int(hashlib.sha256(request.rma_no.encode()).hexdigest(), 16) % 10_000
        digits = f"{stamp}{tag:04d}"
        return Waybill(
            rma_no=request.rma_no,
            carrier_code=CODE,
            carrier_name="演示快递",
            waybill_no=f"RF{digits}{_check_digit(digits)}",
            registered_with_carrier=True,
        )

    def book_pickup(self, request: PickupRequest) -> Pickup:
        _parse(request.waybill_no)
        if request.window_end <= request.window_start or request.window_end <= self._clock():
            raise CarrierRejected(CODE, "pickup_window_invalid", "the window must lie ahead")
        start = request.window_start.astimezone(UTC).strftime(_STAMP)
        return Pickup(
            pickup_id=f"P-{request.waybill_no}-{start}",
            waybill_no=request.waybill_no,
            window_start=request.window_start,
            window_end=request.window_end,
        )

    def cancel_pickup(self, pickup_id: str) -> None:
        match = _PICKUP.fullmatch(pickup_id)
        if match is None:
            raise CarrierRejected(CODE, "pickup_unknown", f"no such pickup: {pickup_id}")
        _parse(match.group(1))

    def fetch_tracking(self, waybill_no: str) -> list[TrackingEvent]:
        created, tag = _parse(waybill_no)
        now = self._clock()
        troubled = self._exception_every > 0 and tag % self._exception_every == 0
        events = [
            TrackingEvent(
                created + self._journey * step.share, step.status, step.description, step.location
            )
            for step in _JOURNEY
            if not (troubled and step.share >= _TROUBLE_AT)
        ]
        if troubled:
            problem, description = _TROUBLE[(tag // max(self._exception_every, 1)) % len(_TROUBLE)]
            events.append(
                TrackingEvent(
                    created + self._journey * _TROUBLE_AT,
                    TS.EXCEPTION,
                    description,
                    "转运中心 / Sorting hub",
                    problem,
                )
            )
        return [e for e in events if e.at <= now]


def _parse(waybill_no: str) -> tuple[datetime, int]:
    """Creation time and tag of one of our waybills; anything else is refused."""
    match = _WAYBILL.fullmatch(waybill_no)
    if match is None or _check_digit(match.group(1) + match.group(2)) != match.group(3):
        raise CarrierRejected(CODE, "waybill_unknown", f"not a demo waybill: {waybill_no}")
    try:
        created = datetime.strptime(match.group(1), _STAMP).replace(tzinfo=UTC)
    except ValueError as exc:
        raise CarrierRejected(CODE, "waybill_unknown", f"not a demo waybill: {waybill_no}") from exc
    return created, int(match.group(2))
