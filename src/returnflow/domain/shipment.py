"""The `Shipment` aggregate: one parcel of a request, from the customer's choice to the
last scan (R4.1–R4.4).

Its methods are the only way to change it:
- arranging: `choose` (a new return parcel), `self_shipped`, then the carrier's answers
  `waybill_booked` and `pickup_booked`, or `refused` when the carrier said no for good;
- calling a pickup off: `cancel_pickup` (the customer or an agent), `call_off` (the
  request was cancelled), `release` (the request closed unshipped), `pickup_called_off`
  (the carrier confirmed);
- tracking: `record_scans` / `adopt_scans` merge scans with the ones already known
  (`domain/tracking.py`, so order and repeats never matter) and move the status on;
- exceptions: `exception_opened` and `resolve_exception`, at most one open task per kind.

It appends a `DomainEvent` for each change others act on, named by the outbox topic their consumer
listens to (the unit of work stores them in the outbox on commit): "carrier.arrange" and
"carrier.cancel_pickup" for the carrier worker (`jobs/carrier_calls.py`), "tracking.cancel_pickup"
for a pickup let go by the tracking sweep, and "staff.alert.shipment" for the operations mail about
a new exception task. Changes nobody acts on (a scan moving the status on, a task resolved) record
no event. Statuses stay plain strings, as the shipments table and other capabilities use them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from returnflow.domain.events import DomainEvent
from returnflow.domain.exception_remedies import RemedyTaken
from returnflow.domain.kinds import ShippingPayer
from returnflow.domain.pickup_address import PickupAddress
from returnflow.domain.scans import TrackingEvent
from returnflow.domain.shipment_alerts import Finding, ShipmentFacts, Thresholds, findings
from returnflow.domain.shipment_tasks import DEAD, ExceptionTask, ShipmentView, cancellable
from returnflow.domain.shipping import Quote, ReturnMethod, Slot, Warehouse, promised_by
from returnflow.domain.text import DomainError, Text
from returnflow.domain.tracking import Merge, TrackingState, merge, state_of

REQUESTED = "requested"
ARRANGED = "arranged"
IN_TRANSIT = "in_transit"
CANCELLING = "cancelling"
CANCELLED = "cancelled"
FAILED = "failed"
ARRANGE_TOPIC = "carrier.arrange"  # ask the carrier for the waybill (and the pickup)
CANCEL_TOPIC = "carrier.cancel_pickup"  # tell the carrier a booked pickup is off
RELEASE_TOPIC = "tracking.cancel_pickup"  # the same, for a request that closed unshipped
STAFF_ALERT_TOPIC = "staff.alert.shipment"  # a new exception task, for operations
# a parcel still on its way to being arranged or travelling: a second one is refused
ACTIVE = (REQUESTED, ARRANGED, IN_TRANSIT, "accepted", "out_for_delivery", "exception")
# statuses after which nothing more is tracked or alerted
FINISHED = ("delivered", "returned_to_sender", CANCELLING, CANCELLED, FAILED, "received")
MANUAL_CARRIER = "manual"  # self-ship: a number only the customer knows, never scanned


@dataclass(eq=False)
class Shipment:
    rma_no: str
    direction: str  # return | outbound
    purpose: str  # return | send_back | exchange | reissue
    method: str  # pickup | dropoff | self_ship | outbound
    carrier: str
    carrier_name: str
    status: str
    currency: str
    created_at: datetime
    updated_at: datetime
    id: int = 0  # 0 until stored
    waybill_no: str | None = None  # None while the carrier has not answered
    brand: str | None = None  # self-ship: the brand the customer named
    requested_by: str = ""
    last_error: str | None = None
    return_to: Warehouse | None = None  # the address the waybill was made out to
    pickup_to: PickupAddress | None = None  # a pickup: where the courier comes (the sender)
    pickup_id: str | None = None
    pickup_start: datetime | None = None
    pickup_end: datetime | None = None
    dropoff_code: str | None = None
    promised_by: datetime | None = None
    customer_fee: int = 0
    insured: bool = False
    label_cost: int = 0
    pickup_cost: int = 0
    insurance_cost: int = 0
    last_event_at: datetime | None = None
    scans: list[TrackingEvent] = field(default_factory=list)  # every distinct scan known
    unsaved_scans: list[TrackingEvent] = field(default_factory=list)  # new, not stored yet
    exceptions: list[ExceptionTask] = field(default_factory=list)
    events: list[DomainEvent] = field(default_factory=list)

    # --- arranging ---------------------------------------------------------------

    @classmethod
    def choose(
        cls,
        rma_no: str,
        offer: Quote,
        carrier_name: str,
        warehouse: Warehouse,
        now: datetime,
        actor: str,
        *,
        slot: Slot | None = None,
        dropoff_code: str | None = None,
        pickup_to: PickupAddress | None = None,
    ) -> Shipment:
        """The customer's (or an agent's) choice of method: a parcel waiting for the carrier."""
        pickup = offer.method is ReturnMethod.PICKUP
        shipment = cls(
            rma_no=rma_no,
            direction="return",
            purpose="return",
            method=offer.method.value,
            carrier=offer.terms.carrier,
            carrier_name=carrier_name,
            status=REQUESTED,
            currency=offer.fee.currency,
            created_at=now,
            updated_at=now,
            requested_by=actor,
            return_to=warehouse,
            pickup_to=pickup_to if pickup else None,
            pickup_start=slot.start if slot else None,
            pickup_end=slot.end if slot else None,
            dropoff_code=dropoff_code if offer.method is ReturnMethod.DROPOFF else None,
            promised_by=promised_by(offer.terms, now, slot),
            customer_fee=offer.customer_fee.cents,
            insured=offer.payer is ShippingPayer.INSURANCE,
            label_cost=offer.label_cost.cents,
            pickup_cost=offer.pickup_cost.cents if pickup else 0,
            insurance_cost=offer.insurance_covers.cents,
        )
        if offer.method.calls_carrier:
            shipment._record(ARRANGE_TOPIC, now, shipment_id=None, rma_no=rma_no)
        return shipment

    def stored_as(self, shipment_id: int) -> None:
        """The repository stored a new shipment: events recorded before carry its id too."""
        self.id = shipment_id
        self.events = [
            DomainEvent(e.name, e.occurred_at, {**e.data, "shipment_id": shipment_id})
            if "shipment_id" in e.data and e.data["shipment_id"] is None
            else e
            for e in self.events
        ]

    def self_shipped(self, brand: str, carrier_name: str, waybill_no: str, now: datetime) -> None:
        """The customer sent it with a carrier of their own: it travels from now on."""
        self._expect(REQUESTED)
        self.brand = brand
        self.carrier_name = carrier_name
        self.waybill_no = waybill_no
        self.status = IN_TRANSIT

    @property
    def next_call(self) -> str | None:
        """What the carrier must still be asked: "waybill", then "pickup" for a door pickup."""
        if self.status != REQUESTED:
            return None
        if self.waybill_no is None:
            return "waybill"
        if self.method == ReturnMethod.PICKUP.value and self.pickup_id is None:
            return "pickup"
        return None

    def waybill_booked(self, waybill_no: str, carrier_name: str, now: datetime) -> None:
        """The carrier's waybill; a drop-off is arranged with it, a pickup still needs booking."""
        if self.next_call != "waybill":
            raise _state_error(self, "waybill")
        self.waybill_no = waybill_no
        self.carrier_name = carrier_name or self.carrier_name
        self.updated_at = now
        if self.next_call is None:
            self._arranged(now)

    def pickup_booked(self, pickup_id: str, now: datetime) -> None:
        if self.next_call != "pickup":
            raise _state_error(self, "pickup")
        self.pickup_id = pickup_id
        self._arranged(now)

    def refused(self, reason: str, now: datetime) -> bool:
        """The carrier said no for good: staff see why and the customer may choose again."""
        if self.status != REQUESTED:
            return False
        self.status = FAILED
        self.last_error = reason
        self.updated_at = now
        return True

    # --- calling a pickup off ------------------------------------------------------

    @property
    def can_cancel(self) -> bool:
        return cancellable(self.method, self.status)

    @property
    def awaits_cancellation(self) -> bool:
        """Cancelled on our side; the carrier has not confirmed yet."""
        return self.status == CANCELLING and self.pickup_id is not None

    def cancel_pickup(self, now: datetime) -> bool:
        """Call the courier off; True when the carrier has a booking to be told about."""
        if not self.can_cancel:
            raise DomainError(
                "pickup_not_cancellable",
                Text(
                    "只能取消尚未揽收的上门取件",
                    "Only a door pickup the courier has not collected yet can be cancelled",
                ),
            )
        return self._stop(now)

    def call_off(self, now: datetime) -> bool:
        """The request was cancelled: nothing should be collected or sent any more.

        True when the carrier has a pickup to be told about; repeated calls do nothing.
        """
        if self.status not in (REQUESTED, ARRANGED):
            return False
        return self._stop(now)

    def release(self, now: datetime) -> bool:
        """The request closed unshipped (R1.5): an arranged parcel is not needed any more.

        True when a booked pickup must be cancelled with the carrier.
        """
        if self.direction != "return" or self.status != ARRANGED:
            return False
        self.status = CANCELLED
        self.updated_at = now
        if self.pickup_id is None:
            return False
        self._record(
            RELEASE_TOPIC,
            now,
            carrier=self.carrier,
            pickup_id=self.pickup_id,
            rma_no=self.rma_no,
            waybill_no=self.waybill_no,
        )
        return True

    def pickup_called_off(self, now: datetime) -> None:
        """The carrier confirmed the cancellation."""
        if not self.awaits_cancellation:
            raise _state_error(self, "pickup cancellation")
        self.status = CANCELLED
        self.updated_at = now

    # --- tracking ------------------------------------------------------------------

    @property
    def state(self) -> TrackingState:
        return state_of(self.waybill_no or "", self.scans)

    @property
    def facts(self) -> ShipmentFacts:
        return ShipmentFacts(
            arranged_at=self.created_at,
            promised_by=self.promised_by,
            cancelled=self.status == CANCELLED,
            tracked=self.carrier != MANUAL_CARRIER,
        )

    def record_scans(self, incoming: Iterable[TrackingEvent], now: datetime) -> Merge:
        """Scans pushed or polled: the new ones are kept (to be stored) and move us on."""
        merged = merge(self.waybill_no or "", self.scans, incoming)
        self.scans.extend(merged.added)
        self.unsaved_scans.extend(merged.added)
        self._progress(merged, now)
        return merged

    def adopt_scans(self, parked: Iterable[TrackingEvent], now: datetime) -> Merge:
        """Scans stored before this parcel had its waybill join it, with the same effects."""
        merged = merge(self.waybill_no or "", self.scans, parked)
        self.scans.extend(merged.added)
        self._progress(merged, now)
        return merged

    def findings(self, now: datetime, limits: Thresholds) -> list[Finding]:
        """Everything wrong with the parcel at `now` (`domain/shipment_alerts.py`)."""
        return findings(self.facts, self.state, now, limits)

    # --- the exceptions queue --------------------------------------------------------

    def may_raise(self, finding: Finding, since: datetime) -> bool:
        """No task of this kind is open, and none was resolved after the last news."""
        return not any(task.quiets(finding.kind, since) for task in self.exceptions)

    def exception_opened(self, task_id: int, finding: Finding, now: datetime) -> ExceptionTask:
        """Staff have a task for this trouble (stored under `task_id`)."""
        if any(task.is_open and task.kind is finding.kind for task in self.exceptions):
            raise _state_error(self, f"a second open {finding.kind.value} task")
        task = ExceptionTask(
            id=task_id,
            shipment_id=self.id,
            rma_no=self.rma_no,
            kind=finding.kind,
            detail=finding.detail,
            raised_at=now,
            resolved_at=None,
            resolved_by=None,
            resolution_note=None,
            carrier=self.carrier,
            waybill_no=self.waybill_no or "",
        )
        self.exceptions.append(task)
        self._record(STAFF_ALERT_TOPIC, now, **alert_payload(self, task))
        return task

    def task(self, task_id: int) -> ExceptionTask | None:
        return next((task for task in self.exceptions if task.id == task_id), None)

    def resolve_exception(
        self,
        task_id: int,
        actor: str,
        note: str,
        now: datetime,
        remedy: RemedyTaken | None = None,
    ) -> ExceptionTask:
        """Close a task with what was done about it; who, when and any remedy are kept."""
        task = self.task(task_id)
        if task is None:
            raise _state_error(self, f"resolving task {task_id} of another shipment")
        if not task.is_open:
            raise DomainError(
                "exception_already_resolved",
                Text("该异常已处理", "This exception has already been resolved"),
            )
        resolved = replace(
            task, resolved_at=now, resolved_by=actor, resolution_note=note, remedy=remedy
        )
        self.exceptions[self.exceptions.index(task)] = resolved
        return resolved

    # --- reading -------------------------------------------------------------------

    @property
    def is_live(self) -> bool:
        return self.status not in DEAD

    def view(self) -> ShipmentView:
        return ShipmentView(**{name: getattr(self, name) for name in ShipmentView.__slots__})

    # --- internals -----------------------------------------------------------------

    def _arranged(self, now: datetime) -> None:
        self.status = ARRANGED
        self.updated_at = now
        self.last_error = None

    def _stop(self, now: datetime) -> bool:
        tell_carrier = self.method == ReturnMethod.PICKUP.value and self.pickup_id is not None
        # nothing booked yet: the arranging job finds it cancelled and skips it
        self.status = CANCELLING if tell_carrier else CANCELLED
        self.updated_at = now
        if tell_carrier:
            self._record(CANCEL_TOPIC, now, shipment_id=self.id, rma_no=self.rma_no)
        return tell_carrier

    def _progress(self, merged: Merge, now: datetime) -> None:
        if not merged.added or self.status == CANCELLED:
            return
        after = merged.after
        assert after.status is not None
        self.status = after.status.value
        self.last_event_at = after.last_scan_at

    def _expect(self, status: str) -> None:
        if self.status != status:
            raise _state_error(self, f"a change expecting {status}")

    def _record(self, name: str, now: datetime, **data: Any) -> None:
        self.events.append(DomainEvent(name, now, data))


def alert_payload(shipment: Shipment, task: ExceptionTask) -> dict[str, Any]:
    """What staff (and, with the contact added, the customer) are told of a new task."""
    return {
        "task_id": task.id,
        "rma_no": shipment.rma_no,
        "kind": task.kind.value,
        "carrier": shipment.carrier_name or shipment.carrier,
        "waybill_no": shipment.waybill_no or "",
        "detail": {"zh": task.detail.zh, "en": task.detail.en},
        "raised_at": task.raised_at.isoformat(),
    }


def _state_error(shipment: Shipment, what: str) -> DomainError:
    return DomainError(
        "shipment_state",
        Text(
            "寄件 {id} 当前状态（{status}）不允许此操作",
            "Shipment {id} is {status}: {what} is not possible",
        ).format(id=shipment.id, status=shipment.status, what=what),
    )
