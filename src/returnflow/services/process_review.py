"""The quarterly process review (issue 17, R16.11; seed 002 §五): review timeliness,
logistics efficiency and satisfaction for a quarter against the one before, with the
improvement proposals closed in it.

Every figure comes from the daily rollups the KPIs and dashboards read
(`uow.analytics.kpi_inputs`, issue 14): days are China-time days, so a quarter is its
local days and an event belongs to the quarter of the day it ended in. The review target
is the SLA chart's (`dashboard_model.SlaTargets`); durations are exact to the rollups'
buckets. Nothing here scans the raw tables.
"""

from __future__ import annotations

from dataclasses import dataclass

from returnflow.domain import metrics
from returnflow.domain.proposals import Outcome, Proposal
from returnflow.domain.quarters import Quarter
from returnflow.services.dashboard_model import SlaTargets
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.storage.analytics import KpiInputs

HOURS, DAYS = 3600, 86400
REVIEW = "stage_filed_decided"
TO_SHIPPED = "stage_decided_shipped"
TO_RECEIVED = "stage_shipped_received"


@dataclass(frozen=True, slots=True)
class Figures:
    """One quarter's numbers; None where nothing was counted."""

    reviews: int
    reviewed_in_time: int
    in_time_share: float | None  # 0–1
    review_median_hours: float | None
    approval_to_shipped_days: float | None  # median
    shipped_to_received_days: float | None  # median
    returns_shipped: int
    cost_per_return: int | None  # fen
    survey_answers: int
    csat: float | None  # percent
    nps: float | None  # −100 … 100


@dataclass(frozen=True, slots=True)
class QuarterReview:
    quarter: Quarter
    previous: Quarter
    target_hours: float
    now: Figures
    before: Figures
    closed: tuple[Proposal, ...]

    def outcomes(self) -> dict[Outcome, int]:
        return {o: sum(1 for p in self.closed if p.outcome is o) for o in Outcome}


def review(uow: UnitOfWork, quarter: Quarter, targets: SlaTargets) -> QuarterReview:
    previous = quarter.previous()
    limit = round(HOURS * targets.review_hours)
    return QuarterReview(
        quarter,
        previous,
        targets.review_hours,
        figures(_inputs(uow, quarter), limit),
        figures(_inputs(uow, previous), limit),
        tuple(uow.proposals.closed_between(quarter.start, quarter.end)),
    )


def _inputs(uow: UnitOfWork, quarter: Quarter) -> KpiInputs:
    return uow.analytics.kpi_inputs(quarter.first_day, quarter.last_day, None)


def figures(found: KpiInputs, limit_seconds: int) -> Figures:
    reviews = found.histograms.get(REVIEW, {})
    total = sum(reviews.values())
    in_time = sum(n for lower, n in reviews.items() if lower < limit_seconds)
    m = found.measures
    answers = m.get("survey_answers", (0, 0))[0]
    shipped, cost = m.get("logistics_cost", (0, 0))
    per_return = metrics.per(cost, shipped)
    return Figures(
        reviews=total,
        reviewed_in_time=in_time,
        in_time_share=metrics.rate(in_time, total),
        review_median_hours=_median(reviews, HOURS),
        approval_to_shipped_days=_median(found.histograms.get(TO_SHIPPED, {}), DAYS),
        shipped_to_received_days=_median(found.histograms.get(TO_RECEIVED, {}), DAYS),
        returns_shipped=shipped,
        cost_per_return=None if per_return is None else int(per_return),
        survey_answers=answers,
        csat=_percent(metrics.rate(m.get("csat_satisfied", (0, 0))[0], answers)),
        nps=metrics.nps(
            m.get("nps_promoters", (0, 0))[0], m.get("nps_detractors", (0, 0))[0], answers
        ),
    )


def _median(histogram: dict[int, int], unit: int) -> float | None:
    found = metrics.percentile(histogram, 0.5)
    return None if found is None else round(found / unit, 1)


def _percent(share: float | None) -> float | None:
    return None if share is None else round(100 * share, 1)
