"""Repair orders and reissues of missing parts (R6.3).

The repair desk's steps are `RepairOrder`'s (domain/repairs.py, with the table of which
step each status allows); here they meet the rest: the cost is bounded by what the
customer paid, an accepted cost becomes a receivable and a payment request, and the
goods (or the missing parts) leave as a shipment request whose waybill performs the
request's REPAIR (or REISSUE) step (`services/shipment_requests.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from returnflow.domain.kinds import RequestType
from returnflow.domain.ledger import Account, transfer
from returnflow.domain.lifecycle import Status
from returnflow.domain.money import Money
from returnflow.domain.repairs import STEP_NAMES, RepairOrder
from returnflow.domain.returns import ReturnRequest
from returnflow.domain.shipment_requests import Purpose, ShipmentRequest
from returnflow.domain.text import DomainError, Text
from returnflow.services.replacements import paid_value
from returnflow.services.resolution_errors import repair_not_found
from returnflow.services.returns import get_return, policy_for
from returnflow.services.shipment_requests import payment_request, request_shipment
from returnflow.services.unit_of_work import UnitOfWork


def open_repair(
    uow: UnitOfWork, rma_no: str, actor: str, now: datetime, *, merchant_scope: str | None = None
) -> RepairOrder:
    """The repair desk takes the inspected goods in."""
    request = get_return(uow, rma_no, merchant_scope=merchant_scope, for_update=True)
    if request.request_type is not RequestType.REPAIR or request.status is not Status.INSPECTED:
        raise DomainError(
            "repair_not_open",
            Text(
                "维修申请验收通过后才能开维修单",
                "A repair order opens once a repair request passed inspection",
            ),
        )
    if uow.repairs.get(rma_no, for_update=True) is not None:
        raise DomainError(
            "repair_exists", Text("该申请已有维修单", "This request already has a repair order")
        )
    order = RepairOrder.receive(
        rma_no, request.customer_id, request.estimate.total.currency, now, actor
    )
    uow.repairs.add(order, now)
    return order


def _bounded_cost(uow: UnitOfWork, request: ReturnRequest, cost: int, currency: str) -> Money:
    """A repair never costs the customer more than they paid for the goods (issue 9)."""
    order, _ = policy_for(uow, request)
    ceiling = paid_value(order, request)
    if cost < 0 or cost > ceiling.cents:
        raise DomainError(
            "repair_cost_out_of_range",
            Text(
                "维修费须在 0 到商品实付金额 {max} 之间",
                "The repair cost must be between 0 and what was paid for the goods, {max}",
            ).format(max=str(ceiling)),
            field="cost",
        )
    return Money(cost, currency)


def step(
    uow: UnitOfWork,
    rma_no: str,
    name: str,
    actor: str,
    now: datetime,
    *,
    note: str = "",
    cost: int = 0,
    approved: bool = False,
    merchant_scope: str | None = None,
) -> RepairOrder:
    """diagnose | answer_cost | repaired | ship_back, each recorded with who and when."""
    if name not in STEP_NAMES:
        raise DomainError("repair_step_unknown", Text("未知的维修步骤", "Unknown repair step"))
    request = get_return(uow, rma_no, merchant_scope=merchant_scope, for_update=True)
    order = uow.repairs.get(rma_no, for_update=True)
    if order is None:
        raise repair_not_found(rma_no)
    match name:
        case "diagnose":
            order.diagnose(now, actor, note, _bounded_cost(uow, request, cost, order.currency))
        case "answer_cost":
            charge = order.answer_cost(now, actor, approved)
            if charge is not None:
                _charge(uow, request, charge, now)
        case "repaired":
            order.repaired(now, actor, note)
        case _:
            order.request_shipment(now, actor)
            lines = [{"line_no": line.line_no, "quantity": line.quantity} for line in request.lines]
            zero = Money.zero(order.currency)
            request_shipment(uow, request, Purpose.REPAIR, lines, zero, now)
    uow.repairs.save(order, now)
    return order


def _charge(uow: UnitOfWork, request: ReturnRequest, charge: Money, now: datetime) -> None:
    """The customer accepted a chargeable repair: a receivable, and a payment request."""
    uow.ledger.post(
        transfer(
            f"repair:{request.rma_no}:cost",
            now,
            "repair cost accepted by the customer",
            debit=Account.CUSTOMER_RECEIVABLE,
            credit=Account.SALES_RETURNS,
            amount=charge,
            rma_no=request.rma_no,
            debit_party=request.customer_id,
        )
    )
    payment_request(uow, request, charge, "repair_cost", now)


def reissue(
    uow: UnitOfWork,
    rma_no: str,
    items: Sequence[dict[str, Any]],
    actor: str,
    now: datetime,
    *,
    merchant_scope: str | None = None,
) -> ShipmentRequest:
    """Missing parts go out as a zero-price shipment; the REISSUE step follows the waybill."""
    request = get_return(uow, rma_no, merchant_scope=merchant_scope, for_update=True)
    if request.request_type is not RequestType.REISSUE or request.status is not Status.APPROVED:
        raise DomainError(
            "reissue_not_open",
            Text("该申请现在不能补发", "Parts cannot be reissued for this request now"),
        )
    if uow.shipment_requests.listing(status=None, merchant_scope=None, rma_no=rma_no):
        raise DomainError(
            "reissue_exists", Text("补发已在处理中", "The reissue is already on its way")
        )
    parts = list(items) or [
        {"line_no": line.line_no, "quantity": line.quantity, "note": line.reason_text}
        for line in request.lines
    ]
    currency = request.estimate.total.currency
    return request_shipment(uow, request, Purpose.REISSUE, parts, Money.zero(currency), now)
