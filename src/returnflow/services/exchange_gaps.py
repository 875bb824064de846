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
from returnflow.domain.refund_life import RefundLife, RefundState
from returnflow.domain.text import Text
from returnflow.payments.gateway import refund_idempotency_key
from returnflow.services.errors import Conflict
from returnflow.services.refunds import (
    GAP_PAYABLE,
    GAP_TRIGGER,
    SUBMIT_TOPIC,
    RefundRules,
    ask_manager,
    due_by,
)
from returnflow.services.returns import policy_for
from returnflow.storage.refunds import RefundStore, store_life
from returnflow.storage.resolutions import ExchangeRepository, RefundIntents
from returnflow.storage.uow import UnitOfWork


def pay_exchange_gap(uow: UnitOfWork, intent_key: str, now: datetime, rules: RefundRules) -> bool:
    """Pay an exchange's negative price gap through the refund life.

    An exchange request pays no other refund, so the gap is its one refund row (kind
    `exchange_gap` in `trigger`): same idempotency key rules, retries, deadline and
    notification as any refund. The gap was already booked as owed when the exchange
    was released (`exchange:<rma>:gap_owed`, Dr sales_returns / Cr refunds_payable), so
    that entry is its "accepted" entry; only the payment is booked here.

    The gap is requested by whoever chose the replacement (R12.3): over their limit
    it waits for a manager like any refund. A customer choosing from the catalogue in
    the portal acts under policy (the amount is the server's, at most what they paid).
    """
    intents = RefundIntents(uow.session)
    intent = intents.get(intent_key, for_update=True)
    if intent is None or intent.status != "pending":
        return False
    request = uow.returns.get(intent.rma_no, for_update=True)
    if request is None or request.status not in GAP_PAYABLE:
        return False
    store = RefundStore(uow.session)
    if store.for_rma(request.rma_no, for_update=True) is not None:
        raise Conflict(
            "refund_exists",
            Text("该申请已发起退款，不能重复退款", "A refund for this request already exists"),
        )
    exchange = ExchangeRepository(uow.session).get(request.rma_no)
    amount = Money(intent.amount, intent.currency)
    creator = chooser_of(exchange)
    bounded = SYSTEM if role_of(creator) == "customer" else creator
    authority = check_authority(bounded, amount, rules.limits)
    order, _ = policy_for(uow, request)
    row = store.create(
        request.rma_no,
        amount=amount.cents,
        currency=amount.currency,
        method=order.payment.method,
        reference=order.payment.transaction_id,
        paid_at=None,
        gateway=rules.gateway,
        idempotency_key=refund_idempotency_key(request.rma_no, "gap"),
        trigger=GAP_TRIGGER,
        requested_at=now,
        requested_by=creator,
        due_by=due_by(request, now, rules),
        instant=False,
        workings=gap_workings(exchange, amount),
    )
    intent.status = "refunding"
    if authority.needs_approval:
        store_life(row, RefundLife(RefundState.AWAITING_APPROVAL))
        ask_manager(uow, request.rma_no, amount, creator, authority, now)
        return True
    store_life(row, RefundLife(RefundState.REQUESTED))
    uow.outbox.put(SUBMIT_TOPIC, {"refund_id": row.id, "rma_no": request.rma_no}, now)
    return True


def chooser_of(exchange: ExchangeOrder | None) -> str:
    """Who chose the replacement: the gap is theirs to answer for."""
    if exchange is None:
        return SYSTEM
    chosen = next((step for step in exchange.history if step.step == "chosen"), None)
    return chosen.actor if chosen is not None and chosen.actor else SYSTEM


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
    return RefundIntents(uow.session).payable([s.value for s in GAP_PAYABLE])
