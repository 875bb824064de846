"""The demo's streaming plan and bulk orders (issue 11): the same history, written faster.

Cheap on purpose (a few hundred planned orders, a few dozen written): the 10,000 and
100,000-order runs are `benchmarks/bench_demo.py`'s.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime

from returnflow.app_context import AppContext
from returnflow.demo import marketplace
from returnflow.demo.generator import _known_at, plan_marketplace
from returnflow.demo.marketplace import Book
from returnflow.demo.returns_plan import OrderPlan, ReturnPlan
from returnflow.domain.orders import Order
from returnflow.storage.bulk import NewOrders

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def _sorted_history(plans: list[OrderPlan]) -> list[OrderPlan | ReturnPlan]:
    """The whole history sorted at once: what the generator did before it streamed."""
    moments: list[tuple[datetime, int, OrderPlan | ReturnPlan]] = []
    for index, plan in enumerate(plans):
        moments.append((plan.order.placed_at, index, plan))
        if plan.ret is not None:
            moments.append((plan.ret.filed_at, index, plan.ret))
    moments.sort(key=lambda m: (m[0], m[1]))
    return [item for _, _, item in moments]


def test_the_stream_plans_what_the_whole_list_planned_in_the_same_order() -> None:
    book = Book()
    streamed = list(marketplace.plans(random.Random(5), 400, NOW, book))
    assert streamed == plan_marketplace(random.Random(5), 400, NOW)
    history = list(marketplace.timeline(iter(streamed)))
    assert history == _sorted_history(streamed)
    assert sum(isinstance(item, ReturnPlan) for item in history) > 20  # requests interleave
    assert book.count == 400
    assert [brief.order_no for brief in book.briefs] == [p.order.order_no for p in streamed]
    assert book.stories == {p.order.order_no: p.ret for p in streamed if p.ret is not None}
    assert sum(book.orders_of.values()) == 400
    last = streamed[-1].order.customer.id
    first = next(p.order.order_no for p in streamed if p.order.customer.id == last)
    assert book.first_order_of(last) == first


def test_the_heap_holds_days_of_requests_not_the_history() -> None:
    """Memory stays bounded: at no point wait more requests than a few days bring."""
    waiting, most = 0, 0
    for item in marketplace.timeline(marketplace.plans(random.Random(8), 3_000, NOW, Book())):
        if isinstance(item, OrderPlan):
            waiting += item.ret is not None
        else:
            waiting -= 1
        most = max(most, waiting)
    assert 0 < most < 3_000 // 9 // 2  # under half of all requests were ever waiting


def _stored(order: Order) -> Order:
    """The order as the database gives it back: the merchant's name is the merchant row's,
    and a customer the order system said nothing about is not a key account."""
    customer = replace(order.customer, key_account=bool(order.customer.key_account))
    return replace(order, merchant_name=None, customer=customer)


def test_bulk_orders_read_back_as_the_order_system_sent_them(context: AppContext) -> None:
    plans = plan_marketplace(random.Random(11), 40, NOW)
    orders = [plan.order for plan in plans]
    writer = NewOrders()
    with context.uow() as uow:
        writer.insert(uow.session, [(order, _known_at(order)) for order in orders[:25]])
        writer.insert(uow.session, [])
        uow.commit(NOW)
    with context.uow() as uow:  # a second transaction: it must not insert a party twice
        writer.insert(uow.session, [(order, _known_at(order)) for order in orders[25:]])
        uow.commit(NOW)
    with context.uow() as uow:
        for order in orders:
            assert uow.orders.get(order.order_no) == _stored(order)
        # the ordinary import finds them stored: saving again is an update, not a new order
        assert uow.orders.save(orders[0], NOW) is False
        names = uow.orders.merchant_names({order.merchant_id for order in orders})
        uow.commit(NOW)
    assert names == {order.merchant_id: order.merchant_name for order in orders}


def test_a_fresh_writer_knows_what_is_stored_already(context: AppContext) -> None:
    """Merchants, customers and products stored before (by the import) are not inserted."""
    orders = [plan.order for plan in plan_marketplace(random.Random(12), 12, NOW)]
    with context.uow() as uow:
        uow.orders.save(orders[0], NOW)
        uow.commit(NOW)
    twin = replace(orders[0], order_no=orders[0].order_no + "-2")
    with context.uow() as uow:
        NewOrders().insert(uow.session, [(twin, NOW), *((o, NOW) for o in orders[1:])])
        uow.commit(NOW)
    with context.uow() as uow:
        assert uow.orders.get(twin.order_no) == _stored(twin)
