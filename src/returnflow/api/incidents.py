"""Monitors, incidents, playbooks and drills (issue 14, R13.1), for managers.

Reading and changing both need `incidents.manage` (managers and admins): an incident
names merchants, carriers and the platform's weak spots, so a merchant's analytics
permission does not open it. `GET /api/v1/monitors` answers each monitor with its last
readings against the baseline; `PUT` tunes its thresholds; `POST /monitors/evaluate`
reads them all now. `GET /incidents` (open first), `GET /incidents/{id}`, `POST
/incidents/{id}/actions` (acknowledge, assign, step, note, mitigate, close), `POST
/incidents/drills`; `GET /playbooks`, `PUT /playbooks/{kind}`; the on-call rota
(`/incidents/on-call`) in api/on_call.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from returnflow.api import on_call, schemas
from returnflow.api.roles import IncidentManager
from returnflow.domain.incidents import MAX_REVIEW, Incident
from returnflow.domain.monitors import Indicator, Scope, Severity
from returnflow.domain.playbooks import MAX_STEP_TEXT, MAX_STEPS, Playbook
from returnflow.domain.text import Text
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.params import RowId
from returnflow.entrypoints.steps import perform
from returnflow.services import incidents as incident_service
from returnflow.services import monitors as monitor_service
from returnflow.services.monitors import MonitorView
from returnflow.services.unit_of_work import UnitOfWork

router = APIRouter(prefix="/api/v1", tags=["incidents"])
router.include_router(on_call.router)  # /incidents/on-call before /incidents/{incident_id}
Kind = Annotated[str, Path(max_length=40, pattern=r"^[a-z_]+$")]


class Words(BaseModel):
    zh: str
    en: str


class ReadingOut(BaseModel):
    key: str
    value: float
    volume: int
    baseline_mean: float
    baseline_sd: float
    baseline_days: int
    threshold: float
    breached: bool


class MonitorOut(BaseModel):
    id: int
    indicator: Indicator
    scope: Scope
    name: Words
    factor: float
    k_sd: float
    min_volume: int
    severity: Severity
    enabled: bool
    baseline_days: int
    read_at: datetime | None
    readings: list[ReadingOut]


class ThresholdsIn(schemas.Strict):
    factor: float = Field(ge=1.0, le=100.0)
    k_sd: float = Field(ge=0.0, le=20.0)
    min_volume: int = Field(ge=1, le=1_000_000)
    severity: Severity
    enabled: bool = True


class EvaluationOut(BaseModel):
    readings: int
    breaches: int
    opened: list[int]


class StepOut(BaseModel):
    number: int
    text: Words
    done: bool
    done_by: str
    done_at: datetime | None


class EntryOut(BaseModel):
    at: datetime
    actor: str
    action: str
    note: str


class IncidentOut(BaseModel):
    id: int
    kind: str
    severity: Severity
    status: str
    title: Words
    summary: Words
    drill: bool
    owner: str
    opened_at: datetime
    closed_at: datetime | None
    steps_done: int
    steps_total: int
    review: str
    steps: list[StepOut] = []
    timeline: list[EntryOut] = []


class ActionIn(schemas.Strict):
    action: Literal["acknowledge", "assign", "step", "note", "mitigate", "close"]
    owner: str = Field(default="", max_length=100)
    step: int = Field(default=0, ge=0, le=MAX_STEPS)
    text: str = Field(default="", max_length=MAX_REVIEW)


class DrillIn(schemas.Strict):
    kind: str = Field(default="drill", max_length=40)
    severity: Severity = Severity.MEDIUM


class StepIn(schemas.Strict):
    zh: str = Field(max_length=MAX_STEP_TEXT)
    en: str = Field(max_length=MAX_STEP_TEXT)


class PlaybookIn(schemas.Strict):
    title_zh: str = Field(max_length=200)
    title_en: str = Field(max_length=200)
    steps: list[StepIn] = Field(max_length=MAX_STEPS)


class PlaybookOut(BaseModel):
    kind: str
    title: Words
    steps: list[Words]
    updated_by: str
    updated_at: datetime | None


def _words(text: Text) -> Words:
    return Words(zh=text.zh, en=text.en)


def monitor_out(view: MonitorView) -> MonitorOut:
    m, t = view.monitor, view.monitor.thresholds
    readings = [
        ReadingOut(
            key=r.key,
            value=r.value,
            volume=r.volume,
            baseline_mean=r.baseline.mean,
            baseline_sd=r.baseline.sd,
            baseline_days=r.baseline.days,
            threshold=r.threshold,
            breached=r.breached,
        )
        for r in view.readings
    ]
    return MonitorOut(
        id=m.id,
        indicator=m.indicator,
        scope=m.scope,
        name=_words(m.indicator.label),
        factor=t.factor,
        k_sd=t.k_sd,
        min_volume=t.min_volume,
        severity=t.severity,
        enabled=t.enabled,
        baseline_days=m.baseline_days,
        read_at=view.read_at,
        readings=readings,
    )


def incident_out(incident: Incident, *, full: bool = True) -> IncidentOut:
    out = IncidentOut(
        id=incident.id,
        kind=incident.kind,
        severity=incident.severity,
        status=incident.status.value,
        title=_words(incident.title),
        summary=_words(incident.summary),
        drill=incident.drill,
        owner=incident.owner,
        opened_at=incident.opened_at,
        closed_at=incident.closed_at,
        steps_done=incident.steps_done,
        steps_total=len(incident.steps),
        review=incident.review,
    )
    if full:
        out.steps = [
            StepOut(
                number=n, text=_words(s.text), done=s.done, done_by=s.done_by, done_at=s.done_at
            )
            for n, s in enumerate(incident.steps, start=1)
        ]
        out.timeline = [
            EntryOut(at=e.at, actor=e.actor, action=e.action, note=e.note)
            for e in incident.timeline
        ]
    return out


def playbook_out(book: Playbook) -> PlaybookOut:
    return PlaybookOut(
        kind=book.kind,
        title=_words(book.title),
        steps=[_words(s) for s in book.steps],
        updated_by=book.updated_by,
        updated_at=book.updated_at,
    )


@router.get("/monitors", response_model=list[MonitorOut])
def monitors(context: Context, principal: IncidentManager) -> list[MonitorOut]:
    """Every monitor, its thresholds and its last readings against the baseline."""
    return perform(
        context, lambda uow, now: [monitor_out(v) for v in monitor_service.overview(uow, now)]
    )


@router.put("/monitors/{monitor_id}", response_model=MonitorOut)
def retune(
    monitor_id: RowId, body: ThresholdsIn, context: Context, principal: IncidentManager
) -> MonitorOut:
    values = monitor_service.ThresholdValues(
        body.factor, body.k_sd, body.min_volume, body.severity, body.enabled
    )

    def step(uow: UnitOfWork, now: datetime) -> MonitorOut:
        monitor_service.retune(uow, monitor_id, values, principal.actor, now)
        view = next(v for v in monitor_service.overview(uow, now) if v.monitor.id == monitor_id)
        return monitor_out(view)

    return perform(context, step)


@router.post("/monitors/evaluate", response_model=EvaluationOut)
def evaluate(context: Context, principal: IncidentManager) -> EvaluationOut:
    """Read every monitor now (the worker does this every 15 minutes)."""
    result = perform(context, monitor_service.evaluate)
    return EvaluationOut(
        readings=result.readings, breaches=result.breaches, opened=list(result.opened)
    )


@router.get("/incidents", response_model=list[IncidentOut])
def incidents(context: Context, principal: IncidentManager) -> list[IncidentOut]:
    """Open incidents first (most severe, newest), then closed ones."""
    return perform(
        context,
        lambda uow, now: [incident_out(i, full=False) for i in incident_service.listing(uow)],
    )


@router.get("/incidents/{incident_id}", response_model=IncidentOut)
def incident(incident_id: RowId, context: Context, principal: IncidentManager) -> IncidentOut:
    return perform(
        context, lambda uow, now: incident_out(incident_service.incident(uow, incident_id))
    )


@router.post("/incidents/{incident_id}/actions", response_model=IncidentOut)
def act(
    incident_id: RowId, body: ActionIn, context: Context, principal: IncidentManager
) -> IncidentOut:
    """acknowledge · assign (`owner`: a user name) · step (`step`: its number) · note,
    mitigate (`text`) · close (`text`: the closing review, required)."""
    action = incident_service.Action(body.action, body.owner, body.step, body.text)
    return perform(
        context,
        lambda uow, now: incident_out(
            incident_service.act(uow, incident_id, action, principal.actor, now)
        ),
    )


@router.post("/incidents/drills", status_code=201, response_model=IncidentOut)
def drill(body: DrillIn, context: Context, principal: IncidentManager) -> IncidentOut:
    """Start a test incident: the kind's playbook, marked as a drill."""
    return perform(
        context,
        lambda uow, now: incident_out(
            incident_service.start_drill(uow, body.kind, body.severity, principal.actor, now)
        ),
    )


@router.get("/playbooks", response_model=list[PlaybookOut])
def playbooks(context: Context, principal: IncidentManager) -> list[PlaybookOut]:
    return perform(
        context, lambda uow, now: [playbook_out(b) for b in incident_service.playbook_list(uow)]
    )


@router.put("/playbooks/{kind}", response_model=PlaybookOut)
def edit_playbook(
    kind: Kind, body: PlaybookIn, context: Context, principal: IncidentManager
) -> PlaybookOut:
    title = Text(body.title_zh, body.title_en)
    steps = [Text(s.zh, s.en) for s in body.steps]
    return perform(
        context,
        lambda uow, now: playbook_out(
            incident_service.edit_playbook(uow, kind, title, steps, principal.actor, now)
        ),
    )
