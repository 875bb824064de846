"""What the customer portal's pages read: the order with what policy allows, one request.

Each page asks one function here, inside one unit of work: the order page gets an
`OrderView` (lines, options per line, the customer's requests on the order), the request
page a `CustomerRequestView` (the request with its parcel, tracking and offer panels).
A link whose order no longer belongs to its customer reads as None, and the portal
answers it like a damaged link.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from returnflow.domain.kinds import Outcome, Reason, RequestType, ShippingPayer
from returnflow.domain.orders import Order, OrderLine
from returnflow.domain.policy import PolicyVersion
from returnflow.domain.returns import ReturnRequest
from returnflow.domain.rules import LineEligibility, RuleResult
from returnflow.services import inspection as inspection_service
from returnflow.services import orders as order_service
from returnflow.services import shipping as shipping_service
from returnflow.services import tracking as tracking_service
from returnflow.services.finance_queries import RefundView, refund_panel
from returnflow.services.inspection import OfferView
from returnflow.services.portal import customer_order, customer_request
from returnflow.services.queries import ReturnFilter, ReturnSummary
from returnflow.services.shipping import Carriers, Options
from returnflow.services.tracking import TrackingPanel
from returnflow.services.unit_of_work import UnitOfWork

_MAX_REQUESTS_SHOWN = 200
_PAYER_CODE = "shipping_paid_by_"


@dataclass(frozen=True)
class OptionView:
    """One kind of claim on a line: can it be asked for, until when, who pays, and why."""

    request_type: RequestType
    reason: Reason
    outcome: Outcome
    until: date | None
    shipping_payer: ShippingPayer
    shipping: RuleResult | None  # the engine's words on who pays return shipping
    why: tuple[RuleResult, ...]  # every other rule message

    @property
    def possible(self) -> bool:
        return self.outcome is not Outcome.REJECTED


@dataclass(frozen=True)
class LineView:
    line: OrderLine
    requestable_quantity: int
    allowed_types: tuple[RequestType, ...]
    options: tuple[OptionView, ...]


@dataclass(frozen=True)
class OrderView:
    order: Order
    policy: PolicyVersion
    delivered: bool
    lines: tuple[LineView, ...]
    requests: tuple[ReturnSummary, ...]

    @property
    def allowed_types(self) -> tuple[RequestType, ...]:
        """Request types at least one line may still become, in the engine's order."""
        seen: list[RequestType] = []
        for line in self.lines:
            if line.requestable_quantity < 1:
                continue
            for request_type in line.allowed_types:
                if request_type not in seen:
                    seen.append(request_type)
        return tuple(seen)

    @property
    def can_apply(self) -> bool:
        return bool(self.allowed_types)

    def line(self, line_no: int) -> LineView | None:
        for view in self.lines:
            if view.line.line_no == line_no:
                return view
        return None


@dataclass(frozen=True)
class CustomerRequestView:
    """One request as its customer sees it, with the panels of its parcel and offer."""

    order: Order
    request: ReturnRequest
    tracking: TrackingPanel
    shipping: Options | None
    offer: OfferView | None
    refund: RefundView | None


def _option_views(item: LineEligibility) -> tuple[OptionView, ...]:
    options = []
    for option in item.options:
        verdict = option.verdict
        shipping = next((r for r in verdict.results if r.code.startswith(_PAYER_CODE)), None)
        why = tuple(
            r
            for r in verdict.results
            if not r.code.startswith(_PAYER_CODE) and r.code != "quantity_ok"
        )
        options.append(
            OptionView(
                request_type=option.request_type,
                reason=option.reason,
                outcome=verdict.outcome,
                until=verdict.last_day,
                shipping_payer=verdict.shipping_payer,
                shipping=shipping,
                why=why,
            )
        )
    return tuple(options)


def _line_view(order: Order, item: LineEligibility) -> LineView:
    line = order.line(item.line_no)
    assert line is not None
    return LineView(
        line=line,
        requestable_quantity=item.requestable_quantity,
        allowed_types=tuple(item.allowed_types),
        options=_option_views(item),
    )


def order_view(uow: UnitOfWork, order: Order, now: datetime) -> OrderView:
    """The order as its customer sees it: lines, what policy allows, and their requests."""
    _, policy, eligibility = order_service.eligibility(uow, order.order_no, now)
    where = ReturnFilter(order_no=order.order_no, customer_id=order.customer.id)
    requests = uow.return_queries.page(where, 1, _MAX_REQUESTS_SHOWN).items
    return OrderView(
        order=order,
        policy=policy,
        delivered=order.is_delivered(now),
        lines=tuple(_line_view(order, item) for item in eligibility),
        requests=requests,
    )


def order_page(uow: UnitOfWork, order_no: str, customer_id: str, now: datetime) -> OrderView | None:
    """The order a link opens, as its customer sees it; None if it is no longer theirs."""
    order = customer_order(uow, order_no, customer_id)
    return order_view(uow, order, now) if order is not None else None


def request_page(
    uow: UnitOfWork,
    order_no: str,
    customer_id: str,
    rma_no: str,
    now: datetime,
    carriers: Carriers,
    language: str,
) -> CustomerRequestView | None:
    """One request of the linked order (another is not found); None if the order is not."""
    order = customer_order(uow, order_no, customer_id)
    if order is None:
        return None
    request = customer_request(uow, order, rma_no)
    return CustomerRequestView(
        order=order,
        request=request,
        tracking=tracking_service.customer_panel(uow, request.rma_no),
        shipping=shipping_service.panel_in(uow, request.rma_no, now, carriers),
        offer=inspection_service.offer_view(uow, request.rma_no),
        refund=refund_panel(uow, request.rma_no, now, language),
    )


def order_photos(uow: UnitOfWork, order_no: str, customer_id: str) -> set[str] | None:
    """Stored names of every photo sent with the customer's requests on the linked order."""
    order = customer_order(uow, order_no, customer_id)
    if order is None:
        return None
    return uow.return_queries.photos_of(order.order_no, order.customer.id, _MAX_REQUESTS_SHOWN)
