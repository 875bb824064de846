"""Instant refunds (paid at the first scan) and what happens when their goods fail.

Within the configured limits a refund goes out before the goods are back; if they then
fail inspection the customer owes it back (a recovery case finance resolves), and once
the request can move, a refund paid early moves it to refunded.
"""

from __future__ import annotations

from datetime import datetime

from returnflow.domain.kinds import RequestType
from returnflow.domain.ledger import Account, transfer
from returnflow.domain.money import Money
from returnflow.domain.refund_life import RefundState
from returnflow.domain.returns import ReturnRequest
from returnflow.services.refunds import RefundRules, finish_request, may_refund
from returnflow.storage.refunds import Recoveries, RefundStore
from returnflow.storage.uow import UnitOfWork


def instant_allowed(uow: UnitOfWork, request: ReturnRequest, rules: RefundRules) -> bool:
    """Within the configured limits of amount and the customer's history."""
    if not rules.instant_enabled or request.request_type is not RequestType.REFUND:
        return False
    if request.estimate.total.cents > rules.instant_max_amount:
        return False
    failures = RefundStore(uow.session).failed_inspections(request.customer_id)
    open_recoveries = [
        r for r in Recoveries(uow.session).listing("open") if r.customer_id == request.customer_id
    ]
    return failures + len(open_recoveries) <= rules.instant_max_failures


def open_recovery(uow: UnitOfWork, rma_no: str, now: datetime) -> bool:
    """Goods refunded in advance failed inspection: the customer owes the money back."""
    recoveries = Recoveries(uow.session)
    if recoveries.get(rma_no) is not None:
        return False
    request = uow.returns.get(rma_no)
    row = RefundStore(uow.session).for_rma(rma_no, for_update=True)
    if request is None or row is None or not row.instant:
        return False
    if row.status != RefundState.SUCCEEDED.value:
        return False  # not paid: nothing to recover (an open one stays for finance)
    reason = request.inspection.notes if request.inspection else ""
    recoveries.open(rma_no, request.customer_id, row.amount, row.currency, reason, now)
    amount = Money(row.amount, row.currency)
    uow.ledger.post(
        transfer(
            f"recovery:{rma_no}:opened",
            now,
            f"instant refund to recover for {rma_no}",
            debit=Account.CUSTOMER_RECEIVABLE,
            credit=Account.SALES_RETURNS,
            amount=amount,
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
            "amount": amount.cents,
            "currency": amount.currency,
            "note": reason,
            "occurred_at": now.isoformat(),
        },
        now,
    )
    return True


def settle_request_status(uow: UnitOfWork, rma_no: str, now: datetime) -> bool:
    """A refund paid before its request could move (instant): move it once it can."""
    request = uow.returns.get(rma_no, for_update=True)
    row = RefundStore(uow.session).for_rma(rma_no)
    if request is None or row is None or row.paid_at is None or not may_refund(request):
        return False
    finish_request(uow, row, request, now)
    return True
