"""Appeals of rejections, failed inspections and partial offers (issue 12, migration 0017)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from returnflow.storage.schema.base import Base


class AppealRow(Base):
    """A request's one appeal (unique rma_no); the queue reads open ones oldest first."""

    __tablename__ = "appeals"
    __table_args__ = (
        Index("ix_appeals_status_filed", "status", "filed_at"),
        Index("ix_appeals_decided_at", "decided_at"),  # scorecards' periods (0029)
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rma_no: Mapped[str] = mapped_column(String(32), unique=True)
    merchant_id: Mapped[str] = mapped_column(String(64), index=True)
    customer_id: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(20))  # rejection | inspection | partial_offer
    statement: Mapped[str] = mapped_column(Text)
    photos: Mapped[list[Any]]
    filed_by: Mapped[str] = mapped_column(String(100))
    filed_at: Mapped[datetime]
    appealed_decision_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(12))  # open | upheld | overturned
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=0)
    __mapper_args__ = {"version_id_col": version}
