"""RMA numbers from a PostgreSQL sequence

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 11:12:00

The counters row made every filing wait for the previous one to commit. On PostgreSQL
a sequence continues from where the counter stood; SQLite keeps using the table.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    current = bind.execute(sa.text("SELECT value FROM counters WHERE name = 'rma'")).scalar()
    op.execute(sa.text(f"CREATE SEQUENCE rma_seq START WITH {int(current or 0) + 1}"))


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    last = bind.execute(
        sa.text("SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM rma_seq")
    ).scalar()
    op.execute(sa.text(f"UPDATE counters SET value = {int(last or 0)} WHERE name = 'rma'"))
    op.execute(sa.text("DROP SEQUENCE rma_seq"))
