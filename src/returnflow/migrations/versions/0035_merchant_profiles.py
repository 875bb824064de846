"""Merchants' own return methods, warehouse and help-centre words (issue 15, R11.1, R2.1)

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-07 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0035"
down_revision: str | None = "0034"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "merchant_profiles",
        sa.Column("merchant_id", sa.String(64), sa.ForeignKey("merchants.id"), primary_key=True),
        sa.Column("methods", sa.JSON(), nullable=False),
        sa.Column("warehouse_name", sa.String(100), nullable=True),
        sa.Column("warehouse_phone", sa.String(40), nullable=True),
        sa.Column("warehouse_province", sa.String(40), nullable=True),
        sa.Column("warehouse_city", sa.String(40), nullable=True),
        sa.Column("warehouse_district", sa.String(40), nullable=True),
        sa.Column("warehouse_detail", sa.String(200), nullable=True),
        sa.Column("note_zh", sa.String(500), nullable=True),
        sa.Column("note_en", sa.String(500), nullable=True),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("merchant_profiles")
