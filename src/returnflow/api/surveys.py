"""The satisfaction survey (R7.2): the app answers it, staff read the report.

`POST /api/v1/returns/{rma_no}/survey` is for the app on the customer's behalf (`Filer`):
four dimensions 1–5 and the recommendation 0–10, once, after completion (a second answer
is 409, an early one 422). `GET /api/v1/reports/satisfaction` groups the answers of a
period (local days, `from`/`to`) by agent or merchant (`Reporter`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from returnflow.api import schemas
from returnflow.api.roles import Filer, Reporter
from returnflow.domain.surveys import MAX_COMMENT, Scores, Survey
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.steps import perform
from returnflow.services import survey_queries
from returnflow.services import surveys as survey_service
from returnflow.services.survey_queries import SatisfactionLine
from returnflow.services.unit_of_work import UnitOfWork

router = APIRouter(prefix="/api/v1", tags=["surveys"])

Dimension = Annotated[int, Field(ge=1, le=5)]
DateFrom = Annotated[str, Query(alias="from", max_length=10)]
DateTo = Annotated[str, Query(alias="to", max_length=10)]


class SurveyIn(schemas.Strict):
    speed: Dimension
    attitude: Dimension
    effectiveness: Dimension
    process: Dimension
    nps: int = Field(ge=0, le=10)
    comment: str = Field(default="", max_length=MAX_COMMENT)


class SurveyOut(BaseModel):
    rma_no: str
    merchant_id: str
    agent: str
    speed: int
    attitude: int
    effectiveness: int
    process: int
    nps: int
    comment: str
    answered_at: datetime


class SatisfactionLineOut(BaseModel):
    key: str
    answers: int
    speed: float
    attitude: float
    effectiveness: float
    process: float
    nps: float
    promoters: int
    passives: int
    detractors: int


class SatisfactionOut(BaseModel):
    by: str
    start: date
    end: date
    overall: SatisfactionLineOut
    lines: list[SatisfactionLineOut]


def survey_out(survey: Survey) -> SurveyOut:
    s = survey.scores
    return SurveyOut(
        rma_no=survey.rma_no,
        merchant_id=survey.merchant_id,
        agent=survey.agent,
        speed=s.speed,
        attitude=s.attitude,
        effectiveness=s.effectiveness,
        process=s.process,
        nps=s.nps,
        comment=survey.comment,
        answered_at=survey.answered_at,
    )


def line_out(line: SatisfactionLine) -> SatisfactionLineOut:
    return SatisfactionLineOut.model_validate(line, from_attributes=True)


@router.post("/returns/{rma_no}/survey", status_code=201, response_model=SurveyOut)
def answer_survey(rma_no: str, body: SurveyIn, context: Context, principal: Filer) -> SurveyOut:
    """Answer a completed request's satisfaction survey, once."""
    scores = Scores(body.speed, body.attitude, body.effectiveness, body.process, body.nps)

    def step(uow: UnitOfWork, now: datetime) -> SurveyOut:
        survey = survey_service.answer_survey(
            uow, rma_no, scores, body.comment, principal.actor, now
        )
        return survey_out(survey)

    return perform(context, step)


@router.get("/reports/satisfaction", response_model=SatisfactionOut)
def satisfaction(
    context: Context,
    principal: Reporter,
    by: Literal["agent", "merchant"] = "agent",
    date_from: DateFrom = "",
    date_to: DateTo = "",
) -> SatisfactionOut:
    """Averages per dimension and NPS (promoters − detractors, %) per agent or merchant."""
    when = survey_queries.period(date_from, date_to, context.clock())

    def read(uow: UnitOfWork, now: datetime) -> SatisfactionOut:
        report = survey_queries.satisfaction(
            uow, by, when.since, when.until, merchant_scope=principal.merchant_scope
        )
        return SatisfactionOut(
            by=by,
            start=when.start,
            end=when.end,
            overall=line_out(report.overall),
            lines=[line_out(line) for line in report.lines],
        )

    return perform(context, read)
