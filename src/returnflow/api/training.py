"""Training API (issue 17, R16.8): one's courses and certificates, knowledge checks,
and administrators' waivers of the certification gate.

A check is started (`POST /attempts`: the questions without their answers) and then
answered (`POST /attempts/{id}/answers`): the server draws the same questions again
from the stored seed and scores them; the client never holds an answer key.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, Field

from returnflow.api.roles import Admin, StaffScorer, Trainee
from returnflow.api.training_records import RecognitionOut, recognition_out
from returnflow.app_context import AppContext
from returnflow.domain.staff_notices import LOCAL_ZONE
from returnflow.domain.training import Certificate, Lesson, Skill
from returnflow.domain.training_notice_words import LESSON_TITLES
from returnflow.domain.training_questions import Question
from returnflow.domain.training_schedule import AssessmentKind, Due
from returnflow.entrypoints.deps import Context, Language
from returnflow.entrypoints.params import RowId
from returnflow.entrypoints.steps import perform
from returnflow.services import training as service
from returnflow.services import training_practice, training_schedule, training_stale, training_team
from returnflow.services.unit_of_work import UnitOfWork

router = APIRouter(prefix="/api/v1/training", tags=["training"])


class QuestionOut(BaseModel):
    number: int
    prompt: str
    choices: list[str]


class ExampleOut(QuestionOut):
    answer: int
    explanation: str


class LessonOut(BaseModel):
    title: str
    body: str
    example: ExampleOut  # a worked case from the rules in force


class CertificateOut(BaseModel):
    username: str
    skill: Skill
    granted_at: datetime
    expires_at: datetime
    waived_by: str | None
    reason: str


class SkillOut(BaseModel):
    skill: Skill
    label: str
    standing: str  # valid | refresher_due | grace | expired | missing
    refresher_due: bool
    allows_work: bool
    certificate: CertificateOut | None
    lessons: list[LessonOut]


class SkillsOut(BaseModel):
    items: list[SkillOut]


class StartIn(BaseModel):
    skill: Skill


class AttemptOut(BaseModel):
    id: int
    skill: Skill
    questions: list[QuestionOut]


class AnswersIn(BaseModel):
    answers: list[Annotated[int, Field(ge=0, le=20)] | None] = Field(max_length=50)


class MarkedOut(QuestionOut):
    given: int | None
    answer: int
    correct: bool
    explanation: str


class ResultOut(BaseModel):
    id: int
    skill: Skill
    correct: int
    total: int
    percent: int
    passed: bool
    marked: list[MarkedOut]
    certificate: CertificateOut | None


class WaiverIn(BaseModel):
    username: str = Field(min_length=1, max_length=100)
    skill: Skill
    reason: str = Field(max_length=500)


def _question(number: int, question: Question, language: str) -> QuestionOut:
    return QuestionOut(
        number=number,
        prompt=question.prompt.in_language(language),
        choices=[service.choice_text(c, language) for c in question.choices],
    )


def _lesson(lesson: Lesson, language: str) -> LessonOut:
    shown = _question(1, lesson.example, language)
    return LessonOut(
        title=lesson.title.in_language(language),
        body=lesson.body.in_language(language),
        example=ExampleOut(
            **shown.model_dump(),
            answer=lesson.example.answer,
            explanation=lesson.example.explanation.in_language(language),
        ),
    )


def certificate_out(certificate: Certificate | None) -> CertificateOut | None:
    if certificate is None:
        return None
    return CertificateOut(
        username=certificate.username,
        skill=certificate.skill,
        granted_at=certificate.granted_at,
        expires_at=certificate.expires_at,
        waived_by=certificate.waived_by,
        reason=certificate.reason,
    )


@router.get("/skills")
def skills(context: Context, language: Language, principal: Trainee) -> SkillsOut:
    """My courses: lessons with live examples, and my standing in each skill."""
    now = context.clock()
    with context.uow() as uow:
        found = service.courses(uow, principal.username, principal.role, now)
    items = [
        SkillOut(
            skill=course.skill,
            label=course.skill.label.in_language(language),
            standing=course.standing.value,
            refresher_due=course.standing.refresher_due,
            allows_work=course.standing.allows_work,
            certificate=certificate_out(course.certificate),
            lessons=[_lesson(lesson, language) for lesson in course.lessons],
        )
        for course in found
    ]
    return SkillsOut(items=items)


@router.post("/attempts", status_code=201)
def start(body: StartIn, context: Context, language: Language, principal: Trainee) -> AttemptOut:
    """Start a knowledge check: the questions, never their answers."""

    def step(uow: UnitOfWork, now: datetime) -> service.Started:
        return service.start_attempt(uow, principal.username, body.skill, now)

    started = perform(context, step)
    questions = [_question(i + 1, q, language) for i, q in enumerate(started.questions)]
    return AttemptOut(id=started.attempt_id, skill=started.skill, questions=questions)


@router.post("/attempts/{attempt_id}/answers")
def answer(
    attempt_id: RowId, body: AnswersIn, context: Context, language: Language, principal: Trainee
) -> ResultOut:
    """Score on the server; a pass grants the skill's certificate."""

    def step(uow: UnitOfWork, now: datetime) -> service.Result:
        return service.answer_attempt(
            uow, attempt_id, principal.username, body.answers, now, context_rules(context)
        )

    result = perform(context, step)
    marked = [
        MarkedOut(
            **_question(i + 1, m.question, language).model_dump(),
            given=m.given,
            answer=m.question.answer,
            correct=m.correct,
            explanation=m.question.explanation.in_language(language),
        )
        for i, m in enumerate(result.score.marked)
    ]
    score = result.score
    return ResultOut(
        id=result.attempt_id,
        skill=result.skill,
        correct=score.correct,
        total=score.total,
        percent=score.percent,
        passed=score.passed,
        marked=marked,
        certificate=certificate_out(result.certificate),
    )


@router.post("/waivers", status_code=201)
def waive(body: WaiverIn, context: Context, principal: Admin) -> CertificateOut:
    """An administrator lets a person work without the check for a while, with a reason."""

    def step(uow: UnitOfWork, now: datetime) -> Certificate:
        return service.waive(uow, body.username, body.skill, body.reason, principal.actor, now)

    found = certificate_out(perform(context, step))
    assert found is not None
    return found


class CellOut(BaseModel):
    skill: Skill
    standing: str
    expires_at: datetime | None
    rereads: int = 0  # lessons a new policy version asks this person to re-read


class MemberOut(BaseModel):
    username: str
    display_name: str
    role: str
    cells: list[CellOut]
    recognitions: list[RecognitionOut] = []  # rewards and corrective actions, newest first


class TeamOut(BaseModel):
    skills: list[Skill]
    members: list[MemberOut]
    missing: int
    refresher_due: int


@router.get("/team")
def team(context: Context, language: Language, principal: StaffScorer) -> TeamOut:
    """Managers: every person's standing per skill of their role, the gaps counted."""
    with context.uow() as uow:
        found = training_team.team_matrix(uow, context.clock())
    members = [
        MemberOut(
            username=m.username,
            display_name=m.display_name,
            role=m.role.value,
            cells=[
                CellOut(
                    skill=skill,
                    standing=cell.standing.value,
                    expires_at=cell.expires_at,
                    rereads=cell.rereads,
                )
                for skill, cell in m.cells.items()
            ],
            recognitions=[recognition_out(r, language) for r in m.recognitions],
        )
        for m in found.members
    ]
    return TeamOut(
        skills=list(found.skills), members=members, missing=found.missing, refresher_due=found.due
    )


def context_rules(context: AppContext) -> service.TrainingRules:
    return service.TrainingRules.from_settings(context.settings)


# --- upkeep: lessons to re-read after a policy change, periodic assessments -------------


class RereadOut(BaseModel):
    lesson: str  # "skill:generator"
    skill: Skill
    title: str
    policy_version: int  # the version that changed what it teaches
    marked_at: datetime


class DueOut(BaseModel):
    kind: AssessmentKind
    label: str
    due_on: date
    last_done: date | None
    state: str  # scheduled | due_soon | overdue


class UpkeepOut(BaseModel):
    rereads: list[RereadOut]
    assessments: list[DueOut]


class RereadIn(BaseModel):
    lesson: str = Field(min_length=1, max_length=60)


class AssessmentIn(BaseModel):
    username: str = Field(min_length=1, max_length=100)
    kind: AssessmentKind
    note: str = Field(default="", max_length=500)


def _due(due: Due, language: str) -> DueOut:
    label = due.kind.label.in_language(language)
    return DueOut(
        kind=due.kind, label=label, due_on=due.due_on, last_done=due.last_done, state=due.state
    )


def _upkeep(uow: UnitOfWork, username: str, now: datetime, language: str) -> UpkeepOut:
    rereads = [
        RereadOut(
            lesson=r.lesson,
            skill=Skill(r.skill),
            title=LESSON_TITLES[r.lesson].in_language(language)
            if r.lesson in LESSON_TITLES
            else r.lesson,
            policy_version=r.policy_version,
            marked_at=r.marked_at,
        )
        for r in training_stale.rereads_of(uow, username).values()
    ]
    dues = [_due(d, language) for d in training_schedule.schedule_of(uow, username, now)]
    return UpkeepOut(rereads=rereads, assessments=dues)


@router.get("/upkeep")
def upkeep(context: Context, language: Language, principal: Trainee) -> UpkeepOut:
    """My lessons to re-read after a policy change and my periodic assessments' due dates."""
    return perform(context, lambda uow, now: _upkeep(uow, principal.username, now, language))


@router.post("/rereads")
def confirm_reread(
    body: RereadIn, context: Context, language: Language, principal: Trainee
) -> UpkeepOut:
    """I have re-read a lesson: its mark is cleared (404 `reread_not_found` if none)."""

    def step(uow: UnitOfWork, now: datetime) -> UpkeepOut:
        training_stale.confirm_reread(uow, principal.username, body.lesson, now)
        return _upkeep(uow, principal.username, now, language)

    return perform(context, step)


@router.post("/assessments", status_code=201)
def record_assessment(
    body: AssessmentIn, context: Context, language: Language, principal: StaffScorer
) -> list[DueOut]:
    """A supervisor records a periodic assessment done; the person's schedule after it."""

    def step(uow: UnitOfWork, now: datetime) -> list[DueOut]:
        username = body.username.strip()
        if body.kind is AssessmentKind.PRACTICAL:  # the month's figures from real work
            month = now.astimezone(LOCAL_ZONE).date()
            training_practice.record_practical(
                uow, username, month, principal.actor, now, body.note
            )
        else:
            training_schedule.record(uow, username, body.kind, principal.actor, now, body.note)
        return [_due(d, language) for d in training_schedule.schedule_of(uow, username, now)]

    return perform(context, step)
