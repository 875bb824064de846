"""An index on the ledger's entry time (issue 13)

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 07:20:00

The journal export reads the ledger by period (`ledger_entries.at` between two
instants); without an index every export read the whole ledger.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_ledger_entries_at", "ledger_entries", ["at"])


def downgrade() -> None:
    op.drop_index("ix_ledger_entries_at", table_name="ledger_entries")
