"""Risk at intake: scores, signals, identifiers, feedback, the watch list (issue 15, R10.3)

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-07 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "risk_assessments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("rma_no", sa.String(32), nullable=False, unique=True),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("merchant_id", sa.String(64), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(10), nullable=False),
        sa.Column("signals", sa.JSON(), nullable=False),
        sa.Column("actions", sa.JSON(), nullable=False),
        sa.Column("thresholds_version", sa.String(200), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_index("ix_risk_assessments_customer_id", "risk_assessments", ["customer_id"])
    op.create_table(
        "customer_identifiers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("value_hash", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("first_seen_at", _TS, nullable=False),
        sa.UniqueConstraint("value_hash", "kind", "customer_id"),
    )
    op.create_index("ix_customer_identifiers_customer_id", "customer_identifiers", ["customer_id"])
    op.create_table(
        "risk_feedback",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("rma_no", sa.String(32), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("verdict", sa.String(10), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(10), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("by", sa.String(100), nullable=False),
        sa.Column("at", _TS, nullable=False),
    )
    op.create_index("ix_risk_feedback_rma_no", "risk_feedback", ["rma_no"])
    op.create_index("ix_risk_feedback_customer_at", "risk_feedback", ["customer_id", "at"])
    op.create_table(
        "watch_list",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("expires_at", _TS, nullable=True),
        sa.Column("added_by", sa.String(100), nullable=False),
        sa.Column("added_at", _TS, nullable=False),
        sa.Column("removed_at", _TS, nullable=True),
        sa.Column("removed_by", sa.String(100), nullable=True),
    )
    op.create_index("ix_watch_list_customer_id", "watch_list", ["customer_id"])
    op.create_index("ix_watch_list_added_at", "watch_list", ["added_at"])
    op.create_table(
        "risk_baselines",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("refunds", sa.Integer(), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("computed_at", _TS, nullable=False),
    )
    op.create_index("ix_returns_customer_created", "returns", ["customer_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_returns_customer_created", table_name="returns")
    op.drop_table("risk_baselines")
    op.drop_index("ix_watch_list_added_at", table_name="watch_list")
    op.drop_index("ix_watch_list_customer_id", table_name="watch_list")
    op.drop_table("watch_list")
    op.drop_index("ix_risk_feedback_customer_at", table_name="risk_feedback")
    op.drop_index("ix_risk_feedback_rma_no", table_name="risk_feedback")
    op.drop_table("risk_feedback")
    op.drop_index("ix_customer_identifiers_customer_id", table_name="customer_identifiers")
    op.drop_table("customer_identifiers")
    op.drop_index("ix_risk_assessments_customer_id", table_name="risk_assessments")
    op.drop_table("risk_assessments")
