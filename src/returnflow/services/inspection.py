"""Inspecting a received request (R5.2) and what a failure leads to (R5.3).

The `Inspection` aggregate judges the findings and books the goods; its verdict drives
the request's own lifecycle step (`ReturnRequest.inspect`), so the status still
changes in one place and "return.inspected" is what asks for the refund (the message
bus). A failure either offers the customer a partial refund (where the warehouse
rules allow it and the inspector proposes a deduction) or sends the goods back: an
outbound shipment, a ledger movement out and a notice. The customer's answer to an
offer arrives through `answer_offer`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from returnflow.domain.catalog import ItemFlag
from returnflow.domain.inspection import (
    Check,
    CheckResult,
    Findings,
    Grade,
    Responsibility,
    Verdict,
    checklist_for_items,
)
from returnflow.domain.inspection_record import OFFER_CODE, Goods, Inspection
from returnflow.domain.inventory import MovementKind
from returnflow.domain.kinds import RequestType
from returnflow.domain.lifecycle import Action, Status, transition_for
from returnflow.domain.money import Money
from returnflow.domain.orders import Order
from returnflow.domain.refunds import Deduction
from returnflow.domain.returns import ReturnRequest
from returnflow.domain.text import Text
from returnflow.domain.training import Skill
from returnflow.services import merchant_desk, photo_refs, training
from returnflow.services.errors import NotFound
from returnflow.services.returns import get_return, perform, policy_for
from returnflow.services.unit_of_work import UnitOfWork

__all__ = [
    "OFFER_CODE",
    "InspectionInput",
    "OfferView",
    "Outcome",
    "Proposal",
    "answer_offer",
    "checklist",
    "inspect",
    "offer_view",
]


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


def checklist(uow: UnitOfWork, request: ReturnRequest) -> tuple[Check, ...]:
    order, _ = policy_for(uow, request)
    return checklist_for_items(_items(order, request))


def _items(order: Order, request: ReturnRequest) -> list[tuple[str, frozenset[ItemFlag]]]:
    items = []
    for line in request.lines:
        found = order.line(line.line_no)
        if found is not None:
            items.append((found.category, found.flags))
    return items


def goods_of(order: Order, request: ReturnRequest) -> list[Goods]:
    """The request's lines with the SKUs the order gave them (lines it lacks are skipped)."""
    goods = []
    for line in request.lines:
        found = order.line(line.line_no)
        if found is not None:
            goods.append(Goods(line.line_no, found.sku, line.quantity))
    return goods


def record_verdict(
    uow: UnitOfWork, rma_no: str, passed: bool, actor: str, now: datetime, *, note: str = ""
) -> ReturnRequest:
    """The API's short inspection (passed or not, with a note) behind the same certificate
    gate as the checklist: otherwise it would be the way round the gate (issue 17)."""
    training.require(uow, actor, Skill.INSPECTION, now)
    action = Action.INSPECT_PASS if passed else Action.INSPECT_FAIL
    return perform(uow, rma_no, action, actor, now, note=note)


def inspect(
    uow: UnitOfWork,
    rma_no: str,
    given: InspectionInput,
    actor: str,
    now: datetime,
    *,
    merchant_scope: str | None = None,
    gates: training.TrainingRules | None = None,
) -> Outcome:
    """Judge the findings, move the request, store everything; the caller commits.

    A merchant inspects only its own requests, and only at its own warehouse; with the
    certification gates on (`gates`, else the settings) the inspector needs a certificate.
    """
    merchant_desk.own_warehouse(uow, merchant_scope)
    training.require(uow, actor, Skill.INSPECTION, now, gates)  # issue 17: certified inspectors
    request = get_return(uow, rma_no, merchant_scope=merchant_scope, for_update=True)
    transition_for(Action.INSPECT_PASS, request.status, request.request_type)  # refuse early
    photo_refs.check_for_request(uow, given.photos, rma_no=request.rma_no)
    order, _ = policy_for(uow, request)
    inspection = Inspection.record(
        rma_no=request.rma_no,
        merchant_id=request.merchant_id,
        required=checklist_for_items(_items(order, request)),
        findings=Findings(
            checks=given.checks,
            grade=given.grade,
            responsibility=given.responsibility,
            serial_no=given.serial_no,
            expected_serial=given.expected_serial,
            photos=given.photos,
            notes=given.notes,
        ),
        goods=goods_of(order, request),
        arrival_booked=uow.warehouse.has_movement(request.rma_no, MovementKind.RECEIVE),
        actor=actor,
        now=now,
    )
    if given.deduction is not None:
        inspection.offer_partial_refund(
            Money(given.deduction.amount, request.estimate.total.currency),
            given.deduction.reason,
            book=uow.warehouse.rules(),
            for_refund=request.request_type is RequestType.REFUND,
            refund_total=request.estimate.total,
            actor=actor,
            now=now,
        )
    request.inspect(actor, now, inspection.passed, inspection.summary)
    route = _after_the_verdict(uow, order, request, inspection, actor, now)
    uow.warehouse.add_inspection(inspection)
    return Outcome(request, inspection.verdict, route)


def _after_the_verdict(
    uow: UnitOfWork,
    order: Order,
    request: ReturnRequest,
    inspection: Inspection,
    actor: str,
    now: datetime,
) -> str:
    """Passed: nothing more here. Failed: the customer hears of the offer, or the goods go back."""
    if inspection.passed:
        return "passed"
    if inspection.offer is not None:
        deduction = inspection.offer.deduction
        _tell(uow, request, "return.partial_refund_offered", now, deduction.reason.zh, deduction)
        return "offered"
    _send_back(uow, order, request, inspection, inspection.summary, actor, now)
    return "sent_back"


def _send_back(
    uow: UnitOfWork,
    order: Order,
    request: ReturnRequest,
    inspection: Inspection,
    reason: str,
    actor: str,
    now: datetime,
) -> None:
    """R5.3: the goods go back to the customer with the reason.

    The outbound parcel is a manual shipment in status "requested": the carrier adapters
    book return parcels (customer → warehouse) only, so the warehouse books this one by
    hand and records the waybill when it leaves.
    """
    goods = goods_of(order, request)
    inspection.send_back(goods, reason, currency=order.currency, actor=actor, now=now)
    _tell(uow, request, "return.sent_back", now, reason, None)


def _tell(
    uow: UnitOfWork,
    request: ReturnRequest,
    topic: str,
    now: datetime,
    note: str,
    deduction: Deduction | None,
) -> None:
    """The customer's notice, through the outbox with the request's contact."""
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
    if deduction is not None:
        amount = deduction.amount
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
    inspection = uow.warehouse.inspection(rma_no)
    offer = inspection.offer if inspection is not None else None
    if (
        inspection is None
        or offer is None
        or not offer.is_open
        or request.status is not Status.INSPECTION_FAILED
    ):
        raise offer_not_found(rma_no)
    inspection.answer_offer(accept, now)
    reason = offer.deduction.reason.zh
    if accept:
        # the refund subtracts `uow.warehouse.accepted_deductions` from the estimate
        _tell(uow, request, "return.partial_refund_accepted", now, reason, offer.deduction)
    else:
        order, _ = policy_for(uow, request)
        declined = f"顾客拒绝部分退款 / customer declined: {reason}"
        _send_back(uow, order, request, inspection, declined, actor, now)
    uow.warehouse.save_inspection(inspection)
    return request


@dataclass(frozen=True)
class OfferView:
    """The partial refund the customer's request page shows."""

    status: str  # offered | accepted | declined
    reason: str
    money: Money  # the deduction


def offer_view(uow: UnitOfWork, rma_no: str) -> OfferView | None:
    offer = uow.warehouse.offer(rma_no)
    if offer is None:
        return None
    return OfferView(offer.status.value, offer.deduction.reason.zh, offer.deduction.amount)
