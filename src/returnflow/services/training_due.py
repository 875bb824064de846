"""Who is due (issue 17, R16.8): every person with something to do, for managers.

One row per active staff account with at least one of: a periodic assessment due
within the week or overdue (the schedule's own states), a lesson a new policy
version asks them to re-read, a certificate of their role's skills that expires
within `within_days` days (or has expired: in its grace or past it), or a skill of
their role never certified. Sorted by the soonest date (overdue first), name, role
or the number of things due; the page shows it a page at a time and as CSV.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from returnflow.domain import training_schedule as schedule_rules
from returnflow.domain.access import Role
from returnflow.domain.text import Text
from returnflow.domain.training_schedule import AssessmentKind, DueState
from returnflow.services import training_schedule, training_team
from returnflow.services.unit_of_work import UnitOfWork

DEFAULT_WITHIN = 30
MAX_WITHIN = 365


class What(StrEnum):
    ASSESSMENT = "assessment"
    REREAD = "reread"
    CERTIFICATE = "certificate"
    UNCERTIFIED = "uncertified"


class Sort(StrEnum):
    SOONEST = "soonest"
    NAME = "name"
    ROLE = "role"
    MOST = "most"


@dataclass(frozen=True)
class DueItem:
    what: What
    label: Text  # the skill's or the assessment's name
    on: date | None  # due on / expires on (local day); None: never certified, or a re-read
    overdue: bool
    count: int = 1  # lessons to re-read in that skill


@dataclass(frozen=True)
class DuePerson:
    username: str
    user_id: int
    display_name: str
    role: Role
    items: tuple[DueItem, ...]

    @property
    def soonest(self) -> date | None:
        return min((i.on for i in self.items if i.on is not None), default=None)

    @property
    def overdue(self) -> int:
        return sum(1 for i in self.items if i.overdue)


def _certificate_items(
    member: training_team.Member, now: datetime, horizon: datetime
) -> list[DueItem]:
    found = []
    for skill, cell in member.cells.items():
        if cell.rereads:
            found.append(DueItem(What.REREAD, skill.label, None, False, cell.rereads))
        if cell.expires_at is None:
            found.append(DueItem(What.UNCERTIFIED, skill.label, None, True))
        elif cell.expires_at <= horizon:
            on = training_schedule.local_day(cell.expires_at)
            found.append(DueItem(What.CERTIFICATE, skill.label, on, cell.expires_at <= now))
    return found


def _assessment_items(
    role: Role, done: dict[AssessmentKind, date], started: date, today: date
) -> list[DueItem]:
    return [
        DueItem(What.ASSESSMENT, d.kind.label, d.due_on, d.state is DueState.OVERDUE)
        for d in schedule_rules.schedule(role, done, started, today)
        if d.state is not DueState.SCHEDULED
    ]


def _key(sort: Sort) -> Callable[[DuePerson], tuple[object, ...]]:
    far = date.max
    keys: dict[Sort, Callable[[DuePerson], tuple[object, ...]]] = {
        Sort.SOONEST: lambda p: (p.overdue == 0, p.soonest or far, p.username),
        Sort.NAME: lambda p: (p.display_name, p.username),
        Sort.ROLE: lambda p: (p.role.value, p.username),
        Sort.MOST: lambda p: (-len(p.items), p.username),
    }
    return keys[sort]


def who_is_due(
    uow: UnitOfWork, now: datetime, within_days: int = DEFAULT_WITHIN, sort: Sort = Sort.SOONEST
) -> list[DuePerson]:
    """Everyone with an assessment, a re-read or a certificate due; sorted as asked."""
    horizon = now + timedelta(days=min(max(within_days, 0), MAX_WITHIN))
    matrix = training_team.team_matrix(uow, now)
    staff = {name: (uid, created) for name, uid, _, created in uow.training.active_staff()}
    done = training_schedule.last_done(uow, list(staff))
    today = training_schedule.local_day(now)
    found = []
    for member in matrix.members:
        if member.username not in staff:
            continue
        user_id, created = staff[member.username]
        items = _certificate_items(member, now, horizon)
        started = training_schedule.local_day(created)
        items += _assessment_items(member.role, done.get(member.username, {}), started, today)
        if items:
            found.append(
                DuePerson(member.username, user_id, member.display_name, member.role, tuple(items))
            )
    return sorted(found, key=_key(sort))
