"""The address a door pickup comes to, chosen by the customer (issue 16)

Revision ID: 0043
Revises: 0042
Create Date: 2026-12-07 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0043"
down_revision: str | None = "0042"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # empty for parcels arranged before: their pickup came to the order's address
    with op.batch_alter_table("shipments") as batch:
        batch.add_column(sa.Column("pickup_to", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("shipments") as batch:
        batch.drop_column("pickup_to")
