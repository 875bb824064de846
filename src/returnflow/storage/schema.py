"""The database tables. Alembic migrations in `returnflow/migrations` create them.

Rows are plain storage records; `repository.py` turns them into domain objects and
back, so nothing outside `storage/` depends on how a thing is stored.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UtcDateTime(TypeDecorator[datetime]):
    """Timestamps are stored and returned as aware UTC datetimes on every database."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UtcDateTime(), dict[str, Any]: JSON(), list[Any]: JSON()}


class MerchantRow(Base):
    __tablename__ = "merchants"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]


class CustomerRow(Base):
    __tablename__ = "customers"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(40))
    email: Mapped[str] = mapped_column(String(254))


class ProductRow(Base):
    __tablename__ = "products"
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"), primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(40), index=True)
    flags: Mapped[list[Any]]


class OrderRow(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_no: Mapped[str] = mapped_column(String(64), unique=True)
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"), index=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    placed_at: Mapped[datetime]
    paid_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    shipping_fee: Mapped[int] = mapped_column(BigInteger)
    return_shipping_insurance: Mapped[bool] = mapped_column(Boolean)
    payment_method: Mapped[str] = mapped_column(String(40))
    payment_transaction_id: Mapped[str] = mapped_column(String(128))
    imported_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    lines: Mapped[list[OrderLineRow]] = relationship(
        back_populates="order", order_by="OrderLineRow.line_no", cascade="all, delete-orphan"
    )


class OrderLineRow(Base):
    __tablename__ = "order_lines"
    __table_args__ = (UniqueConstraint("order_id", "line_no"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    line_no: Mapped[int]
    sku: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(40))
    unit_price: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int]
    discount: Mapped[int] = mapped_column(BigInteger)
    flags: Mapped[list[Any]]
    order: Mapped[OrderRow] = relationship(back_populates="lines")


class PolicyVersionRow(Base):
    __tablename__ = "policy_versions"
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    effective_from: Mapped[datetime]
    document: Mapped[dict[str, Any]]
    published_at: Mapped[datetime]
    published_by: Mapped[str] = mapped_column(String(100))


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
    __table_args__ = (UniqueConstraint("return_id", "seq"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("returns.id", ondelete="CASCADE"))
    seq: Mapped[int]
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(30))
    to_status: Mapped[str] = mapped_column(String(30))
    note: Mapped[str] = mapped_column(Text, default="")
    request: Mapped[ReturnRow] = relationship(back_populates="history")


class RefundRow(Base):
    """One refund per request: the unique return_id is what makes money move once."""

    __tablename__ = "refunds"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("returns.id"), unique=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    method: Mapped[str] = mapped_column(String(40))
    reference: Mapped[str] = mapped_column(String(128))
    paid_at: Mapped[datetime]
    request: Mapped[ReturnRow] = relationship(back_populates="refund")


class OutboxRow(Base):
    """Side effects waiting to leave: written with the change, sent by the worker."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "sent_at", "available_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    topic: Mapped[str] = mapped_column(String(60))
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    available_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class IdempotencyRow(Base):
    __tablename__ = "idempotency_keys"
    scope: Mapped[str] = mapped_column(String(60), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None]
    response: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime]


class CounterRow(Base):
    """Named sequences (RMA numbers) that work the same on SQLite and PostgreSQL."""

    __tablename__ = "counters"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class UserRow(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    merchant_id: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


class SessionRow(Base):
    """Server-side sessions: the cookie holds a random token, the row holds its hash."""

    __tablename__ = "sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class ApiTokenRow(Base):
    __tablename__ = "api_tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class AccessLogRow(Base):
    """R14.1: every look at a customer's contact data, by whom and when."""

    __tablename__ = "access_log"
    __table_args__ = (Index("ix_access_log_subject", "subject"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(String(64))  # the RMA or order number
    what: Mapped[str] = mapped_column(String(40))


class AttemptRow(Base):
    """Failed guesses (portal look-ups, sign-ins) per key, to slow repeated tries down."""

    __tablename__ = "attempts"
    __table_args__ = (Index("ix_attempts_key_at", "key", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime]


# --- reverse logistics: return methods, waybills, labels (issue 4, migration 0006) ---


class ShipmentRow(Base):
    """A parcel we arranged or were told about: customer → warehouse, or back out.

    `direction` "return" is the customer's parcel (pickup, drop-off or self-ship);
    "outbound" is one we send: goods back after a failed inspection, an exchange's
    replacement, reissued parts. A request may have several (a cancelled pickup, then a
    drop-off); (carrier, waybill_no) is unique, so a tracking push finds exactly one.
    """

    __tablename__ = "shipments"
    __table_args__ = (
        UniqueConstraint("carrier", "waybill_no"),
        Index("ix_shipments_rma", "rma_no"),
        Index("ix_shipments_open", "status", "last_event_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rma_no: Mapped[str] = mapped_column(String(32))
    direction: Mapped[str] = mapped_column(String(10))  # return | outbound
    purpose: Mapped[str] = mapped_column(String(20))  # return | send_back | exchange | reissue
    method: Mapped[str] = mapped_column(String(20))  # pickup | dropoff | self_ship | outbound
    carrier: Mapped[str] = mapped_column(String(32))
    carrier_name: Mapped[str] = mapped_column(String(100))
    waybill_no: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))  # arranged | in_transit | ... | cancelled
    pickup_id: Mapped[str | None] = mapped_column(String(64))
    pickup_start: Mapped[datetime | None]
    pickup_end: Mapped[datetime | None]
    dropoff_code: Mapped[str | None] = mapped_column(String(32))
    promised_by: Mapped[datetime | None]
    currency: Mapped[str] = mapped_column(String(3))
    customer_fee: Mapped[int] = mapped_column(BigInteger, default=0)
    insured: Mapped[bool] = mapped_column(Boolean, default=False)
    label_cost: Mapped[int] = mapped_column(BigInteger, default=0)
    pickup_cost: Mapped[int] = mapped_column(BigInteger, default=0)
    insurance_cost: Mapped[int] = mapped_column(BigInteger, default=0)
    last_event_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


# --- tracking pushes and polling, logistics exceptions (issue 4, migration 0007) ---


# --- receiving: scans, mismatches, unidentified parcels (issue 4, migration 0008) ---


# --- inspection, disposition, inventory ledger, RTV (issue 4, migration 0009) ---


# --- refunds' life, double-entry ledger, authority (issue 5, migration 0010) ---


# --- exchanges, store credit, repairs, reissues (issue 5, migration 0011) ---
