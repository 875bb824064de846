"""Clearing one customer's personal data while every count, amount and date stays (R14.1).

What goes: the customer's name, phone and email; the delivery address below the city
(province and city stay for regional figures); each request's contact, photos, free-text
reasons and rating comment; carriers' scan texts on their parcels; photos taken at
receiving and inspection; the sender's name, phone and label text of parcels matched to
the customer's requests; the e-mail address in notices already sent; what the customer
wrote in their requests' conversations and those threads' photos (their attachment rows
go too, as photo lists are emptied: `grievance_privacy.clear_conversations`); the risk
records' identifier hashes, watch-list reasons and verdict notes (`risk_privacy.clear`).
What stays: every other row, status, reason code, quantity, amount, score and timestamp,
so statistics come out the same.

History (`return_events`), audit and ledger rows are not touched: they are append-only
and chained by hash, and rewriting them would break the chain. Their free-text notes
may still hold what staff typed (see the privacy README).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, select
from sqlalchemy.orm import Session

from returnflow.storage import grievance_privacy, risk_privacy
from returnflow.storage.schema import (
    CustomerRow,
    InspectionRow,
    OrderRow,
    OutboxRow,
    ReceiptMismatchRow,
    ReceiptRow,
    ReturnRow,
    ShipmentRow,
    TrackingEventRow,
    UnidentifiedParcelRow,
)

KEPT_ADDRESS_FIELDS = ("province", "city")
# keys of a notice's payload that name or reach the customer
PERSONAL_PAYLOAD_KEYS = ("email", "name", "phone", "contact", "address", "ship_to")


@dataclass
class Cleared:
    """What one anonymisation cleared; photo files are deleted after the commit."""

    customers: list[str] = field(default_factory=list)
    requests: int = 0
    photos: list[str] = field(default_factory=list)


def _address(ship_to: dict[str, Any] | None) -> dict[str, Any] | None:
    if ship_to is None:
        return None
    return {key: (ship_to.get(key, "") if key in KEPT_ADDRESS_FIELDS else "") for key in ship_to}


def _rating(rating: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if rating is None else {**rating, "comment": ""}


def _requests(session: Session, customer_id: str, cleared: Cleared) -> list[str]:
    rmas: list[str] = []
    for row in session.scalars(select(ReturnRow).where(ReturnRow.customer_id == customer_id)):
        rmas.append(row.rma_no)
        cleared.photos.extend(str(name) for name in row.photos or [])
        row.contact = {}
        row.photos = []
        row.rating = _rating(row.rating)
        for line in row.lines:
            line.reason_text = ""
    cleared.requests += len(rmas)
    return rmas


def _warehouse_records(session: Session, rmas: list[str], cleared: Cleared) -> None:
    if not rmas:
        return
    mismatches = session.scalars(
        select(ReceiptMismatchRow)
        .join(ReceiptRow, ReceiptRow.id == ReceiptMismatchRow.receipt_id)
        .where(ReceiptRow.rma_no.in_(rmas))
    )
    for mismatch in mismatches:
        cleared.photos.extend(str(name) for name in mismatch.photos or [])
        mismatch.photos = []
    for inspection in session.scalars(select(InspectionRow).where(InspectionRow.rma_no.in_(rmas))):
        cleared.photos.extend(str(name) for name in inspection.photos or [])
        inspection.photos = []
    # carriers' scan texts can name the courier or the person who signed, with a phone
    shipments = select(ShipmentRow.id).where(ShipmentRow.rma_no.in_(rmas))
    scans = select(TrackingEventRow).where(TrackingEventRow.shipment_id.in_(shipments))
    for scan in session.scalars(scans):
        scan.description = ""
    for shipment in session.scalars(select(ShipmentRow).where(ShipmentRow.rma_no.in_(rmas))):
        shipment.pickup_to = _address(shipment.pickup_to)  # issue 16: a typed pickup address
    parcels = select(UnidentifiedParcelRow).where(UnidentifiedParcelRow.matched_rma.in_(rmas))
    for parcel in session.scalars(parcels):
        cleared.photos.extend(str(name) for name in parcel.photos or [])
        parcel.sender_name, parcel.sender_phone, parcel.label_text = "", "", ""
        parcel.photos = []


def _sent_notices(session: Session, customer_id: str) -> None:
    """Notices already delivered keep their topic and dates, not the address they went to."""
    query = select(OutboxRow).where(
        cast(OutboxRow.payload, String).contains(customer_id),
        (OutboxRow.sent_at.is_not(None)) | (OutboxRow.failed_at.is_not(None)),
    )
    for row in session.scalars(query):
        payload = dict(row.payload or {})
        if payload.get("customer_id") != customer_id:
            continue
        row.payload = {
            key: ("" if key in PERSONAL_PAYLOAD_KEYS else value) for key, value in payload.items()
        }


def anonymise_customer(session: Session, customer_id: str, now: datetime) -> Cleared:
    """Clear one customer's personal data (see the module docstring for what stays)."""
    cleared = Cleared(customers=[customer_id])
    customer = session.get(CustomerRow, customer_id)
    if customer is None:
        return Cleared()
    customer.name, customer.phone, customer.email = "", "", ""
    customer.anonymised_at = now
    for order in session.scalars(select(OrderRow).where(OrderRow.customer_id == customer_id)):
        order.ship_to = _address(order.ship_to)
    rmas = _requests(session, customer_id, cleared)
    _warehouse_records(session, rmas, cleared)
    _sent_notices(session, customer_id)
    cleared.photos.extend(grievance_privacy.clear(session, customer_id))
    cleared.photos.extend(grievance_privacy.clear_conversations(session, customer_id))
    risk_privacy.clear(session, customer_id)  # issue 15: identifiers, staff's free text
    return cleared
