"""Many orders imported in one unit of work (the demo's batches): `save` no longer flushes
each order, so rows written earlier in the transaction must be found without a query."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import func, select

from returnflow.app_context import AppContext
from returnflow.services.orders import import_order
from returnflow.storage.schema import CustomerRow, OrderLineRow, OrderRow, ProductRow
from tests.domain.builders import make_line, make_order
from tests.support.clock import FakeClock


def _count(context: AppContext, row: type) -> int:
    with context.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(row)) or 0)


def test_one_transaction_imports_shared_customer_product_and_a_repeat(
    context: AppContext, clock: FakeClock
) -> None:
    first = make_order(make_line(1), order_no="SO-1")
    second = make_order(make_line(1), order_no="SO-2")  # same customer and sku
    again = replace(first, lines=(make_line(2, quantity=3),))
    with context.uow() as uow:
        created = [import_order(uow, order, clock.now) for order in (first, second, again)]
        stored = uow.orders.get("SO-1")
        uow.commit(clock.now)
    assert created == [True, True, False]
    assert stored is not None and [line.sku for line in stored.lines] == ["SKU-2"]
    assert _count(context, OrderRow) == 2
    assert _count(context, CustomerRow) == 1
    assert _count(context, ProductRow) == 2
    assert _count(context, OrderLineRow) == 2


def test_a_later_transaction_sees_what_an_earlier_one_committed(
    context: AppContext, clock: FakeClock
) -> None:
    order = make_order(order_no="SO-9")
    for expected in (True, False):
        with context.uow() as uow:
            assert import_order(uow, order, clock.now) is expected
            uow.commit(clock.now)
    assert _count(context, OrderRow) == 1
