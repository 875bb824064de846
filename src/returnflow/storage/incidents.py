"""Incidents, playbooks and monitors ⇄ rows (issue 14, R13.1).

`uow.incidents` remembers every incident it hands out; commit writes them back (the
`version` column refuses a stale write), appends their new timeline entries and hands
over their events. `open_key` (unique while an incident is not closed) keeps one breach
of one monitor's key to one incident, whatever two workers race. `uow.monitors` keeps
the monitors, their last readings, and asks storage/monitor_queries.py for the numbers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from returnflow.domain.events import DomainEvent
from returnflow.domain.incidents import Entry, Incident, IncidentStatus, Step, opened_event
from returnflow.domain.monitors import (
    Baseline,
    Indicator,
    Monitor,
    Reading,
    Scope,
    Severity,
    Thresholds,
)
from returnflow.domain.playbooks import Playbook, default_playbook
from returnflow.domain.text import Text
from returnflow.storage import monitor_queries
from returnflow.storage.schema.incidents import (
    IncidentEventRow,
    IncidentRow,
    MonitorReadingRow,
    MonitorRow,
    PlaybookRow,
)

LIST_LIMIT = 200


class IncidentRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._seen: dict[int, tuple[Incident, IncidentRow]] = {}
        self._events: list[DomainEvent] = []

    def add(self, incident: Incident) -> int:
        row = IncidentRow(
            kind=incident.kind,
            severity=incident.severity.value,
            title_zh=incident.title.zh,
            title_en=incident.title.en,
            summary_zh=incident.summary.zh,
            summary_en=incident.summary.en,
            monitor_id=incident.monitor_id,
            breach_key=incident.breach_key,
            open_key=incident.breach_key,
            drill=incident.drill,
            status=incident.status.value,
            owner=incident.owner,
            opened_at=incident.opened_at,
            steps=_steps_json(incident.steps),
            review="",
        )
        self.session.add(row)
        self.session.flush()
        incident.id = row.id
        self._seen[row.id] = (incident, row)
        self._events.append(opened_event(incident))
        return row.id

    def get(self, incident_id: int, *, for_update: bool = False) -> Incident | None:
        if incident_id in self._seen:
            return self._seen[incident_id][0]
        query = select(IncidentRow).where(IncidentRow.id == incident_id)
        row = self.session.scalar(query.with_for_update() if for_update else query)
        if row is None:
            return None
        incident = _incident(row, self._timeline(row.id))
        self._seen[row.id] = (incident, row)
        return incident

    def open_keys(self) -> set[str]:
        keys = self.session.scalars(
            select(IncidentRow.open_key).where(IncidentRow.open_key.is_not(None))
        )
        return {key for key in keys if key}

    def listing(self, *, include_closed: bool = True) -> list[Incident]:
        """Every incident not closed, then the most recent closed ones (bounded)."""
        not_closed = select(IncidentRow).where(IncidentRow.status != IncidentStatus.CLOSED.value)
        rows = list(self.session.scalars(not_closed.order_by(IncidentRow.opened_at.desc())))
        if include_closed:
            closed = (
                select(IncidentRow)
                .where(IncidentRow.status == IncidentStatus.CLOSED.value)
                .order_by(IncidentRow.opened_at.desc())
                .limit(LIST_LIMIT)
            )
            rows.extend(self.session.scalars(closed))
        return [_incident(row, []) for row in rows[: LIST_LIMIT * 2]]

    def _timeline(self, incident_id: int) -> list[Entry]:
        rows = self.session.scalars(
            select(IncidentEventRow)
            .where(IncidentEventRow.incident_id == incident_id)
            .order_by(IncidentEventRow.id)
        )
        return [Entry(r.at, r.actor, r.action, r.note) for r in rows]

    def flush_changes(self) -> list[DomainEvent]:
        events, self._events = self._events, []
        for incident, row in self._seen.values():
            row.status = incident.status.value
            row.owner = incident.owner
            row.steps = _steps_json(incident.steps)
            row.review = incident.review
            row.closed_at = incident.closed_at
            row.open_key = None if incident.status is IncidentStatus.CLOSED else row.breach_key
            for entry in incident.new_entries:
                self.session.add(
                    IncidentEventRow(
                        incident_id=row.id,
                        at=entry.at,
                        actor=entry.actor,
                        action=entry.action,
                        note=entry.note,
                    )
                )
            incident.new_entries.clear()
            events.extend(incident.events)
            incident.events.clear()
        self.session.flush()
        return events

    # playbooks
    def playbook(self, kind: str) -> Playbook:
        row = self.session.get(PlaybookRow, kind)
        return default_playbook(kind) if row is None else _playbook(row)

    def save_playbook(self, playbook: Playbook, now: datetime) -> None:
        row = self.session.get(PlaybookRow, playbook.kind)
        if row is None:
            row = PlaybookRow(kind=playbook.kind)
            self.session.add(row)
        row.title_zh, row.title_en = playbook.title.zh, playbook.title.en
        row.steps = [{"zh": s.zh, "en": s.en} for s in playbook.steps]
        row.updated_by = playbook.updated_by
        row.updated_at = playbook.updated_at or now
        self.session.flush()


class MonitorStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    def all(self) -> list[Monitor]:
        return [
            _monitor(r) for r in self.session.scalars(select(MonitorRow).order_by(MonitorRow.id))
        ]

    def get(self, monitor_id: int) -> Monitor | None:
        row = self.session.get(MonitorRow, monitor_id)
        return None if row is None else _monitor(row)

    def add(self, monitor: Monitor, actor: str, now: datetime) -> int:
        row = MonitorRow(indicator=monitor.indicator.value, scope=monitor.scope.value)
        _write(row, monitor, actor, now)
        self.session.add(row)
        self.session.flush()
        return row.id

    def save(self, monitor: Monitor, actor: str, now: datetime) -> None:
        row = self.session.get(MonitorRow, monitor.id, with_for_update=True)
        if row is not None:
            _write(row, monitor, actor, now)
            self.session.flush()

    def series(
        self, indicator: Indicator, scope: Scope, now: datetime, days: int
    ) -> dict[str, list[tuple[int, int]]]:
        return monitor_queries.series(self.session, indicator, scope, now, days)

    def record(self, monitor_id: int, readings: list[Reading], now: datetime) -> None:
        """The monitor's last readings replace the ones before."""
        self.session.execute(
            delete(MonitorReadingRow).where(MonitorReadingRow.monitor_id == monitor_id)
        )
        for r in readings:
            self.session.add(
                MonitorReadingRow(
                    monitor_id=monitor_id,
                    key=r.key[:100],
                    value=r.value,
                    volume=r.volume,
                    mean=r.baseline.mean,
                    sd=r.baseline.sd,
                    baseline_days=r.baseline.days,
                    threshold=r.threshold,
                    breached=r.breached,
                    read_at=now,
                )
            )
        self.session.flush()

    def readings(self) -> dict[int, list[tuple[Reading, datetime]]]:
        found: dict[int, list[tuple[Reading, datetime]]] = {}
        rows = self.session.scalars(select(MonitorReadingRow).order_by(MonitorReadingRow.id))
        for r in rows:
            base = Baseline(r.mean, r.sd, r.baseline_days)
            reading = Reading(r.monitor_id, r.key, r.value, r.volume, base, r.threshold, r.breached)
            found.setdefault(r.monitor_id, []).append((reading, r.read_at))
        return found


def _write(row: MonitorRow, monitor: Monitor, actor: str, now: datetime) -> None:
    t = monitor.thresholds
    row.factor, row.k_sd, row.min_volume = t.factor, t.k_sd, t.min_volume
    row.severity, row.enabled = t.severity.value, t.enabled
    row.baseline_days = monitor.baseline_days
    row.updated_by, row.updated_at = actor, now


def _monitor(row: MonitorRow) -> Monitor:
    t = Thresholds(row.factor, row.k_sd, row.min_volume, Severity(row.severity), row.enabled)
    return Monitor(row.id, Indicator(row.indicator), Scope(row.scope), t, row.baseline_days)


def _steps_json(steps: list[Step]) -> list[Any]:
    return [
        {
            "zh": s.text.zh,
            "en": s.text.en,
            "done_by": s.done_by,
            "done_at": s.done_at.isoformat() if s.done_at else None,
        }
        for s in steps
    ]


def _incident(row: IncidentRow, timeline: list[Entry]) -> Incident:
    steps = [
        Step(
            Text(s["zh"], s["en"]),
            s.get("done_by") or "",
            datetime.fromisoformat(s["done_at"]) if s.get("done_at") else None,
        )
        for s in row.steps
    ]
    return Incident(
        id=row.id,
        kind=row.kind,
        severity=Severity(row.severity),
        title=Text(row.title_zh, row.title_en),
        summary=Text(row.summary_zh, row.summary_en),
        monitor_id=row.monitor_id,
        breach_key=row.breach_key,
        drill=row.drill,
        status=IncidentStatus(row.status),
        owner=row.owner,
        opened_at=row.opened_at,
        steps=steps,
        timeline=timeline,
        review=row.review,
        closed_at=row.closed_at,
        version=row.version,
    )


def _playbook(row: PlaybookRow) -> Playbook:
    steps = tuple(Text(s["zh"], s["en"]) for s in row.steps)
    return Playbook(
        row.kind, Text(row.title_zh, row.title_en), steps, row.updated_by, row.updated_at
    )
