"""Staff's kept verdicts as the threshold tuning reads them (issue 15, R10.3):
`uow.risk_tuning`.

One statement: the latest verdict of each request judged since a day (a later verdict
on the same request replaces the earlier one), counted per verdict and score at the
time. At most 2 × 101 rows come back whatever the number of verdicts. Verdicts are
made by hand (a few a day), so the window's rows are few; the ranking reads them once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from returnflow.storage.schema.risk import RiskAssessmentRow, RiskFeedbackRow


@dataclass(frozen=True, slots=True)
class Scored:
    rma_no: str
    score: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class VerdictCount:
    verdict: str  # fraud | safe
    score: int  # the score when the verdict was given
    count: int


class RiskTuningReads:
    def __init__(self, session: Session) -> None:
        self.session = session

    def verdict_scores(self, since: datetime, until: datetime) -> list[VerdictCount]:
        """The latest verdict per request given in [since, until), per verdict and score."""
        latest = (
            select(
                RiskFeedbackRow.verdict,
                RiskFeedbackRow.score,
                func.row_number()
                .over(
                    partition_by=RiskFeedbackRow.rma_no,
                    order_by=(RiskFeedbackRow.at.desc(), RiskFeedbackRow.id.desc()),
                )
                .label("nth"),
            )
            .where(RiskFeedbackRow.at >= since, RiskFeedbackRow.at < until)
            .subquery()
        )
        rows = self.session.execute(
            select(latest.c.verdict, latest.c.score, func.count())
            .where(latest.c.nth == 1)
            .group_by(latest.c.verdict, latest.c.score)
            .order_by(latest.c.verdict, latest.c.score)
        )
        return [VerdictCount(str(v), int(s), int(n)) for v, s, n in rows]

    def highest_scored(self, since: datetime, limit: int) -> list[Scored]:
        """The highest-scored requests filed since a moment, at most `limit` (the demo's
        staff pick what to judge: one scan of the assessments, made once)."""
        rows = self.session.execute(
            select(RiskAssessmentRow.rma_no, RiskAssessmentRow.score, RiskAssessmentRow.created_at)
            .where(RiskAssessmentRow.created_at >= since)
            .order_by(RiskAssessmentRow.score.desc(), RiskAssessmentRow.rma_no)
            .limit(limit)
        )
        return [Scored(str(r), int(s), at) for r, s, at in rows]
