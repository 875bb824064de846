"""A parcel's tracking state, worked out from the set of scans we know of (R4.3).

Carriers push the same scan twice, push scans out of order and are polled as well, so
the state must not depend on how or when the scans arrived. It is therefore a pure
function of the *set* of distinct scans: duplicates collapse on their fingerprint,
the timeline is sorted by the time of the scan, and a terminal state is never undone
by a scan that turns up later: delivered stays delivered, returned-to-sender gives way
only to a delivery scan (the carrier found the parcel after all). Two scans that differ
only in location or problem are one scan to the fingerprint; the first stored is kept.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from returnflow.domain.scans import TrackingEvent, TrackingProblem, TrackingStatus
from returnflow.domain.text import Text

TS = TrackingStatus

# how far along the road each status is; a later scan of a lower rank never moves us back
_RANK = {
    TS.ACCEPTED: 1,
    TS.IN_TRANSIT: 2,
    TS.OUT_FOR_DELIVERY: 3,
    TS.EXCEPTION: 3,
    TS.RETURNED_TO_SENDER: 4,
    TS.DELIVERED: 5,
}
_MOVING = frozenset({TS.ACCEPTED, TS.IN_TRANSIT, TS.OUT_FOR_DELIVERY})
TERMINAL = frozenset({TS.DELIVERED, TS.RETURNED_TO_SENDER})
# scans that prove the carrier has the parcel: the first one ships an approved request
PICKED_UP = frozenset({TS.ACCEPTED, TS.IN_TRANSIT, TS.OUT_FOR_DELIVERY, TS.DELIVERED})

STATUS_LABELS: dict[TrackingStatus, Text] = {
    TS.ACCEPTED: Text("快递已揽收", "picked up by the carrier"),
    TS.IN_TRANSIT: Text("运输中", "in transit"),
    TS.OUT_FOR_DELIVERY: Text("派送中", "out for delivery"),
    TS.DELIVERED: Text("已签收", "delivered"),
    TS.EXCEPTION: Text("物流异常", "delivery problem"),
    TS.RETURNED_TO_SENDER: Text("已退回寄件人", "returned to sender"),
}


def fingerprint(waybill_no: str, event: TrackingEvent) -> str:
    """What makes two scans the same scan: waybill, time, status and description."""
    moment = event.at.astimezone(UTC).isoformat()
    key = "\x1f".join((waybill_no, moment, event.status.value, event.description.strip()))
    return hashlib.sha256(key.encode()).hexdigest()


def _order_key(event: TrackingEvent) -> tuple[datetime, int, str, str, str, str]:
    # ties at the same second: the further status last, then a stable text order, so the
    # order never depends on the order of arrival
    problem = event.problem.value if event.problem else ""
    return (
        event.at,
        _RANK[event.status],
        event.status.value,
        event.description,
        event.location,
        problem,
    )


@dataclass(frozen=True, slots=True)
class TrackingState:
    """Where a parcel is, judged from every distinct scan so far."""

    status: TrackingStatus | None  # None: no scan yet
    timeline: tuple[TrackingEvent, ...]  # distinct scans, oldest first
    last_scan_at: datetime | None
    problem: TrackingProblem | None  # the open exception's kind, while it is the latest word

    @property
    def picked_up(self) -> bool:
        return any(event.status in PICKED_UP for event in self.timeline)

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL


def state_of(waybill_no: str, events: Iterable[TrackingEvent]) -> TrackingState:
    """The state of a parcel from its scans, in any order and with any repeats."""
    distinct: dict[str, TrackingEvent] = {}
    for event in events:
        distinct.setdefault(fingerprint(waybill_no, event), event)
    timeline = tuple(sorted(distinct.values(), key=_order_key))
    if not timeline:
        return TrackingState(None, (), None, None)
    statuses = {event.status for event in timeline}
    latest = timeline[-1]
    problem: TrackingProblem | None = None
    if TS.DELIVERED in statuses:
        status = TS.DELIVERED
    elif TS.RETURNED_TO_SENDER in statuses:
        status = TS.RETURNED_TO_SENDER
    elif latest.status is TS.EXCEPTION:
        status = TS.EXCEPTION
        problem = latest.problem or TrackingProblem.OTHER
    else:
        status = max((s for s in statuses if s in _MOVING), key=_RANK.__getitem__)
    return TrackingState(status, timeline, latest.at, problem)


@dataclass(frozen=True, slots=True)
class Merge:
    """What a batch of scans changed: the scans that were new, and the state before/after."""

    added: tuple[TrackingEvent, ...]
    before: TrackingState
    after: TrackingState

    @property
    def first_pickup(self) -> bool:
        """The batch holds the first scan showing the carrier has the parcel."""
        return self.after.picked_up and not self.before.picked_up


def merge(
    waybill_no: str, known: Iterable[TrackingEvent], incoming: Iterable[TrackingEvent]
) -> Merge:
    """Add `incoming` to the scans already `known`; repeats of known scans are dropped."""
    known = list(known)
    seen = {fingerprint(waybill_no, event) for event in known}
    added: list[TrackingEvent] = []
    for event in incoming:
        key = fingerprint(waybill_no, event)
        if key not in seen:
            seen.add(key)
            added.append(event)
    before = state_of(waybill_no, known)
    after = state_of(waybill_no, [*known, *added]) if added else before
    return Merge(tuple(added), before, after)
