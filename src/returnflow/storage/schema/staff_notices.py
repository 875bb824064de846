"""In-console notifications for staff and merchants (issue 13, migration 0023).

A notification is addressed to one audience: a user, a merchant (every account of it)
or a role. Its `dedupe_key` is unique, so a retried handler or sweep never makes the
same notification twice. Reads are per user (a merchant's or a role's notification is
read by each of its accounts on their own). Mail to merchant accounts is logged per
notification and recipient, so a retried outbox message never mails twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from returnflow.storage.schema.base import Base


class StaffNoticeRow(Base):
    __tablename__ = "staff_notices"
    __table_args__ = (
        Index("ix_staff_notices_audience", "audience_kind", "audience", "created_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    audience_kind: Mapped[str] = mapped_column(String(10))  # user | merchant | role
    audience: Mapped[str] = mapped_column(String(64))  # user id, merchant id or role
    rma_no: Mapped[str] = mapped_column(String(40), default="")
    complaint_no: Mapped[str] = mapped_column(String(40), default="")
    dispute_no: Mapped[str] = mapped_column(String(40), default="")
    link: Mapped[str] = mapped_column(String(200), default="")
    subject_zh: Mapped[str] = mapped_column(String(300))
    subject_en: Mapped[str] = mapped_column(String(300))
    body_zh: Mapped[str] = mapped_column(Text)
    body_en: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class StaffNoticeReadRow(Base):
    """One account has read one notification."""

    __tablename__ = "staff_notice_reads"
    notice_id: Mapped[int] = mapped_column(
        ForeignKey("staff_notices.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    read_at: Mapped[datetime]


class StaffNoticeMailRow(Base):
    """One notification mailed to one account: unique, so a retry never mails twice."""

    __tablename__ = "staff_notice_mails"
    __table_args__ = (UniqueConstraint("notice_id", "user_id", name="uq_staff_notice_mail"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("staff_notices.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    address: Mapped[str] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(String(10))  # sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
