"""The outbox writer: messages stored in the same transaction as the change they announce.

The unit of work puts every domain event here on commit; services put commands for the
outside world (carrier calls, gateway submissions). `jobs/outbox.py` delivers them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from returnflow.storage.schema import OutboxRow


class Outbox:
    def __init__(self, session: Session) -> None:
        self.session = session

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
        self.session.add(OutboxRow(topic=topic, payload=payload, created_at=now, available_at=now))
