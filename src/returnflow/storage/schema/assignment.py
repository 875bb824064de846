"""Who holds which request in review (seed 000 §7.2.3, migration 0037).

`review_assignments`: one row a request, its current holder, versioned so two managers
moving it at once cannot both win (two agents taking it at once collide on the key).
`review_assignment_log`: append-only, one row per change: the audit trail.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from returnflow.storage.schema.base import Base


class ReviewAssignmentRow(Base):
    __tablename__ = "review_assignments"
    rma_no: Mapped[str] = mapped_column(ForeignKey("returns.rma_no"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    assigned_at: Mapped[datetime]
    assigned_by: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer, default=0)
    __mapper_args__ = {"version_id_col": version}


class ReviewAssignmentLogRow(Base):
    __tablename__ = "review_assignment_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rma_no: Mapped[str] = mapped_column(String(32), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    previous_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime]
    by: Mapped[str] = mapped_column(String(100))
