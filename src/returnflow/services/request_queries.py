"""What the staff console's request page reads, in one transaction (R3.1–R3.4, R14.1).

The page shows the request beside its order, what policy says about each line today,
the customer's earlier requests, the contact (masked unless the reader may see it, and
every unmasked look logged), and the panels of shipping, tracking, receiving, the
warehouse, the resolution, the refund and the appeal. `staff_request` gathers all of it in the
caller's unit of work, so the page opens one transaction instead of one per panel, and
its templates only render what was read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from returnflow.domain.access import Permission, Principal, masked_contact
from returnflow.domain.appeals import Appeal
from returnflow.domain.lifecycle import Status
from returnflow.domain.orders import Order, OrderLine
from returnflow.domain.policy import PolicyVersion
from returnflow.domain.receiving import Receipt
from returnflow.domain.refunds import LineRefund
from returnflow.domain.returns import ReturnLine, ReturnRequest
from returnflow.domain.rules import LineEligibility
from returnflow.services import assignment as assignment_service
from returnflow.services import orders as order_service
from returnflow.services import receiving as receiving_service
from returnflow.services import returns as return_service
from returnflow.services import review as review_service
from returnflow.services import shipping as shipping_service
from returnflow.services import tracking as tracking_service
from returnflow.services.assignment import Assignee, Holding
from returnflow.services.finance_queries import RefundView, refund_panel
from returnflow.services.history_words import (
    HistoryLine,
    history_lines,
    history_people,
    rule_words,
)
from returnflow.services.merchants import merchant_name
from returnflow.services.queries import ReturnSummary
from returnflow.services.resolution_queries import Panel, panel
from returnflow.services.shipping import Carriers, Options
from returnflow.services.tracking import TrackingPanel
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.services.warehouse_queries import RequestWarehouse, request_state


@dataclass(frozen=True)
class LinePolicy:
    """One returned line next to the order line and what policy says about it today."""

    line: ReturnLine
    order_line: OrderLine | None
    refund: LineRefund | None
    eligibility: LineEligibility | None


@dataclass(frozen=True)
class StaffRequestView:
    """Everything the request page shows, its panels included."""

    request: ReturnRequest
    order: Order
    policy: PolicyVersion
    lines: tuple[LinePolicy, ...]
    history: tuple[ReturnSummary, ...]
    contact: Mapping[str, str]
    contact_masked: bool
    tracking: TrackingPanel
    shipping: Options | None
    receipt: Receipt | None
    refund: RefundView | None
    warehouse: RequestWarehouse
    resolution: Panel
    appeal: Appeal | None = None  # the request's appeal (one at most), open or decided
    audit: tuple[HistoryLine, ...] = ()  # the history in words: people, rules, money
    holding: Holding | None = None  # who holds it in review, and the assignment trail
    reviewers: tuple[Assignee, ...] = ()  # whom a manager may give it to (in review only)
    merchant_name: str = ""  # the merchant's display name ("" reads as its id)


def line_policies(
    request: ReturnRequest, order: Order, eligibility: list[LineEligibility]
) -> tuple[LinePolicy, ...]:
    by_line = {item.line_no: item for item in eligibility}
    refunds = {refund.line_no: refund for refund in request.estimate.lines}
    return tuple(
        LinePolicy(
            line, order.line(line.line_no), refunds.get(line.line_no), by_line.get(line.line_no)
        )
        for line in request.lines
    )


def staff_request(
    uow: UnitOfWork,
    rma_no: str,
    principal: Principal,
    now: datetime,
    carriers: Carriers,
    language: str,
    bonus_percent: float,
) -> StaffRequestView:
    """The request page of `rma_no` as `principal` may see it; another merchant's: not found.

    `bonus_percent` is the store-credit bonus the resolution panel offers.

    Writes one access-log row when the reader sees the contact unmasked, so the caller
    commits the unit of work.
    """
    scope = principal.merchant_scope
    request = return_service.get_return(uow, rma_no, merchant_scope=scope)
    order, policy = return_service.policy_for(uow, request)
    _, _, eligibility = order_service.eligibility(
        uow, request.order_no, now, merchant_scope=scope, besides=request.rma_no
    )
    show_contact = principal.can(Permission.CONTACT_VIEW)
    if show_contact:  # R14.1: every unmasked look is logged
        uow.accounts.log_access(principal.actor, request.rma_no, "contact", now)
    return StaffRequestView(
        request=request,
        order=order,
        policy=policy,
        lines=line_policies(request, order, eligibility),
        history=review_service.customer_history(uow, request, merchant_scope=scope),
        contact=dict(request.contact) if show_contact else masked_contact(dict(request.contact)),
        contact_masked=not show_contact,
        tracking=tracking_service.panel_in(uow, request.rma_no),
        shipping=shipping_service.panel_in(uow, request.rma_no, now, carriers),
        receipt=receiving_service.receipt_for(uow, request.rma_no),
        refund=refund_panel(uow, request.rma_no, now, language),
        warehouse=request_state(uow, request.rma_no, merchant_scope=scope),
        resolution=panel(uow, request, bonus_percent),
        appeal=uow.appeals.get(request.rma_no),
        audit=history_lines(
            request.history, rule_words(request, order, policy), _people(uow, request)
        ),
        holding=assignment_service.holding(uow, request.rma_no),
        reviewers=_reviewers(uow, request, principal),
        merchant_name=merchant_name(uow, request.merchant_id),
    )


def _reviewers(
    uow: UnitOfWork, request: ReturnRequest, principal: Principal
) -> tuple[Assignee, ...]:
    """The people a manager may give a request in review to (nobody else is offered any)."""
    in_review = request.status is Status.PENDING_REVIEW
    if not in_review or not principal.can(Permission.RETURNS_ASSIGN):
        return ()
    return assignment_service.reviewers(uow)


def _people(uow: UnitOfWork, request: ReturnRequest) -> dict[str, str]:
    """Display names of the staff in the request's history, by user name (one query)."""
    found = uow.accounts.display_names((), history_people(request.history))
    return {key: name for key, name in found.items() if isinstance(key, str)}
