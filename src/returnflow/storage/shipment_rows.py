"""Shipment rows ⇄ `Shipment` aggregates, and the one map of shipments a session loaded.

`uow.shipments` (arranging) and `uow.tracking` (scans, exceptions) load the same
aggregate; both go through the `ShipmentMap` kept in the session's `info`, so a shipment
loaded twice in one unit of work is one object, and it is written back once: before
every commit (a session hook, whoever commits) and whenever a repository is asked for
`flush_changes()`. Rows never leave `storage/`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, event, select, update
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.orm.exc import StaleDataError

from returnflow.domain.events import DomainEvent
from returnflow.domain.exception_remedies import RemedyTaken
from returnflow.domain.pickup_address import PICKUP_FIELDS, PickupAddress
from returnflow.domain.scans import TrackingEvent, TrackingProblem, TrackingStatus
from returnflow.domain.shipment import Shipment
from returnflow.domain.shipment_alerts import AlertKind
from returnflow.domain.shipment_tasks import ExceptionTask
from returnflow.domain.shipping import WAREHOUSE_FIELDS, Warehouse
from returnflow.domain.text import Text
from returnflow.domain.tracking import fingerprint
from returnflow.storage.identity_map import IdentityMap, one_row
from returnflow.storage.schema import ShipmentExceptionRow, ShipmentRow, TrackingEventRow

_KEY = "returnflow.shipments"
# the columns the aggregate carries one to one (return_to and pickup_to are converted)
_PLAIN = tuple(
    name
    for name in ShipmentRow.__table__.columns.keys()  # noqa: SIM118 - a column collection
    if name not in ("id", "return_to", "pickup_to")
)


def scan_of(row: TrackingEventRow) -> TrackingEvent:
    return TrackingEvent(
        at=row.at,
        status=TrackingStatus(row.status),
        description=row.description,
        location=row.location,
        problem=TrackingProblem(row.problem) if row.problem else None,
    )


def task_of(row: ShipmentExceptionRow, carrier: str, waybill_no: str | None) -> ExceptionTask:
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
        carrier=carrier,
        waybill_no=waybill_no or "",
        remedy=RemedyTaken.from_json(row.remedy, row.remedy_detail) if row.remedy else None,
    )


def text_json(value: Text) -> dict[str, Any]:
    return {"zh": value.zh, "en": value.en}


def _warehouse_json(warehouse: Warehouse | None) -> dict[str, Any] | None:
    if warehouse is None:
        return None
    return {name: getattr(warehouse, name) for name in WAREHOUSE_FIELDS}


def _pickup_json(address: PickupAddress | None) -> dict[str, Any] | None:
    if address is None:
        return None
    return {name: getattr(address, name) for name in PICKUP_FIELDS}


def _aggregate(
    row: ShipmentRow, scans: list[TrackingEvent], tasks: list[ShipmentExceptionRow]
) -> Shipment:
    values = {name: getattr(row, name) for name in _PLAIN}
    return Shipment(
        id=row.id,
        return_to=Warehouse(**row.return_to) if row.return_to else None,
        pickup_to=PickupAddress(**row.pickup_to) if row.pickup_to else None,
        scans=scans,
        exceptions=[task_of(task, row.carrier, row.waybill_no) for task in tasks],
        **values,
    )


def _write(shipment: Shipment, row: ShipmentRow) -> None:
    """Copy the aggregate onto its row; only real changes become an UPDATE."""
    for name in _PLAIN:
        value = getattr(shipment, name)
        if getattr(row, name) != value:
            setattr(row, name, value)
    warehouse = _warehouse_json(shipment.return_to)
    if row.return_to != warehouse:
        row.return_to = warehouse
    pickup_to = _pickup_json(shipment.pickup_to)
    if row.pickup_to != pickup_to:
        row.pickup_to = pickup_to


class ShipmentMap:
    """The shipments one session loaded, with their rows, their tasks' rows and the scans
    still to be stored."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.loaded: IdentityMap[int, Shipment, ShipmentRow] = IdentityMap()
        self.task_rows: dict[int, ShipmentExceptionRow] = {}
        self.untasked: set[int] = set()  # loaded by a push without their tasks (read_tasks)

    @classmethod
    def of(cls, session: Session) -> ShipmentMap:
        found = session.info.get(_KEY)
        if isinstance(found, ShipmentMap):
            return found
        made = cls(session)
        session.info[_KEY] = made  # the Session class's listeners below find it there
        return made

    # --- loading -------------------------------------------------------------------

    def load(self, rows: Sequence[ShipmentRow]) -> list[Shipment]:
        """Aggregates for these rows; ones loaded before in this session are reused."""
        ids = [row.id for row in rows if row.id not in self.loaded]
        scans: dict[int, list[TrackingEvent]] = {i: [] for i in ids}
        tasks: dict[int, list[ShipmentExceptionRow]] = {i: [] for i in ids}
        if ids:  # the scans and tasks of the shipments not loaded before, in two queries
            for scan in self.session.scalars(
                select(TrackingEventRow)
                .where(TrackingEventRow.shipment_id.in_(ids))
                .order_by(TrackingEventRow.at, TrackingEventRow.id)
            ):
                assert scan.shipment_id is not None
                scans[scan.shipment_id].append(scan_of(scan))
            for task in self.session.scalars(
                select(ShipmentExceptionRow)
                .where(ShipmentExceptionRow.shipment_id.in_(ids))
                .order_by(ShipmentExceptionRow.raised_at, ShipmentExceptionRow.id)
            ):
                tasks[task.shipment_id].append(task)
                self.task_rows[task.id] = task
        found = [
            self.loaded.adopt(row.id, row, lambda r: _aggregate(r, scans[r.id], tasks[r.id]))
            for row in rows
        ]
        for shipment in found:
            self.read_tasks(shipment)  # one a push loaded without them: whole from now on
        return found

    def adopt_untasked(self, row: ShipmentRow, scans: list[TrackingEvent]) -> Shipment:
        """A shipment the push read with its scans (storage/tracking_scans.py); its tasks
        are read only if a finding needs them (`read_tasks`)."""
        known = self.loaded.recall(row.id)
        if known is not None:
            return known
        self.untasked.add(row.id)
        return self.loaded.remember(row.id, _aggregate(row, scans, []), row)

    def read_tasks(self, shipment: Shipment) -> None:
        """The exception tasks of a shipment `adopt_untasked` built without them, once."""
        if shipment.id not in self.untasked:
            return
        self.untasked.discard(shipment.id)
        rows = self.session.scalars(
            select(ShipmentExceptionRow)
            .where(ShipmentExceptionRow.shipment_id == shipment.id)
            .order_by(ShipmentExceptionRow.raised_at, ShipmentExceptionRow.id)
        ).all()
        for task in rows:
            self.task_rows[task.id] = task
        stored = [task_of(task, shipment.carrier, shipment.waybill_no) for task in rows]
        shipment.exceptions[:0] = stored

    def one(self, query: Select[ShipmentRow], *, for_update: bool) -> Shipment | None:
        """The first shipment `query` (a select of ShipmentRow) finds, locked if asked."""
        row = one_row(self.session, query, for_update=for_update)
        return None if row is None else self.load([row])[0]

    def add(self, shipment: Shipment) -> None:
        row = ShipmentRow()
        _write(shipment, row)
        self.session.add(row)
        self.session.flush()
        shipment.stored_as(row.id)
        self.loaded.remember(row.id, shipment, row)

    # --- writing back ----------------------------------------------------------------

    def store_scans(self, shipment: Shipment, source: str, now: datetime) -> int:
        """Insert the aggregate's new scans not stored before; returns how many.

        A scan parked under the same waybill already holds its fingerprint and is left to
        `attach`; a concurrent twin of this push fails here, on the unique fingerprint.
        """
        pending, shipment.unsaved_scans = shipment.unsaved_scans, []
        waybill_no = shipment.waybill_no or ""
        return insert_scans(
            self.session, shipment.carrier, waybill_no, shipment.id, pending, source, now
        )

    def sync(self) -> None:
        """Write every loaded aggregate back (rows, resolved tasks, scans not stored yet)."""
        self.loaded.write_back(self._write_back)
        self.session.flush()

    def flush_changes(self) -> list[DomainEvent]:
        self.sync()
        return self.loaded.take_events()

    def _write_back(self, shipment: Shipment, row: ShipmentRow) -> None:
        _write(shipment, row)
        for task in shipment.exceptions:
            self._write_task(task)
        if shipment.unsaved_scans:  # a service that did not store them itself
            self.store_scans(shipment, "push", shipment.updated_at)

    def _write_task(self, task: ExceptionTask) -> None:
        row = self.task_rows.get(task.id)
        if row is None or task.resolved_at is None or row.resolved_at is not None:
            return
        done = self.session.execute(
            update(ShipmentExceptionRow)
            .where(ShipmentExceptionRow.id == task.id, ShipmentExceptionRow.resolved_at.is_(None))
            .values(
                resolved_at=task.resolved_at,
                resolved_by=task.resolved_by,
                resolution_note=task.resolution_note,
                open_key=None,
                remedy=task.remedy.remedy.value if task.remedy else None,
                remedy_detail=task.remedy.to_json() if task.remedy else None,
            )
            .execution_options(synchronize_session=False)
        )
        if int(done.rowcount) != 1:  # type: ignore[attr-defined]
            raise StaleDataError(f"exception task {task.id} was resolved meanwhile")
        self.session.expire(row)

    def _before_commit(self, session: Session) -> None:
        if not session.in_nested_transaction():  # a savepoint keeps only its own insert
            self.sync()

    def _after_rollback(self, session: Session, previous: SessionTransaction) -> None:
        if not previous.nested:
            self.loaded.clear()
            self.task_rows.clear()
            self.untasked.clear()


def insert_scans(
    session: Session,
    carrier: str,
    waybill_no: str,
    shipment_id: int | None,
    events: Iterable[TrackingEvent],
    source: str,
    now: datetime,
) -> int:
    """Store scans not stored before (the fingerprint per carrier decides); how many."""
    fresh = {fingerprint(waybill_no, item): item for item in events}
    if fresh:
        known = session.scalars(
            select(TrackingEventRow.fingerprint).where(
                TrackingEventRow.carrier == carrier, TrackingEventRow.fingerprint.in_(list(fresh))
            )
        )
        for key in set(known):
            del fresh[key]
    for key, item in fresh.items():
        session.add(
            TrackingEventRow(
                carrier=carrier,
                waybill_no=waybill_no,
                shipment_id=shipment_id,
                fingerprint=key,
                at=item.at,
                status=item.status.value,
                description=item.description[:4000],
                location=item.location[:200],
                problem=item.problem.value if item.problem else None,
                source=source,
                received_at=now,
            )
        )
    session.flush()  # a concurrent twin fails here, on the unique fingerprint
    return len(fresh)


# Listeners on the Session class, registered once, find the session's map in its `info`:
# listening on each session cost two `event.listen` calls per unit of work, ~4 % of a
# repeat push's Python (issue 11).
@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    found = session.info.get(_KEY)
    if isinstance(found, ShipmentMap):
        found._before_commit(session)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous: SessionTransaction) -> None:
    found = session.info.get(_KEY)
    if isinstance(found, ShipmentMap):
        found._after_rollback(session, previous)
