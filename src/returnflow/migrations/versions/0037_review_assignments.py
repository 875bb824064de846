"""Who holds which request in review, and the trail of every change (issue 16, seed 000 §7.2.3)

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-07 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0037"
down_revision: str | None = "0036"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "review_assignments",
        sa.Column("rma_no", sa.String(32), sa.ForeignKey("returns.rma_no"), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("assigned_at", _TS, nullable=False),
        sa.Column("assigned_by", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_review_assignments_user_id", "review_assignments", ["user_id"])
    op.create_table(
        "review_assignment_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("rma_no", sa.String(32), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("previous_user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("at", _TS, nullable=False),
        sa.Column("by", sa.String(100), nullable=False),
    )
    op.create_index("ix_review_assignment_log_rma_no", "review_assignment_log", ["rma_no"])
    if op.get_bind().dialect.name == "postgresql":  # the trail is never rewritten (0014's guard)
        op.execute(
            "CREATE TRIGGER review_assignment_log_append_only BEFORE UPDATE OR DELETE "
            "ON review_assignment_log FOR EACH ROW EXECUTE FUNCTION returnflow_append_only()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "DROP TRIGGER IF EXISTS review_assignment_log_append_only ON review_assignment_log"
        )
    op.drop_index("ix_review_assignment_log_rma_no", table_name="review_assignment_log")
    op.drop_table("review_assignment_log")
    op.drop_index("ix_review_assignments_user_id", table_name="review_assignments")
    op.drop_table("review_assignments")
