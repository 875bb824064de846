"""Return requests, their lines and their append-only history."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from returnflow.storage.schema.base import Base

if TYPE_CHECKING:
    from returnflow.storage.schema.refunds import RefundRow


class ReturnRow(Base):
    __tablename__ = "returns"
    __table_args__ = (
        Index("ix_returns_status_created", "status", "created_at"),
        Index("ix_returns_order", "order_id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rma_no: Mapped[str] = mapped_column(String(32), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    # every new request reads its order's live requests by order number
    order_no: Mapped[str] = mapped_column(String(64), index=True)
    merchant_id: Mapped[str] = mapped_column(String(64), index=True)
    customer_id: Mapped[str] = mapped_column(String(64), index=True)
    request_type: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(30))
    currency: Mapped[str] = mapped_column(String(3))
    shipping_payer: Mapped[str] = mapped_column(String(20))
    estimate: Mapped[dict[str, Any]]  # the refund workings at filing time
    refund_total: Mapped[int] = mapped_column(BigInteger)
    goods_value: Mapped[int] = mapped_column(BigInteger)
    decision: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    contact: Mapped[dict[str, Any]]
    photos: Mapped[list[Any]]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    review_due_at: Mapped[datetime | None]
    ship_by: Mapped[datetime | None]
    confirm_by: Mapped[datetime | None]
    carrier: Mapped[str | None] = mapped_column(String(64))
    tracking_no: Mapped[str | None] = mapped_column(String(64))
    shipped_at: Mapped[datetime | None]
    inspection: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    rating: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    lines: Mapped[list[ReturnLineRow]] = relationship(
        back_populates="request", order_by="ReturnLineRow.line_no", cascade="all, delete-orphan"
    )
    history: Mapped[list[ReturnEventRow]] = relationship(
        back_populates="request", order_by="ReturnEventRow.seq", cascade="all, delete-orphan"
    )
    refund: Mapped[RefundRow | None] = relationship(back_populates="request")
    # optimistic locking: a concurrent change to the same request fails, never merges
    __mapper_args__ = {"version_id_col": version}


class ReturnLineRow(Base):
    __tablename__ = "return_lines"
    __table_args__ = (UniqueConstraint("return_id", "line_no"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("returns.id", ondelete="CASCADE"))
    line_no: Mapped[int]
    quantity: Mapped[int]
    reason_code: Mapped[str] = mapped_column(String(30))
    reason_text: Mapped[str] = mapped_column(Text, default="")
    opened: Mapped[bool] = mapped_column(Boolean, default=False)
    refund_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    request: Mapped[ReturnRow] = relationship(back_populates="lines")


class ReturnEventRow(Base):
    """Append-only: one row per status change, never updated (the audit log)."""

    __tablename__ = "return_events"
    __table_args__ = (
        UniqueConstraint("return_id", "seq"),
        Index("ix_return_events_at", "at"),  # periods: rollups, scorecards (0029)
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("returns.id", ondelete="CASCADE"))
    seq: Mapped[int]
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(30))
    to_status: Mapped[str] = mapped_column(String(30))
    note: Mapped[str] = mapped_column(Text, default="")
    # hash chain (issue 9, migration 0014): see storage/chain.py
    prev_hash: Mapped[str] = mapped_column(String(64), default="")
    row_hash: Mapped[str] = mapped_column(String(64), default="")
    request: Mapped[ReturnRow] = relationship(back_populates="history")


# time filters of the incident monitors' daily reads (storage/monitor_queries.py, 0028)
Index("ix_returns_created_at", ReturnRow.created_at)
Index("ix_returns_shipped_at", ReturnRow.shipped_at)
