"""Outbound parcels (replacements, reissued parts, repaired goods) and payment requests:
what the order system is asked to do, through the outbox.

Each shipment request is a record the order system can poll and a signed webhook
(`integration.shipment_requested`); the order system reports the waybill back with
`mark_shipped`, and the step the parcel was for follows: the exchange's, the repair's or
the reissue's. Money the customer owes (a price gap, an accepted repair cost, a kept
replacement) is asked for the same way (`integration.payment_requested`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from returnflow.domain.exchanges import ExchangeStatus
from returnflow.domain.lifecycle import Action, Status
from returnflow.domain.money import Money
from returnflow.domain.returns import ReturnRequest
from returnflow.domain.shipment_requests import (
    Purpose,
    ShipmentRequest,
    tracking,
    waybill_in_use,
)
from returnflow.domain.text import Text
from returnflow.services.errors import NotFound
from returnflow.services.resolution_errors import exchange_not_found
from returnflow.services.returns import get_return
from returnflow.services.unit_of_work import UnitOfWork

SHIPMENT_TOPIC = "integration.shipment_requested"
PAYMENT_TOPIC = "integration.payment_requested"


@dataclass(frozen=True)
class ShipmentRequestView:
    """One outbound parcel as the API and the pages show it."""

    id: int
    rma_no: str
    order_no: str
    merchant_id: str
    customer_id: str
    purpose: str
    items: tuple[dict[str, Any], ...]
    price: int  # minor units
    currency: str
    status: str
    carrier: str | None
    waybill_no: str | None
    created_at: datetime
    shipped_at: datetime | None

    @classmethod
    def of(cls, request: ShipmentRequest) -> ShipmentRequestView:
        return cls(
            request.request_id,
            request.rma_no,
            request.order_no,
            request.merchant_id,
            request.customer_id,
            request.purpose.value,
            request.items,
            request.price.cents,
            request.currency,
            request.status,
            request.carrier,
            request.waybill_no,
            request.created_at,
            request.shipped_at,
        )


def listing(
    uow: UnitOfWork, *, status: str | None, merchant_scope: str | None, rma_no: str | None = None
) -> list[ShipmentRequestView]:
    """What the order system should ship (or shipped), oldest first."""
    found = uow.shipment_requests.listing(
        status=status, merchant_scope=merchant_scope, rma_no=rma_no
    )
    return [ShipmentRequestView.of(request) for request in found]


def listing_page(
    uow: UnitOfWork, *, status: str | None, merchant_scope: str | None, page: int, size: int
) -> tuple[list[ShipmentRequestView], int]:
    """One page of `listing` for the console's pager (issue 16), and how many match."""
    found, total = uow.shipment_requests.page(
        status=status, merchant_scope=merchant_scope, offset=(page - 1) * size, limit=size
    )
    return [ShipmentRequestView.of(request) for request in found], total


def request_shipment(
    uow: UnitOfWork,
    request: ReturnRequest,
    purpose: Purpose,
    items: Sequence[dict[str, Any]],
    price: Money,
    now: datetime,
    **extra: Any,
) -> ShipmentRequest:
    """One outbound parcel for the order system: a record it can poll and a webhook."""
    outbound = ShipmentRequest(
        rma_no=request.rma_no,
        purpose=purpose,
        merchant_id=request.merchant_id,
        customer_id=request.customer_id,
        order_no=request.order_no,
        items=tuple(dict(item) for item in items),
        price=price,
        created_at=now,
    )
    request_id = uow.shipment_requests.add(outbound)
    uow.outbox.put(
        SHIPMENT_TOPIC,
        {
            "event": "shipment.requested",
            "shipment_request_id": request_id,
            "rma_no": request.rma_no,
            "order_no": request.order_no,
            "merchant_id": request.merchant_id,
            "customer_id": request.customer_id,
            "purpose": purpose.value,
            "items": list(items),
            "price": price.cents,
            "currency": price.currency,
            "occurred_at": now.isoformat(),
            **extra,
        },
        now,
    )
    return outbound


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


def mark_shipped(
    uow: UnitOfWork,
    request_id: int,
    carrier: str,
    waybill_no: str,
    actor: str,
    now: datetime,
    *,
    merchant_scope: str | None = None,
) -> ShipmentRequestView:
    """The order system reports the parcel left; the matching step follows.

    The same report twice changes nothing; a waybill another parcel carries is refused.
    """
    outbound = uow.shipment_requests.get(request_id, for_update=True)
    if outbound is None or (merchant_scope is not None and outbound.merchant_id != merchant_scope):
        raise NotFound(
            "shipment_request_not_found",
            Text("找不到该发货请求", "The shipment request was not found"),
        )
    carrier, waybill_no = tracking(carrier, waybill_no)
    if outbound.repeats(carrier, waybill_no):
        return ShipmentRequestView.of(outbound)
    if uow.shipment_requests.waybill_taken(carrier, waybill_no):
        raise waybill_in_use()
    request = get_return(uow, outbound.rma_no, for_update=True)
    outbound.shipped(carrier, waybill_no, actor, now)
    uow.shipment_requests.save(outbound)
    _follow(uow, outbound, request, actor, now, f"{carrier} {waybill_no}")
    return ShipmentRequestView.of(outbound)


def _follow(
    uow: UnitOfWork,
    outbound: ShipmentRequest,
    request: ReturnRequest,
    actor: str,
    now: datetime,
    note: str,
) -> None:
    """The step the parcel was for: the request resolves once its goods passed inspection
    (a fast exchange's replacement may leave before; the sweep finishes it later)."""
    inspected = request.status is Status.INSPECTED
    if outbound.purpose is Purpose.EXCHANGE:
        exchange = uow.exchanges.get(outbound.rma_no, for_update=True)
        if exchange is None:
            raise exchange_not_found(outbound.rma_no)
        if exchange.status is ExchangeStatus.REQUESTED:
            exchange.shipped(now, actor, note)
        uow.exchanges.save(exchange, now)
        uow.stock.settle(outbound.rma_no, "shipped", now)
        if inspected:
            request.resolve(Action.EXCHANGE, actor, now, note)
    elif outbound.purpose is Purpose.REISSUE:
        request.resolve(Action.REISSUE, actor, now, note)
    else:
        repair = uow.repairs.get(outbound.rma_no, for_update=True)
        if repair is not None:
            repair.shipped_back(now, actor, note)
            uow.repairs.save(repair, now)
        if inspected:
            request.resolve(Action.REPAIR, actor, now, note)
