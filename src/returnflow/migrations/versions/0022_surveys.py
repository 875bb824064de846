"""Satisfaction surveys: one answer per request (issue 13)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 07:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "surveys",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("rma_no", sa.String(32), nullable=False, unique=True),
        sa.Column("merchant_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("agent", sa.String(100), nullable=False),
        sa.Column("speed", sa.Integer(), nullable=False),
        sa.Column("attitude", sa.Integer(), nullable=False),
        sa.Column("effectiveness", sa.Integer(), nullable=False),
        sa.Column("process", sa.Integer(), nullable=False),
        sa.Column("nps", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("answered_by", sa.String(100), nullable=False),
        sa.Column("answered_at", _TS, nullable=False),
    )
    op.create_index("ix_surveys_merchant_id", "surveys", ["merchant_id"])
    op.create_index("ix_surveys_answered_at", "surveys", ["answered_at"])


def downgrade() -> None:
    op.drop_index("ix_surveys_answered_at", table_name="surveys")
    op.drop_index("ix_surveys_merchant_id", table_name="surveys")
    op.drop_table("surveys")
