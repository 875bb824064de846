"""Privacy: access log of addresses and photos, anonymisation, upload ownership (issue 9)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 22:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("access_log") as table:
        table.add_column(sa.Column("customer_id", sa.String(64), nullable=True))
        table.add_column(sa.Column("route", sa.String(200), nullable=False, server_default=""))
    op.create_index("ix_access_log_customer_at", "access_log", ["customer_id", "at"])
    op.create_index("ix_access_log_actor_at", "access_log", ["actor", "at"])
    with op.batch_alter_table("customers") as table:
        table.add_column(sa.Column("anonymised_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    # native DROP COLUMN (SQLite 3.35+): a batch table copy would trip over the foreign
    # keys that point at customers once the table holds rows
    op.execute("ALTER TABLE customers DROP COLUMN anonymised_at")
    op.drop_index("ix_access_log_actor_at", table_name="access_log")
    op.drop_index("ix_access_log_customer_at", table_name="access_log")
    op.execute("ALTER TABLE access_log DROP COLUMN route")
    op.execute("ALTER TABLE access_log DROP COLUMN customer_id")
