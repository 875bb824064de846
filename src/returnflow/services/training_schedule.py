"""Periodic assessments per person (issue 17): the schedule, completions and reminders.

`schedule_of` reads a person's role, start and last completions and answers when each
assessment of their role is due (domain/training_schedule.py). The quarterly
knowledge test is a check in every skill of the role: once each has a scored check
this quarter, `after_check` records the test done. Supervisors record the others
(`record`). `remind` (the worker, daily) notifies each person whose assessment is due
within the week or overdue: once per person, kind, due date and state.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from returnflow.domain import training_schedule
from returnflow.domain.access import Role
from returnflow.domain.text import DomainError, Text
from returnflow.domain.training import ROLE_SKILLS
from returnflow.domain.training_notice_words import assessment_reminder
from returnflow.domain.training_schedule import AssessmentKind, Due, DueState
from returnflow.services import staff_notices
from returnflow.services.errors import NotFound
from returnflow.services.unit_of_work import UnitOfWork

LOCAL_ZONE = ZoneInfo("Asia/Shanghai")
SYSTEM = "system"


def local_day(moment: datetime) -> date:
    return moment.astimezone(LOCAL_ZONE).date()


def _last_done(uow: UnitOfWork, usernames: list[str]) -> dict[str, dict[AssessmentKind, date]]:
    found: dict[str, dict[AssessmentKind, date]] = {name: {} for name in usernames}
    for (name, kind), at in uow.training.last_assessments(usernames).items():
        if kind in AssessmentKind.__members__.values():
            found.setdefault(name, {})[AssessmentKind(kind)] = local_day(at)
    return found


def last_done(uow: UnitOfWork, usernames: list[str]) -> dict[str, dict[AssessmentKind, date]]:
    """Each person's latest completion of each kind, as local days (the "who is due" list)."""
    return _last_done(uow, usernames)


def schedule_of(uow: UnitOfWork, username: str, now: datetime) -> list[Due]:
    """My assessments, each with its due date and whether it is due soon or overdue."""
    member = uow.training.member(username)
    if member is None:
        return []
    _, role, created = member
    done = _last_done(uow, [username])[username]
    return training_schedule.schedule(Role(role), done, local_day(created), local_day(now))


def after_check(uow: UnitOfWork, username: str, now: datetime) -> bool:
    """Record this quarter's knowledge test once every skill of the role has a scored check."""
    member = uow.training.member(username)
    if member is None:
        return False
    role = Role(member[1])
    kind = AssessmentKind.KNOWLEDGE_TEST
    if kind not in training_schedule.ROLE_ASSESSMENTS[role] or not ROLE_SKILLS[role]:
        return False
    quarter = training_schedule.period_end(local_day(now), kind.months)
    last = _last_done(uow, [username])[username].get(kind)
    if last is not None and training_schedule.period_end(last, kind.months) == quarter:
        return False  # already done this quarter
    checked = {
        a.skill
        for a in uow.training.attempts_of(username, limit=100)
        if a.scored_at is not None
        and training_schedule.period_end(local_day(a.started_at), kind.months) == quarter
    }
    if not set(ROLE_SKILLS[role]) <= checked:
        return False
    uow.training.add_assessment(username, kind.value, now, SYSTEM, "every skill checked")
    return True


def record(
    uow: UnitOfWork, username: str, kind: AssessmentKind, actor: str, now: datetime, note: str
) -> None:
    """A supervisor records an assessment done (practical, satisfaction, appraisal)."""
    member = uow.training.member(username)
    if member is None:
        raise NotFound("user_not_found", Text("找不到该账号", "No such account"), field="username")
    if kind not in training_schedule.ROLE_ASSESSMENTS[Role(member[1])]:
        raise DomainError(
            "assessment_not_for_role",
            Text("该岗位没有这项考核", "This role has no such assessment"),
            field="kind",
        )
    if len(note) > 500:
        raise DomainError("note_too_long", Text("备注太长", "The note is too long"), field="note")
    uow.training.add_assessment(username, kind.value, now, actor, note.strip())


def remind(uow: UnitOfWork, now: datetime) -> int:
    """Notify whoever has an assessment due within the week or overdue; how many were new."""
    staff = uow.training.active_staff()
    done = _last_done(uow, [name for name, _, _, _ in staff])
    today = local_day(now)
    drafts = []
    for name, user_id, role, created in staff:
        for due in training_schedule.schedule(Role(role), done[name], local_day(created), today):
            if due.state is not DueState.SCHEDULED:
                overdue = due.state is DueState.OVERDUE
                drafts.append(assessment_reminder(user_id, due.kind, due.due_on, overdue))
    return len(staff_notices.notify(uow, drafts, now))
