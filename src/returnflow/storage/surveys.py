"""Survey answers ⇄ rows (issue 13, R7.2).

An answer is written once and never changed, so the repository keeps no aggregates:
`add` inserts (the unique `rma_no` refuses a second answer that raced the first),
`get` reads one, `answered` hands the reports every answer of a period.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from returnflow.domain.surveys import Scores, Survey
from returnflow.storage.schema.surveys import SurveyRow


class SurveyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, survey: Survey) -> None:
        scores = survey.scores
        self.session.add(
            SurveyRow(
                rma_no=survey.rma_no,
                merchant_id=survey.merchant_id,
                customer_id=survey.customer_id,
                agent=survey.agent,
                speed=scores.speed,
                attitude=scores.attitude,
                effectiveness=scores.effectiveness,
                process=scores.process,
                nps=scores.nps,
                comment=survey.comment,
                answered_by=survey.answered_by,
                answered_at=survey.answered_at,
            )
        )
        self.session.flush()

    def get(self, rma_no: str) -> Survey | None:
        row = self.session.scalar(select(SurveyRow).where(SurveyRow.rma_no == rma_no))
        return None if row is None else _survey(row)

    def answered(
        self, start: datetime | None, end: datetime | None, merchant_scope: str | None = None
    ) -> list[Survey]:
        """Every answer given in [start, end), oldest first (None: unbounded)."""
        query = select(SurveyRow)
        if start is not None:
            query = query.where(SurveyRow.answered_at >= start)
        if end is not None:
            query = query.where(SurveyRow.answered_at < end)
        if merchant_scope is not None:
            query = query.where(SurveyRow.merchant_id == merchant_scope)
        rows = self.session.scalars(query.order_by(SurveyRow.answered_at, SurveyRow.id))
        return [_survey(row) for row in rows]


def _survey(row: SurveyRow) -> Survey:
    return Survey(
        rma_no=row.rma_no,
        merchant_id=row.merchant_id,
        customer_id=row.customer_id,
        agent=row.agent,
        scores=Scores(row.speed, row.attitude, row.effectiveness, row.process, row.nps),
        comment=row.comment,
        answered_by=row.answered_by,
        answered_at=row.answered_at,
    )
