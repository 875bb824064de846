"""The in-memory twin of `storage/conversations.py` for the service tests (`uow.conversations`).

Committed messages live on the `FakeDatabase` (as `db.conversations`, a list); a unit of
work stages its additions and joins the fake commit through the outbox it applies (as
the disputes' fake does): the messages' "conversation.posted" events go into the outbox
and `db.published`, then the staged messages are stored. Ids count up like the table's.
"""

from __future__ import annotations

from typing import Any, cast

from returnflow.domain.conversations import Message
from returnflow.domain.events import DomainEvent, take_events
from returnflow.services.unit_of_work import ConcurrentUpdate


def committed(db: Any) -> list[Message]:
    """The messages a `FakeDatabase` holds (kept on it, so each test starts empty)."""
    return cast(list[Message], vars(db).setdefault("conversations", []))


class FakeConversations:
    def __init__(self, uow: Any) -> None:
        self.db = uow.db
        self.staged: list[Message] = []
        outbox = uow.outbox
        applied = outbox.apply

        def apply_with_messages() -> None:
            for event in self.flush_changes():
                payload = {**event.data, "occurred_at": event.occurred_at.isoformat()}
                outbox.put(event.name, payload, event.occurred_at)
                self.db.published.append(event)
            applied()
            committed(self.db).extend(self.staged)
            self.staged = []

        outbox.apply = apply_with_messages

    def _all(self) -> list[Message]:
        return sorted([*committed(self.db), *self.staged], key=lambda m: (m.created_at, m.id or 0))

    def add(self, message: Message, *, merchant_id: str, customer_id: str) -> Message:
        if message.submission and self.by_submission(message.rma_no, message.submission):
            raise ConcurrentUpdate("the same submission twice")
        message.id = len(committed(self.db)) + len(self.staged) + 1
        message.posted(merchant_id)
        self.staged.append(message)
        return message

    def flush_changes(self) -> list[DomainEvent]:
        return take_events(self.staged)

    def by_submission(self, rma_no: str, submission: str) -> Message | None:
        return next(
            (m for m in self._all() if m.rma_no == rma_no and m.submission == submission), None
        )

    def count(self, rma_no: str) -> int:
        return len([m for m in self._all() if m.rma_no == rma_no])

    def thread(self, rma_no: str, *, offset: int = 0, limit: int | None = None) -> list[Message]:
        found = [m for m in self._all() if m.rma_no == rma_no][offset:]
        return found if limit is None else found[:limit]

    def photo_names(self, rma_no: str) -> set[str]:
        return {a.name for m in self._all() if m.rma_no == rma_no for a in m.attachments}
