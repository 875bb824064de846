"""Instant refunds (paid at the first scan) and what happens when their goods fail.

Within the configured limits a refund goes out before the goods are back; if they then
fail inspection the customer owes it back (a `RefundRecovery` finance resolves), and
once the request can move, a refund paid early moves it to refunded.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from returnflow.domain.kinds import RequestType
from returnflow.domain.ledger import Account, transfer
from returnflow.domain.recoveries import RefundRecovery, check_outcome
from returnflow.domain.refund_life import RefundState
from returnflow.domain.returns import ReturnRequest
from returnflow.domain.text import Text
from returnflow.services.errors import Conflict
from returnflow.services.refunds import RefundRules, finish_request, may_refund
from returnflow.services.risk import refuses_instant
from returnflow.services.unit_of_work import UnitOfWork


def instant_allowed(uow: UnitOfWork, request: ReturnRequest, rules: RefundRules) -> bool:
    """Within the configured limits of amount and the customer's history (and not for a
    request whose risk score refuses it, R10.3)."""
    if not rules.instant_enabled or request.request_type is not RequestType.REFUND:
        return False
    if refuses_instant(uow, request.rma_no):
        return False
    if request.estimate.total.cents > rules.instant_max_amount:
        return False
    failures = uow.refunds.failed_inspections(request.customer_id)
    open_recoveries = uow.recoveries.open_count(request.customer_id)
    return failures + open_recoveries <= rules.instant_max_failures


def open_recovery(uow: UnitOfWork, rma_no: str, now: datetime) -> bool:
    """Goods refunded in advance failed inspection: the customer owes the money back."""
    if uow.recoveries.get(rma_no) is not None:
        return False
    request = uow.returns.get(rma_no)
    refund = uow.refunds.get(rma_no, for_update=True)
    if request is None or refund is None or not refund.instant:
        return False
    if refund.status is not RefundState.SUCCEEDED:
        return False  # not paid: nothing to recover (an open one stays for finance)
    reason = request.inspection.notes if request.inspection else ""
    recovery = RefundRecovery.open(rma_no, request.customer_id, refund.amount, reason, now)
    uow.recoveries.add(recovery)
    uow.ledger.post(
        transfer(
            f"recovery:{rma_no}:opened",
            now,
            f"instant refund to recover for {rma_no}",
            debit=Account.CUSTOMER_RECEIVABLE,
            credit=Account.SALES_RETURNS,
            amount=refund.amount,
            rma_no=rma_no,
            debit_party=request.customer_id,
        )
    )
    uow.outbox.put(
        "return.refund_recovery",
        {
            "rma_no": rma_no,
            "order_no": request.order_no,
            "customer_id": request.customer_id,
            "email": request.contact.get("email", ""),
            "amount": refund.amount.cents,
            "currency": refund.amount.currency,
            "note": reason,
            "occurred_at": now.isoformat(),
        },
        now,
    )
    return True


def settle_request_status(uow: UnitOfWork, rma_no: str, now: datetime) -> bool:
    """A refund paid before its request could move (instant): move it once it can."""
    request = uow.returns.get(rma_no, for_update=True)
    refund = uow.refunds.get(rma_no)
    if request is None or refund is None or refund.paid_at is None or not may_refund(request):
        return False
    # told when it was paid (finish_request's notice for an early refund): move silently
    finish_request(uow, refund, request, now, told=refund.instant or refund.is_gap)
    return True


def resolve_recovery(
    uow: UnitOfWork,
    rma_no: str,
    outcome: str,
    actor: str,
    now: datetime,
    limits: Mapping[str, int | None],
) -> None:
    """Recovered (the customer paid back) or written off (we bear it, within authority)."""
    check_outcome(outcome)
    recovery = uow.recoveries.get(rma_no, for_update=True)
    if recovery is None or not recovery.is_open:
        raise Conflict("recovery_not_open", Text("该追回已处理", "This recovery is not open"))
    recovery.resolve(outcome, actor, now, limits)
    uow.ledger.post(
        transfer(
            f"recovery:{rma_no}:{outcome}",
            now,
            f"recovery {outcome} for {rma_no} by {actor}",
            debit=Account.CASH if outcome == "recovered" else Account.COMPENSATION,
            credit=Account.CUSTOMER_RECEIVABLE,
            amount=recovery.amount,
            rma_no=rma_no,
            credit_party=recovery.customer_id,
        )
    )
