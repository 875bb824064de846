"""Shipping use cases on an in-memory repository: the bus handler and the safety net.

No database: a stand-in for `uow.shipments` and `uow.tracking` holds the aggregates, so
these run in milliseconds; the repositories themselves are tested through the API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import cast

from returnflow.domain.events import DomainEvent
from returnflow.domain.kinds import ShippingPayer
from returnflow.domain.shipment import ACTIVE, ARRANGED, CANCEL_TOPIC, Shipment
from returnflow.domain.shipping import DEFAULT_BOOK, ReturnMethod, quote
from returnflow.services import tracking_sweeps
from returnflow.services.shipping_handlers import call_off_pickup
from returnflow.services.unit_of_work import UnitOfWork

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


@dataclass
class Parcels:
    """`uow.shipments` and `uow.tracking` for the calls these use cases make."""

    shipments: list[Shipment] = field(default_factory=list)
    closed: set[str] = field(default_factory=set)
    cancelled: set[str] = field(default_factory=set)

    def active_return(self, rma_no: str, *, for_update: bool = False) -> Shipment | None:
        return next((s for s in self.shipments if s.rma_no == rma_no and s.status in ACTIVE), None)

    def arranged_of_closed_requests(self) -> list[Shipment]:
        return [s for s in self.shipments if s.rma_no in self.closed and s.status == ARRANGED]

    def live_of_cancelled_requests(self) -> list[Shipment]:
        return [
            s
            for s in self.shipments
            if s.rma_no in self.cancelled and s.status in ("requested", "arranged")
        ]


@dataclass
class Work:
    parcels: Parcels

    @property
    def shipments(self) -> Parcels:
        return self.parcels

    @property
    def tracking(self) -> Parcels:
        return self.parcels


def _pickup(rma_no: str, *, booked: bool = True) -> Shipment:
    terms = DEFAULT_BOOK.terms(ReturnMethod.PICKUP)
    assert terms is not None
    offer = quote(terms, ShippingPayer.CUSTOMER, False, "CNY")
    shipment = Shipment.choose(rma_no, offer, "模拟快递", DEFAULT_BOOK.warehouse, NOW, "c")
    shipment.stored_as(len(rma_no))
    if booked:
        shipment.waybill_booked("SIM1", "模拟快递", NOW)
        shipment.pickup_booked("PU-1", NOW)
    shipment.events.clear()
    return shipment


def _uow(parcels: Parcels) -> UnitOfWork:
    return cast(UnitOfWork, Work(parcels))


def test_a_cancelled_request_calls_its_booked_pickup_off_once() -> None:
    parcels = Parcels([_pickup("RMA1")])
    event = DomainEvent("return.cancelled", NOW, {"rma_no": "RMA1"})
    call_off_pickup(_uow(parcels), event, NOW)
    call_off_pickup(_uow(parcels), event, NOW)  # redelivered: nothing more
    [shipment] = parcels.shipments
    assert shipment.status == "cancelling"
    assert [(e.name, e.data["shipment_id"]) for e in shipment.events] == [(CANCEL_TOPIC, 4)]


def test_a_pickup_not_booked_yet_is_simply_cancelled() -> None:
    parcels = Parcels([_pickup("RMA1", booked=False)])
    call_off_pickup(_uow(parcels), DomainEvent("return.cancelled", NOW, {"rma_no": "RMA1"}), NOW)
    assert parcels.shipments[0].status == "cancelled" and parcels.shipments[0].events == []


def test_an_event_without_a_request_number_is_ignored() -> None:
    parcels = Parcels([_pickup("RMA1")])
    call_off_pickup(_uow(parcels), DomainEvent("return.cancelled", NOW, {}), NOW)
    assert parcels.shipments[0].status == "arranged"


def test_the_safety_net_lets_go_of_closed_and_forgotten_cancelled_requests() -> None:
    parcels = Parcels([_pickup("RMA1"), _pickup("RMA22"), _pickup("RMA333")])
    parcels.closed.add("RMA1")
    parcels.cancelled.add("RMA22")
    assert tracking_sweeps.release_pickups(_uow(parcels), NOW) == 2
    closed, cancelled, untouched = parcels.shipments
    assert closed.status == "cancelled" and closed.events[0].name == "tracking.cancel_pickup"
    assert cancelled.status == "cancelling" and cancelled.events[0].name == CANCEL_TOPIC
    assert untouched.status == "arranged"
    assert tracking_sweeps.release_pickups(_uow(parcels), NOW) == 0
