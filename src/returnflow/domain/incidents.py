"""Incidents: what a breached monitor (or a manager's drill) opens, worked to a review.

Lifecycle: open → acknowledged → mitigated → closed. Closing needs a written review
(what happened, why, what changes), as the seed's plan asks (10.3.3 监控与反馈). Every
action appends to the timeline; the planned steps come from the kind's playbook and are
ticked with who and when. A drill is an incident like any other, marked `drill`, so the
people on call practise the real pages (10.2.1 预案演练).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from returnflow.domain.events import DomainEvent
from returnflow.domain.monitors import Severity
from returnflow.domain.playbooks import Playbook
from returnflow.domain.text import DomainError, Text

MAX_NOTE = 2000
MAX_REVIEW = 5000


class IncidentStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    MITIGATED = "mitigated"
    CLOSED = "closed"

    @property
    def label(self) -> Text:
        return _STATUS_LABELS[self]


_NEXT = {
    IncidentStatus.OPEN: {IncidentStatus.ACKNOWLEDGED, IncidentStatus.MITIGATED},
    IncidentStatus.ACKNOWLEDGED: {IncidentStatus.MITIGATED},
    IncidentStatus.MITIGATED: {IncidentStatus.CLOSED},
    IncidentStatus.CLOSED: set(),
}


@dataclass(slots=True)
class Step:
    text: Text
    done_by: str = ""
    done_at: datetime | None = None

    @property
    def done(self) -> bool:
        return self.done_at is not None


@dataclass(frozen=True, slots=True)
class Entry:
    at: datetime
    actor: str
    action: str  # opened | acknowledged | assigned | step | note | mitigated | closed
    note: str = ""


@dataclass(slots=True)
class Incident:
    id: int
    kind: str
    severity: Severity
    title: Text
    summary: Text
    monitor_id: int | None
    breach_key: str  # "<monitor id>|<scope key>": one open incident per monitor and key
    drill: bool
    status: IncidentStatus
    owner: str
    opened_at: datetime
    steps: list[Step]
    timeline: list[Entry]
    review: str = ""
    closed_at: datetime | None = None
    version: int = 0
    events: list[DomainEvent] = field(default_factory=list)
    new_entries: list[Entry] = field(default_factory=list)

    def _log(self, now: datetime, actor: str, action: str, note: str = "") -> None:
        entry = Entry(now, actor, action, note)
        self.timeline.append(entry)
        self.new_entries.append(entry)

    def _move(self, to: IncidentStatus, now: datetime, actor: str, note: str = "") -> None:
        if to not in _NEXT[self.status]:
            raise DomainError(
                "incident_wrong_status",
                Text("事件当前为“{s}”，不能执行此操作", "The incident is {e}: not now").format(
                    s=self.status.label.zh, e=self.status.label.en.lower()
                ),
            )
        self.status = to
        self._log(now, actor, to.value, note)

    def acknowledge(self, actor: str, now: datetime) -> None:
        self._move(IncidentStatus.ACKNOWLEDGED, now, actor)
        if not self.owner:
            self.assign(actor, actor, now)

    def assign(self, owner: str, actor: str, now: datetime) -> None:
        self._check_open()
        if not owner or len(owner) > 100:
            raise DomainError("invalid_owner", Text("请指定负责人", "Name an owner"), field="owner")
        self.owner = owner
        self._log(now, actor, "assigned", owner)
        self.events.append(DomainEvent("incident.assigned", now, {**self._data(), "owner": owner}))

    def do_step(self, index: int, actor: str, now: datetime) -> None:
        self._check_open()
        if not 0 <= index < len(self.steps):
            raise DomainError(
                "no_such_step", Text("没有这个步骤", "There is no such step"), field="step"
            )
        step = self.steps[index]
        if step.done:
            return
        step.done_by, step.done_at = actor, now
        self._log(now, actor, "step", f"{index + 1}. {step.text.zh} / {step.text.en}")

    def add_note(self, note: str, actor: str, now: datetime) -> None:
        self._log(now, actor, "note", _checked(note, MAX_NOTE, "note"))

    def mitigate(self, note: str, actor: str, now: datetime) -> None:
        self._move(IncidentStatus.MITIGATED, now, actor, note.strip()[:MAX_NOTE])

    def close(self, review: str, actor: str, now: datetime) -> None:
        text = review.strip()
        if not text:
            raise DomainError(
                "review_required",
                Text("关闭事件前须填写复盘总结", "Write the closing review before closing"),
                field="review",
            )
        self.review = _checked(text, MAX_REVIEW, "review")
        self._move(IncidentStatus.CLOSED, now, actor)
        self.closed_at = now
        self.events.append(DomainEvent("incident.closed", now, self._data()))

    def _check_open(self) -> None:
        if self.status is IncidentStatus.CLOSED:
            raise DomainError("incident_closed", Text("事件已关闭", "The incident is closed"))

    def _data(self) -> dict[str, object]:
        return {
            "incident_id": self.id,
            "kind": self.kind,
            "severity": self.severity.value,
            "drill": self.drill,
            "title_zh": self.title.zh,
            "title_en": self.title.en,
        }

    @property
    def steps_done(self) -> int:
        return sum(1 for s in self.steps if s.done)


def open_incident(
    *,
    playbook: Playbook,
    severity: Severity,
    title: Text,
    summary: Text,
    monitor_id: int | None,
    breach_key: str,
    drill: bool,
    actor: str,
    now: datetime,
) -> Incident:
    """A new incident with its playbook's steps; `incident.opened` once storage numbers it."""
    incident = Incident(
        id=0,
        kind=playbook.kind,
        severity=severity,
        title=title,
        summary=summary,
        monitor_id=monitor_id,
        breach_key=breach_key,
        drill=drill,
        status=IncidentStatus.OPEN,
        owner="",
        opened_at=now,
        steps=[Step(text) for text in playbook.steps],
        timeline=[],
    )
    incident._log(now, actor, "opened", summary.zh + " / " + summary.en)
    return incident


def opened_event(incident: Incident) -> DomainEvent:
    return DomainEvent("incident.opened", incident.opened_at, incident._data())


def _checked(text: str, limit: int, name: str) -> str:
    value = text.strip()
    if not value:
        raise DomainError(f"{name}_required", Text("请填写内容", "Write something"), field=name)
    if len(value) > limit:
        raise DomainError(
            f"{name}_too_long",
            Text("最多 {n} 个字", "At most {n} characters").format(n=limit),
            field=name,
        )
    return value


_STATUS_LABELS = {
    IncidentStatus.OPEN: Text("待响应", "Open"),
    IncidentStatus.ACKNOWLEDGED: Text("已响应", "Acknowledged"),
    IncidentStatus.MITIGATED: Text("已缓解", "Mitigated"),
    IncidentStatus.CLOSED: Text("已关闭", "Closed"),
}
