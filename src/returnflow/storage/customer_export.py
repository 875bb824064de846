"""Everything held on one customer, as plain JSON-ready dictionaries (the data export).

Rows are written out column by column rather than through view models, so a column
added later appears in the export without anyone remembering to add it here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, select
from sqlalchemy.orm import DeclarativeBase, Session

from returnflow.storage import risk_privacy
from returnflow.storage.schema import (
    CustomerRow,
    ExchangeOrderRow,
    InspectionOfferRow,
    InspectionRow,
    OrderRow,
    OutboxRow,
    ReceiptRow,
    RefundIntentRow,
    RefundRecoveryRow,
    RefundRow,
    RepairOrderRow,
    ReturnRow,
    ShipmentRequestRow,
    ShipmentRow,
    StoreCreditAccountRow,
    StoreCreditEntryRow,
    StoreCreditLotRow,
    TrackingEventRow,
)
from returnflow.storage.schema.appeals import AppealRow
from returnflow.storage.schema.complaints import ComplaintEntryRow, ComplaintRow
from returnflow.storage.schema.conversations import (
    ConversationAttachmentRow,
    ConversationMessageRow,
)
from returnflow.storage.schema.disputes import DisputeEvidenceRow, DisputeRow


def _value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def row_dict(row: DeclarativeBase, skip: Iterable[str] = ()) -> dict[str, Any]:
    """A row's columns by name, datetimes as ISO 8601."""
    left_out = set(skip)
    columns = row.__table__.columns
    return {c.key: _value(getattr(row, c.key)) for c in columns if c.key not in left_out}


def _all(session: Session, query: Any) -> list[dict[str, Any]]:
    return [row_dict(row) for row in session.scalars(query)]


def _orders(session: Session, customer_id: str) -> list[dict[str, Any]]:
    orders = []
    for order in session.scalars(select(OrderRow).where(OrderRow.customer_id == customer_id)):
        item = row_dict(order)
        item["lines"] = [row_dict(line, skip=("id", "order_id")) for line in order.lines]
        orders.append(item)
    return orders


def _requests(session: Session, customer_id: str) -> list[dict[str, Any]]:
    found = []
    for request in session.scalars(select(ReturnRow).where(ReturnRow.customer_id == customer_id)):
        item = row_dict(request)
        item["lines"] = [row_dict(line, skip=("id", "return_id")) for line in request.lines]
        item["timeline"] = [row_dict(event, skip=("return_id",)) for event in request.history]
        found.append(item)
    return found


def _by_rma(session: Session, rmas: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    if not rmas:
        return {}
    receipts = []
    for receipt in session.scalars(select(ReceiptRow).where(ReceiptRow.rma_no.in_(rmas))):
        item = row_dict(receipt)
        item["mismatches"] = [row_dict(m) for m in receipt.mismatches]
        receipts.append(item)
    return {
        "refunds": _all(
            session,
            select(RefundRow)
            .join(ReturnRow, ReturnRow.id == RefundRow.return_id)
            # (only this customer's requests are in rmas)
            .where(ReturnRow.rma_no.in_(rmas)),
        ),
        "shipments": _all(session, select(ShipmentRow).where(ShipmentRow.rma_no.in_(rmas))),
        "tracking": _all(
            session,
            select(TrackingEventRow)
            .where(
                TrackingEventRow.shipment_id.in_(
                    select(ShipmentRow.id).where(ShipmentRow.rma_no.in_(rmas))
                )
            )
            .order_by(TrackingEventRow.at),
        ),
        "receipts": receipts,
        "inspections": _all(session, select(InspectionRow).where(InspectionRow.rma_no.in_(rmas))),
        "inspection_offers": _all(
            session, select(InspectionOfferRow).where(InspectionOfferRow.rma_no.in_(rmas))
        ),
        "shipment_requests": _all(
            session, select(ShipmentRequestRow).where(ShipmentRequestRow.rma_no.in_(rmas))
        ),
    }


def _notices(session: Session, customer_id: str) -> list[dict[str, Any]]:
    """Messages about the customer's requests: what was (or is to be) sent, and when."""
    # a text match finds the candidates; the payload's own customer_id settles it
    query = (
        select(OutboxRow)
        .where(cast(OutboxRow.payload, String).contains(customer_id))
        .order_by(OutboxRow.id)
    )
    return [
        row_dict(row, skip=("attempts", "last_error"))
        for row in session.scalars(query)
        if (row.payload or {}).get("customer_id") == customer_id
    ]


def _credit(session: Session, customer_id: str) -> dict[str, Any]:
    account = session.get(StoreCreditAccountRow, customer_id)
    return {
        "account": None if account is None else row_dict(account),
        "lots": _all(
            session, select(StoreCreditLotRow).where(StoreCreditLotRow.customer_id == customer_id)
        ),
        "entries": _all(
            session,
            select(StoreCreditEntryRow)
            .where(StoreCreditEntryRow.customer_id == customer_id)
            .order_by(StoreCreditEntryRow.id),
        ),
    }


def _grievances(session: Session, customer_id: str) -> dict[str, list[dict[str, Any]]]:
    """Complaints (with their history), appeals and disputes (with their evidence)."""
    complaints = []
    filed = select(ComplaintRow).where(ComplaintRow.customer_id == customer_id)
    for complaint in session.scalars(filed.order_by(ComplaintRow.id)):
        item = row_dict(complaint)
        entries = select(ComplaintEntryRow).where(ComplaintEntryRow.complaint_id == complaint.id)
        item["history"] = _all(session, entries.order_by(ComplaintEntryRow.id))
        complaints.append(item)
    disputes = []
    opened = select(DisputeRow).where(DisputeRow.customer_id == customer_id)
    for dispute in session.scalars(opened.order_by(DisputeRow.id)):
        item = row_dict(dispute)
        evidence = select(DisputeEvidenceRow).where(DisputeEvidenceRow.dispute_id == dispute.id)
        item["evidence"] = _all(session, evidence.order_by(DisputeEvidenceRow.id))
        disputes.append(item)
    appeals = select(AppealRow).where(AppealRow.customer_id == customer_id)
    return {
        "complaints": complaints,
        "appeals": _all(session, appeals.order_by(AppealRow.id)),
        "disputes": disputes,
    }


def _conversations(session: Session, customer_id: str) -> list[dict[str, Any]]:
    """The messages on the customer's requests, oldest first, each with its photos'
    names, SHA-256 and sizes (issue 13, R11.1)."""
    written = (
        select(ConversationMessageRow)
        .where(ConversationMessageRow.customer_id == customer_id)
        .order_by(
            ConversationMessageRow.rma_no,
            ConversationMessageRow.created_at,
            ConversationMessageRow.id,
        )
    )
    # the one-time form name is ours, not the customer's
    messages = [row_dict(row, skip=("submission",)) for row in session.scalars(written)]
    attachments: dict[int, list[dict[str, Any]]] = {item["id"]: [] for item in messages}
    carried = (
        select(ConversationAttachmentRow)
        .join(
            ConversationMessageRow,
            ConversationMessageRow.id == ConversationAttachmentRow.message_id,
        )
        .where(ConversationMessageRow.customer_id == customer_id)
        .order_by(ConversationAttachmentRow.message_id, ConversationAttachmentRow.position)
    )
    for row in session.scalars(carried):
        if row.message_id in attachments:  # (not one written between the two reads)
            attachments[row.message_id].append(row_dict(row, skip=("id", "message_id")))
    return [{**item, "attachments": attachments[item["id"]]} for item in messages]


def gather(session: Session, customer_id: str) -> dict[str, Any] | None:
    """The customer's export, or None when no such customer is held."""
    customer = session.get(CustomerRow, customer_id)
    if customer is None:
        return None
    requests = _requests(session, customer_id)
    rmas = [str(item["rma_no"]) for item in requests]
    by_customer = {
        "exchange_orders": select(ExchangeOrderRow).where(
            ExchangeOrderRow.customer_id == customer_id
        ),
        "repair_orders": select(RepairOrderRow).where(RepairOrderRow.customer_id == customer_id),
        "refund_intents": select(RefundIntentRow).where(RefundIntentRow.customer_id == customer_id),
        "refund_recoveries": select(RefundRecoveryRow).where(
            RefundRecoveryRow.customer_id == customer_id
        ),
    }
    return {
        "customer": row_dict(customer),
        "orders": _orders(session, customer_id),
        "requests": requests,
        "ratings": [
            {"rma_no": item["rma_no"], **item["rating"]} for item in requests if item["rating"]
        ],
        **_by_rma(session, rmas),
        **{name: _all(session, query) for name, query in by_customer.items()},
        "store_credit": _credit(session, customer_id),
        "notices": _notices(session, customer_id),
        **_grievances(session, customer_id),
        "conversations": _conversations(session, customer_id),
        **risk_privacy.export(session, customer_id),  # issue 15: scores and why
    }
