"""Conversation messages ⇄ rows (issue 13, R11.1): `uow.conversations`.

A message is written once and never changed. `add` inserts it with its attachments,
gives it its id and records "conversation.posted" on it; `flush_changes` hands the
unit of work those events, so they reach the outbox in the same transaction.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from returnflow.domain.conversations import Attachment, Author, AuthorKind, Message
from returnflow.domain.events import DomainEvent, take_events
from returnflow.storage.schema.conversations import (
    ConversationAttachmentRow,
    ConversationMessageRow,
)


class ConversationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.added: list[Message] = []

    def add(self, message: Message, *, merchant_id: str, customer_id: str) -> Message:
        """Store a new message; it gets its id and its "conversation.posted" event."""
        row = ConversationMessageRow(
            rma_no=message.rma_no,
            merchant_id=merchant_id,
            customer_id=customer_id,
            author_kind=message.author.kind.value,
            author_actor=message.author.actor[:120],
            author_name=message.author.name[:100],
            author_user_id=message.author.user_id,
            body=message.body,
            submission=message.submission,
            created_at=message.created_at,
        )
        self.session.add(row)
        self.session.flush()
        for position, attachment in enumerate(message.attachments):
            self.session.add(
                ConversationAttachmentRow(
                    message_id=row.id,
                    position=position,
                    name=attachment.name,
                    sha256=attachment.sha256,
                    size=attachment.size,
                )
            )
        self.session.flush()
        message.id = row.id
        message.posted(merchant_id)
        self.added.append(message)
        return message

    def flush_changes(self) -> list[DomainEvent]:
        return take_events(self.added)

    def by_submission(self, rma_no: str, submission: str) -> Message | None:
        row = self.session.scalar(
            select(ConversationMessageRow).where(
                ConversationMessageRow.rma_no == rma_no,
                ConversationMessageRow.submission == submission,
            )
        )
        return None if row is None else self._messages([row])[0]

    def count(self, rma_no: str) -> int:
        query = select(func.count()).where(ConversationMessageRow.rma_no == rma_no)
        return int(self.session.scalar(query) or 0)

    def thread(self, rma_no: str, *, offset: int = 0, limit: int | None = None) -> list[Message]:
        """The request's messages, oldest first; a page of them with offset and limit."""
        query = (
            select(ConversationMessageRow)
            .where(ConversationMessageRow.rma_no == rma_no)
            .order_by(ConversationMessageRow.created_at, ConversationMessageRow.id)
            .offset(offset)
        )
        if limit is not None:
            query = query.limit(limit)
        return self._messages(list(self.session.scalars(query)))

    def photo_names(self, rma_no: str) -> set[str]:
        """Every photo name the request's conversation carries."""
        query = (
            select(ConversationAttachmentRow.name)
            .join(
                ConversationMessageRow,
                ConversationMessageRow.id == ConversationAttachmentRow.message_id,
            )
            .where(ConversationMessageRow.rma_no == rma_no)
        )
        return set(self.session.scalars(query))

    def _messages(self, rows: list[ConversationMessageRow]) -> list[Message]:
        carried: dict[int, list[Attachment]] = defaultdict(list)
        if rows:
            query = (
                select(ConversationAttachmentRow)
                .where(ConversationAttachmentRow.message_id.in_([row.id for row in rows]))
                .order_by(ConversationAttachmentRow.message_id, ConversationAttachmentRow.position)
            )
            for found in self.session.scalars(query):
                carried[found.message_id].append(Attachment(found.name, found.sha256, found.size))
        return [
            Message(
                rma_no=row.rma_no,
                author=Author(
                    AuthorKind(row.author_kind),
                    row.author_actor,
                    row.author_name,
                    row.author_user_id,
                ),
                body=row.body,
                created_at=row.created_at,
                attachments=tuple(carried[row.id]),
                id=row.id,
                submission=row.submission,
            )
            for row in rows
        ]
