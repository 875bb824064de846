"""Receiving scans, mismatches and unidentified parcels (issue 4)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "receipts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("rma_no", sa.String(32), nullable=False),
        sa.Column("scanned_code", sa.String(64), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("clean", sa.Boolean(), nullable=False),
        sa.Column("received_by", sa.String(100), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("rma_no"),
    )
    op.create_index("ix_receipts_received_at", "receipts", ["received_at"])
    op.create_table(
        "receipt_mismatches",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "receipt_id",
            sa.Integer(),
            sa.ForeignKey("receipts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("photos", sa.JSON(), nullable=False),
        sa.Column("implied", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("receipt_id", "kind"),
    )
    op.create_index("ix_receipt_mismatches_kind", "receipt_mismatches", ["kind"])
    op.create_table(
        "unidentified_parcels",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("carrier", sa.String(64), nullable=False),
        sa.Column("waybill_no", sa.String(64), nullable=False),
        sa.Column("sender_name", sa.String(200), nullable=False),
        sa.Column("sender_phone", sa.String(40), nullable=False),
        sa.Column("label_text", sa.Text(), nullable=False),
        sa.Column("photos", sa.JSON(), nullable=False),
        sa.Column("shelf", sa.String(32), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("found_by", sa.String(100), nullable=False),
        sa.Column("found_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("matched_rma", sa.String(32), nullable=True),
        sa.Column("resolved_by", sa.String(100), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution_note", sa.Text(), nullable=False),
    )
    op.create_index("ix_unidentified_state_found", "unidentified_parcels", ["state", "found_at"])
    op.create_index("ix_unidentified_parcels_waybill_no", "unidentified_parcels", ["waybill_no"])


def downgrade() -> None:
    op.drop_index("ix_unidentified_parcels_waybill_no", table_name="unidentified_parcels")
    op.drop_index("ix_unidentified_state_found", table_name="unidentified_parcels")
    op.drop_table("unidentified_parcels")
    op.drop_index("ix_receipt_mismatches_kind", table_name="receipt_mismatches")
    op.drop_table("receipt_mismatches")
    op.drop_index("ix_receipts_received_at", table_name="receipts")
    op.drop_table("receipts")
