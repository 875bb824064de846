"""Tracking events and logistics exceptions (issue 4)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tracking_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("carrier", sa.String(32), nullable=False),
        sa.Column("waybill_no", sa.String(64), nullable=False),
        sa.Column("shipment_id", sa.Integer(), sa.ForeignKey("shipments.id"), nullable=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("location", sa.String(200), nullable=False),
        sa.Column("problem", sa.String(20), nullable=True),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("carrier", "fingerprint", name="uq_tracking_events_fingerprint"),
    )
    op.create_index("ix_tracking_events_waybill", "tracking_events", ["carrier", "waybill_no"])
    op.create_index("ix_tracking_events_shipment", "tracking_events", ["shipment_id", "at"])
    op.create_table(
        "tracking_polls",
        sa.Column("shipment_id", sa.Integer(), sa.ForeignKey("shipments.id"), primary_key=True),
        sa.Column("polled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
    )
    op.create_table(
        "shipment_exceptions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("shipment_id", sa.Integer(), sa.ForeignKey("shipments.id"), nullable=False),
        sa.Column("rma_no", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("open_key", sa.String(64), nullable=True),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(100), nullable=True),
        sa.Column("resolution_note", sa.Text(), nullable=True),
        sa.UniqueConstraint("open_key"),
    )
    op.create_index("ix_shipment_exceptions_shipment_id", "shipment_exceptions", ["shipment_id"])
    op.create_index("ix_shipment_exceptions_rma_no", "shipment_exceptions", ["rma_no"])
    op.create_index(
        "ix_shipment_exceptions_open", "shipment_exceptions", ["resolved_at", "raised_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_shipment_exceptions_open", table_name="shipment_exceptions")
    op.drop_index("ix_shipment_exceptions_rma_no", table_name="shipment_exceptions")
    op.drop_index("ix_shipment_exceptions_shipment_id", table_name="shipment_exceptions")
    op.drop_table("shipment_exceptions")
    op.drop_table("tracking_polls")
    op.drop_index("ix_tracking_events_shipment", table_name="tracking_events")
    op.drop_index("ix_tracking_events_waybill", table_name="tracking_events")
    op.drop_table("tracking_events")
