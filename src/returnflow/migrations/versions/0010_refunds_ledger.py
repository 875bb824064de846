"""Refund life, double-entry ledger and authority limits (issue 5)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _refund_columns() -> tuple[sa.Column[object], ...]:
    """Fresh columns each time: a Column belongs to one table once added."""
    return (
        sa.Column("status", sa.String(24), nullable=False, server_default="succeeded"),
        sa.Column("idempotency_key", sa.String(255), nullable=True),
        sa.Column("gateway", sa.String(20), nullable=True),
        sa.Column("gateway_refund_id", sa.String(128), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("trigger", sa.String(20), nullable=False, server_default="manual"),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("requested_by", sa.String(100), nullable=True),
        sa.Column("approved_by", sa.String(100), nullable=True),
        sa.Column("due_by", sa.DateTime(timezone=True), nullable=True),
        sa.Column("breached_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("instant", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("workings", sa.JSON(), nullable=False, server_default="{}"),
    )


def upgrade() -> None:
    with op.batch_alter_table("refunds") as batch:
        for column in _refund_columns():
            batch.add_column(column)
        batch.alter_column("paid_at", existing_type=sa.DateTime(timezone=True), nullable=True)
        batch.create_unique_constraint("uq_refunds_idempotency_key", ["idempotency_key"])
        batch.create_index("ix_refunds_gateway_refund_id", ["gateway_refund_id"])
    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(160), nullable=False, unique=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("memo", sa.Text(), nullable=False),
        sa.Column("rma_no", sa.String(32), nullable=False),
    )
    op.create_index("ix_ledger_entries_rma_no", "ledger_entries", ["rma_no"])
    op.create_table(
        "ledger_postings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "entry_id",
            sa.Integer(),
            sa.ForeignKey("ledger_entries.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("account", sa.String(40), nullable=False),
        sa.Column("party", sa.String(64), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("debit", sa.BigInteger(), nullable=False),
        sa.Column("credit", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_ledger_postings_account", "ledger_postings", ["account", "party"])
    op.create_table(
        "amount_approvals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("requested_by", sa.String(100), nullable=False),
        sa.Column("limit_cents", sa.BigInteger(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("decided_by", sa.String(100), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("open_key", sa.String(100), nullable=True, unique=True),
    )
    op.create_index("ix_amount_approvals_status", "amount_approvals", ["status", "requested_at"])
    op.create_table(
        "refund_recoveries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("rma_no", sa.String(32), nullable=False, unique=True),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(100), nullable=True),
    )
    op.create_index("ix_refund_recoveries_customer_id", "refund_recoveries", ["customer_id"])


def downgrade() -> None:
    op.drop_table("refund_recoveries")
    op.drop_table("amount_approvals")
    op.drop_table("ledger_postings")
    op.drop_table("ledger_entries")
    with op.batch_alter_table("refunds") as batch:
        batch.drop_index("ix_refunds_gateway_refund_id")
        batch.drop_constraint("uq_refunds_idempotency_key", type_="unique")
        batch.alter_column("paid_at", existing_type=sa.DateTime(timezone=True), nullable=False)
        for column in reversed(_refund_columns()):
            batch.drop_column(column.name)
