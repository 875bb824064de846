"""Inspection, disposition, inventory ledger and RTV batches (issue 4)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    ts = sa.DateTime(timezone=True)
    op.create_table(
        "inspections",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("rma_no", sa.String(32), nullable=False, unique=True),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("grade", sa.String(2), nullable=False),
        sa.Column("responsibility", sa.String(10), nullable=False),
        sa.Column("checks", sa.JSON(), nullable=False),
        sa.Column("serial_no", sa.String(64), nullable=False),
        sa.Column("expected_serial", sa.String(64), nullable=True),
        sa.Column("serial_matches", sa.Boolean(), nullable=True),
        sa.Column("photos", sa.JSON(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("inspected_at", ts, nullable=False),
        sa.Column("inspected_by", sa.String(100), nullable=False),
    )
    op.create_index("ix_inspections_by_at", "inspections", ["inspected_by", "inspected_at"])
    op.create_index("ix_inspections_inspected_at", "inspections", ["inspected_at"])
    op.create_table(
        "inspection_offers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("rma_no", sa.String(32), nullable=False, unique=True),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("reason_zh", sa.Text(), nullable=False),
        sa.Column("reason_en", sa.Text(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("offered_at", ts, nullable=False),
        sa.Column("offered_by", sa.String(100), nullable=False),
        sa.Column("answered_at", ts, nullable=True),
    )
    op.create_table(
        "warehouse_rule_versions",
        sa.Column("version", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("published_at", ts, nullable=False),
        sa.Column("published_by", sa.String(100), nullable=False),
    )
    op.create_table(
        "dispositions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("rma_no", sa.String(32), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("merchant_id", sa.String(64), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("grade", sa.String(2), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.Column("suggested", sa.String(20), nullable=False),
        sa.Column("rule_id", sa.String(64), nullable=False),
        sa.Column("rules_version", sa.Integer(), nullable=False),
        sa.Column("chosen", sa.String(20), nullable=False),
        sa.Column("approved_by", sa.String(100), nullable=True),
        sa.Column("bin", sa.String(20), nullable=True),
        sa.Column("rtv_batch_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", ts, nullable=False),
        sa.Column("decided_by", sa.String(100), nullable=False),
        sa.Column("put_away_at", ts, nullable=True),
        sa.Column("put_away_by", sa.String(100), nullable=True),
        sa.UniqueConstraint("rma_no", "line_no"),
    )
    op.create_index("ix_dispositions_put_away_at", "dispositions", ["put_away_at"])
    op.create_table(
        "inventory_movements",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", ts, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("merchant_id", sa.String(64), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("from_location", sa.String(32), nullable=False),
        sa.Column("to_location", sa.String(32), nullable=False),
        sa.Column("from_grade", sa.String(2), nullable=False),
        sa.Column("to_grade", sa.String(2), nullable=False),
        sa.Column("rma_no", sa.String(32), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
    )
    op.create_index("ix_inventory_movements_at", "inventory_movements", ["at"])
    op.create_index("ix_inventory_movements_item", "inventory_movements", ["merchant_id", "sku"])
    op.create_index("ix_inventory_movements_rma", "inventory_movements", ["rma_no"])
    op.create_table(
        "warehouse_stock",
        sa.Column("merchant_id", sa.String(64), primary_key=True),
        sa.Column("sku", sa.String(64), primary_key=True),
        sa.Column("location", sa.String(32), primary_key=True),
        sa.Column("grade", sa.String(2), primary_key=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity >= 0", name="ck_warehouse_stock_not_negative"),
    )
    op.create_table(
        "rtv_batches",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("merchant_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("open_key", sa.String(64), nullable=True, unique=True),
        sa.Column("opened_at", ts, nullable=False),
        sa.Column("shipped_at", ts, nullable=True),
        sa.Column("shipped_by", sa.String(100), nullable=True),
        sa.Column("carrier", sa.String(32), nullable=True),
        sa.Column("waybill_no", sa.String(64), nullable=True),
    )
    op.create_index("ix_rtv_batches_merchant_id", "rtv_batches", ["merchant_id"])
    op.create_table(
        "rtv_items",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("batch_id", sa.Integer(), sa.ForeignKey("rtv_batches.id"), nullable=False),
        sa.Column("rma_no", sa.String(32), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("grade", sa.String(2), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.Column("added_at", ts, nullable=False),
        sa.Column("added_by", sa.String(100), nullable=False),
        sa.UniqueConstraint("rma_no", "line_no"),
    )
    op.create_index("ix_rtv_items_batch_id", "rtv_items", ["batch_id"])


def downgrade() -> None:
    op.drop_index("ix_rtv_items_batch_id", table_name="rtv_items")
    op.drop_table("rtv_items")
    op.drop_index("ix_rtv_batches_merchant_id", table_name="rtv_batches")
    op.drop_table("rtv_batches")
    op.drop_table("warehouse_stock")
    for name in ("ix_inventory_movements_rma", "ix_inventory_movements_item"):
        op.drop_index(name, table_name="inventory_movements")
    op.drop_index("ix_inventory_movements_at", table_name="inventory_movements")
    op.drop_table("inventory_movements")
    op.drop_index("ix_dispositions_put_away_at", table_name="dispositions")
    op.drop_table("dispositions")
    op.drop_table("warehouse_rule_versions")
    op.drop_table("inspection_offers")
    op.drop_index("ix_inspections_inspected_at", table_name="inspections")
    op.drop_index("ix_inspections_by_at", table_name="inspections")
    op.drop_table("inspections")
