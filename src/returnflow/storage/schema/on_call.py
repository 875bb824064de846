"""Who is on call for incidents: one row a shift (issue 14, R13.1, migration 0031).

A shift runs from `starts_at` (inclusive) to `ends_at` (exclusive), UTC; shifts may
overlap. Deleting an account deletes its shifts.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from returnflow.storage.schema.base import Base


class OnCallShiftRow(Base):
    __tablename__ = "on_call_shifts"
    __table_args__ = (
        Index("ix_on_call_shifts_starts_at", "starts_at"),
        Index("ix_on_call_shifts_ends_at", "ends_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
