"""A second inspector's blind grade of an inspected request (issue 17, R16.8, R12.2).

A warehouse supervisor, another inspector or a manager looks at the goods again and
grades them without seeing the first grade. Per inspector and month, inspection
accuracy is the share of their re-graded inspections whose grade the second one
matches. Who may re-grade: warehouse accounts with a certificate that lets them
inspect, managers and administrators; never the person who made the inspection.
Second grades are only ever added (one per request; a trigger on PostgreSQL).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from returnflow.domain.access import Forbidden, Role
from returnflow.domain.inspection import Grade
from returnflow.domain.text import Text
from returnflow.domain.training import person_of

GRADERS = frozenset({Role.WAREHOUSE, Role.MANAGER, Role.ADMIN})


@dataclass(frozen=True, slots=True)
class Inspected:
    """What the first inspection said, read from the record (never shown before grading)."""

    rma_no: str
    grade: Grade
    inspected_by: str  # actor, "warehouse:zhao"
    inspected_at: datetime


@dataclass(frozen=True, slots=True)
class SecondGrade:
    rma_no: str
    original_grade: Grade
    original_by: str
    inspected_at: datetime
    grade: Grade
    graded_by: str
    graded_at: datetime

    @property
    def matches(self) -> bool:
        return self.grade is self.original_grade


def second_grade(inspected: Inspected, grade: Grade, actor: str, now: datetime) -> SecondGrade:
    """The second grade, refused to anyone but a grader and to the first inspector."""
    role, username = person_of(actor)
    if role not in GRADERS:
        raise Forbidden(
            "second_grade_not_allowed",
            Text(
                "只有仓库主管、验收员或经理可以复核评级",
                "Only warehouse supervisors, inspectors or managers may grade again",
            ),
        )
    if person_of(inspected.inspected_by)[1] == username:
        raise Forbidden(
            "second_grade_own_inspection",
            Text(
                "不能复核自己验收的退货：请由另一位验收员评级",
                "You inspected this return: a second inspector must grade it",
            ),
            field="rma_no",
        )
    return SecondGrade(
        inspected.rma_no, inspected.grade, inspected.inspected_by, inspected.inspected_at,
        grade, actor, now,
    )  # fmt: skip
