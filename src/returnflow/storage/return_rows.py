"""A return request's rows ⇄ the `ReturnRequest` aggregate.

`request_from_row` builds the aggregate from a loaded row (with its lines, history and
refund); `write_back` copies what the aggregate's methods changed onto the row. The
history is append-only and hash-chained: only entries beyond the stored ones are
added, each sealed against the one before it (storage/chain.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from returnflow.domain.kinds import Channel, Reason, RequestType, ShippingPayer
from returnflow.domain.lifecycle import Action, Status
from returnflow.domain.money import Money
from returnflow.domain.returns import (
    Inspection,
    Rating,
    RefundRecord,
    ReturnLine,
    ReturnRequest,
    Shipment,
    StatusChange,
)
from returnflow.storage import chain, codecs
from returnflow.storage.schema import RefundRow, ReturnEventRow, ReturnLineRow, ReturnRow


def new_row(request: ReturnRequest, order_id: int) -> ReturnRow:
    """The row of a request just filed: its lines carry their share of the estimate."""
    row = ReturnRow(
        rma_no=request.rma_no,
        order_id=order_id,
        order_no=request.order_no,
        merchant_id=request.merchant_id,
        customer_id=request.customer_id,
        request_type=request.request_type.value,
        channel=request.channel.value,
        currency=request.estimate.total.currency,
        created_at=request.created_at,
        contact=dict(request.contact),
        photos=list(request.photos),
    )
    for line, refund in zip(request.lines, request.estimate.lines, strict=True):
        row.lines.append(
            ReturnLineRow(
                line_no=line.line_no,
                quantity=line.quantity,
                reason_code=line.reason.value,
                reason_text=line.reason_text,
                opened=line.opened,
                refund_amount=refund.amount.cents,
            )
        )
    write_back(request, row)
    return row


def request_from_row(row: ReturnRow) -> ReturnRequest:
    return ReturnRequest(
        rma_no=row.rma_no,
        order_no=row.order_no,
        merchant_id=row.merchant_id,
        customer_id=row.customer_id,
        request_type=RequestType(row.request_type),
        channel=Channel(row.channel),
        lines=tuple(
            ReturnLine(
                line.line_no, line.quantity, Reason(line.reason_code), line.reason_text, line.opened
            )
            for line in row.lines
        ),
        created_at=row.created_at,
        estimate=codecs.estimate_from_json(row.estimate),
        shipping_payer=ShippingPayer(row.shipping_payer),
        status=Status(row.status),
        decision=codecs.decision_from_json(row.decision) if row.decision else None,
        contact=dict(row.contact),
        photos=tuple(row.photos),
        review_due_at=row.review_due_at,
        ship_by=row.ship_by,
        confirm_by=row.confirm_by,
        shipment=_shipment(row),
        inspection=_inspection(row.inspection),
        refund=_refund(row),
        rating=_rating(row.rating),
        history=[_status_change(event) for event in row.history],
        version=row.version,
    )


def _refund(row: ReturnRow) -> RefundRecord | None:
    """The refund paid, if any: a refund owed but not yet paid is not on the aggregate."""
    if row.refund is None or row.refund.paid_at is None:
        return None
    return RefundRecord(
        Money(row.refund.amount, row.refund.currency),
        row.refund.method,
        row.refund.reference,
        row.refund.paid_at,
    )


def _shipment(row: ReturnRow) -> Shipment | None:
    if row.carrier and row.tracking_no and row.shipped_at:
        return Shipment(row.carrier, row.tracking_no, row.shipped_at)
    return None


def _inspection(data: dict[str, Any] | None) -> Inspection | None:
    if not data:
        return None
    return Inspection(
        data["passed"],
        data["notes"],
        datetime.fromisoformat(data["inspected_at"]),
        data["inspected_by"],
    )


def _rating(data: dict[str, Any] | None) -> Rating | None:
    if not data:
        return None
    return Rating(data["score"], data["comment"], datetime.fromisoformat(data["rated_at"]))


def _status_change(event: ReturnEventRow) -> StatusChange:
    return StatusChange(
        event.at,
        event.actor,
        Action(event.action),
        Status(event.from_status) if event.from_status else None,
        Status(event.to_status),
        event.note,
    )


def write_back(request: ReturnRequest, row: ReturnRow) -> None:
    """Copy the aggregate onto its row: fields, new history entries, a refund just paid."""
    row.status = request.status.value
    row.shipping_payer = request.shipping_payer.value
    row.estimate = codecs.estimate_to_json(request.estimate)
    row.refund_total = request.estimate.total.cents
    row.goods_value = request.estimate.goods_value.cents
    row.decision = codecs.decision_to_json(request.decision) if request.decision else None
    row.review_due_at = request.review_due_at
    row.ship_by = request.ship_by
    row.confirm_by = request.confirm_by
    row.updated_at = request.history[-1].at if request.history else request.created_at
    if request.shipment is not None:
        row.carrier = request.shipment.carrier
        row.tracking_no = request.shipment.tracking_no
        row.shipped_at = request.shipment.shipped_at
    if request.inspection is not None:
        row.inspection = {
            "passed": request.inspection.passed,
            "notes": request.inspection.notes,
            "inspected_at": request.inspection.inspected_at.isoformat(),
            "inspected_by": request.inspection.inspected_by,
        }
    if request.rating is not None:
        row.rating = {
            "score": request.rating.score,
            "comment": request.rating.comment,
            "rated_at": request.rating.rated_at.isoformat(),
        }
    _append_history(request, row)
    if request.refund is not None and row.refund is None:
        row.refund = RefundRow(
            amount=request.refund.amount.cents,
            currency=request.refund.amount.currency,
            method=request.refund.method,
            reference=request.refund.reference,
            paid_at=request.refund.paid_at,
        )


def _append_history(request: ReturnRequest, row: ReturnRow) -> None:
    """History is append-only: stored entries are never rewritten, new ones are sealed."""
    for seq, change in enumerate(request.history):
        if seq < len(row.history):
            continue
        event = ReturnEventRow(
            seq=seq,
            at=change.at,
            actor=change.actor,
            action=change.action.value,
            from_status=change.from_status.value if change.from_status else None,
            to_status=change.to_status.value,
            note=change.note,
        )
        chain.seal_event(event, row.rma_no, row.history[-1] if row.history else None)
        row.history.append(event)
