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
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from returnflow.domain.scans import TrackingEvent, TrackingProblem, TrackingStatus
from returnflow.domain.shipment import Shipment
from returnflow.domain.tracking import fingerprint
from returnflow.storage.schema import ShipmentRow, TrackingEventRow
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
    holder = (
        select(ShipmentRow.id)
        .where(ShipmentRow.carrier == carrier, ShipmentRow.waybill_no == waybill_no)
        .with_for_update()
        .scalar_subquery()
    )
    rows = [
        {
            "carrier": carrier,
            "waybill_no": waybill_no,
            "shipment_id": holder,
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
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stored = session.execute(
        insert(TrackingEventRow)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["carrier", "fingerprint"])
        .returning(TrackingEventRow.fingerprint, TrackingEventRow.shipment_id)
    ).all()
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
