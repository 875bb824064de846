"""Skill records: a second inspector's blind grade of an inspected request (issue 17)

Revision ID: 0042
Revises: 0041
Create Date: 2026-12-07 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0042"
down_revision: str | None = "0041"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "training_second_grades",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("rma_no", sa.String(32), nullable=False, unique=True),
        sa.Column("original_grade", sa.String(2), nullable=False),
        sa.Column("original_by", sa.String(100), nullable=False),
        sa.Column("inspected_at", _TS, nullable=False),
        sa.Column("grade", sa.String(2), nullable=False),
        sa.Column("graded_by", sa.String(100), nullable=False),
        sa.Column("graded_at", _TS, nullable=False),
    )
    op.create_index(
        "ix_training_second_grades_original",
        "training_second_grades",
        ["original_by", "inspected_at"],
    )
    if op.get_bind().dialect.name == "postgresql":  # never rewritten (0014)
        op.execute(
            "CREATE TRIGGER training_second_grades_append_only BEFORE UPDATE OR DELETE "
            "ON training_second_grades FOR EACH ROW EXECUTE FUNCTION returnflow_append_only()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "DROP TRIGGER IF EXISTS training_second_grades_append_only ON training_second_grades"
        )
    op.drop_index("ix_training_second_grades_original", table_name="training_second_grades")
    op.drop_table("training_second_grades")
