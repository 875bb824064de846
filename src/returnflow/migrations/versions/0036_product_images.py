"""Product pictures from the order import (issue 16): the line's URL, the server's copy

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-07 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0036"
down_revision: str | None = "0035"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("order_lines") as batch:
        batch.add_column(sa.Column("image_url", sa.String(2000), nullable=True))
    op.create_table(
        "product_images",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(200), nullable=True),
        sa.Column("content_type", sa.String(40), nullable=True),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        sa.Column("etag", sa.String(64), nullable=True),
        sa.Column("requested_at", _TS, nullable=False),
        sa.Column("fetched_at", _TS, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("product_images")
    with op.batch_alter_table("order_lines") as batch:
        batch.drop_column("image_url")
