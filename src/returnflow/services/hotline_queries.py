"""What the hotline page reads about the caller's order (R1.1, R14.1).

An agent filing for a caller sees the order's lines with what policy allows today and
the caller's name and contact, masked unless the agent may see contact data; an
unmasked look is logged like one on the request page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from returnflow.domain.access import Permission, Principal, mask_email, mask_phone
from returnflow.domain.orders import Order
from returnflow.domain.rules import LineEligibility
from returnflow.services import orders as order_service
from returnflow.services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Caller:
    """The customer on the phone, masked unless the agent may see contact data (R14.1)."""

    name: str
    phone: str
    email: str
    masked: bool


@dataclass(frozen=True)
class CallerOrder:
    """The order an agent files on: its lines' eligibility by line number, and the caller."""

    order: Order
    eligibility: dict[int, LineEligibility]
    caller: Caller
    delivered: bool


def mask_name(name: str) -> str:
    """王** : the family name is enough to greet a caller."""
    name = name.strip()
    if len(name) <= 1:
        return "*" * len(name)
    return name[0] + "*" * min(len(name) - 1, 4)


def _caller(order: Order, show: bool) -> Caller:
    customer = order.customer
    if show:
        return Caller(customer.name, customer.phone, customer.email, False)
    return Caller(
        mask_name(customer.name), mask_phone(customer.phone), mask_email(customer.email), True
    )


def caller_order(
    uow: UnitOfWork, order_no: str, principal: Principal, now: datetime
) -> CallerOrder:
    """The order within the agent's merchant scope (or not found); commits an access row."""
    order, _, eligibility = order_service.eligibility(
        uow, order_no, now, merchant_scope=principal.merchant_scope
    )
    show = principal.can(Permission.CONTACT_VIEW)
    if show:
        uow.accounts.log_access(principal.actor, order.order_no, "contact", now)
    return CallerOrder(
        order=order,
        eligibility={item.line_no: item for item in eligibility},
        caller=_caller(order, show),
        delivered=order.is_delivered(now),
    )
