"""KPI queries over 10 million return lines on PostgreSQL: rollups against a plain GROUP BY.

Makes a throw-away migrated database (`scratch_database`) and fills it with SQL alone
(`generate_series`, untimed setup): `--lines` return lines (default 10,000,000), one per
request, on orders of 3 lines each delivered over 120 local days for 50 merchants, 6
categories, 300 SKUs, 7 reasons and 5 carriers; 10 % of the requests rejected or
cancelled, 60 % refunded (some late), every 10th with its stage events, a shipment and a
disposition; complaints and surveys beside them. Then it builds the rollups
(`returnflow analytics rebuild`'s service, timed) and, for a 30-day period, prints each
KPI query's time from the rollups beside the same answer computed by a plain GROUP BY
over the raw tables, and checks that the two agree (exit status 1 if any differs).
The target is < 1 s per rollup query.

    .venv/bin/python benchmarks/bench_analytics.py [--lines N]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from functools import partial
from typing import Any

from machine import busy_note, revision
from sqlalchemy import text

from returnflow.app_context import AppContext
from returnflow.config import Settings
from returnflow.services import analytics
from returnflow.storage.schema import Base
from returnflow.storage.scratch import scratch_database

DAYS = 120
FIRST = datetime(2026, 6, 1, 16, 0, tzinfo=UTC)  # 2026-06-02 00:00 local
PERIOD = analytics.Period(date(2026, 7, 1), date(2026, 7, 30))
SINCE = datetime(2026, 6, 30, 16, 0, tzinfo=UTC)
UNTIL = datetime(2026, 7, 30, 16, 0, tzinfo=UTC)
GROUPS: tuple[analytics.GroupBy, ...] = ("day", "merchant", "category", "sku", "reason", "carrier")


def fill(table: str, given: dict[str, str], source: str) -> str:
    """INSERT … SELECT with `given` expressions; every other required column an empty value."""
    values = dict(given)
    for column in Base.metadata.tables[table].columns:
        if column.name in values or column.nullable or column.primary_key:
            continue
        kind = type(column.type).__name__
        values[column.name] = {
            "Boolean": "false",
            "Integer": "0",
            "BigInteger": "0",
            "Float": "0",
            "UtcDateTime": ":first",
            "JSON": "'{}'",
        }.get(kind, "''")
    names = ", ".join(values)
    return f"INSERT INTO {table} ({names}) SELECT {', '.join(values.values())} FROM {source}"


MERCHANT = "'m-' || lpad(({} % 50)::text, 3, '0')"
ORDER = "1 + g % :orders"  # request g is on this order
SEED = [
    "SET session_replication_role = replica",  # no triggers or FK checks while seeding
    fill("merchants", {"id": MERCHANT.format("g"), "name": "'m' || g"}, "generate_series(0, 49) g"),
    "INSERT INTO customers (id, name, phone, email) VALUES ('c-1', 'c', '1', 'c@example.com')",
    fill(
        "orders",
        {
            "id": "g",
            "order_no": "'B' || g",
            "merchant_id": MERCHANT.format("g"),
            "customer_id": "'c-1'",
            "currency": "'CNY'",
            "delivered_at": ":first + ((g::bigint * 7919) % (:days * 86400)) * interval '1 second'",
        },
        "generate_series(1, :orders) g",
    ),
    fill(
        "order_lines",
        {
            "order_id": "o",
            "line_no": "l",
            "sku": "'SKU-' || ((o * 3 + l) % 300)",
            "category": "(ARRAY['baby','toys','home','apparel','beauty','digital'])"
            "[1 + ((o * 3 + l) % 300) % 6]",
            "quantity": "2",
            "flags": "'[]'",
        },
        "generate_series(1, :orders) o, generate_series(1, 3) l",
    ),
    fill(
        "returns",
        {
            "id": "g",
            "rma_no": "'R' || g",
            "order_id": ORDER,
            "order_no": f"'B' || ({ORDER})",
            "merchant_id": MERCHANT.format(f"({ORDER})"),
            "customer_id": "'c-1'",
            "status": "CASE WHEN g % 20 = 0 THEN 'rejected' WHEN g % 20 = 1 THEN 'cancelled' "
            "WHEN g % 10 < 8 THEN 'completed' ELSE 'in_transit' END",
            "created_at": ":first + ((g::bigint * 104729) % (:days * 86400)) * interval '1 second'",
            "carrier": "(ARRAY['sf','zto','yto','jd','ems'])[1 + g % 5]",
            "photos": "'[]'",
        },
        "generate_series(1, :lines) g",
    ),
    fill(
        "return_lines",
        {
            "return_id": "g",
            "line_no": "1 + (g / :orders) % 3",
            "quantity": "1",
            "reason_code": "(ARRAY['quality','not_as_described','no_reason','wrong_item',"
            "'damaged_in_transit','missing_parts','not_delivered'])[1 + g % 7]",
            "refund_amount": "9900",
        },
        "generate_series(1, :lines) g",
    ),
    fill(
        "refunds",
        {
            "return_id": "id",
            "amount": "9900",
            "status": "'succeeded'",
            "paid_at": "created_at + ((id % 96) + 1) * interval '1 hour'",
            "due_by": "created_at + interval '72 hours'",
        },
        "returns WHERE id % 10 < 6 AND id % 20 > 1",
    ),
    fill(
        "return_events",
        {
            "return_id": "id",
            "seq": "s",
            "at": "created_at + (s - 1) * ((id % 50) + 1) * interval '1 minute'",
            "action": "(ARRAY['submit','approve'])[s]",
            "to_status": "(ARRAY['requested','approved'])[s]",
        },
        "returns, generate_series(1, 2) s WHERE id % 10 = 3",
    ),
    fill(
        "shipments",
        {
            "rma_no": "rma_no",
            "carrier": "carrier",
            "waybill_no": "'W' || id",
            "label_cost": "800 + id % 500",
            "pickup_cost": "id % 2 * 600",
            "created_at": "created_at + interval '2 hours'",
        },
        "returns WHERE id % 10 = 4",
    ),
    fill(
        "dispositions",
        {
            "rma_no": "rma_no",
            "line_no": "1",
            "merchant_id": "merchant_id",
            "category": "'baby'",
            "quantity": "1",
            "value": "9900",
            "chosen": "(ARRAY['restock','refurbish','scrap','return_to_vendor'])[1 + id % 4]",
            "decided_at": "created_at + interval '3 days'",
        },
        "returns WHERE id % 10 = 5",
    ),
    fill(
        "complaints",
        {
            "complaint_no": "'C' || g",
            "merchant_id": MERCHANT.format("g"),
            "filed_at": ":first + g * interval '1 second' * (:days * 86400 / :complaints)",
            "first_responded_at": ":first + g * interval '1 second' * (:days * 86400 / "
            ":complaints) + (g % 300) * interval '1 minute'",
            "resolved_at": "CASE WHEN g % 3 = 0 THEN NULL ELSE :first + g * interval '1 second'"
            " * (:days * 86400 / :complaints) + (g % 50) * interval '1 hour' END",
        },
        "generate_series(1, :complaints) g",
    ),
    fill(
        "surveys",
        {
            "rma_no": "rma_no",
            "merchant_id": "merchant_id",
            "speed": "1 + id % 5",
            "attitude": "1 + id / 7 % 5",
            "effectiveness": "1 + id / 11 % 5",
            "process": "5",
            "nps": "id % 11",
            "answered_at": "created_at + interval '5 days'",
        },
        "returns WHERE id % 10 = 6",
    ),
    "SET session_replication_role = DEFAULT",
    "ANALYZE",
]


def seed(context: AppContext, lines: int) -> None:
    orders = max(1, lines // 3)
    values = {
        "first": FIRST,
        "days": DAYS,
        "orders": orders,
        "lines": lines,
        "complaints": max(1, lines // 40),
    }
    with context.engine.begin() as connection:
        for statement in SEED:
            started = time.perf_counter()
            connection.execute(text(statement), values)
            took = time.perf_counter() - started
            print(f"  seed {took:7.1f} s  {statement[:60]}", flush=True)


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    found = call()
    return time.perf_counter() - started, found


DAY_KEY = "((o.delivered_at AT TIME ZONE 'Asia/Shanghai')::date)::text"
KEYS = {
    "day": DAY_KEY,
    "merchant": "o.merchant_id",
    "category": "ol.category",
    "sku": "ol.sku",
    "reason": "rl.reason_code",
    "carrier": "COALESCE(NULLIF(r.carrier, ''), 'none')",
}
DELIVERED = (
    "SELECT {key}, count(DISTINCT o.id), sum(ol.quantity) FROM orders o "
    "JOIN order_lines ol ON ol.order_id = o.id "
    "WHERE o.delivered_at >= :since AND o.delivered_at < :until GROUP BY 1"
)
RETURNED = (
    "SELECT {key}, sum(rl.quantity), "
    "sum(CASE WHEN f.status = 'succeeded' THEN rl.refund_amount ELSE 0 END) "
    "FROM return_lines rl JOIN returns r ON r.id = rl.return_id "
    "JOIN orders o ON o.id = r.order_id "
    "JOIN order_lines ol ON ol.order_id = o.id AND ol.line_no = rl.line_no "
    "LEFT JOIN refunds f ON f.return_id = r.id "
    "WHERE o.delivered_at >= :since AND o.delivered_at < :until "
    "AND r.status NOT IN ('rejected', 'cancelled') GROUP BY 1"
)


def raw_rates(connection: Any, group_by: str) -> list[tuple[Any, ...]]:
    """The return-rate rows by a plain GROUP BY over orders, lines, requests and refunds."""
    window = {"since": SINCE, "until": UNTIL}
    key = KEYS[group_by]
    returned = {
        k: (n, paid) for k, n, paid in connection.execute(text(RETURNED.format(key=key)), window)
    }
    if group_by in ("reason", "carrier"):
        total = connection.execute(text(DELIVERED.format(key="''")), window).one()
        rows = [(k, total[1], total[2], n, paid) for k, (n, paid) in returned.items()]
    else:
        delivered = connection.execute(text(DELIVERED.format(key=key)), window).all()
        rows = [(k, orders, units, *returned.get(k, (0, 0))) for k, orders, units in delivered]
    return sorted((str(k), int(a), int(b), int(c), int(d)) for k, a, b, c, d in rows)


SCALARS = {
    "orders": "SELECT count(*) FROM orders WHERE delivered_at >= :since AND delivered_at < :until",
    "complaints": "SELECT count(*) FROM complaints WHERE filed_at >= :since AND filed_at < :until",
    "answers": "SELECT count(*), count(*) FILTER (WHERE speed + attitude + effectiveness + process"
    " >= 16), count(*) FILTER (WHERE nps >= 9), count(*) FILTER (WHERE nps <= 6) FROM surveys "
    "WHERE answered_at >= :since AND answered_at < :until",
    "shipping": "SELECT count(DISTINCT s.rma_no), sum(label_cost + pickup_cost + insurance_cost) "
    "FROM shipments s JOIN returns r ON r.rma_no = s.rma_no "
    "WHERE s.created_at >= :since AND s.created_at < :until",
    "recovery": "SELECT sum(quantity), sum(value) FROM dispositions WHERE decided_at >= :since "
    "AND decided_at < :until AND chosen IN ('restock', 'refurbish', 'sell_discounted')",
    "refunds": "SELECT count(*), count(due_by), count(*) FILTER (WHERE paid_at <= due_by), "
    "sum(amount) FROM refunds WHERE status = 'succeeded' AND paid_at >= :since "
    "AND paid_at < :until",
}
SECONDS = "round(extract(epoch FROM ({end} - {start})))::bigint"
BUCKET = "CASE WHEN s < 3600 THEN s - s % 60 WHEN s < 86400 THEN s - s % 900 ELSE s - s % 3600 END"
DURATIONS = {
    "refund_cycle": (
        "r.created_at",
        "f.paid_at",
        "refunds f JOIN returns r ON r.id = f.return_id WHERE f.status = 'succeeded'",
    ),
    "stage_filed_decided": (
        "filed",
        "decided",
        "(SELECT r.merchant_id, min(e.at) FILTER (WHERE e.action = 'submit') AS filed, "
        "min(e.at) FILTER (WHERE e.to_status IN ('approved', 'rejected')) AS decided "
        "FROM return_events e JOIN returns r ON r.id = e.return_id GROUP BY e.return_id, "
        "r.merchant_id) p WHERE filed IS NOT NULL",
    ),
    "complaint_first_response": ("filed_at", "first_responded_at", "complaints WHERE true"),
    "complaint_resolution": ("filed_at", "resolved_at", "complaints WHERE true"),
}


def raw_duration(connection: Any, metric: str) -> tuple[int, int, int]:
    """Count, median and p90 (nearest rank: percentile_disc) of the bucketed durations."""
    start, end, source = DURATIONS[metric]
    query = (
        f"SELECT count(*), percentile_disc(0.5) WITHIN GROUP (ORDER BY b), "
        f"percentile_disc(0.9) WITHIN GROUP (ORDER BY b) FROM (SELECT {BUCKET} AS b FROM "
        f"(SELECT GREATEST(0, {SECONDS.format(start=start, end=end)}) AS s FROM {source} "
        f"AND {end} >= :since AND {end} < :until) d) x"
    )
    n, p50, p90 = connection.execute(text(query), {"since": SINCE, "until": UNTIL}).one()
    return int(n), int(p50), int(p90)


def raw_kpis(connection: Any) -> dict[str, Any]:
    window = {"since": SINCE, "until": UNTIL}
    found = {name: tuple(connection.execute(text(q), window).one()) for name, q in SCALARS.items()}
    for metric in DURATIONS:
        found[metric] = raw_duration(connection, metric)
    return found


def rollup_kpis(report: analytics.KpiReport) -> dict[str, Any]:
    """The same figures read from the KPI report's inputs."""

    def i(name: str) -> dict[str, Any]:
        return report.get(name).inputs

    return {
        "orders": (i("return_rate")["orders"],),
        "complaints": (i("complaint_rate")["complaints"],),
        "answers": (
            i("csat")["answers"],
            i("csat")["satisfied"],
            i("nps")["promoters"],
            i("nps")["detractors"],
        ),
        "shipping": (
            i("logistics_cost_per_return")["returns_shipped"],
            i("logistics_cost_per_return")["cost"],
        ),
        "recovery": (i("recovery_value")["units"], i("recovery_value")["value"]),
        "refunds": tuple(
            i("refund_deadline_compliance")[k]
            for k in ("paid", "with_deadline", "on_time", "paid_amount")
        ),
        **{m: (i(m)["count"], i(m)["p50_seconds"], i(m)["p90_seconds"]) for m in DURATIONS},
    }


def compare(context: AppContext) -> int:
    """Each query from the rollups beside the plain GROUP BY; 1 when any answer differs."""
    print(f"\nperiod {PERIOD.start}..{PERIOD.end} (local days), all merchants")
    print(f"{'query':<34}{'rollups':>10}{'GROUP BY':>11}  agree")
    differs = 0
    for group_by in GROUPS:
        with context.uow(publish=False) as uow:
            fast, report = timed(partial(analytics.return_rates, uow, group_by, PERIOD))
        with context.engine.connect() as connection:
            slow, plain = timed(partial(raw_rates, connection, group_by))
        mine = sorted(
            (r.key, r.orders, r.units_delivered, r.units_returned, r.refund_amount)
            for r in report.rows
        )
        differs += _line(
            f"return-rates group_by={group_by} ({len(mine)})", fast, slow, mine == plain
        )
    with context.uow(publish=False) as uow:
        fast, kpis = timed(lambda: analytics.kpis(uow, PERIOD))
    with context.engine.connect() as connection:
        slow, plain_kpis = timed(lambda: raw_kpis(connection))
    mine_kpis = rollup_kpis(kpis)
    for name, value in plain_kpis.items():
        if tuple(int(v or 0) for v in value) != tuple(int(v or 0) for v in mine_kpis[name]):
            print(f"  differs: {name}: GROUP BY {value} rollups {mine_kpis[name]}")
    agree = all(
        tuple(int(v or 0) for v in plain_kpis[n]) == tuple(int(v or 0) for v in mine_kpis[n])
        for n in plain_kpis
    )
    differs += _line("kpis (all 16, one call)", fast, slow, agree)
    with context.uow(publish=False) as uow:
        fast, _ = timed(lambda: analytics.kpis(uow, PERIOD, "m-007"))
    print(f"{'kpis merchant=m-007':<34}{fast:>9.3f}s")
    print("\nall answers agree" if not differs else f"\n{differs} answers DIFFER")
    return 1 if differs else 0


def _line(name: str, fast: float, slow: float, agree: bool) -> int:
    print(f"{name:<34}{fast:>9.3f}s{slow:>10.3f}s  {'yes' if agree else 'NO'}", flush=True)
    return 0 if agree else 1


def run_seeded(name: str, measure: Callable[[AppContext], int], argv: Sequence[str] | None) -> int:
    """Seed `--lines` return lines into a throw-away PostgreSQL database, rebuild the
    rollups, then `measure` (this benchmark's comparison, or bench_dashboards's reads)."""
    parser = argparse.ArgumentParser(description=name)
    parser.add_argument("--lines", type=int, default=10_000_000)
    args = parser.parse_args(argv)
    print(f"{name}  revision {revision()}  {busy_note()}")
    with scratch_database("postgresql") as url:
        context = AppContext.from_settings(Settings(database_url=url))
        try:
            started = time.perf_counter()
            seed(context, args.lines)
            print(f"seeded {args.lines:,} return lines in {time.perf_counter() - started:.0f} s")
            now = datetime.now(UTC)
            with context.uow(publish=False) as uow:
                took, written = timed(lambda: analytics.rebuild(uow, now))
                uow.commit(now)
            print(f"rollups rebuilt: {written:,} rows in {took:.1f} s")
            return measure(context)
        finally:
            context.engine.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    return run_seeded("bench_analytics", compare, argv)


if __name__ == "__main__":
    sys.exit(main())
