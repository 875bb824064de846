"""The on-call rota for incidents (issue 14, R13.1): shifts, who is on call, who hears.

Managers add and remove shifts (`add_shift`, `remove_shift`); `on_call_now` and
`upcoming` (the next 14 days) read them; `rota_week` shapes one local week for the page.
`notify_on_call` is the bus's handler for `incident.opened` and `incident.assigned`:
when an incident opens and someone is on call at that instant, the earliest-starting
shift's person becomes its owner (if it has none) and every person on call gets a
personal notification (staff notices address one account: `Audience.user`); the owner
hears it as "you own the incident" and the others as "you are on call". When nobody
is on call the managers are notified as before (services/incidents.notify_on_call),
as is every assignment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from returnflow.domain import on_call as rules
from returnflow.domain.events import DomainEvent
from returnflow.domain.incidents import IncidentStatus
from returnflow.domain.on_call import Member, Shift
from returnflow.domain.staff_notices import Audience, Draft, Kind
from returnflow.domain.text import DomainError, Text
from returnflow.services import incidents, staff_notices
from returnflow.services.errors import NotFound
from returnflow.services.unit_of_work import UnitOfWork

SYSTEM = "system:on-call"


def add_shift(
    uow: UnitOfWork,
    user_id: int,
    starts_at: datetime,
    ends_at: datetime,
    actor: str,
    now: datetime,
) -> Shift:
    """Put one account on call for a span (caller commits)."""
    member = uow.on_call.member(user_id)
    if member is None:
        raise DomainError(
            "on_call_user_not_allowed",
            Text(
                "只能为可处理事件的在职员工（经理、管理员）排班",
                "Only active accounts that handle incidents (managers, admins) can be on call",
            ),
            field="user_id",
        )
    rules.check_shift(starts_at, ends_at, now)
    starts_at, ends_at = starts_at.astimezone(UTC), ends_at.astimezone(UTC)
    shift_id = uow.on_call.add(member.user_id, starts_at, ends_at, actor, now)
    return Shift(shift_id, member, starts_at, ends_at, actor, now)


def remove_shift(uow: UnitOfWork, shift_id: int) -> Shift:
    """Take a shift off the rota (caller commits)."""
    found = uow.on_call.get(shift_id)
    if found is None or not uow.on_call.remove(shift_id):
        raise NotFound("shift_not_found", Text("找不到该值班", "The shift was not found"))
    return found


def on_call_at(uow: UnitOfWork, at: datetime) -> list[Shift]:
    """The shifts covering `at` (start inclusive, end exclusive), earliest start first."""
    return rules.on_call_at(uow.on_call.overlapping(at, at + timedelta(microseconds=1)), at)


def on_call_now(uow: UnitOfWork, now: datetime) -> list[Shift]:
    return on_call_at(uow, now)


def upcoming(uow: UnitOfWork, now: datetime) -> list[Shift]:
    """Every shift touching the next 14 days (those under way now first)."""
    return uow.on_call.overlapping(now, now + rules.AHEAD)


def members(uow: UnitOfWork) -> list[Member]:
    return uow.on_call.members()


@dataclass(frozen=True, slots=True)
class RotaWeek:
    monday: date
    days: tuple[rules.Day, ...]
    now: tuple[Shift, ...]
    upcoming: tuple[Shift, ...]
    members: tuple[Member, ...]

    @property
    def previous(self) -> date:
        return self.monday - timedelta(days=7)

    @property
    def next(self) -> date:
        return self.monday + timedelta(days=7)


def rota_week(uow: UnitOfWork, week: date | None, now: datetime) -> RotaWeek:
    """One local week (the current one when `week` is None), who is on call, what is next."""
    monday = rules.week_of(week or rules.local_day(now))
    start, _ = rules.day_bounds(monday)
    _, end = rules.day_bounds(monday + timedelta(days=6))
    shifts = uow.on_call.overlapping(start, end)
    return RotaWeek(
        monday,
        rules.week_view(shifts, monday, now),
        tuple(on_call_now(uow, now)),
        tuple(upcoming(uow, now)),
        tuple(members(uow)),
    )


def notify_on_call(uow: UnitOfWork, event: DomainEvent, now: datetime) -> None:
    """The bus's handler: the people on call own and hear a new incident; else managers."""
    incident_id = int(event.data.get("incident_id") or 0)
    if event.name != "incident.opened" or not incident_id:
        incidents.notify_on_call(uow, event, now)
        return
    on_call = rules.people(on_call_at(uow, event.occurred_at))
    if not on_call:
        incidents.notify_on_call(uow, event, now)  # nobody on call: the managers, as before
        return
    found = uow.incidents.get(incident_id, for_update=True)
    owner = ""
    if found is not None and not found.owner and found.status is not IncidentStatus.CLOSED:
        owner = on_call[0].actor
        found.assign(owner, SYSTEM, now)  # its `incident.assigned` tells the owner
    title = Text(str(event.data.get("title_zh", "")), str(event.data.get("title_en", "")))
    drill = Text("【演练】", "[Drill] ") if event.data.get("drill") else Text("", "")
    drafts = [
        Draft(
            Kind.INCIDENT,
            Audience.user(member.user_id),
            f"incident_on_call:{incident_id}",
            Text(f"{drill.zh}值班提醒·新事件：{title.zh}", f"{drill.en}On call: {title.en}"),
            Text("您正在值班：请确认并处置", "You are on call: acknowledge it and respond"),
            link=f"/staff/incidents/{incident_id}",
        )
        for member in on_call
        if member.actor != owner
    ]
    staff_notices.notify(uow, drafts, now)
