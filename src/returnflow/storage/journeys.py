"""What the worker's journey safety net looks for: requests whose last step is old.

The message bus completes a request as soon as its outcome is delivered
(services/journey.py); a request still sitting in such a status a while later was
left behind by a failed handler or a crash between commit and handler.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from returnflow.domain.lifecycle import Status
from returnflow.storage.schema import ReturnRow


class Journeys:
    def __init__(self, session: Session) -> None:
        self.session = session

    def resting_since(
        self,
        statuses: Iterable[Status],
        before: datetime,
        limit: int = 500,
        merchant_id: str | None = None,
    ) -> list[str]:
        """RMA numbers in one of `statuses` whose last step happened before `before`
        (`merchant_id`: that merchant's only)."""
        query = (
            select(ReturnRow.rma_no)
            .where(
                ReturnRow.status.in_([status.value for status in statuses]),
                ReturnRow.updated_at < before,
            )
            .order_by(ReturnRow.updated_at)
            .limit(limit)
        )
        if merchant_id is not None:
            query = query.where(ReturnRow.merchant_id == merchant_id)
        return list(self.session.scalars(query))
