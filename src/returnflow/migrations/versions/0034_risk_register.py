"""The risk register and frequent-returner care (issue 15, R10.1, R10.2, R10.4)

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-07 10:00:00

Three tables: the register (one row per risk type, added by the service the first time
anyone reads it, so an emptied database fills itself again), its history (append-only)
and the outreach to frequent returners (`once_key` unique: one outreach per click or key).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0034"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "risk_register",
        sa.Column("code", sa.String(40), primary_key=True),
        sa.Column("probability", sa.Integer(), nullable=False),
        sa.Column("impact", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(100), nullable=False),
        sa.Column("mitigation", sa.Text(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("review_on", sa.Date(), nullable=True),
        sa.Column("updated_by", sa.String(100), nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_table(
        "risk_register_history",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("at", _TS, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
    )
    op.create_index("ix_risk_register_history_code_at", "risk_register_history", ["code", "at"])
    op.create_table(
        "returner_outreach",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("theme", sa.String(30), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("link", sa.String(500), nullable=False),
        sa.Column("coupon_code", sa.String(20), nullable=False),
        sa.Column("coupon_fen", sa.Integer(), nullable=False),
        sa.Column("once_key", sa.String(300), nullable=False, unique=True),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("outcome", sa.String(20), nullable=True),
        sa.Column("outcome_by", sa.String(100), nullable=False),
        sa.Column("outcome_at", _TS, nullable=True),
    )
    op.create_index(
        "ix_returner_outreach_customer_at", "returner_outreach", ["customer_id", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_returner_outreach_customer_at", table_name="returner_outreach")
    op.drop_table("returner_outreach")
    op.drop_index("ix_risk_register_history_code_at", table_name="risk_register_history")
    op.drop_table("risk_register_history")
    op.drop_table("risk_register")
