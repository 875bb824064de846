"""The tracking pipeline: scans from a push or a poll → stored once → the shipment's state,
the request's lifecycle and the exceptions queue (R4.3, R4.4).

Pushes and polls go through the same `ingest`, so a carrier that both pushes and is
polled can never make a difference. Scans for a waybill we do not know yet are parked,
not dropped: once the shipment exists, `adopt_parked` runs them through the same path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError

from returnflow.config import Settings
from returnflow.domain.lifecycle import Status
from returnflow.domain.scans import TrackingEvent, TrackingStatus
from returnflow.domain.shipment_alerts import Finding, ShipmentFacts, Thresholds, findings
from returnflow.domain.text import DomainError, Text
from returnflow.domain.tracking import STATUS_LABELS, Merge, merge, state_of
from returnflow.logistics.carriers import Carrier, PushFeed
from returnflow.services.errors import Conflict, NotFound
from returnflow.storage.tracking import (
    CANCELLED,
    ExceptionTask,
    StoredEvent,
    TrackedShipment,
    payload_text,
)
from returnflow.storage.uow import ConcurrentUpdate, UnitOfWork

STAFF_ALERT_TOPIC = "staff.alert.shipment"
CUSTOMER_NOTICE_TOPIC = "tracking.notice."  # + the alert kind
CANCEL_PICKUP_TOPIC = "tracking.cancel_pickup"


def thresholds(settings: Settings) -> Thresholds:
    return Thresholds(
        first_scan_within=timedelta(hours=settings.alert_first_scan_hours),
        next_scan_within=timedelta(hours=settings.alert_next_scan_hours),
        presumed_lost_after=timedelta(days=settings.alert_presumed_lost_days),
        late_grace=timedelta(hours=settings.alert_late_grace_hours),
    )


def push_feed(carriers: Mapping[str, Carrier], code: str) -> PushFeed:
    """The carrier's push feed; a carrier we do not have, or one that never pushes, is 404."""
    carrier = carriers.get(code)
    if carrier is None or not isinstance(carrier, PushFeed):
        raise NotFound(
            "carrier_not_found",
            Text("没有快递公司 {code} 的推送接口", "No tracking push for carrier {code}").format(
                code=code
            ),
        )
    return carrier


@dataclass(frozen=True, slots=True)
class IngestResult:
    carrier: str
    waybill_no: str
    stored: int
    parked: bool
    shipped: bool = False
    raised: int = 0


def ingest(
    uow: UnitOfWork,
    carrier: str,
    waybill_no: str,
    events: Sequence[TrackingEvent],
    now: datetime,
    *,
    source: str,
    limits: Thresholds,
) -> IngestResult:
    """Store the scans of one waybill once and act on what they change."""
    shipment = uow.tracking.shipment(carrier, waybill_no, for_update=True)
    if shipment is None:
        stored = uow.tracking.add_events(carrier, waybill_no, None, events, source, now)
        return IngestResult(carrier, waybill_no, stored, parked=True)
    merged = merge(waybill_no, uow.tracking.events_of(shipment.id), events)
    stored = uow.tracking.add_events(carrier, waybill_no, shipment.id, merged.added, source, now)
    shipped, raised = _act_on(uow, shipment, merged, now, limits)
    return IngestResult(carrier, waybill_no, stored, False, shipped, raised)


def adopt_parked(
    uow: UnitOfWork, carrier: str, waybill_no: str, now: datetime, limits: Thresholds
) -> IngestResult:
    """Scans parked before their shipment existed join it, with the same effects as a push."""
    shipment = uow.tracking.shipment(carrier, waybill_no, for_update=True)
    if shipment is None:
        return IngestResult(carrier, waybill_no, 0, parked=True)
    merged = merge(
        waybill_no, uow.tracking.events_of(shipment.id), uow.tracking.parked(carrier, waybill_no)
    )
    attached = uow.tracking.attach_parked(carrier, waybill_no, shipment.id)
    shipped, raised = _act_on(uow, shipment, merged, now, limits)
    return IngestResult(carrier, waybill_no, attached, False, shipped, raised)


def _act_on(
    uow: UnitOfWork, shipment: TrackedShipment, merged: Merge, now: datetime, limits: Thresholds
) -> tuple[bool, int]:
    if not merged.added or shipment.status == CANCELLED:
        return False, 0
    after = merged.after
    assert after.status is not None
    uow.tracking.set_progress(shipment.id, after.status.value, after.last_scan_at)
    shipped = False
    if shipment.direction == "return" and after.picked_up:
        shipped = _ship_request(uow, shipment, now)
    found = findings(_facts(shipment), after, now, limits)
    since = after.last_scan_at or shipment.created_at
    return shipped, raise_findings(uow, shipment, found, now, since)


def _ship_request(uow: UnitOfWork, shipment: TrackedShipment, now: datetime) -> bool:
    """The carrier has the parcel: an approved request is now on its way (R4.3)."""
    request = uow.returns.get(shipment.rma_no, for_update=True)
    if request is None or request.status is not Status.APPROVED:
        return False
    if not request.request_type.ships_back:
        return False
    request.ship(
        f"carrier:{shipment.carrier}",
        now,
        shipment.carrier_name or shipment.carrier,
        shipment.waybill_no,
    )
    return True


def _facts(shipment: TrackedShipment) -> ShipmentFacts:
    return ShipmentFacts(
        arranged_at=shipment.created_at,
        promised_by=shipment.promised_by,
        cancelled=shipment.status == CANCELLED,
        tracked=shipment.carrier != "manual",
    )


def check_shipment(
    uow: UnitOfWork, shipment: TrackedShipment, now: datetime, limits: Thresholds
) -> int:
    """The sweep's question for one shipment: anything wrong at `now`? Raises it once."""
    state = state_of(shipment.waybill_no, uow.tracking.events_of(shipment.id))
    found = findings(_facts(shipment), state, now, limits)
    return raise_findings(uow, shipment, found, now, state.last_scan_at or shipment.created_at)


def raise_findings(
    uow: UnitOfWork,
    shipment: TrackedShipment,
    found: Iterable[Finding],
    now: datetime,
    since: datetime,
) -> int:
    """A task per new finding, an alert to staff and a notice to the customer, together."""
    raised = 0
    contact = None
    for finding in found:
        task_id = uow.tracking.open_task(shipment, finding, now, since)
        if task_id is None:
            continue  # already open: repeated sweeps say nothing new
        raised += 1
        common = {
            "task_id": task_id,
            "rma_no": shipment.rma_no,
            "kind": finding.kind.value,
            "carrier": shipment.carrier_name or shipment.carrier,
            "waybill_no": shipment.waybill_no,
            "detail": payload_text(finding.detail),
            "raised_at": now.isoformat(),
        }
        uow.outbox.put(STAFF_ALERT_TOPIC, common, now)
        if contact is None:
            contact = uow.tracking.request_contact(shipment.rma_no)
        if contact is not None and contact[1] and shipment.direction == "return":
            notice = {**common, "email": contact[1], "order_no": contact[2]}
            uow.outbox.put(CUSTOMER_NOTICE_TOPIC + finding.kind.value, notice, now)
    return raised


def resolve_task(
    uow: UnitOfWork, task_id: int, actor: str, note: str, now: datetime
) -> ExceptionTask:
    """Close a task with what was done; who and when are kept with it."""
    if not note.strip():
        raise DomainError(
            "note_required",
            Text("请写明处理结果", "Say what was done about it"),
            field="note",
        )
    task = uow.tracking.task(task_id, for_update=True)
    if task is None:
        raise NotFound(
            "exception_not_found",
            Text("找不到异常任务 {id}", "Exception task {id} was not found").format(id=task_id),
        )
    if not uow.tracking.resolve(task_id, actor, note.strip()[:2000], now):
        raise Conflict(
            "exception_already_resolved",
            Text("该异常已处理", "This exception has already been resolved"),
        )
    resolved = uow.tracking.task(task_id)
    assert resolved is not None
    return resolved


# --- reading --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One scan on a customer's or agent's timeline."""

    at: datetime
    status: TrackingStatus
    label: Text
    description: str
    location: str
    waybill_no: str


def timeline(uow: UnitOfWork, rma_no: str) -> list[TimelineEntry]:
    """Every scan of the request's parcels, newest first (as parcel trackers show them)."""
    stored: list[StoredEvent] = uow.tracking.timeline_for(rma_no)
    entries = [
        TimelineEntry(
            item.event.at,
            item.event.status,
            STATUS_LABELS[item.event.status],
            item.event.description,
            item.event.location,
            item.waybill_no,
        )
        for item in stored
    ]
    return list(reversed(entries))


# --- running the pipeline in its own transaction ----------------------------------------


def record(
    new_uow: Callable[[], UnitOfWork],
    carrier: str,
    waybill_no: str,
    events: Sequence[TrackingEvent],
    now: datetime,
    *,
    source: str,
    limits: Thresholds,
    attempts: int = 3,
) -> IngestResult:
    """`ingest` in a transaction of its own, again if a concurrent twin won the race.

    Two copies of one push arriving together both try to insert the same fingerprints;
    the loser's transaction is rolled back and retried, and then finds them stored.
    """
    for attempt in range(attempts):
        try:
            with new_uow() as uow:
                result = ingest(uow, carrier, waybill_no, events, now, source=source, limits=limits)
                uow.commit(now)
            return result
        except (ConcurrentUpdate, IntegrityError):
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


@dataclass(frozen=True, slots=True)
class TrackingPanel:
    """What a request page shows of its parcels: the scans and any logistics exceptions."""

    entries: list[TimelineEntry]
    exceptions: list[ExceptionTask]


def panel(new_uow: Callable[[], UnitOfWork], rma_no: str) -> TrackingPanel:
    """For the request pages, which read in a transaction of their own."""
    with new_uow() as uow:
        return TrackingPanel(timeline(uow, rma_no), uow.tracking.tasks_for(rma_no))


def customer_panel(uow: UnitOfWork, rma_no: str) -> TrackingPanel:
    """The customer sees the scans only; exceptions reach them as a notice."""
    return TrackingPanel(timeline(uow, rma_no), [])
