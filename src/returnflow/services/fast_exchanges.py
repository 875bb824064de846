"""The clock's moves for fast exchanges (R6.2): a replacement sent before the return.

Once inspection decides, the exchange finishes (passed) or the customer is charged for
the replacement they keep (failed); past the return deadline with nothing shipped back,
they are charged too. The worker's sweep (`jobs/resolutions.py`) calls these, one
request per transaction.
"""

from __future__ import annotations

from datetime import datetime

from returnflow.domain.exchanges import ExchangeOrder, ExchangeStatus, Settlement
from returnflow.domain.ledger import Account, transfer
from returnflow.domain.lifecycle import Action, Status
from returnflow.domain.money import Money
from returnflow.domain.returns import ReturnRequest
from returnflow.services.shipment_requests import payment_request
from returnflow.services.unit_of_work import UnitOfWork


def overdue(uow: UnitOfWork, now: datetime) -> list[str]:
    """Fast exchanges past their return deadline, for the sweep."""
    return uow.exchanges.overdue(now)


def awaiting_settlement(uow: UnitOfWork) -> list[str]:
    """Fast replacements already out whose returned goods inspection has judged."""
    return uow.exchanges.fast_shipped_and_inspected()


def returned_in_time(request: ReturnRequest) -> bool:
    return request.shipment is not None or request.status not in (
        Status.APPROVED,
        Status.CLOSED,
        Status.CANCELLED,
    )


def charge_if_unreturned(uow: UnitOfWork, rma_no: str, now: datetime) -> Money | None:
    """Fast exchange past its return deadline with nothing shipped: the customer pays."""
    exchange = uow.exchanges.get(rma_no, for_update=True)
    request = uow.returns.get(rma_no, for_update=True)
    if exchange is None or request is None or not exchange.return_overdue(now):
        return None
    if returned_in_time(request):
        exchange.return_settled()  # the parcel left in time: nothing to watch any more
        uow.exchanges.save(exchange, now)
        return None
    return _charge(uow, request, exchange, now, "fast_exchange_not_returned")


def settle_fast(uow: UnitOfWork, rma_no: str, now: datetime) -> bool:
    """A fast replacement already out: once inspection decides, finish the exchange."""
    exchange = uow.exchanges.get(rma_no, for_update=True)
    request = uow.returns.get(rma_no, for_update=True)
    if exchange is None or request is None or exchange.status is not ExchangeStatus.SHIPPED:
        return False
    if request.status is Status.INSPECTED:
        request.resolve(Action.EXCHANGE, "system", now, "fast exchange: replacement already sent")
        exchange.return_settled()
        uow.exchanges.save(exchange, now)
        return True
    if request.status is Status.INSPECTION_FAILED:
        _charge(uow, request, exchange, now, "fast_exchange_inspection_failed")
        return True
    return False


def _charge(
    uow: UnitOfWork, request: ReturnRequest, exchange: ExchangeOrder, now: datetime, why: str
) -> Money:
    """The replacement kept becomes a purchase: a receivable, a payment request, a notice;
    a gap we still owed back is no longer owed."""
    owed_back = exchange.settlement is Settlement.REFUND_PENDING
    amount = exchange.charge_unreturned(now)
    uow.exchanges.save(exchange, now)
    if owed_back:
        uow.refund_intents.cancel_for(request.rma_no)
        uow.ledger.post(
            transfer(
                f"exchange:{request.rma_no}:gap_owed_cancelled",
                now,
                "exchange price gap no longer owed: replacement charged",
                debit=Account.REFUNDS_PAYABLE,
                credit=Account.SALES_RETURNS,
                amount=-exchange.difference,
                rma_no=request.rma_no,
            )
        )
    uow.ledger.post(
        transfer(
            f"exchange:{request.rma_no}:charged",
            now,
            "fast exchange: replacement kept without return, charged",
            debit=Account.CUSTOMER_RECEIVABLE,
            credit=Account.SALES_RETURNS,
            amount=amount,
            rma_no=request.rma_no,
            debit_party=request.customer_id,
        )
    )
    payment_request(uow, request, amount, why, now)
    uow.outbox.put(
        "return.fast_exchange_charged",
        {
            "rma_no": request.rma_no,
            "order_no": request.order_no,
            "customer_id": request.customer_id,
            "email": request.contact.get("email", ""),
            "amount": amount.cents,
            "currency": amount.currency,
            "occurred_at": now.isoformat(),
        },
        now,
    )
    return amount
