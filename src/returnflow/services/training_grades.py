"""A second inspector's blind grade (issue 17, R16.8, R12.2: inspection accuracy).

`awaiting` lists inspected requests that nobody has graded again, never the grader's
own, without their grade (the second look is blind). `regrade` records a grade once
per request: refused to anyone but warehouse accounts, managers and administrators
(`second_grade_not_allowed`), to the first inspector (`second_grade_own_inspection`),
a second time (`second_grade_exists`), and, with the gates on, to a warehouse account
without an inspection certificate that lets it inspect (`certificate_required`).
`training_practice.practice_of` counts how often the grades matched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from returnflow.domain.inspection import Grade
from returnflow.domain.text import Text
from returnflow.domain.training import Skill
from returnflow.domain.training_grades import SecondGrade, second_grade
from returnflow.services.errors import Conflict, NotFound
from returnflow.services.training import TrainingRules, require
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.storage.training_grades import Awaiting

WINDOW_DAYS = 90  # inspections older than this are not offered for a second look


@dataclass(frozen=True)
class AwaitingPage:
    items: list[Awaiting]
    total: int


def awaiting(
    uow: UnitOfWork, username: str, now: datetime, offset: int = 0, limit: int = 50
) -> AwaitingPage:
    """Recent inspections to grade again: not graded yet, not mine; no first grade shown."""
    since = now - timedelta(days=WINDOW_DAYS)
    items, total = uow.training.grades.awaiting(username, since, offset, limit)
    return AwaitingPage(items, total)


def regrade(
    uow: UnitOfWork,
    rma_no: str,
    grade: Grade,
    actor: str,
    now: datetime,
    rules: TrainingRules | None = None,
) -> SecondGrade:
    """Record a second inspector's blind grade of `rma_no`'s inspection (append-only)."""
    grades = uow.training.grades
    inspected = grades.inspected(rma_no)
    if inspected is None:
        raise NotFound(
            "inspection_not_found",
            Text("该退货还没有验收记录", "This return has not been inspected"),
            field="rma_no",
        )
    made = second_grade(inspected, grade, actor, now)  # who may, and not one's own
    if grades.exists(rma_no):
        raise Conflict(
            "second_grade_exists",
            Text("该退货已有复核评级", "This return has already been graded a second time"),
            field="rma_no",
        )
    require(uow, actor, Skill.INSPECTION, now, rules)
    grades.add(made)
    return made
