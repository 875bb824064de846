"""The tracking pipeline: scans from a push or a poll → stored once → the shipment's state,
the request's lifecycle and the exceptions queue (R4.3, R4.4).

Pushes and polls go through the same `ingest`, so a carrier that both pushes and is
polled can never make a difference. Scans for a waybill we do not know yet are parked,
not dropped: once the shipment exists, `adopt_parked` runs them through the same path.

A push records the scans and the shipment's state, nothing more (issue 11: a peak day
brings thousands a minute, and the carrier waits for our answer). What the first
pickup scan of a return parcel sets off, the request put in transit and with it the
instant refund (R6.4), leaves as a "shipment.picked_up" outbox message in the same
transaction; the worker's consumer (`jobs/tracking.py`) runs `ship_after_pickup`, whose
commit raises "return.in_transit" for the bus (bootstrap.py) in the worker.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from returnflow.config import Settings
from returnflow.domain.lifecycle import Status
from returnflow.domain.scans import TrackingEvent, TrackingStatus
from returnflow.domain.shipment import (
    CANCELLED,
    RELEASE_TOPIC,
    STAFF_ALERT_TOPIC,
    Shipment,
    alert_payload,
)
from returnflow.domain.shipment_alerts import Finding, Thresholds
from returnflow.domain.shipment_tasks import ExceptionTask
from returnflow.domain.text import DomainError, Text
from returnflow.domain.tracking import STATUS_LABELS, Merge
from returnflow.logistics.carriers import Carrier, PushFeed
from returnflow.services.errors import Conflict, NotFound
from returnflow.services.returns import get_return
from returnflow.services.unit_of_work import ConcurrentUpdate, UnitOfWork

__all__ = ["CANCEL_PICKUP_TOPIC", "STAFF_ALERT_TOPIC", "ExceptionTask"]

CUSTOMER_NOTICE_TOPIC = "tracking.notice."  # + the alert kind
CANCEL_PICKUP_TOPIC = RELEASE_TOPIC
PICKED_UP_TOPIC = "shipment.picked_up"  # a return parcel's first pickup scan, for the worker


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
    shipped: bool = False  # a return parcel's first pickup: its request moves in the worker
    raised: int = 0
    pickup: Mapping[str, object] | None = None  # the "shipment.picked_up" message, if any


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
    """Store the scans of one waybill once and act on what they change.

    The scans go in first (one statement; a repeat ends there); only new ones read the
    shipment, and move it on as a merge would (`Shipment.adopt_scans`).
    """
    taken = uow.tracking.take_scans(carrier, waybill_no, events, source, now)
    stored = len(taken.added)
    shipment = uow.tracking.tracked(taken)
    if shipment is None:  # a repeat (nothing new), or new scans no shipment has yet: parked
        return IngestResult(carrier, waybill_no, stored, parked=stored > 0)
    merged = shipment.adopt_scans(taken.added, now)
    pickup, raised = _act_on(uow, shipment, merged, now, limits)
    return IngestResult(carrier, waybill_no, stored, False, pickup is not None, raised, pickup)


def adopt_parked(
    uow: UnitOfWork, carrier: str, waybill_no: str, now: datetime, limits: Thresholds
) -> IngestResult:
    """Scans parked before their shipment existed join it, with the same effects as a push."""
    shipment = uow.tracking.shipment(carrier, waybill_no, for_update=True)
    if shipment is None:
        return IngestResult(carrier, waybill_no, 0, parked=True)
    merged = shipment.adopt_scans(uow.tracking.parked(carrier, waybill_no), now)
    attached = uow.tracking.attach_parked(shipment)
    pickup, raised = _act_on(uow, shipment, merged, now, limits)
    return IngestResult(carrier, waybill_no, attached, False, pickup is not None, raised, pickup)


def _act_on(
    uow: UnitOfWork, shipment: Shipment, merged: Merge, now: datetime, limits: Thresholds
) -> tuple[Mapping[str, object] | None, int]:
    # a cancelled parcel keeps its scans but nothing follows from them
    if not merged.added or shipment.status == CANCELLED:
        return None, 0
    after = merged.after
    pickup: dict[str, Any] | None = None
    if shipment.direction == "return" and merged.first_pickup:
        pickup = _pickup_payload(shipment, now)  # the request moves in the worker (issue 11)
        uow.outbox.put(PICKED_UP_TOPIC, pickup, now)
    found = shipment.findings(now, limits)
    if found:
        uow.tracking.read_tasks(shipment)  # whether each is raised already: the tasks
    since = after.last_scan_at or shipment.created_at
    return pickup, raise_findings(uow, shipment, found, now, since)


def _pickup_payload(shipment: Shipment, now: datetime) -> dict[str, Any]:
    return {
        "rma_no": shipment.rma_no,
        "shipment_id": shipment.id,
        "carrier": shipment.carrier,
        "carrier_name": shipment.carrier_name or shipment.carrier,
        "waybill_no": shipment.waybill_no or "",
        "at": now.isoformat(),  # when we heard it: the request's history keeps this time
    }


def ship_after_pickup(uow: UnitOfWork, payload: Mapping[str, object]) -> bool:
    """The worker's follow-up of "shipment.picked_up": the carrier has the parcel, so an
    approved request is now on its way (R4.3); False when there is nothing to move.

    Its commit raises "return.in_transit", whose bus handler pays the instant refund
    where allowed (R6.4). A message delivered again finds the request moved on and does
    nothing, so the request ships, and the refund is asked for, once.
    """
    request = uow.returns.get(str(payload.get("rma_no", "")), for_update=True)
    if request is None or request.status is not Status.APPROVED:
        return False
    if not request.request_type.ships_back:
        return False
    request.ship(
        f"carrier:{payload['carrier']}",
        datetime.fromisoformat(str(payload["at"])),
        str(payload["carrier_name"]),
        str(payload["waybill_no"]),
    )
    return True


def check_shipment(uow: UnitOfWork, shipment: Shipment, now: datetime, limits: Thresholds) -> int:
    """The sweep's question for one shipment: anything wrong at `now`? Raises it once."""
    found = shipment.findings(now, limits)
    since = shipment.state.last_scan_at or shipment.created_at
    return raise_findings(uow, shipment, found, now, since)


def raise_findings(
    uow: UnitOfWork,
    shipment: Shipment,
    found: Iterable[Finding],
    now: datetime,
    since: datetime,
) -> int:
    """A task per new finding, an alert to staff and a notice to the customer, together.

    The staff alert is the task's own event; the customer's notice needs the request's
    contact, so it is queued here.
    """
    raised = 0
    contact = None
    for finding in found:
        if not shipment.may_raise(finding, since):
            continue  # already open, or staff dealt with it since the last news
        task = uow.tracking.open_exception(shipment, finding, now)
        if task is None:
            continue  # a concurrent sweep opened it a moment ago
        raised += 1
        if contact is None:
            contact = uow.tracking.request_contact(shipment.rma_no)
        reachable = contact is not None and (contact.email or contact.customer_id)
        if contact is not None and reachable and shipment.direction == "return":
            notice = {
                **alert_payload(shipment, task),
                "email": contact.email,
                "order_no": contact.order_no,
                "customer_id": contact.customer_id,  # inbox and SMS too (jobs/notices.py)
            }
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
    shipment = uow.tracking.shipment_of_task(task_id, for_update=True)
    if shipment is None:
        raise NotFound(
            "exception_not_found",
            Text("找不到异常任务 {id}", "Exception task {id} was not found").format(id=task_id),
        )
    try:
        return shipment.resolve_exception(task_id, actor, note.strip()[:2000], now)
    except DomainError as refused:
        raise Conflict(refused.code, refused.message) from refused


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
    stored = uow.tracking.timeline_for(rma_no)
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


def request_timeline(
    uow: UnitOfWork, rma_no: str, *, merchant_scope: str | None = None
) -> list[TimelineEntry]:
    """`timeline` of a request the caller may see (another merchant's is not found)."""
    get_return(uow, rma_no, merchant_scope=merchant_scope)
    return timeline(uow, rma_no)


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
    """`ingest` in a transaction of its own, again if a concurrent change won a race.

    Two copies of one push arriving together take turns on the shipment's row lock, and
    the second's insert finds the fingerprints stored and does nothing (no error since
    issue 11); what can still lose a race (a unique key elsewhere) is retried whole.
    """
    for attempt in range(attempts):
        try:
            with new_uow() as uow:
                result = ingest(uow, carrier, waybill_no, events, now, source=source, limits=limits)
                uow.commit(now)
            return result
        except ConcurrentUpdate:
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
        return panel_in(uow, rma_no)


def panel_in(uow: UnitOfWork, rma_no: str) -> TrackingPanel:
    """What staff see of a request's parcels, inside a unit of work already open."""
    return TrackingPanel(timeline(uow, rma_no), uow.tracking.tasks_for(rma_no))


def exceptions(
    uow: UnitOfWork, *, state: str = "open", kind: str | None = None
) -> list[ExceptionTask]:
    """The exceptions queue (R4.4), oldest first: "open", "resolved" or "all" tasks."""
    return uow.tracking.tasks(state=state, kind=kind)


def customer_panel(uow: UnitOfWork, rma_no: str) -> TrackingPanel:
    """The customer sees the scans only; exceptions reach them as a notice."""
    return TrackingPanel(timeline(uow, rma_no), [])
