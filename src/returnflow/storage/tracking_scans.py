"""The carrier push's own way through the tracking tables (issue 11, peak-day speed).

A carrier pushes a waybill's whole history every time, so most pushes repeat scans we
already hold, and a peak day brings thousands a minute. Reading the shipment, its scans
and its tasks to find that out cost three statements for a repeat and nine for a late
scan. Here the scans go in first, in one `INSERT ... ON CONFLICT DO NOTHING RETURNING`
(PostgreSQL and SQLite alike) whose shipment id comes from a locking subquery:

- a repeat stores nothing, raises nothing (no savepoint, no exception) and costs that
  one statement;
- new scans come back with their shipment's id, and the shipment row is locked before
  any scan is written, so two pushes for one waybill still take turns (the second then
  reads the first's scans in a fresh statement); rows go in fingerprint order, so two
  pushes of a waybill no shipment has yet cannot deadlock either;
- the shipment is then read with its earlier scans in one statement (`load_tracked`),
  without its exception tasks, which are read only when the scans raise a finding.

The first pickup scan leaves the request's move to the worker ("shipment.picked_up");
`picked_up_unshipped` is the worker's safety net behind that message: requests still
approved whose parcel's first pickup scan was heard before a moment and whose message
is still undelivered.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import cast

from sqlalchemy import Insert, Table, bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from returnflow.domain.lifecycle import Status
from returnflow.domain.scans import TrackingEvent, TrackingProblem, TrackingStatus
from returnflow.domain.shipment import CANCELLED, Shipment
from returnflow.domain.tracking import PICKED_UP, fingerprint
from returnflow.storage.schema import OutboxRow, ReturnRow, ShipmentRow, TrackingEventRow
from returnflow.storage.shipment_rows import ShipmentMap


@dataclass(frozen=True, slots=True)
class TakenScans:
    """What one push stored: the scans new to us and the shipment they now belong to.

    `shipment_id` is None when no shipment has the waybill (the new scans are parked) and
    when nothing was new: a repeat does not ask which shipment it was about.
    """

    shipment_id: int | None
    added: tuple[TrackingEvent, ...]
    keys: frozenset[str]  # the fingerprints of `added`


@cache
def _take_statement(dialect: str) -> Insert:
    """The push's INSERT, built once per dialect and run with one parameter set per scan.

    Its rows go as parameters (SQLAlchemy's "insertmanyvalues": still one statement, one
    round trip), not as literal rows in `values(...)`: an INSERT with literal multi-row
    VALUES is never in SQLAlchemy's compiled cache, and compiling it cost most of a
    repeat push's Python (issue 11). Every row takes its shipment id from the same
    locking subquery, as before.
    """
    holder = (
        select(ShipmentRow.id)
        .where(
            ShipmentRow.carrier == bindparam("holder_carrier"),
            ShipmentRow.waybill_no == bindparam("holder_waybill"),
        )
        .with_for_update()
        .scalar_subquery()
    )
    table = cast(Table, TrackingEventRow.__table__)  # Core: no ORM bulk-insert path
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(table)
        .values(shipment_id=holder)
        .on_conflict_do_nothing(index_elements=["carrier", "fingerprint"])
        .returning(table.c.fingerprint, table.c.shipment_id)
    )


def take_scans(
    session: Session,
    carrier: str,
    waybill_no: str,
    events: Iterable[TrackingEvent],
    source: str,
    now: datetime,
) -> TakenScans:
    """Store the scans not stored before (the fingerprint per carrier decides), in one
    statement that locks the waybill's shipment first; returns what was new."""
    fresh: dict[str, TrackingEvent] = {}
    for item in events:
        fresh.setdefault(fingerprint(waybill_no, item), item)  # the first of a repeat, as merge
    if not fresh:
        return TakenScans(None, (), frozenset())
    rows = [
        {
            "carrier": carrier,
            "waybill_no": waybill_no,
            "holder_carrier": carrier,  # the locking subquery's, one value for all rows
            "holder_waybill": waybill_no,
            "fingerprint": key,
            "at": item.at,
            "status": item.status.value,
            "description": item.description[:4000],
            "location": item.location[:200],
            "problem": item.problem.value if item.problem else None,
            "source": source,
            "received_at": now,
        }
        for key, item in sorted(fresh.items())  # one order for every push: no deadlock
    ]
    statement = _take_statement(session.get_bind().dialect.name)
    stored = session.execute(statement, rows).all()
    keys = frozenset(key for key, _ in stored)
    shipment_id = next((owner for _, owner in stored if owner is not None), None)
    added = tuple(item for key, item in fresh.items() if key in keys)
    return TakenScans(shipment_id, added, keys)


def load_tracked(session: Session, shipments: ShipmentMap, taken: TakenScans) -> Shipment | None:
    """The shipment `taken` belongs to, with the scans it had before them, in one
    statement; `Shipment.adopt_scans(taken.added)` then moves it on as a merge would."""
    if taken.shipment_id is None:
        return None
    known = shipments.loaded.recall(taken.shipment_id)
    if known is not None:  # loaded before the scans went in: they are new to it as well
        return known
    found = session.execute(
        select(
            ShipmentRow,
            TrackingEventRow.fingerprint,
            TrackingEventRow.at,
            TrackingEventRow.status,
            TrackingEventRow.description,
            TrackingEventRow.location,
            TrackingEventRow.problem,
        )
        .outerjoin(TrackingEventRow, TrackingEventRow.shipment_id == ShipmentRow.id)
        .where(ShipmentRow.id == taken.shipment_id)
        .order_by(TrackingEventRow.at, TrackingEventRow.id)
    ).all()
    if not found:
        return None
    scans = [
        TrackingEvent(
            at=at,
            status=TrackingStatus(status),
            description=description,
            location=location,
            problem=TrackingProblem(problem) if problem else None,
        )
        for _, key, at, status, description, location, problem in found
        if key is not None and key not in taken.keys
    ]
    return shipments.adopt_untasked(found[0][0], scans)


@dataclass(frozen=True, slots=True)
class PickedUp:
    """A return parcel the carrier has, whose request still waits to be put in transit."""

    rma_no: str
    shipment_id: int
    carrier: str
    carrier_name: str
    waybill_no: str
    heard_at: datetime  # when its first pickup scan reached us


_PICKUP_STATUSES = sorted(status.value for status in PICKED_UP)


def picked_up_unshipped(
    session: Session, heard_before: datetime, topic: str, limit: int
) -> list[PickedUp]:
    """Approved requests whose return parcel (not cancelled) had its first pickup scan
    heard before `heard_before`, and whose pickup message (`topic`, written with that
    scan) is still undelivered: given up for good (a dead letter) or still waiting.

    Driven by the undelivered outbox rows (`ix_outbox_pending`: `sent_at IS NULL`, the
    backlog and the dead letters, a handful when all is well), each joined to its request
    by the unique RMA number, its parcels by `ix_shipments_rma` and their scans by
    `ix_tracking_events_shipment`. Driving it by the approved requests instead cost index
    probes for every request awaiting shipment (150 ms a minute at 15,000 of them).
    """
    heard = (
        select(func.min(TrackingEventRow.received_at))
        .where(
            TrackingEventRow.shipment_id == ShipmentRow.id,
            TrackingEventRow.status.in_(_PICKUP_STATUSES),
        )
        .correlate(ShipmentRow)
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            ReturnRow.rma_no,
            ShipmentRow.id,
            ShipmentRow.carrier,
            ShipmentRow.carrier_name,
            ShipmentRow.waybill_no,
            heard,
        )
        .select_from(OutboxRow)
        .join(ReturnRow, ReturnRow.rma_no == OutboxRow.payload["rma_no"].as_string())
        .join(ShipmentRow, ShipmentRow.rma_no == ReturnRow.rma_no)
        .where(
            OutboxRow.sent_at.is_(None),
            OutboxRow.topic == topic,
            OutboxRow.created_at <= heard_before,
            ReturnRow.status == Status.APPROVED.value,
            ShipmentRow.direction == "return",
            ShipmentRow.status != CANCELLED,
            ShipmentRow.last_event_at.is_not(None),  # scanned at all: the cheap test first
            heard <= heard_before,
        )
        .order_by(OutboxRow.id)
        .limit(limit)
    ).all()
    found: dict[str, PickedUp] = {}
    for rma_no, shipment_id, carrier, name, waybill_no, at in rows:
        found.setdefault(rma_no, PickedUp(rma_no, shipment_id, carrier, name, waybill_no or "", at))
    return list(found.values())
