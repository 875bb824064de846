"""Scorecards (R11.2, R12.2): merchants ranked, and the platform's people and teams.

`GET /api/v1/scorecards/merchants?from=&to=` (`Analyst`): every merchant's card for the
period (local days, both inclusive; none: the last 30), best composite first, with the
trend against the period before. A merchant account gets its own card only, with its
rank among `merchants` (no other merchant is named). `GET /api/v1/scorecards/staff`
(`StaffScorer`, managers): per person and per team; `team=` narrows to a role or a
complaint team. A bad or reversed period is problem+json (422). Definitions:
`services/scorecards.py` and `domain/scorecards.py`. Money is integer fen.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from returnflow.api.roles import Analyst, StaffScorer
from returnflow.domain.scorecards import MerchantCard, StaffFigures
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.steps import perform_read
from returnflow.services import scorecards
from returnflow.services.unit_of_work import UnitOfWork

router = APIRouter(prefix="/api/v1/scorecards", tags=["scorecards"])

DateFrom = Annotated[str, Query(alias="from", max_length=10)]
DateTo = Annotated[str, Query(alias="to", max_length=10)]
Team = Annotated[str, Query(max_length=64, pattern=r"^[a-z_]*$")]


class MerchantCardOut(BaseModel):
    merchant_id: str
    name: str
    rank: int
    score: float | None  # 0–100, see domain/scorecards.py
    previous_score: float | None
    trend: float | None  # score − previous_score
    requests: int
    decisions: int
    approval_rate: float | None
    median_answer_hours: float | None
    overturned: int
    overturn_rate: float | None
    disputes: int
    dispute_rate: float | None
    rulings_against: int
    units_delivered: int
    units_returned: int
    return_rate: float | None
    category_return_rate: float | None
    survey_answers: int
    csat: float | None  # 1–5
    charged_back: int  # fen booked to the merchant's receivable
    currency: str


class MerchantScorecardsOut(BaseModel):
    start: date
    end: date
    previous_start: date
    previous_end: date
    merchants: int  # how many were ranked
    cards: list[MerchantCardOut]
    truncated: bool


class StaffLineOut(BaseModel):
    key: str  # "role:username", or the team
    team: str
    requests_handled: int
    median_review_hours: float | None
    complaints_handled: int
    median_complaint_hours: float | None
    overturned: int
    survey_answers: int
    csat: float | None
    inspections: int
    inspection_hours: int
    inspections_per_hour: float | None


class StaffScorecardsOut(BaseModel):
    start: date
    end: date
    people: list[StaffLineOut]
    teams: list[StaffLineOut]
    truncated: bool


def card_out(card: MerchantCard, name: str) -> MerchantCardOut:
    f = card.figures
    return MerchantCardOut(
        merchant_id=f.merchant_id,
        name=name,
        rank=card.rank,
        score=f.score,
        previous_score=card.previous_score,
        trend=card.trend,
        requests=f.requests,
        decisions=f.decisions,
        approval_rate=f.approval_rate,
        median_answer_hours=f.median_answer_hours,
        overturned=f.overturned,
        overturn_rate=f.overturn_rate,
        disputes=f.disputes,
        dispute_rate=f.dispute_rate,
        rulings_against=f.rulings_against,
        units_delivered=f.units_delivered,
        units_returned=f.units_returned,
        return_rate=f.return_rate,
        category_return_rate=f.category_rate,
        survey_answers=f.survey.answers,
        csat=f.survey.csat,
        charged_back=f.charged_back,
        currency="CNY",
    )


def staff_out(line: StaffFigures) -> StaffLineOut:
    return StaffLineOut(
        key=line.key,
        team=line.team,
        requests_handled=line.requests_handled,
        median_review_hours=line.median_review_hours,
        complaints_handled=line.complaints_handled,
        median_complaint_hours=line.median_complaint_hours,
        overturned=line.overturned,
        survey_answers=line.survey.answers,
        csat=line.survey.csat,
        inspections=line.inspections,
        inspection_hours=line.inspection_hours,
        inspections_per_hour=line.inspections_per_hour,
    )


@router.get("/merchants", response_model=MerchantScorecardsOut)
def merchant_scorecards(
    context: Context, principal: Analyst, date_from: DateFrom = "", date_to: DateTo = ""
) -> MerchantScorecardsOut:
    """Merchants ranked by the composite, with the trend; a merchant: its own card."""
    when = scorecards.period(date_from, date_to, context.clock())
    before = scorecards.previous(when)

    def read(uow: UnitOfWork, now: datetime) -> MerchantScorecardsOut:
        board = scorecards.merchant_board(uow, when, principal.merchant_scope)
        return MerchantScorecardsOut(
            start=when.start,
            end=when.end,
            previous_start=before.start,
            previous_end=before.end,
            merchants=board.total,
            cards=[
                card_out(c, board.names.get(c.figures.merchant_id, c.figures.merchant_id))
                for c in board.cards
            ],
            truncated=board.truncated,
        )

    return perform_read(context, read)


@router.get("/staff", response_model=StaffScorecardsOut)
def staff_scorecards(
    context: Context,
    principal: StaffScorer,
    date_from: DateFrom = "",
    date_to: DateTo = "",
    team: Team = "",
) -> StaffScorecardsOut:
    """Per person and per team: handled, handling time, overturns, CSAT, inspections/hour."""
    when = scorecards.period(date_from, date_to, context.clock())

    def read(uow: UnitOfWork, now: datetime) -> StaffScorecardsOut:
        board = scorecards.staff_board(uow, when, team)
        return StaffScorecardsOut(
            start=when.start,
            end=when.end,
            people=[staff_out(line) for line in board.people],
            teams=[staff_out(line) for line in board.teams],
            truncated=board.truncated,
        )

    return perform_read(context, read)
