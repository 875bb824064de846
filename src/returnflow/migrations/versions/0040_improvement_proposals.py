"""Improvement proposals and their history (issue 17, R16.11)

Revision ID: 0040
Revises: 0039
Create Date: 2026-12-07 13:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0040"
down_revision: str | None = "0039"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "improvement_proposals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("proposer", sa.String(120), nullable=False),
        sa.Column("area", sa.String(20), nullable=False),
        sa.Column("text", sa.String(2000), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("owner", sa.String(100), nullable=True),
        sa.Column("priority", sa.String(10), nullable=True),
        sa.Column("outcome", sa.String(20), nullable=True),
        sa.Column("outcome_note", sa.String(1000), nullable=False),
        sa.Column("closed_at", _TS, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index(
        "ix_improvement_proposals_status_area", "improvement_proposals", ["status", "area"]
    )
    op.create_index("ix_improvement_proposals_closed_at", "improvement_proposals", ["closed_at"])
    op.create_table(
        "improvement_proposal_history",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "proposal_id",
            sa.Integer(),
            sa.ForeignKey("improvement_proposals.id"),
            nullable=False,
        ),
        sa.Column("at", _TS, nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("to_status", sa.String(20), nullable=False),
        sa.Column("note", sa.String(1100), nullable=False),
    )
    op.create_index(
        "ix_improvement_proposal_history_proposal_id",
        "improvement_proposal_history",
        ["proposal_id"],
    )
    if op.get_bind().dialect.name == "postgresql":  # history is never rewritten (0014)
        op.execute(
            "CREATE TRIGGER improvement_proposal_history_append_only BEFORE UPDATE OR DELETE "
            "ON improvement_proposal_history FOR EACH ROW EXECUTE FUNCTION returnflow_append_only()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "DROP TRIGGER IF EXISTS improvement_proposal_history_append_only"
            " ON improvement_proposal_history"
        )
    op.drop_index(
        "ix_improvement_proposal_history_proposal_id", table_name="improvement_proposal_history"
    )
    op.drop_table("improvement_proposal_history")
    op.drop_index("ix_improvement_proposals_closed_at", table_name="improvement_proposals")
    op.drop_index("ix_improvement_proposals_status_area", table_name="improvement_proposals")
    op.drop_table("improvement_proposals")
