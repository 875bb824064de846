"""Satisfaction survey answers, one per request (issue 13, migration 0022)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from returnflow.storage.schema.base import Base


class SurveyRow(Base):
    """A request's one answer (unique rma_no); reports read them by answer time."""

    __tablename__ = "surveys"
    __table_args__ = (Index("ix_surveys_answered_at", "answered_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rma_no: Mapped[str] = mapped_column(String(32), unique=True)
    merchant_id: Mapped[str] = mapped_column(String(64), index=True)
    customer_id: Mapped[str] = mapped_column(String(64))
    agent: Mapped[str] = mapped_column(String(100))
    speed: Mapped[int] = mapped_column(Integer)
    attitude: Mapped[int] = mapped_column(Integer)
    effectiveness: Mapped[int] = mapped_column(Integer)
    process: Mapped[int] = mapped_column(Integer)
    nps: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text)
    answered_by: Mapped[str] = mapped_column(String(100))
    answered_at: Mapped[datetime]
