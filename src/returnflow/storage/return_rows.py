"""A return request's rows ⇄ the `ReturnRequest` aggregate.

`request_from_row` builds the aggregate from a loaded row (with its lines, history and
refund); `write_back` copies what the aggregate's methods changed onto the row. The
history is append-only and hash-chained: only entries beyond the stored ones are
added, each sealed against the one before it (storage/chain.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import object_session

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
    """The aggregate of a row loaded with its lines, history and refund."""
    lines = tuple(
        ReturnLine(
            line.line_no, line.quantity, Reason(line.reason_code), line.reason_text, line.opened
        )
        for line in row.lines
    )
    history = [_status_change(event) for event in row.history]
    return request_from_parts(row, lines, history, _refund(row))


def request_from_parts(
    row: ReturnRow,
    lines: tuple[ReturnLine, ...],
    history: list[StatusChange],
    refund: RefundRecord | None,
) -> ReturnRequest:
    """The aggregate of the request's own row and its parts, however those were read
    (from their rows, or from a snapshot the row's columns vouch for: storage/returns.py)."""
    return ReturnRequest(
        rma_no=row.rma_no,
        order_no=row.order_no,
        merchant_id=row.merchant_id,
        customer_id=row.customer_id,
        request_type=RequestType(row.request_type),
        channel=Channel(row.channel),
        lines=lines,
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
        refund=refund,
        rating=_rating(row.rating),
        history=history,
        version=row.version,
    )


def refund_record(
    amount: int, currency: str, method: str, reference: str, paid_at: datetime | None
) -> RefundRecord | None:
    """The refund paid, if any: a refund owed but not yet paid is not on the aggregate."""
    if paid_at is None:
        return None
    return RefundRecord(Money(amount, currency), method, reference, paid_at)


def _refund(row: ReturnRow) -> RefundRecord | None:
    found = row.refund
    if found is None:
        return None
    return refund_record(found.amount, found.currency, found.method, found.reference, found.paid_at)


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


@dataclass(frozen=True, slots=True)
class Tail:
    """The stored end of a request's history and whether it has a refund row, for a row
    whose history and refund were not loaded (its aggregate came from a snapshot,
    storage/returns.py): new history entries are added after it, sealed against it."""

    count: int
    last_hash: str | None
    has_refund: bool


@dataclass(frozen=True, slots=True)
class _Previous:
    row_hash: str  # all `chain.seal_event` reads of the entry before


def write_back(request: ReturnRequest, row: ReturnRow, tail: Tail | None = None) -> Tail | None:
    """Copy the aggregate onto its row: fields, new history entries, a refund just paid.

    With a `tail` the row's history and refund are not loaded (and not read now): the
    new entries are added to the session after it, and the tail they leave returned.
    """
    _write_columns(request, row)
    if tail is None:
        _append_history(request, row)
        if request.refund is not None and row.refund is None:
            row.refund = _refund_row(request.refund)
        return None
    tail = _append_after(request, row, tail)
    state = row.__dict__  # a refund hung on the row since (storage/refunds.py `add`) counts
    has_refund = state["refund"] is not None if "refund" in state else tail.has_refund
    if request.refund is not None and not has_refund:
        row.refund = _refund_row(request.refund)
        tail = Tail(tail.count, tail.last_hash, True)
    return tail


def _write_columns(request: ReturnRequest, row: ReturnRow) -> None:
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


def _refund_row(refund: RefundRecord) -> RefundRow:
    return RefundRow(
        amount=refund.amount.cents,
        currency=refund.amount.currency,
        method=refund.method,
        reference=refund.reference,
        paid_at=refund.paid_at,
    )


def _event_row(seq: int, change: StatusChange) -> ReturnEventRow:
    return ReturnEventRow(
        seq=seq,
        at=change.at,
        actor=change.actor,
        action=change.action.value,
        from_status=change.from_status.value if change.from_status else None,
        to_status=change.to_status.value,
        note=change.note,
    )


def _append_history(request: ReturnRequest, row: ReturnRow) -> None:
    """History is append-only: stored entries are never rewritten, new ones are sealed."""
    for seq, change in enumerate(request.history):
        if seq < len(row.history):
            continue
        event = _event_row(seq, change)
        chain.seal_event(event, row.rma_no, row.history[-1] if row.history else None)
        row.history.append(event)


def _append_after(request: ReturnRequest, row: ReturnRow, tail: Tail) -> Tail:
    """The new entries after `tail`, added to the row's session by its id (the history
    collection stays unloaded), each sealed against the one before."""
    if len(request.history) <= tail.count:
        return tail
    session = object_session(row)
    assert session is not None  # a remembered row belongs to its unit of work's session
    last = tail.last_hash
    for seq in range(tail.count, len(request.history)):
        event = _event_row(seq, request.history[seq])
        event.return_id = row.id
        chain.seal_event(event, row.rma_no, None if last is None else _Previous(last))
        session.add(event)
        last = event.row_hash
    return Tail(len(request.history), last, tail.has_refund)
