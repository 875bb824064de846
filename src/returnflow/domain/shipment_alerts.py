"""When a return parcel needs a person (R4.4): the exception rules and their thresholds.

A rule looks at one shipment as it stands at `now` and names what is wrong; it never
remembers having said so before. Raising each finding once is the exceptions queue's
job (one open task per shipment and kind), so the sweep can ask again every tick.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from returnflow.domain.scans import TrackingProblem, TrackingStatus
from returnflow.domain.text import Text
from returnflow.domain.tracking import TrackingState


class AlertKind(StrEnum):
    NO_FIRST_SCAN = "no_first_scan"  # arranged, but the carrier never scanned it
    STALLED = "stalled"  # scanned, then silence
    LATE = "late"  # not delivered by the time promised
    LOST = "lost"
    DAMAGED = "damaged"
    RETURNED_TO_SENDER = "returned_to_sender"

    @property
    def label(self) -> Text:
        return KIND_LABELS[self]


KIND_LABELS = {
    AlertKind.NO_FIRST_SCAN: Text("安排后一直无揽收", "no scan since it was arranged"),
    AlertKind.STALLED: Text("长时间无物流更新", "no scan for too long"),
    AlertKind.LATE: Text("超过承诺时效", "late against the promised time"),
    AlertKind.LOST: Text("包裹丢失", "parcel lost"),
    AlertKind.DAMAGED: Text("运输途中损坏", "damaged in transit"),
    AlertKind.RETURNED_TO_SENDER: Text("包裹被退回寄件人", "returned to the sender"),
}


@dataclass(frozen=True, slots=True)
class Thresholds:
    """How long silence is tolerated; from settings, so operations can tune them."""

    first_scan_within: timedelta = timedelta(hours=48)
    next_scan_within: timedelta = timedelta(hours=72)
    presumed_lost_after: timedelta = timedelta(days=7)
    late_grace: timedelta = timedelta(0)


@dataclass(frozen=True, slots=True)
class ShipmentFacts:
    """What the rules need to know of a shipment besides its scans."""

    arranged_at: datetime
    promised_by: datetime | None
    cancelled: bool = False
    # False for a number only the customer knows (self-ship): no scans will ever come
    tracked: bool = True


@dataclass(frozen=True, slots=True)
class Finding:
    kind: AlertKind
    detail: Text


def _hours(delta: timedelta) -> int:
    return int(delta.total_seconds() // 3600)


def findings(
    facts: ShipmentFacts, state: TrackingState, now: datetime, limits: Thresholds
) -> list[Finding]:
    """Everything wrong with the shipment at `now`; empty for a parcel doing fine."""
    if facts.cancelled or state.status is TrackingStatus.DELIVERED:
        return []
    if state.status is TrackingStatus.RETURNED_TO_SENDER:
        return [
            Finding(
                AlertKind.RETURNED_TO_SENDER,
                Text("快递将包裹退回了寄件人", "The carrier sent the parcel back to the sender"),
            )
        ]
    found: list[Finding] = []
    problem = state.problem if state.status is TrackingStatus.EXCEPTION else None
    if problem is TrackingProblem.DAMAGED:
        found.append(Finding(AlertKind.DAMAGED, _reported(state)))
    if problem is TrackingProblem.LOST:
        found.append(Finding(AlertKind.LOST, _reported(state)))
    elif facts.tracked:
        found.extend(_silence(facts, state, now, limits))
    if facts.promised_by is not None and now >= facts.promised_by + limits.late_grace:
        late = now - facts.promised_by
        found.append(
            Finding(
                AlertKind.LATE,
                Text(
                    "已超过承诺送达时间 {h} 小时", "{h} hours past the promised delivery time"
                ).format(h=_hours(late)),
            )
        )
    return found


def _silence(
    facts: ShipmentFacts, state: TrackingState, now: datetime, limits: Thresholds
) -> list[Finding]:
    """A tracked parcel the carrier has been quiet about for too long, if it is one."""
    if state.last_scan_at is None:
        silent = now - facts.arranged_at
        if silent < limits.first_scan_within:
            return []
        text = Text("安排寄回已 {h} 小时，快递仍未揽收", "Arranged {h} hours ago, never scanned")
        return [Finding(AlertKind.NO_FIRST_SCAN, text.format(h=_hours(silent)))]
    silent = now - state.last_scan_at
    if silent >= limits.presumed_lost_after:
        text = Text("已 {h} 小时无物流更新，包裹可能丢失", "No scan for {h} hours: presumed lost")
        return [Finding(AlertKind.LOST, text.format(h=_hours(silent)))]
    if silent >= limits.next_scan_within:
        text = Text("已 {h} 小时无物流更新", "No scan for {h} hours")
        return [Finding(AlertKind.STALLED, text.format(h=_hours(silent)))]
    return []


def _reported(state: TrackingState) -> Text:
    latest = state.timeline[-1]
    sides = [bilingual(part) for part in (latest.location, latest.description) if part]
    zh = " ".join(side.zh for side in sides)
    en = " ".join(side.en for side in sides)
    return Text(f"快递报告：{zh}", f"The carrier reports: {en}")


def bilingual(words: str) -> Text:
    """A carrier's "中文 / English" text as its two languages; any other text as both.

    Feeds write one string; some (the simulated carrier among them) write both
    languages into it, and a page shows only its own language's side.
    """
    zh, sep, en = words.partition(" / ")
    if sep and " / " not in en and _has_cjk(zh) and en.strip() and not _has_cjk(en):
        return Text(zh.strip(), en.strip())
    return Text(words, words)


def _has_cjk(words: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" or "\u3000" <= c <= "\u303f" for c in words)
