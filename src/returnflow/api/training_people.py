"""Skill records API, continued (issue 17, R16.8, R12.2): a second inspector's blind grade,
the team's "who is due" list, and one person's whole skill record.

`GET /second-grades` (inspections awaiting a second look, without their grade) and
`POST /second-grades` for warehouse accounts, managers and administrators; `GET /due`
for managers; `GET /people/{user_id}`: a manager reads anyone's, a person their own.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from returnflow.api.roles import Inspector, StaffScorer, Trainee
from returnflow.api.training import CertificateOut, DueOut, certificate_out
from returnflow.api.training_records import (
    PracticeOut,
    RecognitionOut,
    practice_out,
    recognition_out,
)
from returnflow.domain.access import Role
from returnflow.domain.inspection import Grade
from returnflow.domain.paging import page_count
from returnflow.domain.training import Skill, Standing
from returnflow.domain.training_grades import SecondGrade
from returnflow.domain.training_schedule import Due
from returnflow.entrypoints.deps import Context, Language
from returnflow.entrypoints.params import MAX_PAGE, RowId
from returnflow.entrypoints.steps import perform
from returnflow.services import training_due, training_grades, training_people
from returnflow.services.unit_of_work import UnitOfWork

router = APIRouter(prefix="/api/v1/training", tags=["training"])
PAGE_SIZE = 50
Page = Annotated[int, Query(ge=1, le=MAX_PAGE)]


class SecondGradeIn(BaseModel):
    rma_no: str = Field(min_length=1, max_length=32)
    grade: Grade


class SecondGradeOut(BaseModel):
    rma_no: str
    grade: Grade  # the second inspector's
    original_grade: Grade  # shown once the second grade is on record
    matches: bool
    original_by: str
    graded_by: str
    graded_at: datetime


class AwaitingOut(BaseModel):
    rma_no: str
    inspected_at: datetime


class AwaitingPageOut(BaseModel):
    items: list[AwaitingOut]  # never the first grade: the second look is blind
    total: int
    page: int


class DueItemOut(BaseModel):
    what: training_due.What
    label: str
    on: date | None
    overdue: bool
    count: int


class DuePersonOut(BaseModel):
    username: str
    user_id: int
    display_name: str
    role: Role
    soonest: date | None
    overdue: int
    items: list[DueItemOut]


class DueListOut(BaseModel):
    items: list[DuePersonOut]
    total: int
    page: int
    pages: int


class LessonDoneOut(BaseModel):
    key: str
    title: str
    done: bool
    reread: bool


class CourseRecordOut(BaseModel):
    skill: Skill
    standing: Standing
    best_percent: int | None
    lessons: list[LessonDoneOut]


class CheckOut(BaseModel):
    attempt_id: int
    skill: Skill
    started_at: datetime
    correct: int | None
    total: int
    passed: bool | None


class CertificateRecordOut(BaseModel):
    certificate: CertificateOut
    standing: Standing
    waived: bool


class AssessmentDoneOut(BaseModel):
    kind: str
    completed_at: datetime
    recorded_by: str
    note: str


class SkillRecordOut(BaseModel):
    user_id: int
    username: str
    display_name: str
    role: Role
    courses: list[CourseRecordOut]
    checks: list[CheckOut]
    certificates: list[CertificateRecordOut]
    practice: list[PracticeOut]  # this month first
    second_grades: list[SecondGradeOut]
    assessments_due: list[DueOut]
    assessments_done: list[AssessmentDoneOut]
    recognitions: list[RecognitionOut]


def second_grade_out(made: SecondGrade) -> SecondGradeOut:
    return SecondGradeOut(
        rma_no=made.rma_no,
        grade=made.grade,
        original_grade=made.original_grade,
        matches=made.matches,
        original_by=made.original_by,
        graded_by=made.graded_by,
        graded_at=made.graded_at,
    )


@router.get("/second-grades")
def awaiting_second_grades(
    context: Context, principal: Inspector, page: Page = 1
) -> AwaitingPageOut:
    """Recent inspections nobody has graded again, not mine, newest first; no grades."""
    with context.uow() as uow:
        found = training_grades.awaiting(
            uow, principal.username, context.clock(), (page - 1) * PAGE_SIZE, PAGE_SIZE
        )
    items = [AwaitingOut(rma_no=a.rma_no, inspected_at=a.inspected_at) for a in found.items]
    return AwaitingPageOut(items=items, total=found.total, page=page)


@router.post("/second-grades", status_code=201)
def second_grade(body: SecondGradeIn, context: Context, principal: Inspector) -> SecondGradeOut:
    """A second inspector's blind grade (once per request; not the first inspector's)."""

    def step(uow: UnitOfWork, now: datetime) -> SecondGrade:  # the gate reads settings per call
        return training_grades.regrade(uow, body.rma_no.strip(), body.grade, principal.actor, now)

    return second_grade_out(perform(context, step))


@router.get("/due")
def who_is_due(
    context: Context,
    language: Language,
    principal: StaffScorer,
    within: Annotated[int, Query(ge=0, le=training_due.MAX_WITHIN)] = training_due.DEFAULT_WITHIN,
    sort: training_due.Sort = training_due.Sort.SOONEST,
    page: Page = 1,
) -> DueListOut:
    """Managers: everyone with an assessment, a re-read or a certificate due, a page a time."""
    with context.uow() as uow:
        found = training_due.who_is_due(uow, context.clock(), within, sort)
    pages = page_count(len(found), PAGE_SIZE)
    page = min(page, pages)
    shown = found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    return DueListOut(
        items=[due_person_out(p, language) for p in shown], total=len(found), page=page, pages=pages
    )


def due_person_out(person: training_due.DuePerson, language: str) -> DuePersonOut:
    items = [
        DueItemOut(
            what=i.what,
            label=i.label.in_language(language),
            on=i.on,
            overdue=i.overdue,
            count=i.count,
        )
        for i in person.items
    ]
    return DuePersonOut(
        username=person.username, user_id=person.user_id, display_name=person.display_name,
        role=person.role, soonest=person.soonest, overdue=person.overdue, items=items,
    )  # fmt: skip


@router.get("/people/{user_id}")
def skill_record(
    user_id: RowId, context: Context, language: Language, principal: Trainee
) -> SkillRecordOut:
    """One person's whole skill record: a manager reads anyone's, a person their own."""
    found = perform(
        context, lambda uow, now: training_people.skill_record(uow, user_id, principal, now)
    )
    return record_out(found, language)


def record_out(found: training_people.SkillRecord, language: str) -> SkillRecordOut:
    courses = [
        CourseRecordOut(
            skill=c.skill,
            standing=c.standing,
            best_percent=c.best_percent,
            lessons=[
                LessonDoneOut(
                    key=ls.key, title=ls.title.in_language(language), done=ls.done, reread=ls.reread
                )
                for ls in c.lessons
            ],
        )
        for c in found.courses
    ]
    return SkillRecordOut(
        user_id=found.user_id,
        username=found.username,
        display_name=found.display_name,
        role=found.role,
        courses=courses,
        checks=[CheckOut(**asdict(a)) for a in found.attempts],
        certificates=[_certificate(c) for c in found.certificates],
        practice=[practice_out(p) for p in found.practice],
        second_grades=[second_grade_out(g) for g in found.second_grades],
        assessments_due=[_due(d, language) for d in found.assessments_due],
        assessments_done=[AssessmentDoneOut(**asdict(r)) for r in found.assessments_done],
        recognitions=[recognition_out(r, language) for r in found.recognitions],
    )


def _certificate(held: training_people.CertificateRecord) -> CertificateRecordOut:
    shown = certificate_out(held.certificate)
    assert shown is not None
    return CertificateRecordOut(certificate=shown, standing=held.standing, waived=held.waived)


def _due(due: Due, language: str) -> DueOut:
    return DueOut(
        kind=due.kind,
        label=due.kind.label.in_language(language),
        due_on=due.due_on,
        last_done=due.last_done,
        state=due.state,
    )
