"""Receiving, inspection, disposition, the inventory ledger and RTV (issue 4)."""

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
from sqlalchemy.orm import Mapped, mapped_column, relationship

from returnflow.storage.schema.base import Base

# --- receiving: scans, mismatches, unidentified parcels (issue 4, migration 0008) ---


class ReceiptRow(Base):
    """What the warehouse found in a request's parcel (R5.1).

    One per request: the unique `rma_no` is what makes a double Enter or two workers
    scanning the same parcel end with one receipt. `received_at` is the dock time the
    warehouse figures measure dock-to-stock from.
    """

    __tablename__ = "receipts"
    __table_args__ = (Index("ix_receipts_received_at", "received_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rma_no: Mapped[str] = mapped_column(String(32), unique=True)
    scanned_code: Mapped[str] = mapped_column(String(64))
    lines: Mapped[list[Any]]  # [{line_no, sku, title, expected, received}]
    clean: Mapped[bool] = mapped_column(Boolean)
    received_by: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[datetime]
    mismatches: Mapped[list[ReceiptMismatchRow]] = relationship(
        back_populates="receipt", order_by="ReceiptMismatchRow.id", cascade="all, delete-orphan"
    )


class ReceiptMismatchRow(Base):
    __tablename__ = "receipt_mismatches"
    __table_args__ = (UniqueConstraint("receipt_id", "kind"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("receipts.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20), index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    photos: Mapped[list[Any]]
    implied: Mapped[bool] = mapped_column(Boolean, default=False)
    receipt: Mapped[ReceiptRow] = relationship(back_populates="mismatches")


class UnidentifiedParcelRow(Base):
    """A parcel that matched nothing when scanned, on a shelf until matched or let go."""

    __tablename__ = "unidentified_parcels"
    __table_args__ = (Index("ix_unidentified_state_found", "state", "found_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    carrier: Mapped[str] = mapped_column(String(64))
    waybill_no: Mapped[str] = mapped_column(String(64), index=True)
    sender_name: Mapped[str] = mapped_column(String(200))
    sender_phone: Mapped[str] = mapped_column(String(40))
    label_text: Mapped[str] = mapped_column(Text)
    photos: Mapped[list[Any]]
    shelf: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(20))
    found_by: Mapped[str] = mapped_column(String(100))
    found_at: Mapped[datetime]
    matched_rma: Mapped[str | None] = mapped_column(String(32))
    resolved_by: Mapped[str | None] = mapped_column(String(100))
    resolved_at: Mapped[datetime | None]
    resolution_note: Mapped[str] = mapped_column(Text, default="")


# --- inspection, disposition, inventory ledger, RTV (issue 4, migration 0009) ---


class InspectionRow(Base):
    """The full inspection of a request (R5.2): checklist, grade, responsibility, verdict."""

    __tablename__ = "inspections"
    __table_args__ = (Index("ix_inspections_by_at", "inspected_by", "inspected_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rma_no: Mapped[str] = mapped_column(String(32), unique=True)
    passed: Mapped[bool] = mapped_column(Boolean)
    grade: Mapped[str] = mapped_column(String(2))
    responsibility: Mapped[str] = mapped_column(String(10))
    checks: Mapped[list[Any]]  # [{"check", "mark", "note"}]
    serial_no: Mapped[str] = mapped_column(String(64), default="")
    expected_serial: Mapped[str | None] = mapped_column(String(64))
    serial_matches: Mapped[bool | None] = mapped_column(Boolean)
    photos: Mapped[list[Any]]
    notes: Mapped[str] = mapped_column(Text, default="")
    reasons: Mapped[list[Any]]  # [{"zh", "en"}]: why it passed or failed
    inspected_at: Mapped[datetime] = mapped_column(index=True)
    inspected_by: Mapped[str] = mapped_column(String(100))


class InspectionOfferRow(Base):
    """A partial refund offered after a failed inspection (R5.3), and the answer."""

    __tablename__ = "inspection_offers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rma_no: Mapped[str] = mapped_column(String(32), unique=True)
    code: Mapped[str] = mapped_column(String(40))
    reason_zh: Mapped[str] = mapped_column(Text)
    reason_en: Mapped[str] = mapped_column(Text)
    amount: Mapped[int] = mapped_column(BigInteger)  # the deduction, kept back
    currency: Mapped[str] = mapped_column(String(3))
    line_no: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(10))  # offered | accepted | declined
    offered_at: Mapped[datetime]
    offered_by: Mapped[str] = mapped_column(String(100))
    answered_at: Mapped[datetime | None]


class WarehouseRulesRow(Base):
    """Versions of the disposition rules and the partial-refund switch (R5.3, R5.4)."""

    __tablename__ = "warehouse_rule_versions"
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    document: Mapped[dict[str, Any]]
    published_at: Mapped[datetime]
    published_by: Mapped[str] = mapped_column(String(100))


class DispositionRow(Base):
    """Where one returned line went: the rules' suggestion, the choice, the bin."""

    __tablename__ = "dispositions"
    __table_args__ = (UniqueConstraint("rma_no", "line_no"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rma_no: Mapped[str] = mapped_column(String(32))
    line_no: Mapped[int]
    merchant_id: Mapped[str] = mapped_column(String(64))
    sku: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(40))
    grade: Mapped[str] = mapped_column(String(2))
    quantity: Mapped[int]
    value: Mapped[int] = mapped_column(BigInteger)
    suggested: Mapped[str] = mapped_column(String(20))
    rule_id: Mapped[str] = mapped_column(String(64))
    rules_version: Mapped[int]
    chosen: Mapped[str] = mapped_column(String(20))
    approved_by: Mapped[str | None] = mapped_column(String(100))
    bin: Mapped[str | None] = mapped_column(String(20))
    rtv_batch_id: Mapped[int | None]
    decided_at: Mapped[datetime]
    decided_by: Mapped[str] = mapped_column(String(100))
    put_away_at: Mapped[datetime | None] = mapped_column(index=True)
    put_away_by: Mapped[str | None] = mapped_column(String(100))


class InventoryMovementRow(Base):
    """Append-only inventory ledger: one row per movement, never updated."""

    __tablename__ = "inventory_movements"
    __table_args__ = (
        Index("ix_inventory_movements_item", "merchant_id", "sku"),
        Index("ix_inventory_movements_rma", "rma_no"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    merchant_id: Mapped[str] = mapped_column(String(64))
    sku: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[int]
    from_location: Mapped[str] = mapped_column(String(32))
    to_location: Mapped[str] = mapped_column(String(32))
    from_grade: Mapped[str] = mapped_column(String(2))
    to_grade: Mapped[str] = mapped_column(String(2))
    rma_no: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    # hash chain (issue 9, migration 0014): see storage/chain.py
    prev_hash: Mapped[str] = mapped_column(String(64), default="")
    row_hash: Mapped[str] = mapped_column(String(64), default="")


class WarehouseStockRow(Base):
    """The ledger's running sum per item, place and grade; the check keeps it >= 0."""

    __tablename__ = "warehouse_stock"
    __table_args__ = (CheckConstraint("quantity >= 0", name="ck_warehouse_stock_not_negative"),)
    merchant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), primary_key=True)
    location: Mapped[str] = mapped_column(String(32), primary_key=True)
    grade: Mapped[str] = mapped_column(String(2), primary_key=True)
    quantity: Mapped[int]


class RtvBatchRow(Base):
    """Goods going back to one merchant (supplier) together. `open_key` is the merchant
    while the batch is open and empty once shipped: unique, so one open batch each."""

    __tablename__ = "rtv_batches"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    merchant_id: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(10))  # open | shipped
    open_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    opened_at: Mapped[datetime]
    shipped_at: Mapped[datetime | None]
    shipped_by: Mapped[str | None] = mapped_column(String(100))
    carrier: Mapped[str | None] = mapped_column(String(32))
    waybill_no: Mapped[str | None] = mapped_column(String(64))


class RtvItemRow(Base):
    __tablename__ = "rtv_items"
    __table_args__ = (UniqueConstraint("rma_no", "line_no"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("rtv_batches.id"), index=True)
    rma_no: Mapped[str] = mapped_column(String(32))
    line_no: Mapped[int]
    sku: Mapped[str] = mapped_column(String(64))
    grade: Mapped[str] = mapped_column(String(2))
    quantity: Mapped[int]
    value: Mapped[int] = mapped_column(BigInteger)
    added_at: Mapped[datetime]
    added_by: Mapped[str] = mapped_column(String(100))
