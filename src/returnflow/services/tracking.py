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
        stored = uow.tracking.park(carrier, waybill_no, events, source, now)
        return IngestResult(carrier, waybill_no, stored, parked=True)
    merged = shipment.record_scans(events, now)
    stored = uow.tracking.store_scans(shipment, source, now)
    shipped, raised = _act_on(uow, shipment, merged, now, limits)
    return IngestResult(carrier, waybill_no, stored, False, shipped, raised)


def adopt_parked(
    uow: UnitOfWork, carrier: str, waybill_no: str, now: datetime, limits: Thresholds
) -> IngestResult:
    """Scans parked before their shipment existed join it, with the same effects as a push."""
    shipment = uow.tracking.shipment(carrier, waybill_no, for_update=True)
    if shipment is None:
        return IngestResult(carrier, waybill_no, 0, parked=True)
    merged = shipment.adopt_scans(uow.tracking.parked(carrier, waybill_no), now)
    attached = uow.tracking.attach_parked(shipment)
    shipped, raised = _act_on(uow, shipment, merged, now, limits)
    return IngestResult(carrier, waybill_no, attached, False, shipped, raised)


def _act_on(
    uow: UnitOfWork, shipment: Shipment, merged: Merge, now: datetime, limits: Thresholds
) -> tuple[bool, int]:
    # a cancelled parcel keeps its scans but nothing follows from them
    if not merged.added or shipment.status == CANCELLED:
        return False, 0
    after = merged.after
    shipped = False
    if shipment.direction == "return" and after.picked_up:
        shipped = _ship_request(uow, shipment, now)
    found = shipment.findings(now, limits)
    since = after.last_scan_at or shipment.created_at
    return shipped, raise_findings(uow, shipment, found, now, since)


def _ship_request(uow: UnitOfWork, shipment: Shipment, now: datetime) -> bool:
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
        shipment.waybill_no or "",
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
