"""Risk at intake (issue 15, R10.3, migration 0032): assessments, hashed identifiers,
staff feedback, the watch list and the platform's daily refund-rate baseline.

`customer_identifiers` holds SHA-256 hashes only (domain/linked_accounts.py): no phone
or address in clear. The index on `returns (customer_id, created_at)` serves the
customer's windowed counts at filing.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from returnflow.storage.schema.base import Base
from returnflow.storage.schema.returns import ReturnRow


class RiskAssessmentRow(Base):
    __tablename__ = "risk_assessments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rma_no: Mapped[str] = mapped_column(String(32), unique=True)
    customer_id: Mapped[str] = mapped_column(String(64), index=True)
    merchant_id: Mapped[str] = mapped_column(String(64))
    score: Mapped[int]
    level: Mapped[str] = mapped_column(String(10))
    signals: Mapped[list[Any]]  # [{"code", "points", "zh", "en"}]
    actions: Mapped[list[Any]]  # ["review", "no_instant_refund", …]
    thresholds_version: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]


class CustomerIdentifierRow(Base):
    __tablename__ = "customer_identifiers"
    __table_args__ = (UniqueConstraint("value_hash", "kind", "customer_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    value_hash: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[str] = mapped_column(String(64), index=True)
    first_seen_at: Mapped[datetime]


class RiskFeedbackRow(Base):
    """Staff's verdict on a request's risk (fraud / safe), kept to tune the thresholds."""

    __tablename__ = "risk_feedback"
    __table_args__ = (Index("ix_risk_feedback_customer_at", "customer_id", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rma_no: Mapped[str] = mapped_column(String(32), index=True)
    customer_id: Mapped[str] = mapped_column(String(64))
    verdict: Mapped[str] = mapped_column(String(10))  # fraud | safe
    score: Mapped[int]  # the score at the time
    level: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(Text, default="")
    by: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime]


class WatchListRow(Base):
    __tablename__ = "watch_list"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(64), index=True)
    reason: Mapped[str] = mapped_column(String(500))
    expires_at: Mapped[datetime | None]
    added_by: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[datetime] = mapped_column(index=True)
    removed_at: Mapped[datetime | None]
    removed_by: Mapped[str | None] = mapped_column(String(100))


class RiskBaselineRow(Base):
    """The platform's 90-day refund requests and orders, counted once a (UTC) day."""

    __tablename__ = "risk_baselines"
    day: Mapped[date] = mapped_column(primary_key=True)
    refunds: Mapped[int]
    orders: Mapped[int]
    computed_at: Mapped[datetime]


# the customer's windowed counts at filing (storage/risk.py)
Index("ix_returns_customer_created", ReturnRow.customer_id, ReturnRow.created_at)
