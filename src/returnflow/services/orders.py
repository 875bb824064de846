"""Orders arrive from the order system; importing twice updates, never duplicates."""

from __future__ import annotations

from datetime import datetime

from returnflow.domain.eligibility import line_eligibility
from returnflow.domain.orders import Order
from returnflow.domain.policy import PolicyVersion
from returnflow.domain.verdicts import LineEligibility
from returnflow.services.errors import order_not_found
from returnflow.services.repositories import ReturnsWork


def import_order(uow: ReturnsWork, order: Order, now: datetime) -> bool:
    """Store or update an order (idempotent on order_no); True when it was new."""
    return uow.orders.save(order, now)


def get_order(uow: ReturnsWork, order_no: str, *, merchant_scope: str | None = None) -> Order:
    """An order by number; another merchant's order is as unknown as a missing one."""
    order = uow.orders.get(order_no)
    if order is None or (merchant_scope is not None and order.merchant_id != merchant_scope):
        raise order_not_found(order_no)
    return order


def eligibility(
    uow: ReturnsWork,
    order_no: str,
    now: datetime,
    *,
    merchant_scope: str | None = None,
    besides: str | None = None,
) -> tuple[Order, PolicyVersion, list[LineEligibility]]:
    """What each line may still become, under the policy of the order's date (R2.1, R2.5).

    `besides` names a request whose own units do not count as taken: a reviewer asks what
    policy allows *for that request*, and its units must not crowd out its own claim.
    """
    order = get_order(uow, order_no, merchant_scope=merchant_scope)
    policy = uow.policies.book().in_force_at(order.placed_at)
    history = uow.returns.history_for_order(order_no, exclude=besides)
    lines = [
        line_eligibility(
            order=order,
            line=line,
            already_requested=history.line(line.line_no).held_units,
            now=now,
            policy=policy,
        )
        for line in order.lines
    ]
    return order, policy, lines
