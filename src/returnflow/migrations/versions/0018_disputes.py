"""Disputes and their evidence (issue 12)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 04:00:00

Dispute numbers (DP20261207-000042) come from the "dispute_no" counter: a PostgreSQL
sequence (like RMA numbers, migration 0005), a `counters` row on SQLite.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "disputes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("dispute_no", sa.String(32), nullable=False, unique=True),
        sa.Column("rma_no", sa.String(32), nullable=False),
        sa.Column("open_rma", sa.String(32), nullable=True, unique=True),
        sa.Column("order_no", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("merchant_id", sa.String(64), nullable=False),
        sa.Column("opened_by", sa.String(120), nullable=False),
        sa.Column("opener", sa.String(10), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("opened_at", _TS, nullable=False),
        sa.Column("evidence_due_at", _TS, nullable=False),
        sa.Column("outcome", sa.String(10), nullable=True),
        sa.Column("liable", sa.String(10), nullable=True),
        sa.Column("refund", sa.BigInteger(), nullable=True),
        sa.Column("compensation", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("ruled_by", sa.String(120), nullable=True),
        sa.Column("ruled_at", _TS, nullable=True),
        sa.Column("agreement", sa.Boolean(), nullable=True),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_disputes_due", "disputes", ["status", "evidence_due_at"])
    op.create_index("ix_disputes_rma_no", "disputes", ["rma_no"])
    op.create_index("ix_disputes_merchant_id", "disputes", ["merchant_id"])
    op.create_table(
        "dispute_evidence",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("dispute_id", sa.Integer(), sa.ForeignKey("disputes.id"), nullable=False),
        sa.Column("side", sa.String(10), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("photos", sa.JSON(), nullable=False),
        sa.Column("added_by", sa.String(120), nullable=False),
        sa.Column("added_at", _TS, nullable=False),
    )
    op.create_index("ix_dispute_evidence_dispute_id", "dispute_evidence", ["dispute_id"])
    counters = sa.table("counters", sa.column("name", sa.String), sa.column("value", sa.BigInteger))
    op.bulk_insert(counters, [{"name": "dispute_no", "value": 0}])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(sa.text("CREATE SEQUENCE dispute_no_seq START WITH 1"))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(sa.text("DROP SEQUENCE dispute_no_seq"))
    op.execute(sa.text("DELETE FROM counters WHERE name = 'dispute_no'"))
    op.drop_index("ix_dispute_evidence_dispute_id", table_name="dispute_evidence")
    op.drop_table("dispute_evidence")
    op.drop_index("ix_disputes_merchant_id", table_name="disputes")
    op.drop_index("ix_disputes_rma_no", table_name="disputes")
    op.drop_index("ix_disputes_due", table_name="disputes")
    op.drop_table("disputes")
