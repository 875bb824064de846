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
    CheckConstraint,
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
    # set when the retention job cleared the personal fields (R14.1, migration 0015)
    anonymised_at: Mapped[datetime | None]


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
    # where the order was delivered (issue 4, migration 0006): pickups come here
    ship_to: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
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
    # hash chain (issue 9, migration 0014): see storage/chain.py
    prev_hash: Mapped[str] = mapped_column(String(64), default="")
    row_hash: Mapped[str] = mapped_column(String(64), default="")
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
    paid_at: Mapped[datetime | None]
    request: Mapped[ReturnRow] = relationship(back_populates="refund")
    # the refund's life (issue 5, migration 0010); defaults describe a refund paid at once
    status: Mapped[str] = mapped_column(String(24), default="succeeded")
    idempotency_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    gateway: Mapped[str | None] = mapped_column(String(20))
    gateway_refund_id: Mapped[str | None] = mapped_column(String(128), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    trigger: Mapped[str] = mapped_column(String(20), default="manual")
    requested_at: Mapped[datetime | None]
    requested_by: Mapped[str | None] = mapped_column(String(100))
    approved_by: Mapped[str | None] = mapped_column(String(100))
    due_by: Mapped[datetime | None]
    breached_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    instant: Mapped[bool] = mapped_column(Boolean, default=False)
    workings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


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
    # two-factor sign-in (issue 9, migration 0013): the TOTP secret once enrolment
    # starts, when a code confirmed it, and the last time step used (no replays)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_confirmed_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)


class SessionRow(Base):
    """Server-side sessions: the cookie holds a random token, the row holds its hash."""

    __tablename__ = "sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    # None: a full session; "totp": the password was right, the code is still owed;
    # "enrol": the role requires two-factor sign-in and the account must enrol first
    pending: Mapped[str | None] = mapped_column(String(10))


class ApiTokenRow(Base):
    __tablename__ = "api_tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    # "staff" acts as the account everywhere; "integration" only on integration routes
    scope: Mapped[str] = mapped_column(String(20), default="staff", server_default="staff")


class AccessLogRow(Base):
    """R14.1: every look at a customer's contact data, photos or address, by whom and when."""

    __tablename__ = "access_log"
    __table_args__ = (
        Index("ix_access_log_subject", "subject"),
        Index("ix_access_log_customer_at", "customer_id", "at"),
        Index("ix_access_log_actor_at", "actor", "at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(String(64))  # the RMA or order number
    what: Mapped[str] = mapped_column(String(40))  # contact | photo | address | export
    # whose data it was and the page or API route it was seen on (migration 0015)
    customer_id: Mapped[str | None] = mapped_column(String(64))
    route: Mapped[str] = mapped_column(String(200), default="")


class ThrottleRow(Base):
    """One counter per throttled key (sign-in, portal look-up), changed under a row lock.

    A try is counted before the password or contact is checked, so concurrent guesses
    queue on this row and no more than the allowance are ever checked (issue 9).
    """

    __tablename__ = "throttle_counters"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    hits: Mapped[int] = mapped_column(Integer)
    last_at: Mapped[datetime]
    blocked_until: Mapped[datetime | None]


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
    # empty while the carrier has not answered yet (status "requested")
    waybill_no: Mapped[str | None] = mapped_column(String(64))
    # requested | arranged | in_transit | ... | cancelling | cancelled | failed
    status: Mapped[str] = mapped_column(String(20))
    # self-ship: the brand the customer named (sf, zto, … or other); carrier is "manual"
    brand: Mapped[str | None] = mapped_column(String(32))
    requested_by: Mapped[str] = mapped_column(String(100), default="")
    last_error: Mapped[str | None] = mapped_column(Text)
    # the warehouse address the waybill was made out to, as it was then
    return_to: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
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


class ReturnMethodSettingRow(Base):
    """An adjustment of the default return-method book (`domain/shipping.py`).

    Keyed by merchant and province, either of which may be "*"; the document holds the
    changed method terms, pickup hours and the warehouse return address.
    """

    __tablename__ = "return_method_settings"
    merchant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    province: Mapped[str] = mapped_column(String(40), primary_key=True)
    document: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(100))


# --- tracking pushes and polling, logistics exceptions (issue 4, migration 0007) ---


class TrackingEventRow(Base):
    """One distinct carrier scan. `shipment_id` is empty while the waybill is unknown
    (parked until a shipment with that waybill appears); the unique fingerprint per
    carrier is what makes a repeated or concurrent push store nothing twice."""

    __tablename__ = "tracking_events"
    __table_args__ = (
        UniqueConstraint("carrier", "fingerprint", name="uq_tracking_events_fingerprint"),
        Index("ix_tracking_events_waybill", "carrier", "waybill_no"),
        Index("ix_tracking_events_shipment", "shipment_id", "at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    carrier: Mapped[str] = mapped_column(String(32))
    waybill_no: Mapped[str] = mapped_column(String(64))
    shipment_id: Mapped[int | None] = mapped_column(ForeignKey("shipments.id"), nullable=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(24))
    description: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[str] = mapped_column(String(200), default="")
    problem: Mapped[str | None] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(10))  # push | poll
    received_at: Mapped[datetime]


class TrackingPollRow(Base):
    """When a shipment was last asked about, so polling spaces its calls out."""

    __tablename__ = "tracking_polls"
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id"), primary_key=True)
    polled_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)


class ShipmentExceptionRow(Base):
    """A task in the logistics exceptions queue (R4.4).

    `open_key` is "<shipment id>:<kind>" while the task is open and empty once resolved:
    unique, so repeated sweeps never open a second task for the same trouble.
    """

    __tablename__ = "shipment_exceptions"
    __table_args__ = (Index("ix_shipment_exceptions_open", "resolved_at", "raised_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id"), index=True)
    rma_no: Mapped[str] = mapped_column(String(32), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    detail: Mapped[dict[str, Any]]  # {"zh": …, "en": …}
    open_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    raised_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(100))
    resolution_note: Mapped[str | None] = mapped_column(Text)


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


# --- refunds' life, double-entry ledger, authority (issue 5, migration 0010) ---


class LedgerEntryRow(Base):
    """One journal entry; the unique `key` is what keeps an event from being booked twice."""

    __tablename__ = "ledger_entries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(160), unique=True)
    at: Mapped[datetime]
    memo: Mapped[str] = mapped_column(Text, default="")
    rma_no: Mapped[str] = mapped_column(String(32), default="", index=True)
    # hash chain (issue 9, migration 0014): see storage/chain.py
    prev_hash: Mapped[str] = mapped_column(String(64), default="")
    row_hash: Mapped[str] = mapped_column(String(64), default="")
    postings: Mapped[list[LedgerPostingRow]] = relationship(
        back_populates="entry", order_by="LedgerPostingRow.id", cascade="all, delete-orphan"
    )


class LedgerPostingRow(Base):
    __tablename__ = "ledger_postings"
    __table_args__ = (Index("ix_ledger_postings_account", "account", "party"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id", ondelete="CASCADE"))
    account: Mapped[str] = mapped_column(String(40))
    party: Mapped[str] = mapped_column(String(64), default="")
    currency: Mapped[str] = mapped_column(String(3))
    debit: Mapped[int] = mapped_column(BigInteger, default=0)
    credit: Mapped[int] = mapped_column(BigInteger, default=0)
    entry: Mapped[LedgerEntryRow] = relationship(back_populates="postings")


class AmountApprovalRow(Base):
    """An amount over someone's authority, waiting for a manager (R12.3).

    `open_key` is "<kind>:<subject>" while pending and empty once decided: unique, so
    one refund never waits in the queue twice.
    """

    __tablename__ = "amount_approvals"
    __table_args__ = (Index("ix_amount_approvals_status", "status", "requested_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))  # refund | compensation | ...
    subject: Mapped[str] = mapped_column(String(64))  # the RMA number, usually
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    requested_by: Mapped[str] = mapped_column(String(100))
    limit_cents: Mapped[int | None] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text, default="")
    requested_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20))  # pending | approved | declined
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(Text)
    open_key: Mapped[str | None] = mapped_column(String(100), unique=True)


class RefundRecoveryRow(Base):
    """Money paid by instant refund for goods that then failed inspection."""

    __tablename__ = "refund_recoveries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rma_no: Mapped[str] = mapped_column(String(32), unique=True)
    customer_id: Mapped[str] = mapped_column(String(64), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20))  # open | recovered | written_off
    opened_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(100))


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
