"""The outbox writer: messages stored in the same transaction as the change they announce.

The unit of work puts every domain event here on commit; services put commands for the
outside world (carrier calls, gateway submissions). `jobs/outbox.py` delivers them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, func, select, update
from sqlalchemy.orm import Session

from returnflow.storage import batch
from returnflow.storage.outbox_failures import OutboxFailures
from returnflow.storage.schema import OutboxRow

_OUTBOX: Table = OutboxRow.__table__  # type: ignore[assignment]


class Outbox:
    def __init__(self, session: Session) -> None:
        self.session = session

    @property
    def failures(self) -> OutboxFailures:
        """The rows given up after their last attempt: listed and re-driven by hand."""
        return OutboxFailures(self.session)

    def settle_backlog(self, now: datetime, reason: str) -> int:
        """Mark everything waiting as handled without sending it (e.g. demo history)."""
        result = self.session.execute(
            update(OutboxRow)
            .where(OutboxRow.sent_at.is_(None), OutboxRow.failed_at.is_(None))
            .values(sent_at=now, last_error=reason)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def newest_id(self) -> int:
        """The last message's id (0: none): it moves with every committed change that
        announced anything, so an idle worker reads it instead of sweeping (issue 11)."""
        return int(self.session.scalar(select(func.max(OutboxRow.id))) or 0)

    def put(self, topic: str, payload: dict[str, Any], now: datetime) -> None:
        """Queued (storage/batch.py): written with the transaction's other queued rows in
        one statement, at the latest at commit; anything the session runs first sees it."""
        row = {"topic": topic, "payload": payload, "created_at": now, "available_at": now}
        batch.queue(self.session, _OUTBOX, [row | {"attempts": 0}])
