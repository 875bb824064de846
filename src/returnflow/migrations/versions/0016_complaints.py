"""Complaints, complaint labels, key-account customers (issue 12)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 04:00:00

Complaint numbers come from a PostgreSQL sequence (like RMA numbers, migration 0005);
SQLite counts in the `counters` table.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    _complaints()
    op.create_table(
        "complaint_entries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("complaint_id", sa.Integer(), sa.ForeignKey("complaints.id"), nullable=False),
        sa.Column("at", _AT, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
    )
    op.create_index("ix_complaint_entries_complaint_id", "complaint_entries", ["complaint_id"])
    op.create_table(
        "complaint_labels",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("complaint_no", sa.String(32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("urgency", sa.String(16), nullable=False),
        sa.Column("corrected", sa.Boolean(), nullable=False),
        sa.Column("labelled_by", sa.String(100), nullable=False),
        sa.Column("labelled_at", _AT, nullable=False),
    )
    op.create_index("ix_complaint_labels_complaint_no", "complaint_labels", ["complaint_no"])
    with op.batch_alter_table("customers") as table:
        table.add_column(
            sa.Column("key_account", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    counters = sa.table("counters", sa.column("name", sa.String), sa.column("value", sa.BigInteger))
    op.bulk_insert(counters, [{"name": "complaint_no", "value": 0}])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(sa.text("CREATE SEQUENCE complaint_no_seq START WITH 1"))


def _complaints() -> None:
    text_columns = [
        sa.Column(name, sa.String(size), nullable=nullable)
        for name, size, nullable in (
            ("channel", 16, False),
            ("order_no", 64, True),
            ("rma_no", 32, True),
            ("customer_id", 64, True),
            ("merchant_id", 64, True),
            ("subject", 200, False),
        )
    ]
    op.create_table(
        "complaints",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("complaint_no", sa.String(32), nullable=False, unique=True),
        *text_columns,
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("contact_email", sa.String(254), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("category_confidence", sa.Float(), nullable=False),
        sa.Column("suggested_category", sa.String(32), nullable=True),
        sa.Column("suggestion_confidence", sa.Float(), nullable=False),
        sa.Column("suggested_urgency", sa.String(16), nullable=True),
        sa.Column("category_confirmed_by", sa.String(100), nullable=False),
        sa.Column("urgency", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("team", sa.String(64), nullable=False),
        sa.Column("flag", sa.String(40), nullable=True),
        sa.Column("routed_to", sa.String(20), nullable=False),
        *[
            sa.Column(name, _AT, nullable=nullable)
            for name, nullable in (
                ("filed_at", False),
                ("resolve_started_at", False),
                ("first_response_due_at", False),
                ("resolve_due_at", False),
                ("next_due_at", True),
                ("first_responded_at", True),
                ("resolved_at", True),
                ("first_response_breached_at", True),
                ("resolve_breached_at", True),
                ("escalated_at", True),
            )
        ],
        sa.Column("escalated_to", sa.String(64), nullable=False),
        sa.Column("satisfaction_score", sa.Integer(), nullable=True),
        sa.Column("satisfaction_comment", sa.Text(), nullable=False),
        sa.Column("rated_at", _AT, nullable=True),
        sa.Column("updated_at", _AT, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "satisfaction_score IS NULL OR satisfaction_score BETWEEN 1 AND 5",
            name="ck_complaints_satisfaction_score",
        ),
    )
    for column in ("order_no", "rma_no", "customer_id", "merchant_id", "category", "team"):
        op.create_index(f"ix_complaints_{column}", "complaints", [column])
    op.create_index("ix_complaints_queue", "complaints", ["status", "next_due_at"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(sa.text("DROP SEQUENCE complaint_no_seq"))
    op.execute(sa.text("DELETE FROM counters WHERE name = 'complaint_no'"))
    # native DROP COLUMN (SQLite 3.35+), as migration 0015 does for customers
    op.execute("ALTER TABLE customers DROP COLUMN key_account")
    op.drop_table("complaint_labels")
    op.drop_table("complaint_entries")
    op.drop_table("complaints")
