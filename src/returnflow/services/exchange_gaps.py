"""An exchange's price gap paid back through the refund life (R6.2, R12.3, issue 9).

The gap was booked as owed when the replacement was released; the worker turns each
payable one into the request's refund row, requested in the name of whoever chose the
replacement and bounded by their limit like any refund.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from returnflow.domain.authority import SYSTEM, check_authority, role_of
from returnflow.domain.exchanges import ExchangeOrder
from returnflow.domain.money import Money
from returnflow.domain.refund import RefundTerms
from returnflow.payments.gateway import refund_idempotency_key
from returnflow.services import refunds as refund_service
from returnflow.services.refunds import GAP_PAYABLE, GAP_TRIGGER, RefundRules, due_by
from returnflow.services.returns import policy_for
from returnflow.services.unit_of_work import UnitOfWork


def pay_exchange_gap(uow: UnitOfWork, intent_key: str, now: datetime, rules: RefundRules) -> bool:
    """Pay an exchange's negative price gap through the refund life.

    An exchange request pays no other refund, so the gap is its one refund (kind
    `exchange_gap` in `trigger`): same idempotency key rules, retries, deadline and
    notification as any refund. The gap was already booked as owed when the exchange
    was released (`exchange:<rma>:gap_owed`, Dr sales_returns / Cr refunds_payable), so
    that entry is its "accepted" entry; only the payment is booked later.

    The gap is requested by whoever chose the replacement (R12.3): over their limit
    it waits for a manager like any refund. A customer choosing from the catalogue in
    the portal acts under policy (the amount is the server's, at most what they paid).
    """
    intent = uow.refund_intents.get(intent_key, for_update=True)
    if intent is None or intent.status != "pending":
        return False
    request = uow.returns.get(intent.rma_no, for_update=True)
    if request is None or request.status not in GAP_PAYABLE:
        return False
    exchange = uow.exchanges.get(request.rma_no)
    creator = chooser_of(exchange)
    bounded = SYSTEM if role_of(creator) == "customer" else creator
    authority = check_authority(bounded, intent.amount, rules.limits)
    order, _ = policy_for(uow, request)
    terms = RefundTerms(
        amount=intent.amount,
        method=order.payment.method,
        reference=order.payment.transaction_id,
        gateway=rules.gateway,
        idempotency_key=refund_idempotency_key(request.rma_no, "gap"),
        trigger=GAP_TRIGGER,
        requested_by=creator,
        due_by=due_by(request, now, rules),
        workings=gap_workings(exchange, intent.amount),
        needs_approval=authority.needs_approval,
    )
    refund_service.owe_gap(uow, terms, request.rma_no, authority, now)
    uow.refund_intents.refunding(intent_key)
    return True


def chooser_of(exchange: ExchangeOrder | None) -> str:
    """Who chose the replacement: the gap is theirs to answer for."""
    return (exchange.chosen_by if exchange is not None else "") or SYSTEM


def gap_workings(exchange: ExchangeOrder | None, amount: Money) -> dict[str, Any]:
    """What came back, what replaced it, and the difference paid back."""
    returned = exchange.returned_value.cents if exchange else amount.cents
    replacement = exchange.replacement_value.cents if exchange else 0
    return {
        "kind": GAP_TRIGGER,
        "currency": amount.currency,
        "lines": [],
        "shipping_fee": 0,
        "shipping_payer": "",
        "estimate": amount.cents,
        "returned_value": returned,
        "replacement_value": replacement,
        "deductions": [],
        "total": amount.cents,
    }


def payable_gaps(uow: UnitOfWork) -> list[str]:
    """Gaps still owed whose request's goods passed inspection, for the worker."""
    return uow.refund_intents.payable([s.value for s in GAP_PAYABLE])
