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
from returnflow.domain.lifecycle import Status
from returnflow.domain.orders import Order, OrderLine
from returnflow.domain.policy import PolicyVersion
from returnflow.domain.returns import ReturnRequest
from returnflow.domain.rules import LineEligibility, RuleResult
from returnflow.services import inspection as inspection_service
from returnflow.services import orders as order_service
from returnflow.services import product_images
from returnflow.services import shipping as shipping_service
from returnflow.services import tracking as tracking_service
from returnflow.services.finance_queries import RefundView, refund_panel
from returnflow.services.inspection import OfferView
from returnflow.services.portal import customer_order, customer_request
from returnflow.services.portal_progress import Progress, progress
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
class ReasonGroup:
    """The kinds of claim one reason allows on a line, said once: no repeated lines."""

    reason: Reason
    options: tuple[OptionView, ...]
    shipping: RuleResult | None
    notes: tuple[RuleResult, ...]


def by_reason(
    options: tuple[OptionView, ...], *, failed_only: bool = False
) -> tuple[ReasonGroup, ...]:
    """Options grouped by reason, each rule message once (the same deadline, one line)."""
    grouped: dict[Reason, list[OptionView]] = {}
    for option in options:
        grouped.setdefault(option.reason, []).append(option)
    groups = []
    for reason, members in grouped.items():
        seen: set[tuple[str, str]] = set()
        notes: list[RuleResult] = []
        for option in members:
            for result in option.why:
                key = (result.message.zh, result.message.en)
                if key in seen or (failed_only and result.verdict.value != "fail"):
                    continue
                seen.add(key)
                notes.append(result)
        shipping = next((o.shipping for o in members if o.shipping is not None), None)
        groups.append(ReasonGroup(reason, tuple(members), shipping, tuple(notes)))
    return tuple(groups)


@dataclass(frozen=True)
class LineView:
    line: OrderLine
    requestable_quantity: int
    allowed_types: tuple[RequestType, ...]
    options: tuple[OptionView, ...]
    image_url: str | None = None  # our stored copy of the line's picture (never the outside URL)
    days_left: int | None = None  # until the last day of the first allowed type, local

    @property
    def possible_options(self) -> tuple[OptionView, ...]:
        return tuple(option for option in self.options if option.possible)

    @property
    def refused_options(self) -> tuple[OptionView, ...]:
        return tuple(option for option in self.options if not option.possible)

    @property
    def possible_groups(self) -> tuple[ReasonGroup, ...]:
        return by_reason(self.possible_options)

    @property
    def refused_groups(self) -> tuple[ReasonGroup, ...]:
        return by_reason(self.refused_options, failed_only=True)


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
    progress: Progress
    can_reapply: bool  # rejected, and policy still allows a request on this order


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


def _days_left(
    options: tuple[OptionView, ...], types: tuple[RequestType, ...], today: date
) -> int | None:
    """Days from today to the last day of the first type the customer may ask for."""
    if not types:
        return None
    days = [o.until for o in options if o.possible and o.request_type is types[0] and o.until]
    return (max(days) - today).days if days else None


def _line_view(
    order: Order, item: LineEligibility, today: date, images: dict[int, str]
) -> LineView:
    line = order.line(item.line_no)
    assert line is not None
    options = _option_views(item)
    types = tuple(item.allowed_types)
    return LineView(
        line=line,
        requestable_quantity=item.requestable_quantity,
        allowed_types=types,
        options=options,
        image_url=images.get(line.line_no),
        days_left=_days_left(options, types, today),
    )


def order_view(uow: UnitOfWork, order: Order, now: datetime) -> OrderView:
    """The order as its customer sees it: lines, what policy allows, and their requests."""
    _, policy, eligibility = order_service.eligibility(uow, order.order_no, now)
    where = ReturnFilter(order_no=order.order_no, customer_id=order.customer.id)
    requests = uow.return_queries.page(where, 1, _MAX_REQUESTS_SHOWN).items
    images = product_images.image_paths(uow, order.lines)  # our stored copies only
    today = policy.local_date(now)
    return OrderView(
        order=order,
        policy=policy,
        delivered=order.is_delivered(now),
        lines=tuple(_line_view(order, item, today, images) for item in eligibility),
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
    shipping = shipping_service.panel_in(uow, request.rma_no, now, carriers)
    offer = inspection_service.offer_view(uow, request.rma_no)
    rejected = request.status is Status.REJECTED
    return CustomerRequestView(
        order=order,
        request=request,
        tracking=tracking_service.customer_panel(uow, request.rma_no),
        shipping=shipping,
        offer=offer,
        refund=refund_panel(uow, request.rma_no, now, language),
        progress=progress(request, shipping, offer),
        can_reapply=rejected and order_view(uow, order, now).can_apply,
    )


def order_photos(uow: UnitOfWork, order_no: str, customer_id: str) -> set[str] | None:
    """Stored names of every photo sent with the customer's requests on the linked order."""
    order = customer_order(uow, order_no, customer_id)
    if order is None:
        return None
    return uow.return_queries.photos_of(order.order_no, order.customer.id, _MAX_REQUESTS_SHOWN)
