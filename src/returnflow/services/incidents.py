"""Incidents: opened by a breach or a drill, worked by the people on call (R13.1).

Open on breach (once per monitor and key while the incident is not closed), acknowledge,
assign an owner, tick a planned step, add a note, mitigate, close with a review; start a
drill; edit a playbook. Each takes `(uow, values, actor, now)` and leaves the commit to
the caller. Who hears: `notify_on_call` is the bus's handler for `incident.opened`
(every manager, at once) and `incident.assigned` (the new owner), through the staff
notifications of issue 13.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from returnflow.domain import incidents as rules
from returnflow.domain import playbooks
from returnflow.domain.access import Permission, Role
from returnflow.domain.events import DomainEvent
from returnflow.domain.incidents import Incident, IncidentStatus
from returnflow.domain.monitors import Monitor, Reading, Severity, key_label
from returnflow.domain.playbooks import Playbook
from returnflow.domain.staff_notices import Audience, Draft, Kind
from returnflow.domain.text import DomainError, Text
from returnflow.services import staff_notices
from returnflow.services.errors import Conflict, NotFound
from returnflow.services.unit_of_work import UnitOfWork


def open_for_breach(
    uow: UnitOfWork, monitor: Monitor, reading: Reading, summary: Text, now: datetime
) -> int | None:
    """A new incident for this breach, or None while one is open for the monitor and key."""
    key = f"{monitor.id}|{reading.key}"[:160]
    if key in uow.incidents.open_keys():
        return None
    words = key_label(monitor.scope, reading.key)
    zh, en = (f" · {words.zh}", f" · {words.en}") if reading.key else ("", "")
    title = Text(f"{monitor.indicator.label.zh}异常{zh}", f"{monitor.indicator.label.en} spike{en}")
    incident = rules.open_incident(
        playbook=uow.incidents.playbook(monitor.indicator.value),
        severity=monitor.thresholds.severity,
        title=title,
        summary=summary,
        monitor_id=monitor.id,
        breach_key=key,
        drill=False,
        actor="system:monitors",
        now=now,
    )
    return uow.incidents.add(incident)


def start_drill(
    uow: UnitOfWork, kind: str, severity: Severity, actor: str, now: datetime
) -> Incident:
    """A test incident a manager starts: the kind's playbook, marked as a drill."""
    if kind not in playbooks.kinds():
        raise DomainError(
            "unknown_kind", Text("没有这种事件类型", "There is no such incident kind"), field="kind"
        )
    playbook = uow.incidents.playbook(kind)
    incident = rules.open_incident(
        playbook=playbook,
        severity=severity,
        title=Text(f"演练：{playbook.title.zh}", f"Drill: {playbook.title.en}"),
        summary=Text(
            "由经理发起的应急演练（不是真实事件）",
            "A drill started by a manager (not a real incident)",
        ),
        monitor_id=None,
        breach_key=f"drill|{actor}|{now.isoformat()}"[:160],
        drill=True,
        actor=actor,
        now=now,
    )
    uow.incidents.add(incident)
    return incident


def incident(uow: UnitOfWork, incident_id: int, *, for_update: bool = False) -> Incident:
    found = uow.incidents.get(incident_id, for_update=for_update)
    if found is None:
        raise NotFound("incident_not_found", Text("找不到该事件", "The incident was not found"))
    return found


@dataclass(frozen=True, slots=True)
class Action:
    """One thing done to an incident: acknowledge | assign | step | note | mitigate | close."""

    action: str
    owner: str = ""
    step: int = 0
    text: str = ""


ACTIONS = ("acknowledge", "assign", "step", "note", "mitigate", "close")


def act(uow: UnitOfWork, incident_id: int, action: Action, actor: str, now: datetime) -> Incident:
    """Do one action on an incident (caller commits)."""
    found = incident(uow, incident_id, for_update=True)
    try:
        _apply(uow, found, action, actor, now)
    except DomainError as refused:
        if refused.code in _STATE_CODES:  # the incident moved on: a conflict, not a bad form
            raise Conflict(refused.code, refused.message) from refused
        raise
    return found


_STATE_CODES = frozenset({"incident_wrong_status", "incident_closed"})


def _apply(uow: UnitOfWork, found: Incident, action: Action, actor: str, now: datetime) -> None:
    match action.action:
        case "acknowledge":
            found.acknowledge(actor, now)
        case "assign":
            found.assign(_staff_actor(uow, action.owner), actor, now)
        case "step":
            found.do_step(action.step - 1, actor, now)
        case "note":
            found.add_note(action.text, actor, now)
        case "mitigate":
            found.mitigate(action.text, actor, now)
        case "close":
            found.close(action.text, actor, now)
        case _:
            raise DomainError(
                "unknown_action", Text("没有这个操作", "There is no such action"), field="action"
            )


def _staff_actor(uow: UnitOfWork, username: str) -> str:
    found = uow.accounts.credentials(username.strip()) if username.strip() else None
    if found is None or not found[0].can(Permission.INCIDENTS_MANAGE):
        raise DomainError(
            "owner_not_found",
            Text(
                "找不到可处理事件的员工账号", "No account that handles incidents has that user name"
            ),
            field="owner",
        )
    return found[0].actor


def listing(uow: UnitOfWork) -> list[Incident]:
    """Not closed first (most severe, then newest), then the closed ones, newest first."""
    found = uow.incidents.listing()
    return sorted(
        found,
        key=lambda i: (
            i.status is IncidentStatus.CLOSED,
            i.severity.rank if i.status is not IncidentStatus.CLOSED else 0,
            -i.opened_at.timestamp(),
        ),
    )


def playbook_list(uow: UnitOfWork) -> list[Playbook]:
    return [uow.incidents.playbook(kind) for kind in playbooks.kinds()]


def edit_playbook(
    uow: UnitOfWork, kind: str, title: Text, steps: list[Text], actor: str, now: datetime
) -> Playbook:
    if kind not in playbooks.kinds():
        raise NotFound("playbook_not_found", Text("找不到该预案", "The playbook was not found"))
    if not title.zh.strip() or not title.en.strip() or max(len(title.zh), len(title.en)) > 200:
        raise DomainError(
            "invalid_title",
            Text(
                "标题须填写中英文，最多 200 个字",
                "The title needs both languages, 200 characters at most",
            ),
            field="title",
        )
    playbook = Playbook(
        kind, Text(title.zh.strip(), title.en.strip()), playbooks.checked_steps(steps), actor, now
    )
    uow.incidents.save_playbook(playbook, now)
    return playbook


def notify_on_call(uow: UnitOfWork, event: DomainEvent, now: datetime) -> None:
    """The bus's handler: managers hear a new incident, an owner their assignment."""
    data = event.data
    incident_id = int(data.get("incident_id") or 0)
    if not incident_id:
        return
    title = Text(str(data.get("title_zh", "")), str(data.get("title_en", "")))
    drill = Text("【演练】", "[Drill] ") if data.get("drill") else Text("", "")
    link = f"/staff/incidents/{incident_id}"
    if event.name == "incident.opened":
        draft = Draft(
            Kind.INCIDENT,
            Audience.role(Role.MANAGER),
            f"incident_opened:{incident_id}",
            Text(f"{drill.zh}新事件：{title.zh}", f"{drill.en}New incident: {title.en}"),
            Text("请确认并指定负责人", "Acknowledge it and name an owner"),
            link=link,
        )
        staff_notices.notify(uow, [draft], now)
    elif event.name == "incident.assigned":
        _tell_owner(uow, incident_id, str(data.get("owner", "")), title, drill, now)


def _tell_owner(
    uow: UnitOfWork, incident_id: int, owner: str, title: Text, drill: Text, now: datetime
) -> None:
    found = uow.accounts.credentials(owner.partition(":")[2]) if ":" in owner else None
    if found is None:
        return
    draft = Draft(
        Kind.INCIDENT,
        Audience.user(found[0].user_id),
        f"incident_assigned:{incident_id}:{owner}",
        Text(
            f"{drill.zh}您被指定为事件负责人：{title.zh}",
            f"{drill.en}You own the incident: {title.en}",
        ),
        Text("请按预案步骤处置并记录", "Work through the playbook's steps and record them"),
        link=f"/staff/incidents/{incident_id}",
    )
    staff_notices.notify(uow, [draft], now)
