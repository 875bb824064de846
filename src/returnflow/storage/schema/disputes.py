"""Disputes: both sides' evidence, deadlines, agreements and rulings (issue 12, migration 0018)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from returnflow.storage.schema.base import Base


class DisputeRow(Base):
    """One dispute over a return request; the ruling's columns stay empty until decided.

    `open_rma` holds the request's number while the dispute is undecided and NULL after:
    its unique index lets a request have one undecided dispute at a time on both
    databases (NULLs never collide), whatever two openers race.
    """

    __tablename__ = "disputes"
    __table_args__ = (Index("ix_disputes_due", "status", "evidence_due_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dispute_no: Mapped[str] = mapped_column(String(32), unique=True)
    rma_no: Mapped[str] = mapped_column(String(32), index=True)
    open_rma: Mapped[str | None] = mapped_column(String(32), unique=True, nullable=True)
    order_no: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[str] = mapped_column(String(64))
    merchant_id: Mapped[str] = mapped_column(String(64), index=True)
    opened_by: Mapped[str] = mapped_column(String(120))
    opener: Mapped[str] = mapped_column(String(10))  # customer | merchant | platform
    statement: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))  # open | under_review | ruled | agreed
    opened_at: Mapped[datetime]
    evidence_due_at: Mapped[datetime]
    outcome: Mapped[str | None] = mapped_column(String(10), nullable=True)
    liable: Mapped[str | None] = mapped_column(String(10), nullable=True)
    refund: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # NULL: the full refund
    compensation: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    currency: Mapped[str | None] = mapped_column(String(3), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    ruled_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    ruled_at: Mapped[datetime | None]
    agreement: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(Integer, default=0)
    __mapper_args__ = {"version_id_col": version}


class DisputeEvidenceRow(Base):
    """One statement, photo set, document or carrier record; never updated."""

    __tablename__ = "dispute_evidence"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id"), index=True)
    side: Mapped[str] = mapped_column(String(10))  # customer | merchant | carrier | platform
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    photos: Mapped[list[Any]]
    added_by: Mapped[str] = mapped_column(String(120))
    added_at: Mapped[datetime]
