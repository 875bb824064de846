"""Outbox messages put and read back by the delivery tests (broker, re-drive)."""

from __future__ import annotations

from typing import Any

from returnflow.app_context import AppContext
from returnflow.storage.schema import OutboxRow


def put(context: AppContext, topic: str, payload: dict[str, Any]) -> int:
    """One message committed to the outbox, as a change would leave it: its id."""
    now = context.clock()
    with context.uow(publish=False) as uow:
        uow.outbox.put(topic, payload, now)
        uow.commit(now)
        return uow.outbox.newest_id()


def row(context: AppContext, message_id: int) -> OutboxRow:
    """The message's row as stored now."""
    with context.session_factory() as session:
        found = session.get(OutboxRow, message_id)
        assert found is not None
        return found
