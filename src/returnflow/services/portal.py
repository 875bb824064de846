"""Who may open what in the customer portal: finding one's order, and its requests.

A customer proves an order is theirs with its number and the phone or email on it;
nothing here tells a wrong pair from an unknown order, so the portal cannot be used
to learn which order numbers exist. A signed link then opens that order and only the
requests its customer filed on it. What the pages show is `services/portal_queries.py`.
"""

from __future__ import annotations

import re

from returnflow.domain.orders import Order
from returnflow.domain.returns import ReturnRequest
from returnflow.services.errors import return_not_found
from returnflow.services.unit_of_work import UnitOfWork

_NOT_DIGITS = re.compile(r"\D")


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
