"""Exchanges (R6.2): choose the replacement, reserve its stock, ask the order system to
ship it and settle the price gap.

The replacement is priced by the server (`services/replacements.py`); the returned
units are valued from the back of the line (`domain/exchanges.py`). An ordinary
exchange ships once the goods passed inspection; a fast one at once, within the limits
(`domain/fast_exchange.py`), and the clock's moves for it live in
`services/fast_exchanges.py`. The parcel itself is a shipment request
(`services/shipment_requests.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from returnflow.config import Settings
from returnflow.domain.exchanges import (
    ExchangeOrder,
    FastExchangeLimits,
    Settlement,
    fast_exchange_refusals,
    returned_value,
)
from returnflow.domain.kinds import RequestType
from returnflow.domain.ledger import Account, transfer
from returnflow.domain.lifecycle import Status
from returnflow.domain.money import Money
from returnflow.domain.returns import ReturnRequest
from returnflow.domain.shipment_requests import Purpose
from returnflow.domain.text import DomainError, Text
from returnflow.services import replacements
from returnflow.services import risk as risk_service
from returnflow.services.replacements import Wanted
from returnflow.services.resolution_errors import exchange_not_found
from returnflow.services.returns import get_return
from returnflow.services.shipment_requests import (
    mark_shipped as mark_shipped,  # re-exported: the demo journeys report waybills here
)
from returnflow.services.shipment_requests import payment_request, request_shipment
from returnflow.services.unit_of_work import UnitOfWork

CHOOSABLE = (Status.APPROVED, Status.IN_TRANSIT, Status.RECEIVED, Status.INSPECTED)
_BEFORE_ARRIVAL = (Status.APPROVED, Status.IN_TRANSIT)  # fast exchange only before


@dataclass(frozen=True)
class ExchangeChoice:
    """Which replacements and how many; their prices and stock are the server's (issue 9)."""

    items: tuple[Wanted, ...]
    fast: bool = False


def limits(settings: Settings, currency: str) -> FastExchangeLimits:
    return FastExchangeLimits(
        Money(settings.fast_exchange_max_value, currency),
        settings.fast_exchange_min_completed,
        settings.fast_exchange_return_days,
    )


def choose(
    uow: UnitOfWork,
    settings: Settings,
    rma_no: str,
    choice: ExchangeChoice,
    actor: str,
    now: datetime,
    *,
    merchant_scope: str | None = None,
) -> ExchangeOrder:
    """Pick the replacement: value the returned units, reserve stock, maybe ship at once."""
    request = get_return(uow, rma_no, merchant_scope=merchant_scope, for_update=True)
    _check_open(uow, request)
    order = uow.orders.get(request.order_no)
    if order is None:
        raise exchange_not_found(rma_no)
    returned = {line.line_no: line.quantity for line in request.lines}
    earlier = uow.exchanges.units_exchanged(request.order_no, excluding=rma_no)
    rules = limits(settings, order.currency)
    exchange = ExchangeOrder.choose(
        rma_no=rma_no,
        merchant_id=request.merchant_id,
        customer_id=request.customer_id,
        items=replacements.price(uow, request, order, choice.items),
        returned=returned,
        returned_value=returned_value(order, returned, earlier),
        fast=choice.fast,
        now=now,
        actor=actor,
        limits=rules,
    )
    if choice.fast:
        _check_fast(uow, request, exchange, rules)
    uow.exchanges.add(exchange, now)
    for item in exchange.items:
        uow.stock.reserve(rma_no, request.merchant_id, item.sku, item.quantity, now)
    if choice.fast or request.status is Status.INSPECTED:
        _release(uow, request, exchange, actor, now)
    return exchange


def choose_for_first_line(
    uow: UnitOfWork,
    settings: Settings,
    rma_no: str,
    sku: str,
    quantity: int | None,
    actor: str,
    now: datetime,
    *,
    fast: bool = False,
    merchant_scope: str | None = None,
) -> ExchangeOrder:
    """The pages' form: one SKU replacing the request's first line; `quantity` None
    means as many as were returned (the portal's choice)."""
    request = get_return(uow, rma_no, merchant_scope=merchant_scope, for_update=True)
    if not sku.strip():
        raise DomainError(
            "replacement_required",
            Text("请选择换货商品", "Choose the replacement item"),
            field="sku",
        )
    if quantity is not None and quantity < 1:
        raise DomainError(
            "replacement_invalid",
            Text("换货商品的数量不正确", "The replacement's quantity is wrong"),
            field="quantity",
        )
    line = request.lines[0]
    wanted = Wanted(line.line_no, sku.strip()[:64], line.quantity if quantity is None else quantity)
    choice = ExchangeChoice((wanted,), fast=fast)
    return choose(uow, settings, rma_no, choice, actor, now, merchant_scope=merchant_scope)


def _check_open(uow: UnitOfWork, request: ReturnRequest) -> None:
    if request.request_type is not RequestType.EXCHANGE or request.status not in CHOOSABLE:
        raise DomainError(
            "exchange_not_open",
            Text(
                "该申请现在不能选择换货商品", "A replacement cannot be chosen for this request now"
            ),
        )
    if uow.exchanges.get(request.rma_no, for_update=True) is not None:
        raise DomainError(
            "exchange_exists",
            Text("已为该申请选择了换货商品", "A replacement was already chosen for this request"),
        )


def _check_fast(
    uow: UnitOfWork, request: ReturnRequest, exchange: ExchangeOrder, rules: FastExchangeLimits
) -> None:
    """Fast exchange within the limits, for a customer whose record allows it, and only
    while the goods are not yet back; every reason that refuses is named."""
    record = uow.exchanges.customer_record(request.customer_id)
    if risk_service.refuses_fast_exchange(uow, request.rma_no):  # R10.3: scored high at filing
        record = replace(record, high_risk=True)
    refusals = fast_exchange_refusals(exchange.replacement_value, record, rules)
    if request.status not in _BEFORE_ARRIVAL:
        refusals.append(Text("退回商品已到仓库", "The returned goods already arrived"))
    if refusals:
        raise DomainError(
            "fast_exchange_refused",
            Text("；".join(r.zh for r in refusals), "; ".join(r.en for r in refusals)),
            field="fast",
        )


def release(
    uow: UnitOfWork, rma_no: str, actor: str, now: datetime, *, merchant_scope: str | None = None
) -> ExchangeOrder:
    """After inspection: ask the order system to ship the reserved replacement."""
    request = get_return(uow, rma_no, merchant_scope=merchant_scope, for_update=True)
    exchange = uow.exchanges.get(rma_no, for_update=True)
    if exchange is None:
        raise exchange_not_found(rma_no)
    _release(uow, request, exchange, actor, now)
    return exchange


def _release(
    uow: UnitOfWork, request: ReturnRequest, exchange: ExchangeOrder, actor: str, now: datetime
) -> None:
    exchange.release(now, actor, goods_inspected=request.status is Status.INSPECTED)
    uow.exchanges.save(exchange, now)
    request_shipment(
        uow,
        request,
        Purpose.EXCHANGE,
        [item.as_json() for item in exchange.items],
        exchange.replacement_value,
        now,
        fast=exchange.fast,
    )
    _settle_difference(uow, request, exchange, now)


def _settle_difference(
    uow: UnitOfWork, request: ReturnRequest, exchange: ExchangeOrder, now: datetime
) -> None:
    """The gap the customer pays is a receivable and a payment request; the gap we owe
    back is payable, and an intent the refund life pays (`services/exchange_gaps.py`)."""
    gap = exchange.difference
    if exchange.settlement is Settlement.CHARGE:
        uow.ledger.post(
            transfer(
                f"exchange:{request.rma_no}:gap_charged",
                now,
                "exchange price gap owed by the customer",
                debit=Account.CUSTOMER_RECEIVABLE,
                credit=Account.SALES_RETURNS,
                amount=gap,
                rma_no=request.rma_no,
                debit_party=request.customer_id,
            )
        )
        payment_request(uow, request, gap, "exchange_price_gap", now)
    elif exchange.settlement is Settlement.REFUND_PENDING:
        owed = -gap
        uow.ledger.post(
            transfer(
                f"exchange:{request.rma_no}:gap_owed",
                now,
                "exchange price gap owed back to the customer",
                debit=Account.SALES_RETURNS,
                credit=Account.REFUNDS_PAYABLE,
                amount=owed,
                rma_no=request.rma_no,
            )
        )
        uow.refund_intents.add(
            f"exchange:{request.rma_no}:gap", request.rma_no, request.customer_id, owed, now
        )
