"""A customer's own returns across their orders ("my returns", issue 16), newest first, paged.

The portal link proves the customer (an order number and the phone or email on it), so
the list holds every request that customer filed, on any order; each row carries the
first item's title and picture so the list reads like a shop's after-sales list.
"""

from __future__ import annotations

from dataclasses import dataclass

from returnflow.domain.analyses import category_label
from returnflow.domain.orders import Order
from returnflow.domain.text import Text
from returnflow.services import product_images
from returnflow.services.portal import customer_order
from returnflow.services.queries import ReturnFilter, ReturnSummary
from returnflow.services.unit_of_work import UnitOfWork

PAGE_SIZE = 10


@dataclass(frozen=True)
class MyReturn:
    summary: ReturnSummary
    title: str  # the first item's title, "" when the order has gone
    more_items: int  # other lines in the same request
    image_url: str | None
    category: Text | None  # the first item's category, for the tile without a picture


@dataclass(frozen=True)
class MyReturns:
    rows: tuple[MyReturn, ...]
    page: int
    pages: int
    total: int


def _row(uow: UnitOfWork, summary: ReturnSummary, orders: dict[str, Order | None]) -> MyReturn:
    if summary.order_no not in orders:
        orders[summary.order_no] = uow.orders.get(summary.order_no)
    order = orders[summary.order_no]
    request = uow.returns.get(summary.rma_no)
    line_nos = [line.line_no for line in request.lines] if request is not None else []
    first = order.line(line_nos[0]) if order is not None and line_nos else None
    image = product_images.image_path(uow, first) if first is not None else None
    return MyReturn(
        summary=summary,
        title=first.title if first is not None else "",
        more_items=max(len(line_nos) - 1, 0),
        image_url=image,
        category=category_label(first.category) if first is not None else None,
    )


def my_returns(uow: UnitOfWork, order_no: str, customer_id: str, page: int) -> MyReturns | None:
    """The linked customer's requests on every order, one page; None if the link is not theirs."""
    order = customer_order(uow, order_no, customer_id)
    if order is None:
        return None
    found = uow.return_queries.page(ReturnFilter(customer_id=order.customer.id), page, PAGE_SIZE)
    orders: dict[str, Order | None] = {order.order_no: order}
    pages = max((found.total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    rows = tuple(_row(uow, summary, orders) for summary in found.items)
    return MyReturns(rows=rows, page=page, pages=pages, total=found.total)
