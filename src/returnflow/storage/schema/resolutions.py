"""Exchanges, stock and catalogue prices, repairs, store credit and refund intents (issue 5)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from returnflow.storage.schema.base import Base

# --- exchanges, store credit, repairs, reissues (issue 5, migration 0011) ---


class ExchangeOrderRow(Base):
    """The replacement side of an exchange request: what goes out, at what price gap.

    One per request (unique rma_no). `fast` ones may be released before the customer's
    parcel arrives; the request's own status only moves at inspection (see
    domain/exchanges.py).
    """

    __tablename__ = "exchange_orders"
    __table_args__ = (Index("ix_exchange_orders_open", "status", "return_due_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rma_no: Mapped[str] = mapped_column(String(32), unique=True)
    merchant_id: Mapped[str] = mapped_column(String(64), index=True)
    customer_id: Mapped[str] = mapped_column(String(64), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    fast: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20))
    items: Mapped[list[Any]]  # [{line_no, sku, title, quantity, unit_price}]
    returned_value: Mapped[int] = mapped_column(BigInteger)
    replacement_value: Mapped[int] = mapped_column(BigInteger)
    difference: Mapped[int] = mapped_column(BigInteger)  # + customer pays, - we refund
    settlement: Mapped[str] = mapped_column(String(20))  # none | charge | refund_pending | ...
    return_due_at: Mapped[datetime | None]
    charged_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    history: Mapped[list[Any]]  # [{at, actor, step, note}]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(Integer, default=0)
    __mapper_args__ = {"version_id_col": version}


class StockLevelRow(Base):
    """Available quantity of a SKU as the order system last told us."""

    __tablename__ = "stock_levels"
    merchant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), primary_key=True)
    available: Mapped[int] = mapped_column(Integer)
    reported_at: Mapped[datetime]


class CatalogueItemRow(Base):
    """A product's current price as the order system's price feed last pushed it (issue 9).

    Replacements are priced from here, never from the caller; availability goes to
    `stock_levels` beside it, where reservations are counted.
    """

    __tablename__ = "catalogue_items"
    __table_args__ = (CheckConstraint("unit_price >= 0", name="ck_catalogue_items_price"),)
    merchant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    currency: Mapped[str] = mapped_column(String(3))
    unit_price: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(100))


class StockReservationRow(Base):
    __tablename__ = "stock_reservations"
    __table_args__ = (Index("ix_stock_reservations_sku", "merchant_id", "sku", "status"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    exchange_id: Mapped[int] = mapped_column(ForeignKey("exchange_orders.id"), index=True)
    merchant_id: Mapped[str] = mapped_column(String(64))
    sku: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))  # reserved | shipped | released
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ShipmentRequestRow(Base):
    """A parcel we ask the order system to send (replacement, reissued parts, repair)."""

    __tablename__ = "shipment_requests"
    __table_args__ = (
        UniqueConstraint("rma_no", "purpose"),
        Index("ix_shipment_requests_status", "status", "created_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rma_no: Mapped[str] = mapped_column(String(32))
    purpose: Mapped[str] = mapped_column(String(20))  # exchange | reissue | repair
    merchant_id: Mapped[str] = mapped_column(String(64), index=True)
    customer_id: Mapped[str] = mapped_column(String(64))
    order_no: Mapped[str] = mapped_column(String(64))
    items: Mapped[list[Any]]
    currency: Mapped[str] = mapped_column(String(3))
    price: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(10))  # pending | shipped
    carrier: Mapped[str | None] = mapped_column(String(32))
    waybill_no: Mapped[str | None] = mapped_column(String(64))
    shipment_id: Mapped[int | None] = mapped_column(ForeignKey("shipments.id"), nullable=True)
    created_at: Mapped[datetime]
    shipped_at: Mapped[datetime | None]
    shipped_by: Mapped[str | None] = mapped_column(String(100))


class RepairOrderRow(Base):
    __tablename__ = "repair_orders"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rma_no: Mapped[str] = mapped_column(String(32), unique=True)
    customer_id: Mapped[str] = mapped_column(String(64), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20))
    diagnosis: Mapped[str] = mapped_column(Text, default="")
    cost: Mapped[int] = mapped_column(BigInteger, default=0)
    cost_approved: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    steps: Mapped[list[Any]]  # [{at, actor, step, note}]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(Integer, default=0)
    __mapper_args__ = {"version_id_col": version}


class StoreCreditAccountRow(Base):
    """A customer's store-credit balance; the CHECK makes a negative balance unstorable."""

    __tablename__ = "store_credit_accounts"
    __table_args__ = (CheckConstraint("balance >= 0", name="ck_store_credit_not_negative"),)
    customer_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    balance: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime]


class StoreCreditLotRow(Base):
    """One grant of credit with its own expiry; spends use the soonest-expiring first."""

    __tablename__ = "store_credit_lots"
    __table_args__ = (Index("ix_store_credit_lots_open", "customer_id", "expires_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(BigInteger)
    remaining: Mapped[int] = mapped_column(BigInteger)
    granted_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(64))


class StoreCreditEntryRow(Base):
    """Append-only history of a balance: grant, bonus, spend, expiry; `key` once only."""

    __tablename__ = "store_credit_entries"
    __table_args__ = (Index("ix_store_credit_entries_customer", "customer_id", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    customer_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(10))  # grant | bonus | spend | expire
    amount: Mapped[int] = mapped_column(BigInteger)  # signed: + grant/bonus, - spend/expire
    currency: Mapped[str] = mapped_column(String(3))
    balance_after: Mapped[int] = mapped_column(BigInteger)
    rma_no: Mapped[str] = mapped_column(String(32), default="")
    reference: Mapped[str] = mapped_column(String(200), default="")
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime]
    # hash chain (issue 9, migration 0014): see storage/chain.py
    prev_hash: Mapped[str] = mapped_column(String(64), default="")
    row_hash: Mapped[str] = mapped_column(String(64), default="")


class RefundIntentRow(Base):
    """Money we owe back outside a request's own refund (an exchange's negative price gap),
    waiting for the refunds slice to pay it."""

    __tablename__ = "refund_intents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    rma_no: Mapped[str] = mapped_column(String(32), index=True)
    customer_id: Mapped[str] = mapped_column(String(64))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(12))  # pending | paid | cancelled
    created_at: Mapped[datetime]
