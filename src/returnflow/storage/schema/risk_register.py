"""The risk register, its history, and frequent-returner outreach (issue 15, migration 0034).

`risk_register` holds one row per risk type (domain/risk_register.py TYPES), added the
first time anyone reads the register; `risk_register_history` one row per edit, never
updated; `returner_outreach` one row per outreach, `once_key` unique so a double click
or a retried Idempotency-Key never makes a second one.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from returnflow.storage.schema.base import Base


class RiskRow(Base):
    __tablename__ = "risk_register"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    probability: Mapped[int] = mapped_column(Integer)
    impact: Mapped[int] = mapped_column(Integer)
    owner: Mapped[str] = mapped_column(String(100), default="")
    mitigation: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    review_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(Integer, default=0)
    __mapper_args__ = {"version_id_col": version}


class RiskHistoryRow(Base):
    """Append-only: who changed which risk, when, and what (field: [old, new])."""

    __tablename__ = "risk_register_history"
    __table_args__ = (Index("ix_risk_register_history_code_at", "code", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)


class OutreachRow(Base):
    __tablename__ = "returner_outreach"
    __table_args__ = (Index("ix_returner_outreach_customer_at", "customer_id", "created_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(64))
    theme: Mapped[str] = mapped_column(String(30))
    action: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(500), default="")
    coupon_code: Mapped[str] = mapped_column(String(20), default="")
    coupon_fen: Mapped[int] = mapped_column(Integer, default=0)
    once_key: Mapped[str] = mapped_column(String(300), unique=True)
    digest: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    outcome: Mapped[str | None] = mapped_column(String(20), nullable=True)
    outcome_by: Mapped[str] = mapped_column(String(100), default="")
    outcome_at: Mapped[datetime | None]
