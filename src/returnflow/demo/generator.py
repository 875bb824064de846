"""The demo marketplace: months of orders and the after-sales stories that followed them.

Every request goes through the services (`file_return`, `perform`) at the simulated
moment each step happened, so demo data obeys the same policy, transition table and
refund arithmetic as real traffic. The automated review, not the generator, decides
what is approved, referred or refused; the generator only plays the people: customers
who file late or forget photos, agents who review, warehouse staff who inspect, finance
who pay. A run depends on nothing but its seed and `now`.

Orders are facts the order system reports, not decisions: they go in as rows in bulk
(`storage/bulk.py`, issue 11), each batch just before the next request is filed, so a
request sees exactly the orders placed before it. Planning streams (`demo/marketplace.py`):
the marketplace is drawn from one `random.Random(seed)` in placement order and written in
the order things happened, so RMA numbers rise with their filing dates and each request's
story runs up to `now`; only a brief of each order is kept for the complaints after.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from returnflow.app_context import AppContext
from returnflow.demo import catalog, conversations, grievances, marketplace, product_tiles, surveys
from returnflow.demo import risk as demo_risk
from returnflow.demo.journeys import World
from returnflow.demo.marketplace import Book
from returnflow.demo.returns_plan import OrderPlan, ReturnPlan
from returnflow.demo.stories import play
from returnflow.domain.orders import Order
from returnflow.services import replacements
from returnflow.storage.bulk import NewOrders
from returnflow.storage.catalogue import PriceUpdate

BATCH_ORDERS = 200  # orders per unit of work: big enough to be fast, small enough to lock briefly
DEMO_STOCK = 100_000  # units of every product the demo order system reports on hand


@dataclass(frozen=True)
class DemoSummary:
    """What was loaded, for the CLI to report."""

    merchants: int
    customers: int
    orders: int
    returns: int
    by_status: dict[str, int]


def generate(
    context: AppContext,
    *,
    orders: int = 10_000,
    seed: int = 7,
    now: datetime,
    progress: Callable[[int, int], None] | None = None,
) -> DemoSummary:
    """Fill an empty, migrated database with a marketplace whose history ends at `now`."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    if orders < 1:
        raise ValueError("orders must be at least 1")
    now = now.astimezone(UTC)
    book = Book()
    stream = marketplace.plans(random.Random(seed), orders, now, book)
    by_status = _write(context, stream, book, now, (orders, progress or _quiet))
    return DemoSummary(
        merchants=len(book.merchants),
        customers=len(book.orders_of),
        orders=book.count,
        returns=sum(by_status.values()),
        by_status=dict(sorted(by_status.items())),
    )


def settle_history(context: AppContext) -> int:
    """Record the demo's notices as not sent: its past steps must not mail thousands of
    made-up customers when the worker first starts. Answers how many were recorded."""
    now = context.clock()
    with context.uow() as uow:
        settled = uow.outbox.settle_backlog(now, "not sent: historical demo data")
        uow.commit(now)
    return settled


def _quiet(done: int, total: int) -> None:
    return None


def plan_marketplace(rng: random.Random, orders: int, now: datetime) -> list[OrderPlan]:
    """Every order and return request, drawn in order-placement order (pure, no I/O)."""
    return list(marketplace.plans(rng, orders, now, Book()))


def _write(
    context: AppContext,
    stream: Iterable[OrderPlan],
    book: Book,
    now: datetime,
    counting: tuple[int, Callable[[int, int], None]],
) -> Counter[str]:
    total, progress = counting
    world = World.for_context(context)
    with context.uow() as uow:  # the order system's price feed: replacements are priced here
        for merchant in catalog.MERCHANTS:
            prices = [
                PriceUpdate(p.sku, p.title, p.price, "CNY", DEMO_STOCK) for p in merchant.products
            ]
            replacements.feed(uow, merchant.id, prices, "integration:demo", now)
        uow.commit(now)
    product_tiles.store_tiles(context, now)  # issue 16: the products' pictures, no network
    progress(0, total)
    with world.gateway.saves_deferred():  # its state file once, not once per refund
        by_status = _play_timeline(context, world, stream, now, counting)
        grievances.play(context, world, book, now, by_status)  # complaints, appeals, disputes
        surveys.answer(context, now, random.Random(total + 1))  # R7.2: survey answers
        conversations.play(context, now, random.Random(total + 2))  # issue 13: request threads
        demo_risk.play(context, now)  # issue 15: the register rated, care, staff verdicts
        world.finish(context, now, random.Random(total))
    return by_status


def _play_timeline(
    context: AppContext,
    world: World,
    stream: Iterable[OrderPlan],
    now: datetime,
    counting: tuple[int, Callable[[int, int], None]],
) -> Counter[str]:
    """Orders and stories in time order, BATCH_ORDERS orders per unit of work.

    Orders go in as rows in bulk (`storage/bulk.py`), those due before a request all at
    once just before it is filed: a request sees exactly the orders placed before it, as
    when each was imported on its own, and its story still plays through the services.
    """
    (total, progress), by_status = counting, Counter[str]()
    rows, done = NewOrders(), 0
    for batch in _batches(marketplace.timeline(stream)):
        with context.uow(publish=False) as uow:  # the stories play every follow-on step
            due: list[tuple[Order, datetime]] = []
            for item in batch:
                if isinstance(item, OrderPlan):
                    due.append((item.order, _known_at(item.order)))
                    continue
                rows.insert(uow.session, due)
                due = []
                by_status[play(uow, world, item, now).value] += 1
            rows.insert(uow.session, due)
            done += sum(isinstance(item, OrderPlan) for item in batch)
            uow.commit(now)
        progress(done, total)
    return by_status


def _known_at(order: Order) -> datetime:
    """The order system reports an order once it knows its last fact."""
    return order.delivered_at or order.paid_at or order.placed_at


def _batches(items: Iterable[OrderPlan | ReturnPlan]) -> Iterator[list[OrderPlan | ReturnPlan]]:
    batch: list[OrderPlan | ReturnPlan] = []
    orders = 0
    for item in items:
        batch.append(item)
        orders += isinstance(item, OrderPlan)
        if orders == BATCH_ORDERS:
            yield batch
            batch, orders = [], 0
    if batch:
        yield batch
