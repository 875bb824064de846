"""A conversation per request: messages and the photos they carry (issue 13, migration 0024)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from returnflow.storage.schema.base import Base


class ConversationMessageRow(Base):
    """One message; never updated (evidence). `submission` makes a form or key post once."""

    __tablename__ = "conversation_messages"
    __table_args__ = (
        UniqueConstraint("rma_no", "submission", name="uq_conversation_messages_submission"),
        Index("ix_conversation_messages_rma_created", "rma_no", "created_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rma_no: Mapped[str] = mapped_column(String(32))
    merchant_id: Mapped[str] = mapped_column(String(64), index=True)
    customer_id: Mapped[str] = mapped_column(String(64))
    author_kind: Mapped[str] = mapped_column(String(10))  # customer | agent | merchant | system
    author_actor: Mapped[str] = mapped_column(String(120))
    author_name: Mapped[str] = mapped_column(String(100))
    author_user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    body: Mapped[str] = mapped_column(Text)
    submission: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime]


class ConversationAttachmentRow(Base):
    """A photo a message carries: the photo store's name, its SHA-256 and size."""

    __tablename__ = "conversation_attachments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("conversation_messages.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(64), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
