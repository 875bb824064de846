"""Periodic reports and their subscribers (issue 14, R9.3)

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07 09:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "periodic_reports",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("start_day", sa.Date(), nullable=False),
        sa.Column("end_day", sa.Date(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("pdf_zh", sa.LargeBinary(), nullable=False),
        sa.Column("pdf_en", sa.LargeBinary(), nullable=False),
        sa.Column("xlsx", sa.LargeBinary(), nullable=False),
        sa.Column("pdf_zh_size", sa.Integer(), nullable=False),
        sa.Column("pdf_en_size", sa.Integer(), nullable=False),
        sa.Column("xlsx_size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(200), nullable=False),
        sa.Column("headline_zh", sa.String(300), nullable=False),
        sa.Column("headline_en", sa.String(300), nullable=False),
        sa.Column("summary_zh", sa.Text(), nullable=False),
        sa.Column("summary_en", sa.Text(), nullable=False),
        sa.UniqueConstraint("kind", "start_day", name="uq_periodic_reports_kind_start"),
    )
    op.create_table(
        "report_subscriptions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=True
        ),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("kinds", sa.String(20), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.UniqueConstraint("user_id", name="uq_report_subscriptions_user"),
        sa.UniqueConstraint("email", name="uq_report_subscriptions_email"),
    )


def downgrade() -> None:
    op.drop_table("report_subscriptions")
    op.drop_table("periodic_reports")
