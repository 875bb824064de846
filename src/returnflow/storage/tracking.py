"""Scans, polls and the exceptions queue in the database; shipments as tracking sees them.

Shipments come out as `Shipment` aggregates, through the same map as `uow.shipments`
(`storage/shipment_rows.py`), with their scans and exception tasks; what the pipeline
changes is written back on commit. Parked scans (a waybill not known yet), poll times
and the lists pages read are plain queries returning small frozen read models. A push's
scans go in first and read the shipment only when new (`take_scans`, `tracked`:
storage/tracking_scans.py, issue 11).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from returnflow.domain.events import DomainEvent
from returnflow.domain.scans import TrackingEvent
from returnflow.domain.shipment import ARRANGED, CANCELLED, FINISHED, REQUESTED, Shipment
from returnflow.domain.shipment_alerts import Finding
from returnflow.domain.shipment_tasks import ExceptionTask
from returnflow.storage.schema import (
    ReturnRow,
    ShipmentExceptionRow,
    ShipmentRow,
    TrackingEventRow,
    TrackingPollRow,
)
from returnflow.storage.shipment_rows import ShipmentMap, scan_of, task_of, text_json
from returnflow.storage.tracking_scans import (
    PickedUp,
    TakenScans,
    load_tracked,
    picked_up_unshipped,
    take_scans,
)


@dataclass(frozen=True, slots=True)
class PollTarget:
    """A shipment the worker should ask its carrier about."""

    id: int
    carrier: str
    waybill_no: str


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """A scan as the timeline shows it (with the shipment it belongs to)."""

    shipment_id: int | None
    carrier: str
    waybill_no: str
    event: TrackingEvent


@dataclass(frozen=True, slots=True)
class Contact:
    """What a customer notice needs of a request, read without loading the aggregate."""

    status: str
    email: str
    order_no: str
    customer_id: str = ""  # the notice reaches the inbox and SMS too (issue 13)


_OPEN = and_(ShipmentRow.status.not_in(FINISHED), ShipmentRow.waybill_no.is_not(None))


class TrackingStore:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.map = ShipmentMap.of(session)

    # --- shipments ---------------------------------------------------------------

    def shipment(
        self, carrier: str, waybill_no: str, *, for_update: bool = False
    ) -> Shipment | None:
        self.map.sync()  # a waybill the carrier gave in this unit of work is not written yet
        query = select(ShipmentRow).where(
            ShipmentRow.carrier == carrier, ShipmentRow.waybill_no == waybill_no
        )
        return self.map.one(query, for_update=for_update)

    def open_shipments(self, limit: int = 500, after_id: int = 0) -> list[Shipment]:
        """Shipments still travelling, by id, from `after_id` on (the exception sweep)."""
        rows = self.session.scalars(
            select(ShipmentRow)
            .where(_OPEN, ShipmentRow.id > after_id)
            .order_by(ShipmentRow.id)
            .limit(limit)
        ).all()
        return self.map.load(rows)

    def due_for_poll(
        self, now: datetime, every: timedelta, only_carriers: Sequence[str], limit: int = 100
    ) -> list[PollTarget]:
        """Open shipments silent for `every` and not asked about within `every`."""
        cutoff = now - every
        rows = self.session.execute(
            select(ShipmentRow.id, ShipmentRow.carrier, ShipmentRow.waybill_no)
            .outerjoin(TrackingPollRow, TrackingPollRow.shipment_id == ShipmentRow.id)
            .where(
                _OPEN,
                ShipmentRow.carrier.in_(list(only_carriers)),
                func.coalesce(ShipmentRow.last_event_at, ShipmentRow.created_at) <= cutoff,
                or_(TrackingPollRow.polled_at.is_(None), TrackingPollRow.polled_at <= cutoff),
            )
            .order_by(ShipmentRow.id)
            .limit(limit)
        ).all()
        return [PollTarget(i, carrier, waybill or "") for i, carrier, waybill in rows]

    def mark_polled(self, shipment_id: int, now: datetime, error: str | None = None) -> None:
        row = self.session.get(TrackingPollRow, shipment_id)
        if row is None:
            self.session.add(
                TrackingPollRow(shipment_id=shipment_id, polled_at=now, last_error=error)
            )
        else:
            row.polled_at = now
            row.last_error = error

    def pending_pickups(
        self, rma_numbers: Iterable[str], now: datetime, grace: timedelta
    ) -> set[str]:
        """Requests among `rma_numbers` whose booked pickup may still come, or whose parcel
        the carrier already scanned: the worker ships such a request from the scan's
        outbox message (services/tracking.ship_after_pickup), it must not close first."""
        numbers = list(rma_numbers)
        if not numbers:
            return set()
        booked = and_(
            ShipmentRow.method == "pickup",
            ShipmentRow.status == ARRANGED,
            ShipmentRow.pickup_end.is_not(None),
        )
        scanned = and_(ShipmentRow.last_event_at.is_not(None), ShipmentRow.status != CANCELLED)
        rows = self.session.execute(
            select(ShipmentRow.rma_no, ShipmentRow.pickup_end, ShipmentRow.last_event_at).where(
                ShipmentRow.rma_no.in_(numbers),
                ShipmentRow.direction == "return",
                or_(booked, scanned),
            )
        ).all()
        return {
            rma
            for rma, end, scanned_at in rows
            if scanned_at is not None or (end is not None and now < end + grace)
        }

    def picked_up_unshipped(
        self, heard_before: datetime, topic: str, limit: int = 100
    ) -> list[PickedUp]:
        """Approved requests whose parcel's first pickup scan was heard before
        `heard_before` and whose `topic` message is undelivered (storage/tracking_scans.py):
        the safety net of "shipment.picked_up"."""
        return picked_up_unshipped(self.session, heard_before, topic, limit)

    def arranged_of_closed_requests(self, limit: int = 100) -> list[Shipment]:
        """Return parcels still arranged for requests that closed unshipped (R1.5)."""
        rows = self.session.scalars(
            select(ShipmentRow)
            .join(ReturnRow, ReturnRow.rma_no == ShipmentRow.rma_no)
            .where(
                ReturnRow.status == "closed",
                ShipmentRow.direction == "return",
                ShipmentRow.status == ARRANGED,
            )
            .limit(limit)
            .with_for_update(of=ShipmentRow)
        ).all()
        return self.map.load(rows)

    def live_of_cancelled_requests(self, limit: int = 100) -> list[Shipment]:
        """Return parcels still being arranged or arranged for requests cancelled since."""
        rows = self.session.scalars(
            select(ShipmentRow)
            .join(ReturnRow, ReturnRow.rma_no == ShipmentRow.rma_no)
            .where(
                ReturnRow.status == "cancelled",
                ShipmentRow.direction == "return",
                ShipmentRow.status.in_((REQUESTED, ARRANGED)),
            )
            .limit(limit)
            .with_for_update(of=ShipmentRow)
        ).all()
        return self.map.load(rows)

    def request_contact(self, rma_no: str) -> Contact | None:
        row = self.session.execute(
            select(
                ReturnRow.status, ReturnRow.contact, ReturnRow.order_no, ReturnRow.customer_id
            ).where(ReturnRow.rma_no == rma_no)
        ).first()
        if row is None:
            return None
        status, contact, order_no, customer_id = row
        return Contact(status, str((contact or {}).get("email", "")), order_no, customer_id)

    def flush_changes(self) -> list[DomainEvent]:
        """Write loaded shipments back; hand over their new events, once."""
        return self.map.flush_changes()

    # --- scans -------------------------------------------------------------------

    def take_scans(
        self,
        carrier: str,
        waybill_no: str,
        events: Iterable[TrackingEvent],
        source: str,
        now: datetime,
    ) -> TakenScans:
        """A push's scans stored once, in one statement that first locks the waybill's
        shipment (storage/tracking_scans.py); a repeat costs only that statement."""
        self.map.sync()  # a waybill the carrier gave in this unit of work is not written yet
        return take_scans(self.session, carrier, waybill_no, events, source, now)

    def tracked(self, taken: TakenScans) -> Shipment | None:
        """The shipment the scans just taken belong to, with the scans it had before them
        (one statement); its tasks are read when a finding asks (`read_tasks`)."""
        return load_tracked(self.session, self.map, taken)

    def read_tasks(self, shipment: Shipment) -> None:
        """The exception tasks of a shipment `tracked` loaded without them."""
        self.map.read_tasks(shipment)

    def adoptable(self, limit: int = 100) -> list[tuple[str, str]]:
        """(carrier, waybill) of parked scans whose shipment now exists."""
        rows = self.session.execute(
            select(TrackingEventRow.carrier, TrackingEventRow.waybill_no)
            .join(
                ShipmentRow,
                and_(
                    ShipmentRow.carrier == TrackingEventRow.carrier,
                    ShipmentRow.waybill_no == TrackingEventRow.waybill_no,
                ),
            )
            .where(TrackingEventRow.shipment_id.is_(None))
            .distinct()
            .limit(limit)
        ).all()
        return [(carrier, waybill) for carrier, waybill in rows]

    def parked(self, carrier: str, waybill_no: str) -> list[TrackingEvent]:
        rows = self.session.scalars(
            select(TrackingEventRow).where(
                TrackingEventRow.carrier == carrier,
                TrackingEventRow.waybill_no == waybill_no,
                TrackingEventRow.shipment_id.is_(None),
            )
        )
        return [scan_of(row) for row in rows]

    def attach_parked(self, shipment: Shipment) -> int:
        """The parked scans of the shipment's waybill become its own; returns how many."""
        result = self.session.execute(
            update(TrackingEventRow)
            .where(
                TrackingEventRow.carrier == shipment.carrier,
                TrackingEventRow.waybill_no == shipment.waybill_no,
                TrackingEventRow.shipment_id.is_(None),
            )
            .values(shipment_id=shipment.id)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def timeline_for(self, rma_no: str) -> list[StoredEvent]:
        """Every scan of every shipment of a request, oldest first."""
        self.map.sync()
        rows = self.session.execute(
            select(TrackingEventRow, ShipmentRow.id)
            .join(ShipmentRow, ShipmentRow.id == TrackingEventRow.shipment_id)
            .where(ShipmentRow.rma_no == rma_no)
            .order_by(TrackingEventRow.at, TrackingEventRow.id)
        ).all()
        return [
            StoredEvent(shipment_id, row.carrier, row.waybill_no, scan_of(row))
            for row, shipment_id in rows
        ]

    # --- the exceptions queue ----------------------------------------------------

    def open_exception(
        self, shipment: Shipment, finding: Finding, now: datetime
    ) -> ExceptionTask | None:
        """Store a task for the finding and tell the shipment; None if a concurrent sweep
        opened the same one a moment ago (one open task per shipment and kind)."""
        self.map.sync()  # the savepoint below holds the task's insert and nothing else
        row = ShipmentExceptionRow(
            shipment_id=shipment.id,
            rma_no=shipment.rma_no,
            kind=finding.kind.value,
            detail=text_json(finding.detail),
            open_key=f"{shipment.id}:{finding.kind.value}",
            raised_at=now,
        )
        try:
            with self.session.begin_nested():
                self.session.add(row)
        except IntegrityError:
            return None
        self.map.task_rows[row.id] = row
        return shipment.exception_opened(row.id, finding, now)

    def shipment_of_task(self, task_id: int, *, for_update: bool = False) -> Shipment | None:
        """The shipment an exception task belongs to (to resolve the task through it)."""
        query = select(ShipmentRow).join(
            ShipmentExceptionRow, ShipmentExceptionRow.shipment_id == ShipmentRow.id
        )
        return self.map.one(query.where(ShipmentExceptionRow.id == task_id), for_update=for_update)

    def tasks(
        self, *, state: str = "open", kind: str | None = None, limit: int = 200, offset: int = 0
    ) -> list[ExceptionTask]:
        query = select(ShipmentExceptionRow, ShipmentRow).join(
            ShipmentRow, ShipmentRow.id == ShipmentExceptionRow.shipment_id
        )
        query = query.where(*_task_filter(state, kind))
        order = (ShipmentExceptionRow.raised_at, ShipmentExceptionRow.id)
        return self._tasks(query.order_by(*order).limit(limit).offset(offset))

    def count_tasks(self, *, state: str = "open", kind: str | None = None) -> int:
        """How many tasks `tasks` would page through."""
        self.map.sync()
        query = select(func.count(ShipmentExceptionRow.id)).where(*_task_filter(state, kind))
        return int(self.session.scalar(query) or 0)

    def task(self, task_id: int) -> ExceptionTask | None:
        query = (
            select(ShipmentExceptionRow, ShipmentRow)
            .join(ShipmentRow, ShipmentRow.id == ShipmentExceptionRow.shipment_id)
            .where(ShipmentExceptionRow.id == task_id)
        )
        found = self._tasks(query)
        return found[0] if found else None

    def tasks_for(self, rma_no: str) -> list[ExceptionTask]:
        query = (
            select(ShipmentExceptionRow, ShipmentRow)
            .join(ShipmentRow, ShipmentRow.id == ShipmentExceptionRow.shipment_id)
            .where(ShipmentExceptionRow.rma_no == rma_no)
            .order_by(ShipmentExceptionRow.raised_at)
        )
        return self._tasks(query)

    def _tasks(self, query: Select[ShipmentExceptionRow, ShipmentRow]) -> list[ExceptionTask]:
        self.map.sync()  # tasks resolved in this unit of work read as resolved
        rows = self.session.execute(query).all()
        return [task_of(task, shipment.carrier, shipment.waybill_no) for task, shipment in rows]


def _task_filter(state: str, kind: str | None) -> list[ColumnElement[bool]]:
    """The queue's filter: "open", "resolved" or any task, of one kind or all."""
    where: list[ColumnElement[bool]] = []
    if state == "open":
        where.append(ShipmentExceptionRow.resolved_at.is_(None))
    elif state == "resolved":
        where.append(ShipmentExceptionRow.resolved_at.is_not(None))
    if kind:
        where.append(ShipmentExceptionRow.kind == kind)
    return where
