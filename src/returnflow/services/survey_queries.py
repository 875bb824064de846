"""Satisfaction reports (R7.2): averages per dimension and the NPS, per agent, per merchant.

NPS is the share of promoters (9–10) minus the share of detractors (0–6), in percent,
rounded to one decimal; averages are rounded to two decimals. A group is an agent
("role:username" of the last person who handled the request, "" when nobody did: fully
automatic) or a merchant; `overall` covers every answer of the period.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from returnflow.domain.input_bounds import day_range, optional_day
from returnflow.domain.surveys import DIMENSIONS, Survey
from returnflow.services.liability_queries import ZONE, Period
from returnflow.services.unit_of_work import UnitOfWork

GroupBy = Literal["agent", "merchant"]
DEFAULT_DAYS = 90  # a report with no dates covers the last 90 local days


def period(date_from: str, date_to: str, now: datetime) -> Period:
    """The local days asked for (`YYYY-MM-DD` texts, both inclusive); none: the last 90."""
    today = now.astimezone(ZONE).date()
    first, last = day_range(
        optional_day(date_from, "from"), optional_day(date_to, "to"), today, DEFAULT_DAYS
    )
    return Period(first, last)


@dataclass(frozen=True)
class SatisfactionLine:
    key: str  # the agent or the merchant id; "" for the overall line
    answers: int
    speed: float
    attitude: float
    effectiveness: float
    process: float
    nps: float  # −100 … 100
    promoters: int
    passives: int
    detractors: int


@dataclass(frozen=True)
class SatisfactionReport:
    by: GroupBy
    start: datetime | None
    end: datetime | None
    overall: SatisfactionLine
    lines: tuple[SatisfactionLine, ...]


def nps(scores: Iterable[int]) -> float:
    """Promoters (9–10) minus detractors (0–6), as a percentage of all answers."""
    values = list(scores)
    if not values:
        return 0.0
    promoters = sum(1 for v in values if v >= 9)
    detractors = sum(1 for v in values if v <= 6)
    return round(100 * (promoters - detractors) / len(values), 1)


def summarise(key: str, answers: list[Survey]) -> SatisfactionLine:
    count = len(answers)

    def mean(name: str) -> float:
        return round(sum(getattr(a.scores, name) for a in answers) / count, 2) if count else 0.0

    averages = {name: mean(name) for name in DIMENSIONS}
    recommend = [a.scores.nps for a in answers]
    return SatisfactionLine(
        key=key,
        answers=count,
        **averages,
        nps=nps(recommend),
        promoters=sum(1 for v in recommend if v >= 9),
        passives=sum(1 for v in recommend if 7 <= v <= 8),
        detractors=sum(1 for v in recommend if v <= 6),
    )


def satisfaction(
    uow: UnitOfWork,
    by: GroupBy,
    start: datetime | None = None,
    end: datetime | None = None,
    *,
    merchant_scope: str | None = None,
) -> SatisfactionReport:
    """Every answer given in [start, end), grouped by agent or merchant (keys sorted)."""
    answers = uow.surveys.answered(start, end, merchant_scope)
    groups: dict[str, list[Survey]] = {}
    for answer in answers:
        key = answer.agent if by == "agent" else answer.merchant_id
        groups.setdefault(key, []).append(answer)
    lines = tuple(summarise(key, groups[key]) for key in sorted(groups))
    return SatisfactionReport(by, start, end, summarise("", answers), lines)
