"""The in-memory twin of `storage/surveys.py` for the service tests (tests/support/fake_uow.py).

Answers staged in a unit of work join its commit through the outbox's apply (as the
complaints' fake does); a second answer for a request is refused like the table's
unique `rma_no` (`ConcurrentUpdate`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from returnflow.domain.surveys import Survey
from returnflow.services.unit_of_work import ConcurrentUpdate


def committed(db: Any) -> dict[str, Survey]:
    """The answers a `FakeDatabase` holds (kept on it, so each test starts empty)."""
    return cast(dict[str, Survey], vars(db).setdefault("surveys", {}))


class FakeSurveys:
    def __init__(self, uow: Any) -> None:
        self.db = uow.db
        self.staged: dict[str, Survey] = {}
        outbox = uow.outbox
        applied = outbox.apply

        def apply_with_surveys() -> None:
            applied()
            committed(self.db).update(self.staged)

        outbox.apply = apply_with_surveys

    def add(self, survey: Survey) -> None:
        if self.get(survey.rma_no) is not None:
            raise ConcurrentUpdate(f"{survey.rma_no} already has an answer")
        self.staged[survey.rma_no] = survey

    def get(self, rma_no: str) -> Survey | None:
        return self.staged.get(rma_no) or committed(self.db).get(rma_no)

    def answered(
        self, start: datetime | None, end: datetime | None, merchant_scope: str | None = None
    ) -> list[Survey]:
        found = [
            s
            for s in {**committed(self.db), **self.staged}.values()
            if (start is None or s.answered_at >= start)
            and (end is None or s.answered_at < end)
            and (merchant_scope is None or s.merchant_id == merchant_scope)
        ]
        return sorted(found, key=lambda s: s.answered_at)
