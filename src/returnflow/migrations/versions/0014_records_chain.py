"""Records that prove themselves: hash chains and append-only triggers (issue 9)

Rows written before this revision are sealed here, in chain order, so every chain
starts at its first row (see returnflow/storage/chain.py for the serialisation).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 22:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from returnflow.storage import chain

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FUNCTION = """
CREATE OR REPLACE FUNCTION returnflow_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'returnflow: % on append-only table % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""


def _trigger(table: str) -> str:
    return f"{table}_append_only"


def upgrade() -> None:
    for item in chain.CHAINS:
        for name in ("prev_hash", "row_hash"):  # native ADD COLUMN: no table copies
            op.add_column(
                item.table, sa.Column(name, sa.String(64), nullable=False, server_default="")
            )
    chain.seal_existing(op.get_bind())
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_FUNCTION)
    for table in chain.APPEND_ONLY_TABLES:
        op.execute(
            f"CREATE TRIGGER {_trigger(table)} BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION returnflow_append_only()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in chain.APPEND_ONLY_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {_trigger(table)} ON {table}")
        # CASCADE: later revisions guard their own trails with the same function (0037,
        # 0038); a downgrade through them has dropped their triggers already
        op.execute("DROP FUNCTION IF EXISTS returnflow_append_only() CASCADE")
    for item in reversed(chain.CHAINS):
        for name in ("row_hash", "prev_hash"):
            # native DROP COLUMN (SQLite 3.35+): a batch copy of ledger_entries would
            # drop the table its postings refer to, which foreign keys refuse
            op.execute(f"ALTER TABLE {item.table} DROP COLUMN {name}")
