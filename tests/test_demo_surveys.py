"""The demo's satisfaction survey answers (issue 13, demo/surveys.py): completed requests
are rated after their completion and before `now`, so the satisfaction report has figures."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from tempfile import TemporaryDirectory

from returnflow.app_context import AppContext
from returnflow.config import Settings
from returnflow.demo import surveys
from returnflow.demo.generator import generate
from returnflow.domain.lifecycle import Status
from returnflow.services import survey_queries
from returnflow.storage.scratch import scratch_database

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def test_the_demo_answers_surveys_and_the_report_shows_them() -> None:
    with scratch_database("sqlite") as url, TemporaryDirectory() as uploads:
        settings = Settings(database_url=url, upload_dir=uploads)  # no photos left behind
        context = AppContext.from_settings(settings)
        try:
            generate(context, orders=400, seed=9, now=NOW)  # answers its share already
            surveys.answer(context, NOW, random.Random(1), share=1.0)  # and now the rest
            with context.uow() as uow:
                done = uow.journeys.resting_since([Status.COMPLETED, Status.CONFIRMED], NOW)
                completed_at = {
                    rma: next(s.at for s in found.history if s.to_status is Status.COMPLETED)
                    for rma in done
                    if (found := uow.returns.get(rma)) is not None
                }
                answers = uow.surveys.answered(None, None, None)
                start = NOW - timedelta(days=90)
                by_merchant = survey_queries.satisfaction(uow, "merchant", start, NOW)
                by_agent = survey_queries.satisfaction(uow, "agent", start, NOW)
        finally:
            context.engine.dispose()
    assert answers and len(answers) <= len(completed_at)
    for answer in answers:
        assert completed_at[answer.rma_no] < answer.answered_at <= NOW
        assert answer.answered_by == f"customer:{answer.customer_id}"
    assert by_merchant.overall.answers == len(answers) and by_merchant.lines
    assert by_agent.lines and -100 <= by_merchant.overall.nps <= 100
    assert 1 <= by_merchant.overall.speed <= 5
