"""The remedy taken when a logistics exception is resolved (issue 12, R4.4)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 05:00:00

`remedy` names what resolving the task did (refund_without_goods, new_label,
compensation, close); `remedy_detail` keeps its amount or the new parcel. Tasks resolved
before this migration have neither: they were closed with a note.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("shipment_exceptions") as batch:
        batch.add_column(sa.Column("remedy", sa.String(24), nullable=True))
        batch.add_column(sa.Column("remedy_detail", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("shipment_exceptions") as batch:
        batch.drop_column("remedy_detail")
        batch.drop_column("remedy")
