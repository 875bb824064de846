"""Exchanges, store credit, repairs and reissues (issue 5)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "exchange_orders",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("rma_no", sa.String(32), nullable=False, unique=True),
        sa.Column("merchant_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("fast", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("returned_value", sa.BigInteger(), nullable=False),
        sa.Column("replacement_value", sa.BigInteger(), nullable=False),
        sa.Column("difference", sa.BigInteger(), nullable=False),
        sa.Column("settlement", sa.String(20), nullable=False),
        sa.Column("return_due_at", _TS, nullable=True),
        sa.Column("charged_amount", sa.BigInteger(), nullable=False),
        sa.Column("history", sa.JSON(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_exchange_orders_open", "exchange_orders", ["status", "return_due_at"])
    op.create_index("ix_exchange_orders_merchant_id", "exchange_orders", ["merchant_id"])
    op.create_index("ix_exchange_orders_customer_id", "exchange_orders", ["customer_id"])
    op.create_table(
        "stock_levels",
        sa.Column("merchant_id", sa.String(64), primary_key=True),
        sa.Column("sku", sa.String(64), primary_key=True),
        sa.Column("available", sa.Integer(), nullable=False),
        sa.Column("reported_at", _TS, nullable=False),
    )
    op.create_table(
        "stock_reservations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("exchange_id", sa.Integer(), sa.ForeignKey("exchange_orders.id"), nullable=False),
        sa.Column("merchant_id", sa.String(64), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
    )
    op.create_index(
        "ix_stock_reservations_sku", "stock_reservations", ["merchant_id", "sku", "status"]
    )
    op.create_index("ix_stock_reservations_exchange_id", "stock_reservations", ["exchange_id"])
    op.create_table(
        "shipment_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("rma_no", sa.String(32), nullable=False),
        sa.Column("purpose", sa.String(20), nullable=False),
        sa.Column("merchant_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("order_no", sa.String(64), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("price", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("carrier", sa.String(32), nullable=True),
        sa.Column("waybill_no", sa.String(64), nullable=True),
        sa.Column("shipment_id", sa.Integer(), sa.ForeignKey("shipments.id"), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("shipped_at", _TS, nullable=True),
        sa.Column("shipped_by", sa.String(100), nullable=True),
        sa.UniqueConstraint("rma_no", "purpose"),
    )
    op.create_index("ix_shipment_requests_status", "shipment_requests", ["status", "created_at"])
    op.create_index("ix_shipment_requests_merchant_id", "shipment_requests", ["merchant_id"])
    op.create_table(
        "repair_orders",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("rma_no", sa.String(32), nullable=False, unique=True),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("diagnosis", sa.Text(), nullable=False),
        sa.Column("cost", sa.BigInteger(), nullable=False),
        sa.Column("cost_approved", sa.Boolean(), nullable=True),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_repair_orders_customer_id", "repair_orders", ["customer_id"])
    op.create_table(
        "store_credit_accounts",
        sa.Column("customer_id", sa.String(64), primary_key=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.CheckConstraint("balance >= 0", name="ck_store_credit_not_negative"),
    )
    op.create_table(
        "store_credit_lots",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("remaining", sa.BigInteger(), nullable=False),
        sa.Column("granted_at", _TS, nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
    )
    op.create_index("ix_store_credit_lots_open", "store_credit_lots", ["customer_id", "expires_at"])
    op.create_table(
        "store_credit_entries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(200), nullable=False, unique=True),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("balance_after", sa.BigInteger(), nullable=False),
        sa.Column("rma_no", sa.String(32), nullable=False),
        sa.Column("reference", sa.String(200), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("at", _TS, nullable=False),
    )
    op.create_index(
        "ix_store_credit_entries_customer", "store_credit_entries", ["customer_id", "id"]
    )
    op.create_table(
        "refund_intents",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(100), nullable=False, unique=True),
        sa.Column("rma_no", sa.String(32), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_index("ix_refund_intents_rma_no", "refund_intents", ["rma_no"])


def downgrade() -> None:
    op.drop_index("ix_refund_intents_rma_no", table_name="refund_intents")
    op.drop_table("refund_intents")
    op.drop_index("ix_store_credit_entries_customer", table_name="store_credit_entries")
    op.drop_table("store_credit_entries")
    op.drop_index("ix_store_credit_lots_open", table_name="store_credit_lots")
    op.drop_table("store_credit_lots")
    op.drop_table("store_credit_accounts")
    op.drop_index("ix_repair_orders_customer_id", table_name="repair_orders")
    op.drop_table("repair_orders")
    op.drop_index("ix_shipment_requests_merchant_id", table_name="shipment_requests")
    op.drop_index("ix_shipment_requests_status", table_name="shipment_requests")
    op.drop_table("shipment_requests")
    op.drop_index("ix_stock_reservations_exchange_id", table_name="stock_reservations")
    op.drop_index("ix_stock_reservations_sku", table_name="stock_reservations")
    op.drop_table("stock_reservations")
    op.drop_table("stock_levels")
    op.drop_index("ix_exchange_orders_customer_id", table_name="exchange_orders")
    op.drop_index("ix_exchange_orders_merchant_id", table_name="exchange_orders")
    op.drop_index("ix_exchange_orders_open", table_name="exchange_orders")
    op.drop_table("exchange_orders")
