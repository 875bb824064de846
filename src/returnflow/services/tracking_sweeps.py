"""The worker's side of tracking, as use cases: which parcels to poll, parked scans to
adopt, the exception sweep, pickups to let go (R4.3, R4.4, R1.5), and requests whose
picked-up parcel's message never moved them (issue 11).

`jobs/tracking.py` decides when these run and calls carriers outside any transaction;
each function here works inside the unit of work it is given and leaves the commit to
the caller.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from returnflow.domain.shipment_alerts import Thresholds
from returnflow.services.tracking import PICKED_UP_TOPIC, check_shipment
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.storage.tracking import PollTarget

__all__ = ["PollTarget", "Sweep", "adoptable", "due_for_poll", "mark_polled"]


def due_for_poll(
    uow: UnitOfWork, now: datetime, every: timedelta, carriers: Sequence[str]
) -> list[PollTarget]:
    """Open parcels of these carriers nothing was heard of, nor asked about, for `every`."""
    return uow.tracking.due_for_poll(now, every, only_carriers=carriers)


def mark_polled(uow: UnitOfWork, shipment_id: int, now: datetime, error: str | None) -> None:
    """Remember the poll (and why it failed), so the next one waits its turn."""
    uow.tracking.mark_polled(shipment_id, now, error)


def adoptable(uow: UnitOfWork) -> list[tuple[str, str]]:
    """(carrier, waybill) of parked scans whose shipment exists now."""
    return uow.tracking.adoptable()


@dataclass(frozen=True, slots=True)
class Sweep:
    """One batch of the exception sweep: how many parcels, the last id, tasks raised."""

    checked: int
    last_id: int
    raised: int


def sweep_batch(
    uow: UnitOfWork, now: datetime, limits: Thresholds, *, after_id: int, batch: int
) -> Sweep:
    """Ask the next `batch` open parcels whether something is wrong; each trouble once."""
    shipments = uow.tracking.open_shipments(limit=batch, after_id=after_id)
    raised = sum(check_shipment(uow, shipment, now, limits) for shipment in shipments)
    last_id = shipments[-1].id if shipments else after_id
    return Sweep(len(shipments), last_id, raised)


def release_pickups(uow: UnitOfWork, now: datetime) -> int:
    """Parcels of requests that ended unshipped are not needed any more; how many.

    Closed unshipped (R1.5): each arranged parcel is cancelled, a booked pickup called off
    with the carrier through the outbox ("tracking.cancel_pickup"). Cancelled: the
    message bus calls the pickup off at once (`shipping_handlers.call_off_pickup`); this
    is the safety net for a handler that failed or a crash in between, and does the same.
    """
    stale = uow.tracking.arranged_of_closed_requests()
    for shipment in stale:
        shipment.release(now)
    forgotten = uow.tracking.live_of_cancelled_requests()
    for shipment in forgotten:
        shipment.call_off(now)
    return len(stale) + len(forgotten)


def pending_pickups(
    uow: UnitOfWork, rma_numbers: Iterable[str], now: datetime, grace: timedelta
) -> set[str]:
    """Requests whose booked pickup window (plus grace) has not passed: not closed yet."""
    return uow.tracking.pending_pickups(rma_numbers, now, grace)


def picked_up_unshipped(
    uow: UnitOfWork, now: datetime, grace: timedelta, limit: int = 100
) -> list[dict[str, Any]]:
    """The "shipment.picked_up" messages that should have moved a request by now.

    A request still approved `grace` after its parcel's first pickup scan was heard, its
    message undelivered (given up after its last attempt, or still in a backlog), comes
    back as the payload that message carried, for `services/tracking.ship_after_pickup`,
    which moves a request once however often it is asked. The scan's arrival is the
    request's shipping time, as the message would have said.
    """
    return [
        {
            "rma_no": found.rma_no,
            "shipment_id": found.shipment_id,
            "carrier": found.carrier,
            "carrier_name": found.carrier_name or found.carrier,
            "waybill_no": found.waybill_no,
            "at": found.heard_at.isoformat(),
        }
        for found in uow.tracking.picked_up_unshipped(now - grace, PICKED_UP_TOPIC, limit)
    ]
