"""Training upkeep: lessons to re-read after a policy change, periodic assessments (issue 17)

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-07 14:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0039"
down_revision: str | None = "0038"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "training_rereads",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("skill", sa.String(20), nullable=False),
        sa.Column("lesson", sa.String(60), nullable=False),
        sa.Column("policy_version", sa.Integer(), nullable=False),
        sa.Column("marked_at", _TS, nullable=False),
        sa.Column("cleared_at", _TS, nullable=True),
    )
    op.create_index(
        "ix_training_rereads_username_lesson", "training_rereads", ["username", "lesson"]
    )
    op.create_table(
        "training_assessments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("completed_at", _TS, nullable=False),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("note", sa.String(500), nullable=False),
    )
    op.create_index(
        "ix_training_assessments_username_kind", "training_assessments", ["username", "kind"]
    )


def downgrade() -> None:
    op.drop_index("ix_training_assessments_username_kind", table_name="training_assessments")
    op.drop_table("training_assessments")
    op.drop_index("ix_training_rereads_username_lesson", table_name="training_rereads")
    op.drop_table("training_rereads")
