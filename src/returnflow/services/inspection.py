"""Inspecting a received request (R5.2) and what a failure leads to (R5.3).

The checklist's verdict drives the existing lifecycle step (`ReturnRequest.inspect`),
so the status still changes in one place. A failure either offers the customer a
partial refund (where the warehouse rules allow it and the inspector proposes a
deduction) or sends the goods back: an outbound shipment row, a ledger movement out
and a notice. The customer's answer to an offer arrives through `answer_offer`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from returnflow.domain.catalog import ItemFlag
from returnflow.domain.inspection import (
    CheckResult,
    Findings,
    Grade,
    Responsibility,
    Verdict,
    check_offer,
    checklist_for_items,
    judge,
)
from returnflow.domain.inventory import (
    ARRIVAL,
    CUSTOMER,
    INSPECTION_AREA,
    UNGRADED,
    Movement,
    MovementKind,
)
from returnflow.domain.kinds import RequestType
from returnflow.domain.lifecycle import Action, Status, transition_for
from returnflow.domain.money import Money
from returnflow.domain.orders import Order
from returnflow.domain.refunds import Deduction
from returnflow.domain.returns import ReturnRequest
from returnflow.domain.text import DomainError, Text
from returnflow.services import photo_refs
from returnflow.services.errors import NotFound
from returnflow.services.returns import get_return, policy_for
from returnflow.storage.schema import InspectionOfferRow, InspectionRow, ShipmentRow
from returnflow.storage.uow import UnitOfWork

OFFER_CODE = "partial_refund_offer"


@dataclass(frozen=True)
class Proposal:
    """A deduction the inspector proposes as a partial refund (R5.3)."""

    amount: int  # cents kept back
    reason: str  # the customer reads it


@dataclass(frozen=True)
class InspectionInput:
    checks: tuple[CheckResult, ...]
    grade: Grade
    responsibility: Responsibility
    serial_no: str = ""
    expected_serial: str | None = None
    photos: tuple[str, ...] = ()
    notes: str = ""
    deduction: Proposal | None = None


@dataclass(frozen=True)
class Outcome:
    request: ReturnRequest
    verdict: Verdict
    route: str  # "passed" | "offered" | "sent_back"


def checklist(uow: UnitOfWork, request: ReturnRequest) -> tuple[Any, ...]:
    order, _ = policy_for(uow, request)
    return checklist_for_items(_items(order, request))


def _items(order: Order, request: ReturnRequest) -> list[tuple[str, frozenset[ItemFlag]]]:
    items = []
    for line in request.lines:
        found = order.line(line.line_no)
        if found is not None:
            items.append((found.category, found.flags))
    return items


def inspect(
    uow: UnitOfWork,
    rma_no: str,
    given: InspectionInput,
    actor: str,
    now: datetime,
    *,
    merchant_scope: str | None = None,
) -> Outcome:
    """Judge the findings, move the request, store everything; the caller commits."""
    request = get_return(uow, rma_no, merchant_scope=merchant_scope, for_update=True)
    transition_for(Action.INSPECT_PASS, request.status, request.request_type)  # refuse early
    photo_refs.check_for_request(uow.session, given.photos, rma_no=request.rma_no)
    order, _ = policy_for(uow, request)
    required = checklist_for_items(_items(order, request))
    findings = Findings(
        checks=given.checks,
        grade=given.grade,
        responsibility=given.responsibility,
        serial_no=given.serial_no.strip(),
        expected_serial=given.expected_serial,
        photos=given.photos,
        notes=given.notes.strip(),
    )
    verdict = judge(required, findings)
    book = uow.warehouse.rules()
    offer: Deduction | None = None
    if given.deduction is not None:
        if verdict.passed:
            raise DomainError(
                "deduction_needs_failure",
                Text("验收通过时不能提出部分退款", "A partial refund is offered only on a failure"),
                field="deduction",
            )
        if request.request_type is not RequestType.REFUND or not book.offers_partial_refund(
            given.grade, given.responsibility
        ):
            raise DomainError(
                "partial_refund_not_allowed",
                Text(
                    "仓储规则不允许对该等级与责任方提出部分退款",
                    "The warehouse rules allow no partial refund for this grade and responsibility",
                ),
                field="deduction",
            )
        reason = given.deduction.reason.strip()
        offer = Deduction(
            OFFER_CODE,
            Text(reason, reason),
            Money(given.deduction.amount, request.estimate.total.currency),
        )
        check_offer(offer, request.estimate.total.cents)
    note = _bilingual(verdict, findings.notes)
    request.inspect(actor, now, verdict.passed, note)
    uow.warehouse.add_inspection(
        InspectionRow(
            rma_no=request.rma_no,
            passed=verdict.passed,
            grade=findings.grade.value,
            responsibility=findings.responsibility.value,
            checks=[
                {"check": c.check.value, "mark": c.mark.value, "note": c.note.strip()}
                for c in findings.checks
            ],
            serial_no=findings.serial_no,
            expected_serial=findings.expected_serial,
            serial_matches=verdict.serial_matches,
            photos=list(findings.photos),
            notes=findings.notes,
            reasons=[{"zh": r.zh, "en": r.en} for r in verdict.reasons],
            inspected_at=now,
            inspected_by=actor,
        )
    )
    _book_arrival(uow, order, request, findings.grade, actor, now)
    if verdict.passed:
        return Outcome(request, verdict, "passed")
    if offer is not None:
        uow.warehouse.add_offer(
            InspectionOfferRow(
                rma_no=request.rma_no,
                code=offer.code,
                reason_zh=offer.reason.zh,
                reason_en=offer.reason.en,
                amount=offer.amount.cents,
                currency=offer.amount.currency,
                line_no=None,
                status="offered",
                offered_at=now,
                offered_by=actor,
            )
        )
        _tell(uow, request, "return.partial_refund_offered", now, offer.reason.zh, offer.amount)
        return Outcome(request, verdict, "offered")
    send_back(uow, order, request, actor, now, note)
    return Outcome(request, verdict, "sent_back")


def _bilingual(verdict: Verdict, notes: str) -> str:
    text = f"{verdict.summary('zh')} / {verdict.summary('en')}"
    return f"{text} — {notes}" if notes else text


def _book_arrival(
    uow: UnitOfWork, order: Order, request: ReturnRequest, grade: Grade, actor: str, now: datetime
) -> None:
    """Into the inspection area (unless receiving booked it), then graded."""
    received = uow.warehouse.has_movement(request.rma_no, MovementKind.RECEIVE.value)
    for line in request.lines:
        order_line = order.line(line.line_no)
        if order_line is None:
            continue
        common: dict[str, Any] = {
            "sku": order_line.sku,
            "quantity": line.quantity,
            "actor": actor,
            "at": now,
            "rma_no": request.rma_no,
            "merchant_id": request.merchant_id,
        }
        if not received:
            uow.warehouse.move(
                Movement(
                    MovementKind.RECEIVE,
                    from_location=ARRIVAL,
                    to_location=INSPECTION_AREA,
                    from_grade=UNGRADED,
                    to_grade=UNGRADED,
                    **common,
                )
            )
        uow.warehouse.move(
            Movement(
                MovementKind.GRADE,
                from_location=INSPECTION_AREA,
                to_location=INSPECTION_AREA,
                from_grade=UNGRADED,
                to_grade=grade.value,
                **common,
            )
        )


def send_back(
    uow: UnitOfWork, order: Order, request: ReturnRequest, actor: str, now: datetime, reason: str
) -> ShipmentRow:
    """R5.3: the goods go back to the customer with the reason.

    The outbound parcel is written as a manual shipment in status "requested": the
    carrier adapters book return parcels (customer → warehouse) only, so the warehouse
    books this one by hand and records the waybill when it leaves.
    """
    inspection = uow.warehouse.inspection(request.rma_no)
    grade = inspection.grade if inspection is not None else UNGRADED
    for line in request.lines:
        order_line = order.line(line.line_no)
        if order_line is None:
            continue
        uow.warehouse.move(
            Movement(
                MovementKind.SEND_BACK,
                sku=order_line.sku,
                quantity=line.quantity,
                from_location=INSPECTION_AREA,
                to_location=CUSTOMER,
                from_grade=grade,
                to_grade=grade,
                actor=actor,
                at=now,
                rma_no=request.rma_no,
                merchant_id=request.merchant_id,
                note=reason[:500],
            )
        )
    row = ShipmentRow(
        rma_no=request.rma_no,
        direction="outbound",
        purpose="send_back",
        method="outbound",
        carrier="manual",
        carrier_name="manual",
        waybill_no=None,
        status="requested",
        requested_by=actor,
        currency=order.currency,
        created_at=now,
        updated_at=now,
    )
    uow.warehouse.add_send_back(row)
    _tell(uow, request, "return.sent_back", now, reason, None)
    return row


def _tell(
    uow: UnitOfWork,
    request: ReturnRequest,
    topic: str,
    now: datetime,
    note: str,
    amount: Money | None,
) -> None:
    payload: dict[str, Any] = {
        "rma_no": request.rma_no,
        "order_no": request.order_no,
        "customer_id": request.customer_id,
        "merchant_id": request.merchant_id,
        "email": request.contact.get("email", ""),
        "status": request.status.value,
        "note": note,
        "occurred_at": now.isoformat(),
    }
    if amount is not None:
        payload.update(
            amount=(request.estimate.total - amount).cents,
            deduction=amount.cents,
            currency=amount.currency,
        )
    uow.outbox.put(topic, payload, now)


def offer_not_found(rma_no: str) -> NotFound:
    return NotFound(
        "offer_not_found",
        Text("{rma} 没有待答复的部分退款", "{rma} has no partial refund waiting").format(
            rma=rma_no
        ),
    )


def answer_offer(
    uow: UnitOfWork, rma_no: str, accept: bool, actor: str, now: datetime
) -> ReturnRequest:
    """The customer accepts (refund less the deduction) or declines (goods go back)."""
    request = get_return(uow, rma_no, for_update=True)
    offer = uow.warehouse.offer(rma_no)
    if offer is None or offer.status != "offered" or request.status is not Status.INSPECTION_FAILED:
        raise offer_not_found(rma_no)
    if not uow.warehouse.answer_offer(rma_no, "accepted" if accept else "declined", now):
        raise offer_not_found(rma_no)  # answered in another tab a moment ago
    order, _ = policy_for(uow, request)
    if accept:
        # the refund step subtracts `uow.warehouse.accepted_deductions` from the estimate
        deduction = Money(offer.amount, offer.currency)
        _tell(uow, request, "return.partial_refund_accepted", now, offer.reason_zh, deduction)
    else:
        send_back(
            uow,
            order,
            request,
            actor,
            now,
            f"顾客拒绝部分退款 / customer declined: {offer.reason_zh}",
        )
    return request


def offer_view(uow: UnitOfWork, rma_no: str) -> dict[str, Any] | None:
    """The partial refund the customer's request page shows, as plain values."""
    row = uow.warehouse.offer(rma_no)
    if row is None:
        return None
    return {
        "status": row.status,
        "reason": row.reason_zh,
        "money": Money(row.amount, row.currency),
    }
