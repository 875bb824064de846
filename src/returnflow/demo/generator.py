"""The demo marketplace: months of orders and the after-sales stories that followed them.

Everything goes through the services (`import_order`, `file_return`, `perform`) at the
simulated moment each step happened, so demo data obeys the same policy, transition
table and refund arithmetic as real traffic. The automated review, not the generator,
decides what is approved, referred or refused; the generator only plays the people:
customers who file late or forget photos, agents who review, warehouse staff who
inspect, finance who pay. A run depends on nothing but its seed and `now`.

Planning and writing are separate: the whole marketplace is drawn from one
`random.Random(seed)` first, then written in the order things happened, so RMA
numbers rise with their filing dates and each request's story runs up to `now`.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import accumulate

from returnflow.app_context import AppContext
from returnflow.demo import catalog, conversations, grievances, product_tiles, surveys
from returnflow.demo import risk as demo_risk
from returnflow.demo.journeys import World
from returnflow.demo.orders_plan import CUSTOMERS_MAX, draw_shoppers, order_moments, plan_order
from returnflow.demo.returns_plan import OrderPlan, ReturnPlan, with_return
from returnflow.demo.stories import play
from returnflow.domain.orders import Order
from returnflow.services import replacements
from returnflow.services.orders import import_order
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
    plans = plan_marketplace(random.Random(seed), orders, now)
    by_status = _write(context, plans, now, progress or _quiet)
    return DemoSummary(
        merchants=len({plan.order.merchant_id for plan in plans}),
        customers=len({plan.order.customer.id for plan in plans}),
        orders=len(plans),
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
    shoppers = draw_shoppers(rng, min(CUSTOMERS_MAX, max(20, orders // 5)))
    shopper_weights = list(accumulate(s.weight for s in shoppers))
    merchant_weights = list(accumulate(m.weight for m in catalog.MERCHANTS))
    plans = []
    for index, placed_at in enumerate(order_moments(rng, orders, now)):
        merchant = rng.choices(catalog.MERCHANTS, cum_weights=merchant_weights)[0]
        shopper = rng.choices(shoppers, cum_weights=shopper_weights)[0]
        order = plan_order(rng, index, placed_at, merchant, shopper.customer, now)
        plans.append(with_return(rng, order, merchant.category, shopper, now))
    return plans


def _write(
    context: AppContext, plans: list[OrderPlan], now: datetime, progress: Callable[[int, int], None]
) -> Counter[str]:
    total, done = len(plans), 0
    by_status: Counter[str] = Counter()
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
        for batch in _batches(_timeline(plans)):
            with context.uow(publish=False) as uow:  # the stories play every follow-on step
                for item in batch:
                    if isinstance(item, OrderPlan):
                        import_order(uow, item.order, _known_at(item.order))
                        done += 1
                    else:
                        by_status[play(uow, world, item, now).value] += 1
                uow.commit(now)
            progress(done, total)
        grievances.play(context, world, plans, now, by_status)  # complaints, appeals, disputes
        surveys.answer(context, now, random.Random(total + 1))  # R7.2: survey answers
        conversations.play(context, now, random.Random(total + 2))  # issue 13: request threads
        demo_risk.play(context, now)  # issue 15: the register rated, care, staff verdicts
        world.finish(context, now, random.Random(total))
    return by_status


def _known_at(order: Order) -> datetime:
    """The order system reports an order once it knows its last fact."""
    return order.delivered_at or order.paid_at or order.placed_at


def _timeline(plans: list[OrderPlan]) -> list[OrderPlan | ReturnPlan]:
    """Orders at placement and requests at filing, interleaved by time.

    Filing in time order makes RMA numbers (date + global sequence) rise with their dates.
    """
    moments: list[tuple[datetime, int, OrderPlan | ReturnPlan]] = []
    for index, plan in enumerate(plans):
        moments.append((plan.order.placed_at, index, plan))
        if plan.ret is not None:
            moments.append((plan.ret.filed_at, index, plan.ret))
    moments.sort(key=lambda m: (m[0], m[1]))
    return [item for _, _, item in moments]


def _batches(items: list[OrderPlan | ReturnPlan]) -> Iterator[list[OrderPlan | ReturnPlan]]:
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
