"""What the customer portal reads: finding one's order, and the customer's view of it.

A customer proves an order is theirs with its number and the phone or email on it;
nothing here tells a wrong pair from an unknown order, so the portal cannot be used
to learn which order numbers exist.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from returnflow.domain.kinds import Outcome, Reason, RequestType, ShippingPayer
from returnflow.domain.lifecycle import Status
from returnflow.domain.money import Money
from returnflow.domain.orders import Order, OrderLine
from returnflow.domain.policy import PolicyVersion
from returnflow.domain.returns import ReturnRequest
from returnflow.domain.rules import LineEligibility, RuleResult
from returnflow.services import orders as order_service
from returnflow.services.errors import return_not_found
from returnflow.services.queries import ReturnFilter, list_returns
from returnflow.storage.uow import UnitOfWork

_NOT_DIGITS = re.compile(r"\D")
_MAX_REQUESTS_SHOWN = 200


def phone_digits(phone: str) -> str:
    return _NOT_DIGITS.sub("", phone)


def contact_matches(order: Order, given: str) -> bool:
    """The phone (its digits, exactly) or the email (any case) on the order."""
    given = given.strip()
    if not given:
        return False
    if "@" in given:
        email = order.customer.email.strip().lower()
        return bool(email) and given.lower() == email
    digits = phone_digits(given)
    return bool(digits) and digits == phone_digits(order.customer.phone)


def find_order(uow: UnitOfWork, order_no: str, contact: str) -> Order | None:
    """The order, if the number and the contact belong together; None in every other case."""
    order_no = order_no.strip()
    if not order_no or len(order_no) > 64:
        return None
    order = uow.orders.get(order_no)
    if order is None or not contact_matches(order, contact):
        return None
    return order


def customer_order(uow: UnitOfWork, order_no: str, customer_id: str) -> Order | None:
    """The order a portal link opens, as long as it still belongs to that customer."""
    order = uow.orders.get(order_no)
    if order is None or order.customer.id != customer_id:
        return None
    return order


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
class RequestSummary:
    rma_no: str
    request_type: RequestType
    status: Status
    created_at: datetime
    refund_total: Money


@dataclass(frozen=True)
class OrderView:
    order: Order
    policy: PolicyVersion
    delivered: bool
    lines: tuple[LineView, ...]
    requests: tuple[RequestSummary, ...]

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


def _option_view(item: LineEligibility) -> tuple[OptionView, ...]:
    options = []
    for option in item.options:
        verdict = option.verdict
        shipping = next(
            (r for r in verdict.results if r.code.startswith("shipping_paid_by_")), None
        )
        why = tuple(
            r
            for r in verdict.results
            if not r.code.startswith("shipping_paid_by_") and r.code != "quantity_ok"
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


def order_view(uow: UnitOfWork, order: Order, now: datetime) -> OrderView:
    """The order as its customer sees it: lines, what policy allows, and their requests."""
    _, policy, eligibility = order_service.eligibility(uow, order.order_no, now)
    lines = []
    for item in eligibility:
        line = order.line(item.line_no)
        assert line is not None
        lines.append(
            LineView(
                line=line,
                requestable_quantity=item.requestable_quantity,
                allowed_types=tuple(item.allowed_types),
                options=_option_view(item),
            )
        )
    return OrderView(
        order=order,
        policy=policy,
        delivered=order.is_delivered(now),
        lines=tuple(lines),
        requests=tuple(customer_requests(uow, order)),
    )


def customer_requests(uow: UnitOfWork, order: Order) -> list[RequestSummary]:
    """The customer's requests on this order, newest first."""
    where = ReturnFilter(order_no=order.order_no, customer_id=order.customer.id)
    rows, _ = list_returns(uow.session, where, 1, _MAX_REQUESTS_SHOWN)
    return [
        RequestSummary(
            rma_no=row.rma_no,
            request_type=RequestType(row.request_type),
            status=Status(row.status),
            created_at=row.created_at,
            refund_total=Money(row.refund_total, row.currency),
        )
        for row in rows
    ]


def order_photos(uow: UnitOfWork, order: Order) -> set[str]:
    """Stored names of every photo sent with this customer's requests on this order."""
    where = ReturnFilter(order_no=order.order_no, customer_id=order.customer.id)
    rows, _ = list_returns(uow.session, where, 1, _MAX_REQUESTS_SHOWN)
    return {str(name) for row in rows for name in row.photos or []}


def customer_request(
    uow: UnitOfWork, order: Order, rma_no: str, *, for_update: bool = False
) -> ReturnRequest:
    """A request of this order and customer; any other is as unknown as a missing one."""
    request = uow.returns.get(rma_no, for_update=for_update)
    if (
        request is None
        or request.order_no != order.order_no
        or request.customer_id != order.customer.id
    ):
        raise return_not_found(rma_no)
    return request
