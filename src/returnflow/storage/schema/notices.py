"""Customer notices beyond mail (issue 13, R1.3, R7.3, migration 0021): the channels a
customer chose, one delivery row per notice and channel, and the in-app inbox; the
reminders sent before a customer's deadlines (migration 0025)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from returnflow.storage.schema.base import Base


class NoticeChannelRow(Base):
    """The channels a customer chose ("email,sms"); no row: every channel they can receive."""

    __tablename__ = "notice_channels"
    customer_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    channels: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[datetime]


class NoticeDeliveryRow(Base):
    """One notice on one channel: unique, so a retried outbox message never sends it twice."""

    __tablename__ = "notice_deliveries"
    __table_args__ = (UniqueConstraint("notice_key", "channel", name="uq_notice_delivery"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notice_key: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(10))  # email | sms | inbox
    topic: Mapped[str] = mapped_column(String(80))
    customer_id: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(10))  # sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    provider_id: Mapped[str] = mapped_column(String(64), default="")
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class InboxMessageRow(Base):
    """A notice kept in the customer's in-app inbox, in both languages."""

    __tablename__ = "inbox_messages"
    __table_args__ = (Index("ix_inbox_messages_customer", "customer_id", "created_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notice_key: Mapped[str] = mapped_column(String(64), unique=True)
    customer_id: Mapped[str] = mapped_column(String(64))
    topic: Mapped[str] = mapped_column(String(80))
    rma_no: Mapped[str] = mapped_column(String(40), default="")
    subject_zh: Mapped[str] = mapped_column(String(300))
    subject_en: Mapped[str] = mapped_column(String(300))
    body_zh: Mapped[str] = mapped_column(Text)
    body_en: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]


class NoticeReminderRow(Base):
    """A reminder sent before a deadline the customer must act on (migration 0025): once."""

    __tablename__ = "notice_reminders"
    __table_args__ = (UniqueConstraint("rma_no", "kind", "deadline", name="uq_notice_reminder"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rma_no: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))  # ship_by | confirm_by
    deadline: Mapped[datetime]
    sent_at: Mapped[datetime]
