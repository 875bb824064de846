"""The demo marketplace planned as a stream, so 100,000 orders never sit in memory at once.

`plans` draws each order (and the request that followed it, if any) from the one
`random.Random(seed)` in placement order, the same draws in the same order as ever, and
hands it on as soon as it is drawn. `timeline` interleaves orders at placement and
requests at filing with a heap of the requests not yet filed: a request is filed days
after its order, so the heap holds a few days' requests, not the whole history.

What the later chapters (complaints, appeals, disputes) need of the whole history is kept
in `Book`: a slim `Brief` of each order (number, merchant, customer, dates: about a tenth
of a planned order) and the request plans (one order in nine or so), not the orders'
lines, addresses and payments.
"""

from __future__ import annotations

import heapq
import random
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import accumulate

from returnflow.demo import catalog
from returnflow.demo.orders_plan import CUSTOMERS_MAX, draw_shoppers, order_moments, plan_order
from returnflow.demo.returns_plan import OrderPlan, ReturnPlan, with_return
from returnflow.domain.orders import Customer


@dataclass(frozen=True, slots=True)
class Brief:
    """What the complaints need of an order: who bought where, and when it arrived."""

    order_no: str
    merchant_id: str
    customer: Customer
    placed_at: datetime
    delivered_at: datetime | None


@dataclass
class Book:
    """The whole history in brief, filled in while the plans stream past."""

    briefs: list[Brief] = field(default_factory=list)
    stories: dict[str, ReturnPlan] = field(default_factory=dict)  # order_no → its request
    serial: set[str] = field(default_factory=set)  # customers who return far too much
    orders_of: Counter[str] = field(default_factory=Counter)  # customer → orders placed
    merchants: set[str] = field(default_factory=set)

    @property
    def count(self) -> int:
        return len(self.briefs)

    def note(self, plan: OrderPlan) -> None:
        order = plan.order
        self.briefs.append(
            Brief(order.order_no, order.merchant_id, order.customer, order.placed_at,
                  order.delivered_at)
        )  # fmt: skip
        self.orders_of[order.customer.id] += 1
        self.merchants.add(order.merchant_id)
        if plan.ret is not None:
            self.stories[order.order_no] = plan.ret
            if plan.ret.shopper.serial:
                self.serial.add(plan.ret.shopper.customer.id)

    def first_order_of(self, customer_id: str) -> str:
        return next(b.order_no for b in self.briefs if b.customer.id == customer_id)


def plans(rng: random.Random, orders: int, now: datetime, book: Book) -> Iterator[OrderPlan]:
    """Every order and its request, drawn in placement order (pure, no I/O), noted in `book`."""
    shoppers = draw_shoppers(rng, min(CUSTOMERS_MAX, max(20, orders // 5)))
    shopper_weights = list(accumulate(s.weight for s in shoppers))
    merchant_weights = list(accumulate(m.weight for m in catalog.MERCHANTS))
    for index, placed_at in enumerate(order_moments(rng, orders, now)):
        merchant = rng.choices(catalog.MERCHANTS, cum_weights=merchant_weights)[0]
        shopper = rng.choices(shoppers, cum_weights=shopper_weights)[0]
        order = plan_order(rng, index, placed_at, merchant, shopper.customer, now)
        plan = with_return(rng, order, merchant.category, shopper, now)
        book.note(plan)
        yield plan


def timeline(stream: Iterable[OrderPlan]) -> Iterator[OrderPlan | ReturnPlan]:
    """Orders at placement and requests at filing, in time order (ties: the order's index).

    Filing in time order makes RMA numbers (date + global sequence) rise with their dates.
    Orders come in placement order, and a request is filed after its order was placed,
    so a request is due once the next order's (moment, index) is past its own.
    """
    waiting: list[tuple[datetime, int, ReturnPlan]] = []
    for index, plan in enumerate(stream):
        key = (plan.order.placed_at, index)
        while waiting and waiting[0][:2] < key:
            yield heapq.heappop(waiting)[2]
        yield plan
        if plan.ret is not None:
            heapq.heappush(waiting, (plan.ret.filed_at, index, plan.ret))
    while waiting:
        yield heapq.heappop(waiting)[2]
