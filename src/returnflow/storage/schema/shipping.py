"""Return shipments, carrier methods, tracking events and logistics exceptions (issue 4)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

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
from sqlalchemy.orm import Mapped, mapped_column

from returnflow.storage.schema.base import Base

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
    # a door pickup: where the courier comes, as the customer chose it (issue 16, migration 0043)
    pickup_to: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
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
    # what resolving it did (issue 12, migration 0019): refund_without_goods | new_label |
    # compensation | close, and its amount / new parcel (domain/exception_remedies.py)
    remedy: Mapped[str | None] = mapped_column(String(24))
    remedy_detail: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


# time filters of the incident monitors' daily reads (storage/monitor_queries.py, 0028)
Index("ix_shipments_created_at", ShipmentRow.created_at)
Index("ix_shipment_exceptions_raised_at", ShipmentExceptionRow.raised_at)
