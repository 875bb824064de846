"""Training records (issue 17, R16.8, migration 0038).

`training_attempts`: one row a knowledge check, its seed (the questions are drawn again
from it when scored), the answers and the score once given. `training_certificates`:
append-only (a trigger on PostgreSQL): a pass, or an administrator's waiver with its
reason; a refresher is a new row, never an update.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from returnflow.storage.schema.base import Base


class TrainingAttemptRow(Base):
    __tablename__ = "training_attempts"
    __table_args__ = (Index("ix_training_attempts_username_skill", "username", "skill"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100))
    skill: Mapped[str] = mapped_column(String(20))
    seed: Mapped[int] = mapped_column(Integer)
    policy_version: Mapped[int] = mapped_column(Integer)
    drawn_on: Mapped[date] = mapped_column(Date)
    started_at: Mapped[datetime]
    answers: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    correct: Mapped[int | None] = mapped_column(Integer, nullable=True)
    total: Mapped[int] = mapped_column(Integer)
    passed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    scored_at: Mapped[datetime | None]


class TrainingCertificateRow(Base):
    __tablename__ = "training_certificates"
    __table_args__ = (Index("ix_training_certificates_username_skill", "username", "skill"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100))
    skill: Mapped[str] = mapped_column(String(20))
    granted_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    attempt_id: Mapped[int | None] = mapped_column(
        ForeignKey("training_attempts.id"), nullable=True
    )
    waived_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    reason: Mapped[str] = mapped_column(String(500), default="")


class TrainingRereadRow(Base):
    """A lesson a person must re-read: a new policy version changed what it teaches (0039)."""

    __tablename__ = "training_rereads"
    __table_args__ = (Index("ix_training_rereads_username_lesson", "username", "lesson"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100))
    skill: Mapped[str] = mapped_column(String(20))
    lesson: Mapped[str] = mapped_column(String(60))
    policy_version: Mapped[int] = mapped_column(Integer)
    marked_at: Mapped[datetime]
    cleared_at: Mapped[datetime | None]


class TrainingAssessmentRow(Base):
    """A periodic assessment completed (0039): the schedule counts from the last one."""

    __tablename__ = "training_assessments"
    __table_args__ = (Index("ix_training_assessments_username_kind", "username", "kind"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    completed_at: Mapped[datetime]
    recorded_by: Mapped[str] = mapped_column(String(100))
    note: Mapped[str] = mapped_column(String(500), default="")


class TrainingRecognitionRow(Base):
    """A reward or corrective action with its reason (0041): append-only on PostgreSQL."""

    __tablename__ = "training_recognitions"
    __table_args__ = (Index("ix_training_recognitions_username", "username", "on_day"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str] = mapped_column(String(500))
    on_day: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime]


class TrainingSecondGradeRow(Base):
    """A second inspector's blind grade of an inspected request (0042): append-only on
    PostgreSQL, one per request; the first grade is copied at the time of grading."""

    __tablename__ = "training_second_grades"
    __table_args__ = (Index("ix_training_second_grades_original", "original_by", "inspected_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rma_no: Mapped[str] = mapped_column(String(32), unique=True)
    original_grade: Mapped[str] = mapped_column(String(2))
    original_by: Mapped[str] = mapped_column(String(100))
    inspected_at: Mapped[datetime]
    grade: Mapped[str] = mapped_column(String(2))
    graded_by: Mapped[str] = mapped_column(String(100))
    graded_at: Mapped[datetime]
