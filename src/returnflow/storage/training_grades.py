"""Second grades and assessment history (issue 17): `uow.training.grades`.

`training_second_grades` keeps a second inspector's blind grade beside a copy of the
first (append-only, one per request, migration 0042). `accuracy` counts, for one
inspector and period, the re-graded inspections and those whose grades match: two
COUNTs on the indexed (original_by, inspected_at). `awaiting` lists inspections
nobody has graded again yet, never the grader's own, newest first, a page at a time;
it never reads the first grade. `assessments_of` is one person's recorded assessments.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from returnflow.domain.inspection import Grade
from returnflow.domain.training_grades import Inspected, SecondGrade
from returnflow.storage.schema.training import TrainingAssessmentRow, TrainingSecondGradeRow
from returnflow.storage.schema.warehouse import InspectionRow
from returnflow.storage.training_records import actors

LIMIT = 200


@dataclass(frozen=True, slots=True)
class Awaiting:
    rma_no: str
    inspected_at: datetime


@dataclass(frozen=True, slots=True)
class Recorded:
    kind: str
    completed_at: datetime
    recorded_by: str
    note: str


class TrainingGrades:
    def __init__(self, session: Session) -> None:
        self.session = session

    def inspected(self, rma_no: str) -> Inspected | None:
        row = self.session.execute(
            select(
                InspectionRow.grade, InspectionRow.inspected_by, InspectionRow.inspected_at
            ).where(InspectionRow.rma_no == rma_no)
        ).first()
        if row is None:
            return None
        return Inspected(rma_no, Grade(row[0]), row[1], row[2])

    def exists(self, rma_no: str) -> bool:
        found = self.session.scalar(
            select(TrainingSecondGradeRow.id).where(TrainingSecondGradeRow.rma_no == rma_no)
        )
        return found is not None

    def add(self, made: SecondGrade) -> None:
        self.session.add(
            TrainingSecondGradeRow(
                rma_no=made.rma_no,
                original_grade=made.original_grade.value,
                original_by=made.original_by,
                inspected_at=made.inspected_at,
                grade=made.grade.value,
                graded_by=made.graded_by,
                graded_at=made.graded_at,
            )
        )
        self.session.flush()

    def accuracy(self, username: str, since: datetime, until: datetime) -> tuple[int, int]:
        """(this person's inspections graded again, of which the grades matched)."""
        row = TrainingSecondGradeRow
        mine = (
            row.original_by.in_(actors(username)),
            row.inspected_at >= since,
            row.inspected_at < until,
        )
        graded = self.session.scalar(select(func.count()).select_from(row).where(*mine))
        matched = self.session.scalar(
            select(func.count()).select_from(row).where(*mine, row.grade == row.original_grade)
        )
        return int(graded or 0), int(matched or 0)

    def awaiting(
        self, username: str, since: datetime, offset: int, limit: int
    ) -> tuple[list[Awaiting], int]:
        """Inspections since `since` not graded again and not this person's; and how many."""
        graded = select(TrainingSecondGradeRow.rma_no)
        where = (
            InspectionRow.inspected_at >= since,
            InspectionRow.inspected_by.not_in(actors(username)),
            InspectionRow.rma_no.not_in(graded),
        )
        total = self.session.scalar(select(func.count()).select_from(InspectionRow).where(*where))
        rows = self.session.execute(
            select(InspectionRow.rma_no, InspectionRow.inspected_at)
            .where(*where)
            .order_by(InspectionRow.inspected_at.desc(), InspectionRow.id.desc())
            .offset(offset)
            .limit(min(limit, LIMIT))
        )
        return [Awaiting(rma, at) for rma, at in rows], int(total or 0)

    def graded_by(self, username: str, limit: int = 20) -> list[SecondGrade]:
        """Second grades of this person's inspections, newest first (their record page)."""
        rows = self.session.scalars(
            select(TrainingSecondGradeRow)
            .where(TrainingSecondGradeRow.original_by.in_(actors(username)))
            .order_by(TrainingSecondGradeRow.graded_at.desc(), TrainingSecondGradeRow.id.desc())
            .limit(min(limit, LIMIT))
        )
        return [_second(row) for row in rows]

    def assessments_of(self, username: str, limit: int = 24) -> list[Recorded]:
        """This person's recorded assessments, newest first, with the supervisor's note."""
        rows = self.session.scalars(
            select(TrainingAssessmentRow)
            .where(TrainingAssessmentRow.username == username)
            .order_by(TrainingAssessmentRow.completed_at.desc(), TrainingAssessmentRow.id.desc())
            .limit(min(limit, LIMIT))
        )
        return [Recorded(r.kind, r.completed_at, r.recorded_by, r.note) for r in rows]


def _second(row: TrainingSecondGradeRow) -> SecondGrade:
    return SecondGrade(
        row.rma_no, Grade(row.original_grade), row.original_by, row.inspected_at,
        Grade(row.grade), row.graded_by, row.graded_at,
    )  # fmt: skip
