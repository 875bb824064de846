"""What risk at intake (issue 15, R10.3) adds to filing a request, at the demo's volume.

Makes a throw-away migrated database (`scratch_database`, SQLite or PostgreSQL) and,
untimed, imports `--orders` orders (default 10,000: the demo's 80 a day for 120 days) for
`--customers` customers (default 2,000, the demo's most), one in ten sharing a phone with
the next customer, and files a no-reason return on `--history` of them (default 3,000,
scored: the history, identifiers and assessments the signals read). Then it times, in
this process, `--filings` more filings (default 500) each in its own transaction
(`services/returns.file_return` + commit), alternately:

  with        the product as it is: the risk score read, computed and stored
  without     `assess_risk` replaced by a stand-in that returns None (nothing scored)

and, separately, `assess_risk` + `keep` alone inside a transaction per filing that is
rolled back. It prints ms per filing for each and the difference (target: scoring adds
< 1 ms), the median of the risk step alone, and SQL statements per filing. The database
is dropped afterwards.

On PostgreSQL the "alone" figure is the worst case: psycopg forgets a connection's
prepared statements at every ROLLBACK, so there each statement is parsed and planned
again (as after any read-only unit of work on that pooled connection), while the
filings that commit run them prepared, on their generic plans (storage/risk_queries.py).
The scratch database has no planner statistics (no ANALYZE, autovacuum may be off):
the statements are built to plan well without them. The pool is emptied after the
untimed seeding (see `run`): otherwise the timed filings would run on plans PostgreSQL
fixed for the seeding's first filings, against nearly empty tables.

    .venv/bin/python benchmarks/bench_risk.py [--database sqlite|postgresql] [--filings N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from machine import busy_note, revision
from sqlalchemy import event

from returnflow.app_context import AppContext
from returnflow.config import Settings
from returnflow.domain.kinds import Channel, Reason, RequestType
from returnflow.domain.money import Money
from returnflow.domain.orders import Address, Customer, Order, OrderLine, Payment
from returnflow.domain.returns import ReturnLine
from returnflow.services import orders as order_service
from returnflow.services import returns as return_service
from returnflow.services import risk as risk_service
from returnflow.storage.scratch import scratch_database

NOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)
CATEGORIES = ("apparel", "electronics", "home", "baby", "cosmetics", "books_media")


def order(index: int, customers: int) -> Order:
    customer = index % customers
    phone_owner = customer - customer % 2 if customer % 10 == 0 else customer  # 1 in 10 share
    placed = NOW - timedelta(days=120) + timedelta(minutes=17 * index % (118 * 24 * 60))
    return Order(
        order_no=f"RB-{index:07d}",
        merchant_id=f"m-{index % 40:02d}",
        customer=Customer(
            f"c-{customer:05d}", f"顾客{customer}", f"139{phone_owner:08d}", "x@ex.cn"
        ),
        currency="CNY",
        placed_at=placed,
        delivered_at=placed + timedelta(days=2),
        shipping_fee=Money(800),
        return_shipping_insurance=False,
        payment=Payment("alipay", f"T{index:012d}"),
        lines=(
            OrderLine(
                1, f"SKU-{index % 300}", "item", CATEGORIES[index % 6], Money(9900), 1, Money(0)
            ),
        ),
        paid_at=placed,
        ship_to=Address(
            "收件人", f"139{phone_owner:08d}", "上海市", "上海市", "浦东新区", f"路 {customer} 号"
        ),
    )


def new_return(order_no: str) -> return_service.NewReturn:
    return return_service.NewReturn(
        order_no=order_no,
        request_type=RequestType.REFUND,
        channel=Channel.WEB,
        lines=(ReturnLine(1, 1, Reason.NO_REASON),),
    )


def seed(context: AppContext, orders: int, customers: int, history: int) -> None:
    with context.uow(publish=False) as uow:
        for index in range(orders):
            order_service.import_order(uow, order(index, customers), NOW - timedelta(days=121))
        uow.commit(NOW)
    for index in range(history):
        # requests filed as each order arrived: a realistic spread over 120 days
        placed = order(index, customers).placed_at + timedelta(days=3)
        with context.uow(publish=False) as uow:
            return_service.file_return(uow, new_return(f"RB-{index:07d}"), placed, "bench")
            uow.commit(placed)


def file_one(context: AppContext, order_no: str) -> float:
    started = time.perf_counter()
    with context.uow(publish=False) as uow:
        return_service.file_return(uow, new_return(order_no), NOW, "bench")
        uow.commit(NOW)
    return time.perf_counter() - started


def risk_alone(context: AppContext, order_no: str) -> float:
    with context.uow(publish=False) as uow:
        found = uow.orders.get(order_no)
        assert found is not None
        started = time.perf_counter()
        scored = risk_service.assess_risk(uow, found, new_return(order_no), NOW)
        risk_service.keep(uow, f"RMA-X-{order_no}", found, scored, NOW)
        elapsed = time.perf_counter() - started
        uow.rollback()
    return elapsed


def run(database: str, orders: int, customers: int, history: int, filings: int) -> None:
    with scratch_database(database) as url:
        context = AppContext.from_settings(Settings(database_url=url), clock=lambda: NOW)
        started = time.perf_counter()
        seed(context, orders, customers, history)
        # as a server started on the seeded database: on PostgreSQL a pooled connection
        # keeps, per prepared statement, the generic plan chosen at its sixth run — here
        # while the tables were nearly empty (and this server may never ANALYZE them)
        context.engine.dispose()
        print(
            f"setup: {orders} orders, {customers} customers, {history} scored requests "
            f"in {time.perf_counter() - started:.1f} s (untimed)"
        )
        statements = [0]

        def count(*_: Any) -> None:
            statements[0] += 1

        event.listen(context.engine, "before_cursor_execute", count)
        real = risk_service.assess_risk
        off: Callable[..., Any] = lambda *a, **k: None  # noqa: E731  (nothing scored)
        timed: dict[str, list[float]] = {"with": [], "without": []}
        sql: dict[str, int] = {"with": 0, "without": 0}
        unused = iter(range(history, orders))
        for step in range(2 * filings):
            label = "with" if step % 2 == 0 else "without"
            risk_service.assess_risk = real if label == "with" else off
            before = statements[0]
            timed[label].append(file_one(context, f"RB-{next(unused):07d}"))
            sql[label] += statements[0] - before
        risk_service.assess_risk = real
        alone = [risk_alone(context, f"RB-{next(unused):07d}") for _ in range(filings)]
        event.remove(context.engine, "before_cursor_execute", count)
        context.engine.dispose()
    with_ms = statistics.mean(timed["with"]) * 1000
    without_ms = statistics.mean(timed["without"]) * 1000
    print(f"{database}: {filings} filings each way, one transaction each")
    for label, mean_ms in (("with", with_ms), ("without", without_ms)):
        median_ms = statistics.median(timed[label]) * 1000
        print(
            f"  {label + ' scoring':16} {mean_ms:7.2f} ms/filing (median {median_ms:.2f}),"
            f" {sql[label] / filings:.1f} SQL statements"
        )
    print(f"  scoring adds     {with_ms - without_ms:7.2f} ms/filing (mean difference)")
    print(
        f"  risk step alone  {statistics.median(alone) * 1000:7.2f} ms median, "
        f"{statistics.mean(alone) * 1000:.2f} ms mean (assess_risk + keep, rolled back)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--customers", type=int, default=2_000)
    parser.add_argument("--history", type=int, default=3_000)
    parser.add_argument("--filings", type=int, default=500)
    args = parser.parse_args()
    if args.history + 2 * args.filings + args.filings > args.orders:
        parser.error("--orders must cover --history plus three times --filings")
    print(busy_note())
    print(f"revision {revision()}")
    run(args.database, args.orders, args.customers, args.history, args.filings)


if __name__ == "__main__":
    main()
