"""The read side of resolutions: one query per view, typed read models out.

`resolution` is everything beside a request that resolves it (the exchange and its
stock, the repair order, the outbound parcels, gaps owed back); the API answers it as
JSON and the pages show it. `panel` adds what the console may do next, and
`customer_panel` what the customer sees in the portal with their credit balance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from returnflow.domain.exchanges import (
    ExchangeOrder,
    ExchangeStatus,
    ExchangeStep,
    ReplacementItem,
    Settlement,
)
from returnflow.domain.kinds import RequestType
from returnflow.domain.lifecycle import Status
from returnflow.domain.money import Money
from returnflow.domain.price_feed import CatalogueItem
from returnflow.domain.repairs import RepairOrder, RepairStatus, RepairStep
from returnflow.domain.returns import ReturnRequest
from returnflow.domain.store_credit import bonus_for
from returnflow.services import replacements
from returnflow.services import store_credit as credit_service
from returnflow.services.exchanges import CHOOSABLE
from returnflow.services.returns import get_return
from returnflow.services.shipment_requests import ShipmentRequestView
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.storage.refund_intents import OwedGap
from returnflow.storage.stock import Reservation
from returnflow.storage.store_credit import CreditEntryView


@dataclass(frozen=True)
class ExchangeView:
    status: ExchangeStatus
    fast: bool
    items: tuple[ReplacementItem, ...]
    returned_value: Money
    replacement_value: Money
    difference: Money
    settlement: Settlement
    return_due_at: datetime | None
    charged: Money | None
    history: tuple[ExchangeStep, ...]

    @classmethod
    def of(cls, exchange: ExchangeOrder) -> ExchangeView:
        return cls(
            exchange.status,
            exchange.fast,
            exchange.items,
            exchange.returned_value,
            exchange.replacement_value,
            exchange.difference,
            exchange.settlement,
            exchange.return_due_at,
            exchange.charged,
            tuple(exchange.history),
        )


@dataclass(frozen=True)
class RepairView:
    status: RepairStatus
    diagnosis: str
    cost: Money | None
    cost_approved: bool | None
    steps: tuple[RepairStep, ...]
    steps_open: tuple[str, ...]  # the desk steps possible now

    @classmethod
    def of(cls, repair: RepairOrder) -> RepairView:
        return cls(
            repair.status,
            repair.diagnosis,
            repair.cost,
            repair.cost_approved,
            tuple(repair.steps),
            repair.steps_open,
        )


@dataclass(frozen=True)
class ResolutionView:
    """Everything beside the request that resolves it, for the API and the pages."""

    rma_no: str
    status: str | None  # the request's
    exchange: ExchangeView | None
    reservations: tuple[Reservation, ...]
    repair: RepairView | None
    shipment_requests: tuple[ShipmentRequestView, ...]
    refund_intents: tuple[OwedGap, ...]


@dataclass(frozen=True)
class Panel:
    """The console's resolution panel: the state, and what may be done next."""

    state: ResolutionView
    catalogue: list[CatalogueItem]
    can_choose_exchange: bool
    can_release: bool
    can_open_repair: bool
    repair_steps: tuple[str, ...]
    can_reissue: bool
    credit_offer: credit_service.CreditGrant | None


@dataclass(frozen=True)
class CustomerPanel:
    """The portal's resolution page: the panel, and the customer's credit."""

    panel: Panel
    balance: Money
    entries: list[CreditEntryView]


def resolution(
    uow: UnitOfWork, rma_no: str, *, merchant_scope: str | None = None
) -> ResolutionView:
    """One request's resolution; another merchant's request is not found."""
    request = get_return(uow, rma_no, merchant_scope=merchant_scope)
    exchange = uow.exchanges.get(rma_no)
    repair = uow.repairs.get(rma_no)
    outbound = uow.shipment_requests.listing(status=None, merchant_scope=None, rma_no=rma_no)
    return ResolutionView(
        rma_no=rma_no,
        status=request.status.value,
        exchange=ExchangeView.of(exchange) if exchange is not None else None,
        reservations=tuple(uow.stock.for_exchange(rma_no)) if exchange is not None else (),
        repair=RepairView.of(repair) if repair is not None else None,
        shipment_requests=tuple(ShipmentRequestView.of(parcel) for parcel in outbound),
        refund_intents=tuple(uow.refund_intents.for_rma(rma_no)),
    )


def panel(uow: UnitOfWork, request: ReturnRequest, bonus_percent: float) -> Panel:
    """The request page's resolution panel (`staff/_resolution.html`)."""
    state = resolution(uow, request.rma_no)
    exchange, repair, kind = state.exchange, state.repair, request.request_type
    products: list[CatalogueItem] = []
    if kind is RequestType.EXCHANGE:
        products = replacements.offered(uow, request, uow.orders.get(request.order_no))
    inspected = request.status is Status.INSPECTED
    return Panel(
        state=state,
        catalogue=products,
        can_choose_exchange=kind is RequestType.EXCHANGE
        and exchange is None
        and request.status in CHOOSABLE,
        can_release=exchange is not None
        and exchange.status is ExchangeStatus.RESERVED
        and inspected,
        can_open_repair=kind is RequestType.REPAIR and repair is None and inspected,
        repair_steps=repair.steps_open if repair is not None else (),
        can_reissue=kind is RequestType.REISSUE
        and request.status is Status.APPROVED
        and not state.shipment_requests,
        credit_offer=_credit_offer(request, bonus_percent),
    )


def _credit_offer(
    request: ReturnRequest, bonus_percent: float
) -> credit_service.CreditGrant | None:
    """What taking the refund as credit would give, while the refund is due."""
    total = request.estimate.total
    if not credit_service.credit_open(request) or total.cents <= 0:
        return None
    return credit_service.CreditGrant(total, bonus_for(total, bonus_percent))


def customer_panel(uow: UnitOfWork, request: ReturnRequest, bonus_percent: float) -> CustomerPanel:
    """The portal's resolution page for the request's own customer."""
    currency = request.estimate.total.currency
    return CustomerPanel(
        panel(uow, request, bonus_percent),
        uow.store_credit.balance(request.customer_id, currency),
        uow.store_credit.entries(request.customer_id, limit=10),
    )
