"""Skill records API (issue 17, R16.8, R12.2): the practical figures observed on real work,
the supervisor's practical assessment recorded with them, and rewards and corrective
actions with their reasons (managers record; everyone reads their own).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from returnflow.api.roles import StaffScorer, Trainee
from returnflow.domain.training_records import MAX_REASON, Practice, Recognition, RecognitionKind
from returnflow.entrypoints.deps import Context, Language
from returnflow.entrypoints.steps import perform
from returnflow.services import training_practice as service
from returnflow.services.unit_of_work import UnitOfWork

router = APIRouter(prefix="/api/v1/training", tags=["training"])


class PracticeOut(BaseModel):
    username: str
    since: date
    until: date  # exclusive
    inspections: int
    inspections_overturned: int  # later overturned on appeal
    inspection_accuracy: int | None  # percent standing; null without inspections
    second_graded: int  # inspections a second inspector graded again, blind
    second_matched: int  # of which the grades matched
    grade_accuracy: int | None  # percent matched; null without second grades
    decisions: int
    decisions_overturned: int
    decisions_standing: int | None


class PracticalIn(BaseModel):
    username: str = Field(min_length=1, max_length=100)
    month: date  # any day of the month observed
    note: str = Field(default="", max_length=300)


class RecognitionIn(BaseModel):
    username: str = Field(min_length=1, max_length=100)
    kind: RecognitionKind
    reason: str = Field(max_length=MAX_REASON)
    on: date


class RecognitionOut(BaseModel):
    username: str
    kind: RecognitionKind
    label: str
    reason: str
    on: date
    recorded_by: str
    recorded_at: datetime


class RecognitionsOut(BaseModel):
    items: list[RecognitionOut]


def practice_out(found: Practice) -> PracticeOut:
    return PracticeOut(
        username=found.username,
        since=found.since,
        until=found.until,
        inspections=found.inspections,
        inspections_overturned=found.inspections_overturned,
        inspection_accuracy=found.inspection_accuracy,
        second_graded=found.second_graded,
        second_matched=found.second_matched,
        grade_accuracy=found.grade_accuracy,
        decisions=found.decisions,
        decisions_overturned=found.decisions_overturned,
        decisions_standing=found.decisions_standing,
    )


def recognition_out(made: Recognition, language: str) -> RecognitionOut:
    return RecognitionOut(
        username=made.username,
        kind=made.kind,
        label=made.kind.label.in_language(language),
        reason=made.reason,
        on=made.on,
        recorded_by=made.recorded_by,
        recorded_at=made.recorded_at,
    )


@router.get("/practice")
def practice(
    context: Context,
    principal: StaffScorer,
    username: Annotated[str, Query(min_length=1, max_length=100)],
    month: date,
) -> PracticeOut:
    """Managers: a person's month of real work and how much of it an appeal overturned."""
    with context.uow() as uow:
        return practice_out(service.practice_of(uow, username.strip(), month))


@router.post("/practicals", status_code=201)
def record_practical(body: PracticalIn, context: Context, principal: StaffScorer) -> PracticeOut:
    """A supervisor records the monthly practical assessment; the figures are computed."""

    def step(uow: UnitOfWork, now: datetime) -> Practice:
        return service.record_practical(
            uow, body.username.strip(), body.month, principal.actor, now, body.note
        )

    return practice_out(perform(context, step))


@router.post("/recognitions", status_code=201)
def recognize(
    body: RecognitionIn, context: Context, language: Language, principal: StaffScorer
) -> RecognitionOut:
    """Managers: a reward or a corrective action for a person, with the reason (append-only)."""

    def step(uow: UnitOfWork, now: datetime) -> Recognition:
        return service.recognize(
            uow, body.username.strip(), body.kind, body.reason, body.on, principal.actor, now
        )

    return recognition_out(perform(context, step), language)


@router.get("/recognitions")
def my_recognitions(context: Context, language: Language, principal: Trainee) -> RecognitionsOut:
    """My own rewards and corrective actions, newest first."""
    with context.uow() as uow:
        found = service.recognitions_of(uow, [principal.username])
    return RecognitionsOut(items=[recognition_out(r, language) for r in found])
