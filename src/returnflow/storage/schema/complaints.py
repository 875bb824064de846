"""Complaints: intake, deadlines, handling, satisfaction (issue 12, migration 0016).

`complaints` holds one row per complaint with its two clocks and `next_due_at` (the
deadline running now, NULL once resolved) for the queue ordered by time left;
`complaint_entries` its history, rows only ever added; `complaint_labels` what agents
confirmed or corrected, the classifier's training data (R8.1).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from returnflow.storage.schema.base import Base


class ComplaintRow(Base):
    __tablename__ = "complaints"
    __table_args__ = (
        Index("ix_complaints_queue", "status", "next_due_at"),
        CheckConstraint(
            "satisfaction_score IS NULL OR satisfaction_score BETWEEN 1 AND 5",
            name="ck_complaints_satisfaction_score",
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    complaint_no: Mapped[str] = mapped_column(String(32), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    order_no: Mapped[str | None] = mapped_column(String(64), index=True)
    rma_no: Mapped[str | None] = mapped_column(String(32), index=True)
    customer_id: Mapped[str | None] = mapped_column(String(64), index=True)
    merchant_id: Mapped[str | None] = mapped_column(String(64), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    contact_email: Mapped[str] = mapped_column(String(254))
    category: Mapped[str] = mapped_column(String(32), index=True)
    category_confidence: Mapped[float] = mapped_column(Float)
    suggested_category: Mapped[str | None] = mapped_column(String(32))
    suggestion_confidence: Mapped[float] = mapped_column(Float)
    suggested_urgency: Mapped[str | None] = mapped_column(String(16))
    category_confirmed_by: Mapped[str] = mapped_column(String(100))
    urgency: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    team: Mapped[str] = mapped_column(String(64), index=True)
    flag: Mapped[str | None] = mapped_column(String(40))
    routed_to: Mapped[str] = mapped_column(String(20))
    filed_at: Mapped[datetime]
    resolve_started_at: Mapped[datetime]
    first_response_due_at: Mapped[datetime]
    resolve_due_at: Mapped[datetime]
    next_due_at: Mapped[datetime | None]
    first_responded_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    first_response_breached_at: Mapped[datetime | None]
    resolve_breached_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    escalated_to: Mapped[str] = mapped_column(String(64))
    satisfaction_score: Mapped[int | None] = mapped_column(Integer)
    satisfaction_comment: Mapped[str] = mapped_column(Text)
    rated_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(Integer, default=0)
    __mapper_args__ = {"version_id_col": version}


class ComplaintEntryRow(Base):
    """One step of a complaint's history: added, never changed."""

    __tablename__ = "complaint_entries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text)


class ComplaintLabelRow(Base):
    """A person's category and urgency for a complaint's words (classifier training data)."""

    __tablename__ = "complaint_labels"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    complaint_no: Mapped[str] = mapped_column(String(32), index=True)
    text: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(32))
    urgency: Mapped[str] = mapped_column(String(16))
    corrected: Mapped[bool] = mapped_column(Boolean)
    labelled_by: Mapped[str] = mapped_column(String(100))
    labelled_at: Mapped[datetime]


# time filters of the incident monitors' daily reads (storage/monitor_queries.py, 0028)
Index("ix_complaints_filed_at", ComplaintRow.filed_at)
Index("ix_complaints_first_response_due_at", ComplaintRow.first_response_due_at)
Index("ix_complaints_first_response_breached_at", ComplaintRow.first_response_breached_at)
