"""Scans, polls and the exceptions queue in the database; shipments as tracking sees them.

The shipments table belongs to the return-methods code; tracking reads it and writes
only its `status` and `last_event_at`, so the two never fight over a column.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from returnflow.domain.scans import TrackingEvent, TrackingProblem, TrackingStatus
from returnflow.domain.shipment_alerts import AlertKind, Finding
from returnflow.domain.text import Text
from returnflow.domain.tracking import fingerprint
from returnflow.storage.schema import (
    ReturnRow,
    ShipmentExceptionRow,
    ShipmentRow,
    TrackingEventRow,
    TrackingPollRow,
)

# shipment statuses after which nothing more is tracked or alerted
# (the methods code writes requested | arranged | … | cancelling | cancelled | failed)
FINISHED = ("delivered", "returned_to_sender", "cancelling", "cancelled", "failed", "received")
ARRANGED = "arranged"
CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class TrackedShipment:
    id: int
    rma_no: str
    direction: str
    method: str
    carrier: str
    carrier_name: str
    waybill_no: str
    status: str
    pickup_id: str | None
    pickup_end: datetime | None
    promised_by: datetime | None
    last_event_at: datetime | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """A scan as the timeline shows it (with the shipment it belongs to)."""

    shipment_id: int | None
    carrier: str
    waybill_no: str
    event: TrackingEvent


@dataclass(frozen=True, slots=True)
class ExceptionTask:
    id: int
    shipment_id: int
    rma_no: str
    kind: AlertKind
    detail: Text
    raised_at: datetime
    resolved_at: datetime | None
    resolved_by: str | None
    resolution_note: str | None
    carrier: str
    waybill_no: str

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    def age(self, now: datetime) -> timedelta:
        return (self.resolved_at or now) - self.raised_at


def _shipment(row: ShipmentRow) -> TrackedShipment:
    return TrackedShipment(
        id=row.id,
        rma_no=row.rma_no,
        direction=row.direction,
        method=row.method,
        carrier=row.carrier,
        carrier_name=row.carrier_name,
        waybill_no=row.waybill_no or "",
        status=row.status,
        pickup_id=row.pickup_id,
        pickup_end=row.pickup_end,
        promised_by=row.promised_by,
        last_event_at=row.last_event_at,
        created_at=row.created_at,
    )


def _event(row: TrackingEventRow) -> TrackingEvent:
    return TrackingEvent(
        at=row.at,
        status=TrackingStatus(row.status),
        description=row.description,
        location=row.location,
        problem=TrackingProblem(row.problem) if row.problem else None,
    )


def _task(row: ShipmentExceptionRow, shipment: ShipmentRow) -> ExceptionTask:
    return ExceptionTask(
        id=row.id,
        shipment_id=row.shipment_id,
        rma_no=row.rma_no,
        kind=AlertKind(row.kind),
        detail=Text(str(row.detail.get("zh", "")), str(row.detail.get("en", ""))),
        raised_at=row.raised_at,
        resolved_at=row.resolved_at,
        resolved_by=row.resolved_by,
        resolution_note=row.resolution_note,
        carrier=shipment.carrier,
        waybill_no=shipment.waybill_no or "",
    )


class TrackingStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    # --- shipments ---------------------------------------------------------------

    def shipment(
        self, carrier: str, waybill_no: str, *, for_update: bool = False
    ) -> TrackedShipment | None:
        query = select(ShipmentRow).where(
            ShipmentRow.carrier == carrier, ShipmentRow.waybill_no == waybill_no
        )
        if for_update:
            query = query.with_for_update()
        row = self.session.scalars(query).first()
        return _shipment(row) if row is not None else None

    def shipment_by_id(self, shipment_id: int, *, for_update: bool = False) -> TrackedShipment:
        query = select(ShipmentRow).where(ShipmentRow.id == shipment_id)
        if for_update:
            query = query.with_for_update()
        return _shipment(self.session.scalars(query).one())

    def set_progress(self, shipment_id: int, status: str, last_event_at: datetime | None) -> None:
        self.session.execute(
            update(ShipmentRow)
            .where(ShipmentRow.id == shipment_id)
            .values(status=status, last_event_at=last_event_at)
        )

    def open_shipments(self, limit: int = 500, after_id: int = 0) -> list[TrackedShipment]:
        rows = self.session.scalars(
            select(ShipmentRow)
            .where(
                ShipmentRow.status.not_in(FINISHED),
                ShipmentRow.waybill_no.is_not(None),
                ShipmentRow.id > after_id,
            )
            .order_by(ShipmentRow.id)
            .limit(limit)
        )
        return [_shipment(row) for row in rows]

    def due_for_poll(
        self, now: datetime, every: timedelta, only_carriers: Sequence[str], limit: int = 100
    ) -> list[TrackedShipment]:
        """Open shipments silent for `every` and not asked about within `every`."""
        cutoff = now - every
        rows = self.session.scalars(
            select(ShipmentRow)
            .outerjoin(TrackingPollRow, TrackingPollRow.shipment_id == ShipmentRow.id)
            .where(
                ShipmentRow.status.not_in(FINISHED),
                ShipmentRow.waybill_no.is_not(None),
                ShipmentRow.carrier.in_(list(only_carriers)),
                func.coalesce(ShipmentRow.last_event_at, ShipmentRow.created_at) <= cutoff,
                or_(TrackingPollRow.polled_at.is_(None), TrackingPollRow.polled_at <= cutoff),
            )
            .order_by(ShipmentRow.id)
            .limit(limit)
        )
        return [_shipment(row) for row in rows]

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
        """Requests among `rma_numbers` whose booked pickup may still come."""
        numbers = list(rma_numbers)
        if not numbers:
            return set()
        rows = self.session.execute(
            select(ShipmentRow.rma_no, ShipmentRow.pickup_end).where(
                ShipmentRow.rma_no.in_(numbers),
                ShipmentRow.direction == "return",
                ShipmentRow.method == "pickup",
                ShipmentRow.status == ARRANGED,
                ShipmentRow.pickup_end.is_not(None),
            )
        ).all()
        return {rma for rma, end in rows if end is not None and now < end + grace}

    def arranged_of_closed_requests(self, limit: int = 100) -> list[TrackedShipment]:
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
        )
        return [_shipment(row) for row in rows]

    def request_contact(self, rma_no: str) -> tuple[str, str, str] | None:
        """(status, email, order number) of a request, read without loading the aggregate."""
        row = self.session.execute(
            select(ReturnRow.status, ReturnRow.contact, ReturnRow.order_no).where(
                ReturnRow.rma_no == rma_no
            )
        ).first()
        if row is None:
            return None
        status, contact, order_no = row
        return status, str((contact or {}).get("email", "")), order_no

    # --- scans -------------------------------------------------------------------

    def events_of(self, shipment_id: int) -> list[TrackingEvent]:
        rows = self.session.scalars(
            select(TrackingEventRow)
            .where(TrackingEventRow.shipment_id == shipment_id)
            .order_by(TrackingEventRow.at, TrackingEventRow.id)
        )
        return [_event(row) for row in rows]

    def known_fingerprints(self, carrier: str, keys: Iterable[str]) -> set[str]:
        keys = list(keys)
        if not keys:
            return set()
        return set(
            self.session.scalars(
                select(TrackingEventRow.fingerprint).where(
                    TrackingEventRow.carrier == carrier, TrackingEventRow.fingerprint.in_(keys)
                )
            )
        )

    def add_events(
        self,
        carrier: str,
        waybill_no: str,
        shipment_id: int | None,
        events: Iterable[TrackingEvent],
        source: str,
        now: datetime,
    ) -> int:
        """Store scans not stored before (the fingerprint decides); returns how many."""
        fresh = {fingerprint(waybill_no, event): event for event in events}
        for key in self.known_fingerprints(carrier, fresh):
            del fresh[key]
        for key, event in fresh.items():
            self.session.add(
                TrackingEventRow(
                    carrier=carrier,
                    waybill_no=waybill_no,
                    shipment_id=shipment_id,
                    fingerprint=key,
                    at=event.at,
                    status=event.status.value,
                    description=event.description[:4000],
                    location=event.location[:200],
                    problem=event.problem.value if event.problem else None,
                    source=source,
                    received_at=now,
                )
            )
        self.session.flush()  # a concurrent twin fails here, on the unique fingerprint
        return len(fresh)

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
        return [_event(row) for row in rows]

    def attach_parked(self, carrier: str, waybill_no: str, shipment_id: int) -> int:
        result = self.session.execute(
            update(TrackingEventRow)
            .where(
                TrackingEventRow.carrier == carrier,
                TrackingEventRow.waybill_no == waybill_no,
                TrackingEventRow.shipment_id.is_(None),
            )
            .values(shipment_id=shipment_id)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def timeline_for(self, rma_no: str) -> list[StoredEvent]:
        """Every scan of every shipment of a request, oldest first."""
        rows = self.session.execute(
            select(TrackingEventRow, ShipmentRow.id)
            .join(ShipmentRow, ShipmentRow.id == TrackingEventRow.shipment_id)
            .where(ShipmentRow.rma_no == rma_no)
            .order_by(TrackingEventRow.at, TrackingEventRow.id)
        ).all()
        return [
            StoredEvent(shipment_id, row.carrier, row.waybill_no, _event(row))
            for row, shipment_id in rows
        ]

    # --- the exceptions queue ----------------------------------------------------

    def open_task(
        self, shipment: TrackedShipment, finding: Finding, now: datetime, since: datetime
    ) -> int | None:
        """Open a task unless one is open for this shipment and kind; its id, or None.

        A task resolved after `since` (the last scan) also keeps quiet: staff dealt with
        it, and only news from the carrier makes the same trouble worth raising again.
        """
        key = f"{shipment.id}:{finding.kind.value}"
        exists = self.session.scalar(
            select(ShipmentExceptionRow.id).where(
                or_(
                    ShipmentExceptionRow.open_key == key,
                    and_(
                        ShipmentExceptionRow.shipment_id == shipment.id,
                        ShipmentExceptionRow.kind == finding.kind.value,
                        ShipmentExceptionRow.resolved_at >= since,
                    ),
                )
            )
        )
        if exists is not None:
            return None
        row = ShipmentExceptionRow(
            shipment_id=shipment.id,
            rma_no=shipment.rma_no,
            kind=finding.kind.value,
            detail={"zh": finding.detail.zh, "en": finding.detail.en},
            open_key=key,
            raised_at=now,
        )
        try:
            with self.session.begin_nested():
                self.session.add(row)
        except IntegrityError:
            return None  # a concurrent sweep opened it a moment ago
        return row.id

    def tasks(
        self, *, state: str = "open", kind: str | None = None, limit: int = 200
    ) -> list[ExceptionTask]:
        query = select(ShipmentExceptionRow, ShipmentRow).join(
            ShipmentRow, ShipmentRow.id == ShipmentExceptionRow.shipment_id
        )
        if state == "open":
            query = query.where(ShipmentExceptionRow.resolved_at.is_(None))
        elif state == "resolved":
            query = query.where(ShipmentExceptionRow.resolved_at.is_not(None))
        if kind:
            query = query.where(ShipmentExceptionRow.kind == kind)
        query = query.order_by(ShipmentExceptionRow.raised_at, ShipmentExceptionRow.id).limit(limit)
        return [_task(task, shipment) for task, shipment in self.session.execute(query).all()]

    def task(self, task_id: int, *, for_update: bool = False) -> ExceptionTask | None:
        query = (
            select(ShipmentExceptionRow, ShipmentRow)
            .join(ShipmentRow, ShipmentRow.id == ShipmentExceptionRow.shipment_id)
            .where(ShipmentExceptionRow.id == task_id)
        )
        if for_update:
            query = query.with_for_update(of=ShipmentExceptionRow)
        found = self.session.execute(query).first()
        return _task(*found) if found is not None else None

    def tasks_for(self, rma_no: str) -> list[ExceptionTask]:
        rows = self.session.execute(
            select(ShipmentExceptionRow, ShipmentRow)
            .join(ShipmentRow, ShipmentRow.id == ShipmentExceptionRow.shipment_id)
            .where(ShipmentExceptionRow.rma_no == rma_no)
            .order_by(ShipmentExceptionRow.raised_at)
        ).all()
        return [_task(task, shipment) for task, shipment in rows]

    def resolve(self, task_id: int, by: str, note: str, now: datetime) -> bool:
        """Close an open task; False when it was already resolved (someone was quicker)."""
        result = self.session.execute(
            update(ShipmentExceptionRow)
            .where(ShipmentExceptionRow.id == task_id, ShipmentExceptionRow.resolved_at.is_(None))
            .values(resolved_at=now, resolved_by=by, resolution_note=note, open_key=None)
        )
        return int(result.rowcount) == 1  # type: ignore[attr-defined]


def payload_text(value: Text) -> dict[str, Any]:
    return {"zh": value.zh, "en": value.en}
