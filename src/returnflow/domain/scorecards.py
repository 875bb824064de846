"""Scorecards (R11.2, R12.2): the figures of a merchant or a person, the composite, the trend.

Standard library only. The storage layer hands over raw counts and durations for a
period; this module turns them into rates, medians and one composite score.

Merchant composite (0–100, higher is better): the mean of up to five parts, each 0…1,
over the parts that have data (a merchant with no survey is scored on the other four):
- speed: 1 at a median answer within 24 hours, 0 at 72 hours or more, linear between;
- overturns: 1 − overturned ÷ decisions;
- rulings: 1 − 10 × rulings against ÷ requests (one ruling against per 10 requests: 0);
- returns: 1 at or below the category's return rate, 0 at twice it or more, linear;
- satisfaction: (CSAT − 1) ÷ 4, CSAT being the mean of the survey's four 1–5 dimensions.
No part at all: no score, ranked last. The trend is this period's score minus the
score of the period of the same length just before it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from statistics import median

FAST_HOURS = 24.0  # an answer within a day scores full marks
SLOW_HOURS = 72.0  # three days or more scores nothing
RULINGS_PER_REQUEST_ZERO = 0.1  # one ruling against per ten requests scores nothing
MIN_PARTS = 2  # a composite of one part says too little to rank on


def median_hours(hours: Iterable[float]) -> float | None:
    values = sorted(hours)
    return round(median(values), 2) if values else None


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _clamp(value: float) -> float:
    return round(max(0.0, min(1.0, value)), 4)


@dataclass(frozen=True, slots=True)
class Survey:
    """The four 1–5 dimensions' sum and the count of answers."""

    answers: int = 0
    dimension_sum: int = 0  # speed + attitude + effectiveness + process, summed

    @property
    def csat(self) -> float | None:
        return round(self.dimension_sum / (4 * self.answers), 2) if self.answers else None


@dataclass(frozen=True, slots=True)
class MerchantFigures:
    merchant_id: str
    requests: int  # requests filed in the period
    decisions: int  # review decisions (approve, reject, automatic or not)
    approvals: int
    answer_hours: tuple[float, ...]  # filed → decided, each person's decision
    overturned: int  # appeals decided for the customer
    disputes: int  # disputes opened
    rulings_against: int  # rulings and agreements naming the merchant liable
    units_delivered: int
    units_returned: int
    category_rate: float | None  # the platform's rate over this merchant's categories
    survey: Survey
    charged_back: int  # fen booked to its receivable

    @property
    def median_answer_hours(self) -> float | None:
        return median_hours(self.answer_hours)

    @property
    def approval_rate(self) -> float | None:
        return rate(self.approvals, self.decisions)

    @property
    def overturn_rate(self) -> float | None:
        return rate(self.overturned, self.decisions)

    @property
    def dispute_rate(self) -> float | None:
        return rate(self.disputes, self.requests)

    @property
    def return_rate(self) -> float | None:
        return rate(self.units_returned, self.units_delivered)

    def parts(self) -> dict[str, float]:
        """Each part of the composite that has data, 0…1."""
        parts: dict[str, float] = {}
        hours = self.median_answer_hours
        if hours is not None:
            parts["speed"] = _clamp((SLOW_HOURS - hours) / (SLOW_HOURS - FAST_HOURS))
        if self.overturn_rate is not None:
            parts["overturns"] = _clamp(1 - self.overturn_rate)
        if self.requests:
            against = self.rulings_against / self.requests
            parts["rulings"] = _clamp(1 - against / RULINGS_PER_REQUEST_ZERO)
        returned, expected = self.return_rate, self.category_rate
        if returned is not None and expected:
            parts["returns"] = _clamp(2 - returned / expected)
        csat = self.survey.csat
        if csat is not None:
            parts["satisfaction"] = _clamp((csat - 1) / 4)
        return parts

    @property
    def score(self) -> float | None:
        """None ("not enough data") with fewer than `MIN_PARTS` parts: a merchant with no
        request in the period is not ranked first on its return rate alone."""
        parts = self.parts()
        return round(100 * sum(parts.values()) / len(parts), 1) if len(parts) >= MIN_PARTS else None


@dataclass(frozen=True, slots=True)
class MerchantCard:
    figures: MerchantFigures
    rank: int  # 1 = best
    previous_score: float | None

    @property
    def trend(self) -> float | None:
        now, before = self.figures.score, self.previous_score
        return None if now is None or before is None else round(now - before, 1)


def rank_merchants(
    current: Sequence[MerchantFigures], previous: dict[str, float | None]
) -> list[MerchantCard]:
    """Best score first (ties by merchant id); no score last."""

    def order(figures: MerchantFigures) -> tuple[int, float, str]:
        score = figures.score
        return (score is None, -(score or 0.0), figures.merchant_id)

    ranked = sorted(current, key=order)
    return [
        MerchantCard(figures, index + 1, previous.get(figures.merchant_id))
        for index, figures in enumerate(ranked)
    ]


@dataclass(frozen=True, slots=True)
class StaffFigures:
    """One person's (or one team's) work in the period."""

    key: str  # "agent:li.na", or the team's name
    team: str
    requests_handled: int
    review_hours: tuple[float, ...]  # filed → decided, their decisions
    complaints_handled: int
    complaint_hours: tuple[float, ...]  # filed → resolved, their resolutions
    overturned: int  # their decisions overturned on appeal
    survey: Survey
    inspections: int
    inspection_hours: int  # distinct clock hours in which they inspected

    @property
    def median_review_hours(self) -> float | None:
        return median_hours(self.review_hours)

    @property
    def median_complaint_hours(self) -> float | None:
        return median_hours(self.complaint_hours)

    @property
    def inspections_per_hour(self) -> float | None:
        return round(self.inspections / self.inspection_hours, 2) if self.inspection_hours else None


def team_line(team: str, members: Sequence[StaffFigures]) -> StaffFigures:
    """A team's figures: the members' counts summed, medians over all their durations."""
    return StaffFigures(
        key=team,
        team=team,
        requests_handled=sum(m.requests_handled for m in members),
        review_hours=tuple(h for m in members for h in m.review_hours),
        complaints_handled=sum(m.complaints_handled for m in members),
        complaint_hours=tuple(h for m in members for h in m.complaint_hours),
        overturned=sum(m.overturned for m in members),
        survey=Survey(
            sum(m.survey.answers for m in members), sum(m.survey.dimension_sum for m in members)
        ),
        inspections=sum(m.inspections for m in members),
        inspection_hours=sum(m.inspection_hours for m in members),
    )
