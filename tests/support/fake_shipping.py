"""In-memory twins of `uow.shipments` and `uow.tracking` for the shipping service tests.

`ShippingDatabase` adds what the shipments, tracking-event, exception, poll and
return-method tables would hold to the `FakeDatabase` of `fake_uow.py`; a
`ShippingUnitOfWork` over it hands out copies of the `Shipment` aggregates through one
map shared by both repositories (as `storage/shipment_rows.py` does), and only `commit`
writes them back, with their events in the outbox next to the requests' events. Ids are
handed out at once, like an autoincrement, so a rolled-back shipment leaves a gap.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import TypeVar, cast

from returnflow.domain.events import DomainEvent, take_events
from returnflow.domain.lifecycle import Status
from returnflow.domain.returns import ReturnRequest
from returnflow.domain.scans import TrackingEvent
from returnflow.domain.shipment import ACTIVE, ARRANGED, FINISHED, REQUESTED, Shipment
from returnflow.domain.shipment_alerts import Finding
from returnflow.domain.shipment_tasks import ExceptionTask, ShipmentView
from returnflow.domain.shipping import Adjustment
from returnflow.domain.tracking import fingerprint
from returnflow.logistics.carriers import Carrier, ManualCarrier
from returnflow.services.tracking import PICKED_UP_TOPIC, ship_after_pickup
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.storage.tracking import Contact, PollTarget, StoredEvent
from returnflow.storage.tracking_scans import TakenScans
from tests.services.conftest import NOW, Shop
from tests.support.booking_carrier import BookingCarrier
from tests.support.fake_uow import FakeDatabase, FakeUnitOfWork

T = TypeVar("T")


@dataclass(frozen=True)
class ScanRow:
    """One stored scan; `shipment_id` None while it is parked."""

    carrier: str
    waybill_no: str
    shipment_id: int | None
    fingerprint: str
    event: TrackingEvent
    source: str


@dataclass
class ShippingDatabase(FakeDatabase):
    shipments: dict[int, Shipment] = field(default_factory=dict)
    adjustments: dict[tuple[str, str], Adjustment] = field(default_factory=dict)
    scans: list[ScanRow] = field(default_factory=list)
    polls: dict[int, tuple[datetime, str | None]] = field(default_factory=dict)
    # the carrier and waybill put on the request row (`show_waybill_on_request`)
    shown: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    last_shipment_id: int = 0
    last_task_id: int = 0


class ParcelMap:
    """The aggregates one unit of work loaded (copies), and what it staged besides."""

    def __init__(self, db: ShippingDatabase, uow: FakeUnitOfWork) -> None:
        self.db = db
        self.uow = uow
        self.loaded: dict[int, Shipment] = {}
        self.adjustments = dict(db.adjustments)
        self.scans = list(db.scans)
        self.polls = dict(db.polls)
        self.shown: dict[str, tuple[str | None, str | None]] = {}

    def get(self, shipment_id: int) -> Shipment | None:
        if shipment_id not in self.loaded:
            stored = self.db.shipments.get(shipment_id)
            if stored is None:
                return None
            self.loaded[shipment_id] = copy.deepcopy(stored)
        return self.loaded[shipment_id]

    def all(self) -> list[Shipment]:
        """Every shipment as this unit of work sees it, by id."""
        ids = sorted({*self.db.shipments, *self.loaded})
        return [s for s in (self.get(i) for i in ids) if s is not None]

    def add(self, shipment: Shipment) -> None:
        self.db.last_shipment_id += 1
        shipment.stored_as(self.db.last_shipment_id)
        self.loaded[shipment.id] = shipment

    def request(self, rma_no: str) -> ReturnRequest | None:
        seen = self.uow.returns.seen.get(rma_no)
        return seen if seen is not None else self.db.returns.get(rma_no)

    def insert_scans(
        self,
        carrier: str,
        waybill_no: str,
        shipment_id: int | None,
        events: Iterable[TrackingEvent],
        source: str,
    ) -> int:
        fresh = {fingerprint(waybill_no, item): item for item in events}
        known = {row.fingerprint for row in self.scans if row.carrier == carrier}
        new = {key: item for key, item in fresh.items() if key not in known}
        for key, item in new.items():
            self.scans.append(ScanRow(carrier, waybill_no, shipment_id, key, item, source))
        return len(new)

    def store_scans(self, shipment: Shipment, source: str) -> int:
        pending, shipment.unsaved_scans = shipment.unsaved_scans, []
        return self.insert_scans(
            shipment.carrier, shipment.waybill_no or "", shipment.id, pending, source
        )

    def take_events(self) -> list[DomainEvent]:
        for shipment in self.loaded.values():
            if shipment.unsaved_scans:
                self.store_scans(shipment, "push")
        return take_events(self.loaded.values())

    def apply(self) -> None:
        for shipment_id, shipment in self.loaded.items():
            self.db.shipments[shipment_id] = copy.deepcopy(shipment)
        self.db.adjustments = dict(self.adjustments)
        self.db.scans = list(self.scans)
        self.db.polls = dict(self.polls)
        self.db.shown.update(self.shown)


class FakeShipments:
    """`uow.shipments` (storage/shipments.py) without the cost report."""

    def __init__(self, parcels: ParcelMap) -> None:
        self.parcels = parcels

    def add(self, shipment: Shipment) -> Shipment:
        self.parcels.add(shipment)
        return shipment

    def get(self, shipment_id: int, *, for_update: bool = False) -> Shipment | None:
        return self.parcels.get(shipment_id)

    def for_rma(self, rma_no: str) -> list[Shipment]:
        return [s for s in self.parcels.all() if s.rma_no == rma_no]

    def views(self, rma_no: str) -> list[ShipmentView]:
        return [shipment.view() for shipment in self.for_rma(rma_no)]

    def active_return(self, rma_no: str, *, for_update: bool = False) -> Shipment | None:
        return next(
            (s for s in self.for_rma(rma_no) if s.direction == "return" and s.status in ACTIVE),
            None,
        )

    def holder_of(self, carrier: str, waybill_no: str) -> str | None:
        return next(
            (
                s.rma_no
                for s in self.parcels.all()
                if s.carrier == carrier and s.waybill_no == waybill_no
            ),
            None,
        )

    def show_waybill_on_request(
        self, rma_no: str, carrier_name: str | None, waybill_no: str | None
    ) -> None:
        self.parcels.shown[rma_no] = (carrier_name, waybill_no)

    def adjustments(self) -> list[Adjustment]:
        return list(self.parcels.adjustments.values())

    def put_adjustment(self, adjustment: Adjustment, now: datetime, by: str) -> None:
        self.parcels.adjustments[adjustment.merchant_id, adjustment.province] = adjustment

    def remove_adjustment(self, merchant_id: str, province: str) -> bool:
        return self.parcels.adjustments.pop((merchant_id, province), None) is not None


class FakeTracking:
    """`uow.tracking` (storage/tracking.py) over the same map as `FakeShipments`."""

    def __init__(self, parcels: ParcelMap) -> None:
        self.parcels = parcels

    def _open(self) -> list[Shipment]:
        return [
            s for s in self.parcels.all() if s.status not in FINISHED and s.waybill_no is not None
        ]

    def shipment(
        self, carrier: str, waybill_no: str, *, for_update: bool = False
    ) -> Shipment | None:
        return next(
            (s for s in self.parcels.all() if s.carrier == carrier and s.waybill_no == waybill_no),
            None,
        )

    def open_shipments(self, limit: int = 500, after_id: int = 0) -> list[Shipment]:
        return [s for s in self._open() if s.id > after_id][:limit]

    def due_for_poll(
        self, now: datetime, every: timedelta, only_carriers: Sequence[str], limit: int = 100
    ) -> list[PollTarget]:
        cutoff = now - every
        due = []
        for s in self._open():
            polled = self.parcels.polls.get(s.id)
            if (
                s.carrier in only_carriers
                and (s.last_event_at or s.created_at) <= cutoff
                and (polled is None or polled[0] <= cutoff)
            ):
                due.append(PollTarget(s.id, s.carrier, s.waybill_no or ""))
        return due[:limit]

    def mark_polled(self, shipment_id: int, now: datetime, error: str | None = None) -> None:
        self.parcels.polls[shipment_id] = (now, error)

    def pending_pickups(
        self, rma_numbers: Iterable[str], now: datetime, grace: timedelta
    ) -> set[str]:
        wanted = set(rma_numbers)
        return {
            s.rma_no
            for s in self.parcels.all()
            if s.rma_no in wanted
            and s.direction == "return"
            and (
                (s.last_event_at is not None and s.status != "cancelled")  # scanned already
                or (
                    s.method == "pickup"
                    and s.status == ARRANGED
                    and s.pickup_end is not None
                    and now < s.pickup_end + grace
                )
            )
        }

    def _of_requests_in(self, status: Status, shipment_statuses: Sequence[str]) -> list[Shipment]:
        found = []
        for s in self.parcels.all():
            request = self.parcels.request(s.rma_no)
            if (
                request is not None
                and request.status is status
                and s.direction == "return"
                and s.status in shipment_statuses
            ):
                found.append(s)
        return found

    def arranged_of_closed_requests(self, limit: int = 100) -> list[Shipment]:
        return self._of_requests_in(Status.CLOSED, (ARRANGED,))[:limit]

    def live_of_cancelled_requests(self, limit: int = 100) -> list[Shipment]:
        return self._of_requests_in(Status.CANCELLED, (REQUESTED, ARRANGED))[:limit]

    def request_contact(self, rma_no: str) -> Contact | None:
        request = self.parcels.request(rma_no)
        if request is None:
            return None
        return Contact(request.status.value, request.contact.get("email", ""), request.order_no)

    def take_scans(
        self,
        carrier: str,
        waybill_no: str,
        events: Iterable[TrackingEvent],
        source: str,
        now: datetime,
    ) -> TakenScans:
        """As the one INSERT ... ON CONFLICT DO NOTHING RETURNING (storage/tracking_scans)."""
        known = {row.fingerprint for row in self.parcels.scans if row.carrier == carrier}
        fresh: dict[str, TrackingEvent] = {}
        for item in events:
            fresh.setdefault(fingerprint(waybill_no, item), item)
        new = {key: item for key, item in fresh.items() if key not in known}
        holder = self.shipment(carrier, waybill_no)
        owner = holder.id if holder is not None else None
        for key, item in new.items():
            self.parcels.scans.append(ScanRow(carrier, waybill_no, owner, key, item, source))
        return TakenScans(owner if new else None, tuple(new.values()), frozenset(new))

    def tracked(self, taken: TakenScans) -> Shipment | None:
        return None if taken.shipment_id is None else self.parcels.get(taken.shipment_id)

    def read_tasks(self, shipment: Shipment) -> None:
        """The fake's shipments always carry their tasks."""

    def adoptable(self, limit: int = 100) -> list[tuple[str, str]]:
        known = {(s.carrier, s.waybill_no) for s in self.parcels.all()}
        found: list[tuple[str, str]] = []
        for row in self.parcels.scans:
            key = (row.carrier, row.waybill_no)
            if row.shipment_id is None and key in known and key not in found:
                found.append(key)
        return found[:limit]

    def parked(self, carrier: str, waybill_no: str) -> list[TrackingEvent]:
        return [
            row.event
            for row in self.parcels.scans
            if (row.carrier, row.waybill_no, row.shipment_id) == (carrier, waybill_no, None)
        ]

    def attach_parked(self, shipment: Shipment) -> int:
        attached = 0
        for i, row in enumerate(self.parcels.scans):
            if (row.carrier, row.waybill_no, row.shipment_id) == (
                shipment.carrier,
                shipment.waybill_no,
                None,
            ):
                self.parcels.scans[i] = ScanRow(
                    row.carrier, row.waybill_no, shipment.id, row.fingerprint, row.event, row.source
                )
                attached += 1
        return attached

    def timeline_for(self, rma_no: str) -> list[StoredEvent]:
        ids = {s.id for s in self.parcels.all() if s.rma_no == rma_no}
        rows = [row for row in self.parcels.scans if row.shipment_id in ids]
        return [
            StoredEvent(row.shipment_id, row.carrier, row.waybill_no, row.event)
            for row in sorted(rows, key=lambda r: r.event.at)
        ]

    def open_exception(
        self, shipment: Shipment, finding: Finding, now: datetime
    ) -> ExceptionTask | None:
        if any(t.is_open and t.kind is finding.kind for t in shipment.exceptions):
            return None  # the unique open key
        self.parcels.db.last_task_id += 1
        return shipment.exception_opened(self.parcels.db.last_task_id, finding, now)

    def shipment_of_task(self, task_id: int, *, for_update: bool = False) -> Shipment | None:
        return next((s for s in self.parcels.all() if s.task(task_id) is not None), None)

    def _all_tasks(self) -> list[ExceptionTask]:
        tasks = [t for s in self.parcels.all() for t in s.exceptions]
        return sorted(tasks, key=lambda t: (t.raised_at, t.id))

    def tasks(
        self, *, state: str = "open", kind: str | None = None, limit: int = 200
    ) -> list[ExceptionTask]:
        found = [
            t
            for t in self._all_tasks()
            if (state != "open" or t.is_open)
            and (state != "resolved" or not t.is_open)
            and (not kind or t.kind.value == kind)
        ]
        return found[:limit]

    def task(self, task_id: int) -> ExceptionTask | None:
        return next((t for t in self._all_tasks() if t.id == task_id), None)

    def tasks_for(self, rma_no: str) -> list[ExceptionTask]:
        return [t for t in self._all_tasks() if t.rma_no == rma_no]


class ShippingUnitOfWork(FakeUnitOfWork):
    """`FakeUnitOfWork` with `shipments` and `tracking`; commit stores them as well."""

    db: ShippingDatabase
    parcels: ParcelMap
    shipments: FakeShipments
    tracking: FakeTracking

    def __init__(self, db: ShippingDatabase) -> None:
        super().__init__(db)

    def _begin(self) -> None:
        super()._begin()
        self.parcels = ParcelMap(self.db, self)
        self.shipments = FakeShipments(self.parcels)
        self.tracking = FakeTracking(self.parcels)

    def __enter__(self) -> ShippingUnitOfWork:
        self._begin()
        return self

    def commit(self, now: datetime) -> None:
        parcels = self.parcels
        events = parcels.take_events()
        for event in events:
            payload = {**event.data, "occurred_at": event.occurred_at.isoformat()}
            self.outbox.put(event.name, payload, now)
        super().commit(now)  # a lost race raises here and keeps nothing
        parcels.apply()
        self.db.published.extend(events)

    @property
    def real(self) -> UnitOfWork:
        """This unit of work as the services' type (they take the real `UnitOfWork`)."""
        return cast(UnitOfWork, self)


# --- a shop that arranges returns ------------------------------------------------------


class ShippingShop(Shop):
    """`Shop` of the service tests over a `ShippingDatabase`, with carriers to call."""

    db: ShippingDatabase

    def __init__(self) -> None:
        self.db = ShippingDatabase()
        self.carrier = BookingCarrier()
        self.carriers: dict[str, Carrier] = {"simulated": self.carrier, "manual": ManualCarrier()}

    def uow(self) -> ShippingUnitOfWork:
        return ShippingUnitOfWork(self.db)

    def work(self, step: Callable[[UnitOfWork], T], now: datetime = NOW) -> T:
        """One unit of work handed to a shipping service, committed at `now`."""
        with self.uow() as uow:
            result = step(uow.real)
            uow.commit(now)
        return result

    def shipment(self, shipment_id: int) -> Shipment:
        return self.db.shipments[shipment_id]

    def follow_pickups(self, now: datetime = NOW) -> int:
        """The worker's round for the "shipment.picked_up" messages pushes left
        (jobs/tracking.ship_request): every one delivered again on each call, as an
        outbox may; returns how many moved a request."""
        messages = [m for m in self.db.outbox if m.topic == PICKED_UP_TOPIC]
        moved = 0
        for message in messages:
            moved += self.work(partial(ship_after_pickup, payload=message.payload), now)
        return moved

    def topics(self) -> list[str]:
        return self.db.topics()
