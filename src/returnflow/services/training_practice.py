"""Practical assessment observed on real work, and rewards and corrective actions
(issue 17, R16.8, R12.2: skill records and appraisal).

`practice_of` computes a person's figures for a month (China time) from the records:
inspections made and those an appeal overturned, those a second inspector graded again
and how many of those grades matched (`training_grades.py`), review decisions made and
the rejections an appeal overturned. `record_practical` stores the monthly practical
assessment with those figures as its note. `recognize` records a reward or a corrective
action with its reason.
"""

from __future__ import annotations

from datetime import date, datetime, time

from returnflow.domain.access import Role
from returnflow.domain.staff_notices import LOCAL_ZONE
from returnflow.domain.text import Text
from returnflow.domain.training_records import (
    Practice,
    Recognition,
    RecognitionKind,
    month_bounds,
    recognition,
)
from returnflow.domain.training_schedule import AssessmentKind
from returnflow.services import training_schedule
from returnflow.services.errors import NotFound
from returnflow.services.unit_of_work import UnitOfWork


def _member(uow: UnitOfWork, username: str) -> Role:
    found = uow.training.member(username)
    if found is None:
        raise NotFound("user_not_found", Text("找不到该账号", "No such account"), field="username")
    return Role(found[1])


def practice_of(uow: UnitOfWork, username: str, month: date) -> Practice:
    """The person's inspections and decisions in `month`'s month, and those overturned."""
    _member(uow, username)
    first, following = month_bounds(month)
    since = datetime.combine(first, time(0), tzinfo=LOCAL_ZONE)
    until = datetime.combine(following, time(0), tzinfo=LOCAL_ZONE)
    records = uow.training.records
    inspected, inspections_overturned = records.inspections(username, since, until)
    decided, decisions_overturned = records.decisions(username, since, until)
    graded, matched = uow.training.grades.accuracy(username, since, until)
    return Practice(
        username, first, following, inspected, inspections_overturned, decided,
        decisions_overturned, graded, matched,
    )  # fmt: skip


def record_practical(
    uow: UnitOfWork, username: str, month: date, actor: str, now: datetime, note: str = ""
) -> Practice:
    """The supervisor's monthly practical assessment, with the month's figures computed."""
    found = practice_of(uow, username, month)
    figures = found.note()
    written = f"{figures} — {note.strip()}" if note.strip() else figures
    training_schedule.record(uow, username, AssessmentKind.PRACTICAL, actor, now, written[:500])
    return found


def recognize(
    uow: UnitOfWork,
    username: str,
    kind: RecognitionKind,
    reason: str,
    on: date,
    actor: str,
    now: datetime,
) -> Recognition:
    """A manager records a reward or a corrective action for a person, with the reason."""
    _member(uow, username)
    made = recognition(username, kind, reason, on, actor, now)
    uow.training.records.add_recognition(made)
    return made


def recognitions_of(uow: UnitOfWork, usernames: list[str]) -> list[Recognition]:
    return uow.training.records.recognitions(usernames)
