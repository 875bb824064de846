"""Skill records: rewards and corrective actions with reasons (issue 17)

Revision ID: 0041
Revises: 0040
Create Date: 2026-12-07 14:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0041"
down_revision: str | None = "0040"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "training_recognitions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("on_day", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("recorded_at", _TS, nullable=False),
    )
    op.create_index(
        "ix_training_recognitions_username", "training_recognitions", ["username", "on_day"]
    )
    if op.get_bind().dialect.name == "postgresql":  # never rewritten (0014)
        op.execute(
            "CREATE TRIGGER training_recognitions_append_only BEFORE UPDATE OR DELETE "
            "ON training_recognitions FOR EACH ROW EXECUTE FUNCTION returnflow_append_only()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "DROP TRIGGER IF EXISTS training_recognitions_append_only ON training_recognitions"
        )
    op.drop_index("ix_training_recognitions_username", table_name="training_recognitions")
    op.drop_table("training_recognitions")
