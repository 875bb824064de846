"""Return methods, waybills and labels (issue 4): shipments, method settings, ship-to

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "shipments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("rma_no", sa.String(32), nullable=False),
        sa.Column("direction", sa.String(10), nullable=False),
        sa.Column("purpose", sa.String(20), nullable=False),
        sa.Column("method", sa.String(20), nullable=False),
        sa.Column("carrier", sa.String(32), nullable=False),
        sa.Column("carrier_name", sa.String(100), nullable=False),
        sa.Column("waybill_no", sa.String(64), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("brand", sa.String(32), nullable=True),
        sa.Column("requested_by", sa.String(100), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("return_to", sa.JSON(), nullable=True),
        sa.Column("pickup_id", sa.String(64), nullable=True),
        sa.Column("pickup_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pickup_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dropoff_code", sa.String(32), nullable=True),
        sa.Column("promised_by", sa.DateTime(timezone=True), nullable=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("customer_fee", sa.BigInteger(), nullable=False),
        sa.Column("insured", sa.Boolean(), nullable=False),
        sa.Column("label_cost", sa.BigInteger(), nullable=False),
        sa.Column("pickup_cost", sa.BigInteger(), nullable=False),
        sa.Column("insurance_cost", sa.BigInteger(), nullable=False),
        sa.Column("last_event_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("carrier", "waybill_no"),
    )
    op.create_index("ix_shipments_rma", "shipments", ["rma_no"])
    op.create_index("ix_shipments_open", "shipments", ["status", "last_event_at"])
    op.create_table(
        "return_method_settings",
        sa.Column("merchant_id", sa.String(64), primary_key=True),
        sa.Column("province", sa.String(40), primary_key=True),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=False),
    )
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("ship_to", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("ship_to")
    op.drop_table("return_method_settings")
    op.drop_index("ix_shipments_open", table_name="shipments")
    op.drop_index("ix_shipments_rma", table_name="shipments")
    op.drop_table("shipments")
