"""Improvement proposals (issue 17, R16.11, migration 0040).

`improvement_proposals`: one row a proposal, its current status, owner, priority and
outcome (a `version` column refuses a write based on a stale read).
`improvement_proposal_history`: append-only (a trigger on PostgreSQL), one row a change.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from returnflow.storage.schema.base import Base


class ProposalRow(Base):
    __tablename__ = "improvement_proposals"
    __table_args__ = (
        Index("ix_improvement_proposals_status_area", "status", "area"),
        Index("ix_improvement_proposals_closed_at", "closed_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    proposer: Mapped[str] = mapped_column(String(120))
    area: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20))
    owner: Mapped[str | None] = mapped_column(String(100), nullable=True)
    priority: Mapped[str | None] = mapped_column(String(10), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(20), nullable=True)
    outcome_note: Mapped[str] = mapped_column(String(1000), default="")
    closed_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}


class ProposalChangeRow(Base):
    __tablename__ = "improvement_proposal_history"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("improvement_proposals.id"), index=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(String(1100), default="")
