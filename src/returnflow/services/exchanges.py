"""Exchanges (R6.2): choose the replacement, reserve stock, ask the order system to
ship it, settle the price gap, and charge fast exchanges whose return never left.

Outbound parcels (replacements, reissued parts, repaired goods) all go to the order
system as shipment requests: an outgoing webhook through the outbox, and the list the
order system can poll; it reports the waybill back with `mark_shipped`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from returnflow.config import Settings
from returnflow.domain.exchanges import (
    CustomerRecord,
    ExchangeOrder,
    ExchangeStatus,
    FastExchangeLimits,
    Settlement,
    fast_exchange_refusals,
    returned_value,
)
from returnflow.domain.kinds import RequestType
from returnflow.domain.ledger import Account, transfer
from returnflow.domain.lifecycle import Action, Status
from returnflow.domain.money import Money
from returnflow.domain.repairs import RepairOrder
from returnflow.domain.returns import ReturnRequest
from returnflow.domain.text import DomainError, Text
from returnflow.services import replacements
from returnflow.services.errors import NotFound
from returnflow.services.replacements import Wanted
from returnflow.services.returns import get_return
from returnflow.storage.resolutions import (
    ExchangeRepository,
    RefundIntents,
    RepairRepository,
    ShipmentRequests,
    Stock,
    StockInsufficient,
)
from returnflow.storage.schema import (
    RefundRecoveryRow,
    ReturnEventRow,
    ReturnRow,
    ShipmentRequestRow,
    ShipmentRow,
)
from returnflow.storage.uow import UnitOfWork

SHIPMENT_TOPIC = "integration.shipment_requested"
PAYMENT_TOPIC = "integration.payment_requested"
_CHOOSABLE = (Status.APPROVED, Status.IN_TRANSIT, Status.RECEIVED, Status.INSPECTED)


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


def customer_record(uow: UnitOfWork, customer_id: str) -> CustomerRecord:
    session = uow.session
    completed = session.scalar(
        select(func.count())
        .select_from(ReturnRow)
        .where(
            ReturnRow.customer_id == customer_id,
            ReturnRow.status.in_([Status.COMPLETED.value, Status.CONFIRMED.value]),
        )
    )
    failed = session.scalar(
        select(func.count())
        .select_from(ReturnEventRow)
        .join(ReturnRow, ReturnRow.id == ReturnEventRow.return_id)
        .where(
            ReturnRow.customer_id == customer_id,
            ReturnEventRow.action == Action.INSPECT_FAIL.value,
        )
    )
    recoveries = ExchangeRepository(session).unsettled_charges(customer_id)
    # instant refunds whose goods then failed inspection, not yet paid back or written off
    recoveries += int(
        session.scalar(
            select(func.count())
            .select_from(RefundRecoveryRow)
            .where(RefundRecoveryRow.customer_id == customer_id, RefundRecoveryRow.status == "open")
        )
        or 0
    )
    return CustomerRecord(int(completed or 0), int(failed or 0), recoveries)


def exchange_not_found(rma_no: str) -> NotFound:
    return NotFound(
        "exchange_not_found",
        Text("申请 {rma} 尚未选择换货商品", "No replacement has been chosen for {rma}").format(
            rma=rma_no
        ),
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
    if request.request_type is not RequestType.EXCHANGE or request.status not in _CHOOSABLE:
        raise DomainError(
            "exchange_not_open",
            Text(
                "该申请现在不能选择换货商品", "A replacement cannot be chosen for this request now"
            ),
        )
    exchanges = ExchangeRepository(uow.session)
    existing = exchanges.get(rma_no, for_update=True)
    if existing is not None:
        raise DomainError(
            "exchange_exists",
            Text("已为该申请选择了换货商品", "A replacement was already chosen for this request"),
        )
    order = uow.orders.get(request.order_no)
    if order is None:
        raise exchange_not_found(rma_no)
    returned = {line.line_no: line.quantity for line in request.lines}
    others = [
        number
        for number in uow.session.scalars(
            select(ReturnRow.rma_no).where(
                ReturnRow.order_no == request.order_no, ReturnRow.rma_no != rma_no
            )
        )
    ]
    value = returned_value(order, returned, exchanges.units_exchanged(others))
    rules = limits(settings, order.currency)
    exchange = ExchangeOrder.choose(
        rma_no=rma_no,
        merchant_id=request.merchant_id,
        customer_id=request.customer_id,
        items=replacements.price(uow, request, order, choice.items),
        returned=returned,
        returned_value=value,
        fast=choice.fast,
        now=now,
        actor=actor,
        limits=rules,
    )
    if choice.fast:
        refusals = fast_exchange_refusals(
            exchange.replacement_value, customer_record(uow, request.customer_id), rules
        )
        if request.status is not Status.APPROVED and request.status is not Status.IN_TRANSIT:
            refusals.append(Text("退回商品已到仓库", "The returned goods already arrived"))
        if refusals:
            raise DomainError(
                "fast_exchange_refused",
                Text("；".join(r.zh for r in refusals), "; ".join(r.en for r in refusals)),
                field="fast",
            )
    exchange_id = exchanges.add(exchange, now)
    stock = Stock(uow.session)
    try:
        for item in exchange.items:
            stock.reserve(exchange_id, request.merchant_id, item.sku, item.quantity, now)
    except StockInsufficient as short:
        raise replacements.out_of_stock(
            short.sku, short.available, short.reserved, short.wanted
        ) from short
    if choice.fast or request.status is Status.INSPECTED:
        _release(uow, request, exchange, actor, now)
    return exchange


def release(
    uow: UnitOfWork, rma_no: str, actor: str, now: datetime, *, merchant_scope: str | None = None
) -> ExchangeOrder:
    """After inspection: ask the order system to ship the reserved replacement."""
    request = get_return(uow, rma_no, merchant_scope=merchant_scope, for_update=True)
    exchange = ExchangeRepository(uow.session).get(rma_no, for_update=True)
    if exchange is None:
        raise exchange_not_found(rma_no)
    _release(uow, request, exchange, actor, now)
    return exchange


def _release(
    uow: UnitOfWork, request: ReturnRequest, exchange: ExchangeOrder, actor: str, now: datetime
) -> None:
    exchange.release(now, actor, goods_inspected=request.status is Status.INSPECTED)
    ExchangeRepository(uow.session).save(exchange, now)
    request_shipment(
        uow,
        request,
        "exchange",
        [item.as_json() for item in exchange.items],
        exchange.replacement_value,
        now,
        fast=exchange.fast,
    )
    _settle_difference(uow, request, exchange, now)


def _settle_difference(
    uow: UnitOfWork, request: ReturnRequest, exchange: ExchangeOrder, now: datetime
) -> None:
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
        RefundIntents(uow.session).add(
            f"exchange:{request.rma_no}:gap", request.rma_no, request.customer_id, owed, now
        )


def payment_request(
    uow: UnitOfWork, request: ReturnRequest, amount: Money, purpose: str, now: datetime
) -> None:
    """The order system collects money from the customer (price gaps, kept replacements)."""
    uow.outbox.put(
        PAYMENT_TOPIC,
        {
            "event": "payment.requested",
            "key": f"{purpose}:{request.rma_no}",
            "rma_no": request.rma_no,
            "order_no": request.order_no,
            "customer_id": request.customer_id,
            "purpose": purpose,
            "amount": amount.cents,
            "currency": amount.currency,
            "occurred_at": now.isoformat(),
        },
        now,
    )


def request_shipment(
    uow: UnitOfWork,
    request: ReturnRequest,
    purpose: str,
    items: Sequence[dict[str, Any]],
    price: Money,
    now: datetime,
    **extra: Any,
) -> ShipmentRequestRow:
    """One outbound parcel for the order system: a row it can poll and a webhook."""
    row = ShipmentRequests(uow.session).add(
        ShipmentRequestRow(
            rma_no=request.rma_no,
            purpose=purpose,
            merchant_id=request.merchant_id,
            customer_id=request.customer_id,
            order_no=request.order_no,
            items=list(items),
            currency=price.currency,
            price=price.cents,
            status="pending",
            created_at=now,
        )
    )
    uow.outbox.put(
        SHIPMENT_TOPIC,
        {
            "event": "shipment.requested",
            "shipment_request_id": row.id,
            "rma_no": request.rma_no,
            "order_no": request.order_no,
            "merchant_id": request.merchant_id,
            "customer_id": request.customer_id,
            "purpose": purpose,
            "items": list(items),
            "price": price.cents,
            "currency": price.currency,
            "occurred_at": now.isoformat(),
            **extra,
        },
        now,
    )
    return row


def mark_shipped(
    uow: UnitOfWork,
    request_id: int,
    carrier: str,
    waybill_no: str,
    actor: str,
    now: datetime,
    *,
    merchant_scope: str | None = None,
) -> ShipmentRequestRow:
    """The order system reports the parcel left; the matching step follows."""
    requests = ShipmentRequests(uow.session)
    row = requests.get(request_id, for_update=True)
    if row is None or (merchant_scope is not None and row.merchant_id != merchant_scope):
        raise NotFound(
            "shipment_request_not_found",
            Text("找不到该发货请求", "The shipment request was not found"),
        )
    carrier, waybill_no = carrier.strip(), waybill_no.strip()
    if not carrier or not waybill_no:
        raise DomainError(
            "tracking_required",
            Text("请填写快递公司和运单号", "Give the carrier and the tracking number"),
            field="waybill_no" if carrier else "carrier",
        )
    if row.status == "shipped":
        if (row.carrier, row.waybill_no) == (carrier, waybill_no):
            return row  # the same report again: nothing more happens
        raise DomainError(
            "shipment_request_shipped",
            Text("该发货请求已发出", "This shipment request has already shipped"),
        )
    taken = uow.session.scalar(
        select(ShipmentRow.id).where(
            ShipmentRow.carrier == carrier, ShipmentRow.waybill_no == waybill_no
        )
    )
    if taken is not None:
        raise DomainError(
            "waybill_in_use",
            Text("该运单号已被使用", "This waybill number is already in use"),
            field="waybill_no",
        )
    request = get_return(uow, row.rma_no, for_update=True)
    shipment = ShipmentRow(
        rma_no=row.rma_no,
        direction="outbound",
        purpose=row.purpose,
        method="outbound",
        carrier=carrier,
        carrier_name=carrier,
        waybill_no=waybill_no,
        status="in_transit",
        requested_by=actor,
        currency=row.currency,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(shipment)
    uow.session.flush()
    row.status, row.carrier, row.waybill_no = "shipped", carrier, waybill_no
    row.shipment_id, row.shipped_at, row.shipped_by = shipment.id, now, actor
    note = f"{carrier} {waybill_no}"
    if row.purpose == "exchange":
        exchanges = ExchangeRepository(uow.session)
        exchange = exchanges.get(row.rma_no, for_update=True)
        if exchange is None:
            raise exchange_not_found(row.rma_no)
        if exchange.status is ExchangeStatus.REQUESTED:
            exchange.shipped(now, actor, note)
        exchanges.save(exchange, now)
        Stock(uow.session).settle(exchanges.id_of(row.rma_no), "shipped", now)
        if request.status is Status.INSPECTED:
            request.resolve(Action.EXCHANGE, actor, now, note)
    elif row.purpose == "reissue":
        request.resolve(Action.REISSUE, actor, now, note)
    elif row.purpose == "repair":
        repairs = RepairRepository(uow.session)
        repair = repairs.get(row.rma_no, for_update=True)
        if repair is not None:
            repair.shipped_back(now, actor, note)
            repairs.save(repair, now)
        if request.status is Status.INSPECTED:
            request.resolve(Action.REPAIR, actor, now, note)
    return row


# --- the clock's moves -----------------------------------------------------------------


def returned_in_time(request: ReturnRequest) -> bool:
    return request.shipment is not None or request.status not in (
        Status.APPROVED,
        Status.CLOSED,
        Status.CANCELLED,
    )


def charge_if_unreturned(uow: UnitOfWork, rma_no: str, now: datetime) -> Money | None:
    """Fast exchange past its return deadline with nothing shipped: the customer pays."""
    exchanges = ExchangeRepository(uow.session)
    exchange = exchanges.get(rma_no, for_update=True)
    request = uow.returns.get(rma_no, for_update=True)
    if exchange is None or request is None or not exchange.return_overdue(now):
        return None
    if returned_in_time(request):
        exchange.return_due_at = None  # the parcel left in time: nothing to watch any more
        exchanges.save(exchange, now)
        return None
    return _charge(uow, request, exchange, now, "fast_exchange_not_returned")


def _charge(
    uow: UnitOfWork, request: ReturnRequest, exchange: ExchangeOrder, now: datetime, why: str
) -> Money:
    owed_back = exchange.settlement is Settlement.REFUND_PENDING
    amount = exchange.charge_unreturned(now)
    ExchangeRepository(uow.session).save(exchange, now)
    if owed_back:
        RefundIntents(uow.session).cancel_for(request.rma_no)
        gap = -exchange.difference
        uow.ledger.post(
            transfer(
                f"exchange:{request.rma_no}:gap_owed_cancelled",
                now,
                "exchange price gap no longer owed: replacement charged",
                debit=Account.REFUNDS_PAYABLE,
                credit=Account.SALES_RETURNS,
                amount=gap,
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


def settle_fast(uow: UnitOfWork, rma_no: str, now: datetime) -> bool:
    """A fast replacement already out: once inspection decides, finish the exchange."""
    exchanges = ExchangeRepository(uow.session)
    exchange = exchanges.get(rma_no, for_update=True)
    request = uow.returns.get(rma_no, for_update=True)
    if exchange is None or request is None or exchange.status is not ExchangeStatus.SHIPPED:
        return False
    if request.status is Status.INSPECTED:
        request.resolve(Action.EXCHANGE, "system", now, "fast exchange: replacement already sent")
        exchange.return_due_at = None
        exchanges.save(exchange, now)
        return True
    if request.status is Status.INSPECTION_FAILED:
        _charge(uow, request, exchange, now, "fast_exchange_inspection_failed")
        return True
    return False


@dataclass(frozen=True)
class ResolutionState:
    """Everything beside the request that resolves it, for the API and the pages."""

    exchange: ExchangeOrder | None
    reservations: list[dict[str, Any]]
    shipment_requests: list[ShipmentRequestRow]
    repair: RepairOrder | None
    refund_intents: list[dict[str, Any]]


def state(uow: UnitOfWork, rma_no: str) -> ResolutionState:
    exchanges = ExchangeRepository(uow.session)
    exchange = exchanges.get(rma_no)
    reservations = (
        [
            {"sku": r.sku, "quantity": r.quantity, "status": r.status}
            for r in Stock(uow.session).for_exchange(exchanges.id_of(rma_no))
        ]
        if exchange is not None
        else []
    )
    return ResolutionState(
        exchange,
        reservations,
        ShipmentRequests(uow.session).listing(status=None, merchant_scope=None, rma_no=rma_no),
        RepairRepository(uow.session).get(rma_no),
        [
            {"amount": i.amount, "currency": i.currency, "status": i.status}
            for i in RefundIntents(uow.session).for_rma(rma_no)
        ],
    )
