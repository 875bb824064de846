"""A stand-in for an outside carrier that issues waybills and books pickups (tests only).

It records every call, so tests can prove the carrier was asked exactly once, and can be
told to fail the next call as a network error (retried) or a refusal (final).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from returnflow.domain.scans import TrackingEvent
from returnflow.domain.text import DomainError, Text
from returnflow.logistics.carriers import Pickup, PickupRequest, Waybill, WaybillRequest


@dataclass
class BookingCarrier:
    carrier_code: str = "simulated"
    waybills: list[WaybillRequest] = field(default_factory=list)
    pickups: list[PickupRequest] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    fail_next: Exception | None = None

    @property
    def code(self) -> str:
        return self.carrier_code

    @property
    def name(self) -> Text:
        return Text("模拟快递", "Sim Express")

    def _maybe_fail(self) -> None:
        if self.fail_next is not None:
            error, self.fail_next = self.fail_next, None
            raise error

    def create_waybill(self, request: WaybillRequest) -> Waybill:
        self._maybe_fail()
        self.waybills.append(request)
        number = f"SIM{len(self.waybills):010d}"
        return Waybill(request.rma_no, self.code, "模拟快递", number, True)

    def book_pickup(self, request: PickupRequest) -> Pickup:
        self._maybe_fail()
        self.pickups.append(request)
        return Pickup(
            f"PK{len(self.pickups)}", request.waybill_no, request.window_start, request.window_end
        )

    def cancel_pickup(self, pickup_id: str) -> None:
        self._maybe_fail()
        self.cancelled.append(pickup_id)

    def fetch_tracking(self, waybill_no: str) -> list[TrackingEvent]:
        return []


def refusal() -> DomainError:
    return DomainError("address_not_served", Text("该地址不在服务范围", "Address not served"))
