"""Policy decisions per second: the pure domain, no database, no HTTP.

Measures `returnflow.domain.review.assess` over a fixed mix of realistic requests,
`returnflow.domain.rules.judge_line` alone over the lines of the same mix, each
request of the mix on its own, how the cost of a decision grows with the quantity of
the order line and with the number of merchant overrides in the policy, and the
time and peak memory (tracemalloc) of the per-line eligibility view of a 50-line
order. Every figure runs a fixed number of iterations after a warm-up; nothing is
asserted, but the figures with a target (issue 11) print it and say met or not met.
Targets are judged on calls per CPU second of this process (`cpu calls/s`), which on a
quiet machine equals the wall-clock rate and on a busy one is the better estimate of
what one core does; both are printed.

    .venv/bin/python benchmarks/bench_policy.py [--assess-iterations N] [--quick]
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

from machine import busy_note, revision

from returnflow.api import views
from returnflow.domain.catalog import ItemFlag
from returnflow.domain.eligibility import line_eligibility
from returnflow.domain.kinds import Outcome, Reason, RequestType
from returnflow.domain.money import Money
from returnflow.domain.orders import Customer, Order, OrderLine, Payment
from returnflow.domain.policy import (
    DEFAULT_CATEGORIES,
    EPOCH,
    MerchantTerms,
    PolicyVersion,
)
from returnflow.domain.refunds import LineHistory, OrderHistory
from returnflow.domain.review import assess
from returnflow.domain.rules import LineClaim, LineEligibility, judge_line

# A fixed "now" keeps every run judging the same windows: 10:00 in Shanghai.
NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)

# The platform policy with a few merchants offering better terms (R2.1), as in production.
POLICY = PolicyVersion(
    version=3,
    effective_from=EPOCH,
    categories=DEFAULT_CATEGORIES,
    merchants=(
        MerchantTerms("m-fashion", None, {"no_reason_days": 15}),
        MerchantTerms("m-babycare", "baby", {"merchant_pays_no_reason_shipping": True}),
        MerchantTerms("m-digital", "electronics", {"quality_exchange_days": 30}),
        MerchantTerms("m-homeplus", None, {"no_reason_days": 10, "warranty_days": 400}),
    ),
)


def _line(
    line_no: int,
    sku: str,
    category: str,
    price: int,
    quantity: int = 1,
    discount: int = 0,
    flags: Sequence[ItemFlag] = (),
) -> OrderLine:
    return OrderLine(
        line_no=line_no,
        sku=sku,
        title=f"{sku} title",
        category=category,
        unit_price=Money(price),
        quantity=quantity,
        discount=Money(discount),
        flags=frozenset(flags),
    )


def _order(
    order_no: str,
    merchant_id: str,
    lines: Sequence[OrderLine],
    *,
    delivered_days_ago: int | None,
    insurance: bool = False,
) -> Order:
    delivered = None if delivered_days_ago is None else NOW - timedelta(days=delivered_days_ago)
    return Order(
        order_no=order_no,
        merchant_id=merchant_id,
        customer=Customer("c-1001", "王小明", "13800138000", "xiaoming@example.com"),
        currency="CNY",
        placed_at=NOW - timedelta(days=(delivered_days_ago or 0) + 3),
        delivered_at=delivered,
        shipping_fee=Money(800),
        return_shipping_insurance=insurance,
        payment=Payment("alipay", f"T-{order_no}"),
        lines=tuple(lines),
    )


F = ItemFlag
APPAREL = _order(
    "SO-APPAREL",
    "m-fashion",
    [_line(1, "TEE-WHITE-M", "apparel", 9900, 2, 1000), _line(2, "JEANS-32", "apparel", 29900)],
    delivered_days_ago=2,
    insurance=True,
)
BABY = _order(
    "SO-BABY",
    "m-babycare",
    [
        _line(1, "BOTTLE-240", "baby", 8900, 2, 1000, [F.HYGIENE_SEALED]),
        _line(2, "BIB-3", "baby", 3900),
    ],
    delivered_days_ago=2,
)
ELECTRONICS = _order(
    "SO-PHONE",
    "m-digital",
    [_line(1, "PHONE-256G", "electronics", 599900), _line(2, "EARBUDS", "electronics", 19900)],
    delivered_days_ago=5,
)
FRESH = _order(
    "SO-FRESH",
    "m-farm",
    [_line(1, "CHERRY-1KG", "fresh_food", 12800, 2, 0, [F.PERISHABLE])],
    delivered_days_ago=1,
)
HOME_LATE = _order(
    "SO-HOME",
    "m-homeplus",
    [_line(1, "KETTLE-1.7L", "home", 15900), _line(2, "TOWEL-SET", "home", 6900)],
    delivered_days_ago=20,
)
FOOD = _order("SO-FOOD", "m-snacks", [_line(1, "NUTS-500G", "food", 4900, 3)], delivered_days_ago=3)
MEDIA = _order(
    "SO-MEDIA",
    "m-books",
    [_line(1, "DVD-BOXSET", "books_media", 19900, 1, 0, [F.SEALED_MEDIA])],
    delivered_days_ago=3,
)
CUSTOM = _order(
    "SO-CUSTOM",
    "m-fashion",
    [_line(1, "SUIT-TAILORED", "apparel", 159900, 1, 0, [F.CUSTOM_MADE])],
    delivered_days_ago=4,
)
IN_TRANSIT = _order(
    "SO-TRANSIT",
    "m-digital",
    [_line(1, "CHARGER-65W", "electronics", 14900)],
    delivered_days_ago=None,
)

EMPTY = OrderHistory()


@dataclass(frozen=True)
class Case:
    name: str
    order: Order
    request_type: RequestType
    claims: tuple[LineClaim, ...]
    history: OrderHistory = EMPTY
    has_photos: bool = False

    def run(self) -> Outcome:
        return assess(
            order=self.order,
            request_type=self.request_type,
            claims=self.claims,
            history=self.history,
            has_photos=self.has_photos,
            now=NOW,
            policy=POLICY,
        ).outcome


def _claim(line_no: int, quantity: int, reason: Reason, opened: bool = False) -> LineClaim:
    return LineClaim(line_no, quantity, reason, opened)


R, T = Reason, RequestType
CASES: tuple[Case, ...] = (
    Case("apparel no_reason, in window", APPAREL, T.REFUND, (_claim(1, 1, R.NO_REASON),)),
    Case(
        "apparel no_reason, 2 lines",
        APPAREL,
        T.REFUND,
        (_claim(1, 2, R.NO_REASON), _claim(2, 1, R.NO_REASON)),
    ),
    Case("apparel exchange no_reason", APPAREL, T.EXCHANGE, (_claim(2, 1, R.NO_REASON),)),
    Case(
        "apparel 2nd request, quantity exceeded",
        APPAREL,
        T.REFUND,
        (_claim(1, 2, R.NO_REASON),),
        OrderHistory({1: LineHistory(1, 1, Money(9400))}),
    ),
    Case("baby hygiene sealed, no_reason", BABY, T.REFUND, (_claim(1, 1, R.NO_REASON),)),
    Case("baby hygiene opened, no_reason", BABY, T.REFUND, (_claim(1, 1, R.NO_REASON, True),)),
    Case("phone no_reason, above auto limit", ELECTRONICS, T.REFUND, (_claim(1, 1, R.NO_REASON),)),
    Case(
        "earbuds quality exchange, photos",
        ELECTRONICS,
        T.EXCHANGE,
        (_claim(2, 1, R.QUALITY),),
        has_photos=True,
    ),
    Case("earbuds quality refund, no photos", ELECTRONICS, T.REFUND, (_claim(2, 1, R.QUALITY),)),
    Case("fresh perishable, no_reason", FRESH, T.REFUND, (_claim(1, 1, R.NO_REASON),)),
    Case(
        "fresh damaged, refund_only",
        FRESH,
        T.REFUND_ONLY,
        (_claim(1, 2, R.DAMAGED_IN_TRANSIT),),
        has_photos=True,
    ),
    Case("home no_reason, window expired", HOME_LATE, T.REFUND, (_claim(2, 1, R.NO_REASON),)),
    Case("home quality repair, late", HOME_LATE, T.REPAIR, (_claim(1, 1, R.QUALITY),), EMPTY, True),
    Case("food repair (not offered)", FOOD, T.REPAIR, (_claim(1, 1, R.QUALITY),), EMPTY, True),
    Case("food wrong item refund", FOOD, T.REFUND, (_claim(1, 3, R.WRONG_ITEM),)),
    Case("media unsealed, no_reason", MEDIA, T.REFUND, (_claim(1, 1, R.NO_REASON, True),)),
    Case("custom-made, no_reason", CUSTOM, T.REFUND, (_claim(1, 1, R.NO_REASON),)),
    Case("in transit, refund_only", IN_TRANSIT, T.REFUND_ONLY, (_claim(1, 1, R.NOT_DELIVERED),)),
)


def _judge_calls(cases: Sequence[Case], policy: PolicyVersion) -> list[Callable[[], object]]:
    """One `judge_line` call per claimed line of the mix, with the same arguments assess uses."""
    calls: list[Callable[[], object]] = []
    for case in cases:
        for claim in case.claims:
            line = case.order.line(claim.line_no)
            assert line is not None
            calls.append(
                partial(
                    judge_line,
                    order=case.order,
                    line=line,
                    request_type=case.request_type,
                    claim=claim,
                    already_requested=case.history.line(claim.line_no).held_units,
                    has_photos=case.has_photos,
                    now=NOW,
                    policy=policy,
                )
            )
    return calls


@dataclass(frozen=True)
class Timing:
    """Wall-clock and CPU seconds of one timed run."""

    wall: float
    cpu: float


def timed(calls: Sequence[Callable[[], object]], rounds: int, warmup_rounds: int) -> Timing:
    """Seconds for `rounds` passes over `calls`, after `warmup_rounds` untimed passes."""
    for _ in range(warmup_rounds):
        for call in calls:
            call()
    gc.collect()
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(rounds):
        for call in calls:
            call()
    return Timing(time.perf_counter() - start, time.process_time() - cpu)


HEADER = (
    f"{'figure':<44} {'calls':>9} {'seconds':>8} {'calls/s':>11} {'µs/call':>10}"
    f" {'cpu calls/s':>12}"
)


def _rate(calls: int, seconds: float) -> float:
    return calls / seconds if seconds > 0 else float("inf")


def report(name: str, calls: int, seconds: Timing, note: str = "") -> float:
    """Print one row; answer calls per CPU second (what targets are judged on)."""
    rate, cpu_rate = _rate(calls, seconds.wall), _rate(calls, seconds.cpu)
    micro = seconds.wall / calls * 1e6
    print(
        f"{name:<44} {calls:>9,} {seconds.wall:>8.2f} {rate:>11,.0f} {micro:>10.1f}"
        f" {cpu_rate:>12,.0f}  {note}".rstrip()
    )
    return cpu_rate


def verdict(figure: str, value: float, target: float, unit: str) -> None:
    """A figure beside its target (issue 11), met or not."""
    state = "met" if value >= target else "NOT MET"
    shown = f"{value:,.2f}" if unit == "x" else f"{value:,.0f}"
    print(f"  target: {figure} {shown}{unit} >= {target:,}{unit}  {state}")


def bench_mix(assess_iterations: int, judge_iterations: int) -> None:
    print("\n== Decisions over the mix (round-robin over every case) ==")
    outcomes = Counter(case.run().value for case in CASES)
    print(
        f"mix: {len(CASES)} requests, {sum(len(c.claims) for c in CASES)} lines; outcomes "
        + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items()))
    )
    print(HEADER)
    calls: list[Callable[[], object]] = [case.run for case in CASES]
    rounds = max(1, assess_iterations // len(calls))
    seconds = timed(calls, rounds, warmup_rounds=max(1, rounds // 20))
    assess_rate = report("assess (whole request)", rounds * len(calls), seconds)
    lines = _judge_calls(CASES, POLICY)
    rounds = max(1, judge_iterations // len(lines))
    seconds = timed(lines, rounds, warmup_rounds=max(1, rounds // 20))
    judge_rate = report("judge_line (one line)", rounds * len(lines), seconds)
    verdict("judge_line over the mix", judge_rate, 200_000, " calls/s")
    verdict("assess over the mix", assess_rate, 100_000, " calls/s")


def bench_cases(iterations: int) -> None:
    print(f"\n== assess, each request of the mix alone ({iterations:,} calls each) ==")
    print(HEADER)
    for case in CASES:
        seconds = timed([case.run], iterations, warmup_rounds=max(1, iterations // 20))
        report(case.name, iterations, seconds, case.run().value)


def _single_line_order(quantity: int, merchant_id: str = "m-fashion") -> Order:
    return _order(
        f"SO-Q{quantity}",
        merchant_id,
        [_line(1, "SOCKS-5", "apparel", 1990, quantity, quantity * 100)],
        delivered_days_ago=2,
    )


def bench_quantity(quantities: Sequence[int], iterations: int) -> None:
    """One unit returned from a line of `quantity` units: the cost should not depend on it."""
    print("\n== assess, 1 unit returned from a line of Q units (API allows Q up to 100,000) ==")
    print(HEADER)
    rates = []
    for quantity in quantities:
        case = Case(
            f"line quantity {quantity:,}",
            _single_line_order(quantity),
            T.REFUND,
            (_claim(1, 1, R.NO_REASON),),
        )
        seconds = timed([case.run], iterations, warmup_rounds=max(1, iterations // 20))
        rates.append(report(case.name, iterations, seconds, case.run().value))
    ratio = rates[-1] / rates[0]
    verdict(f"Q={quantities[-1]:,} vs Q={quantities[0]:,} (rate ratio)", ratio, 0.8, "x")


def bench_merchants(counts: Sequence[int], iterations: int) -> None:
    """The policy holds one override per merchant; a line looks its merchant up once."""
    print("\n== judge_line vs merchant overrides in the policy (line of a merchant without) ==")
    print(HEADER)
    order = _single_line_order(1, merchant_id="m-plain")
    line = order.lines[0]
    rates = {}
    for count in counts:
        policy = PolicyVersion(
            version=9,
            effective_from=EPOCH,
            categories=DEFAULT_CATEGORIES,
            merchants=tuple(
                MerchantTerms(f"m-{i:05d}", None, {"no_reason_days": 15}) for i in range(count)
            ),
        )
        call = partial(
            judge_line,
            order=order,
            line=line,
            request_type=T.REFUND,
            claim=_claim(1, 1, R.NO_REASON),
            already_requested=0,
            has_photos=False,
            now=NOW,
            policy=policy,
        )
        seconds = timed([call], iterations, warmup_rounds=max(1, iterations // 20))
        rates[count] = report(f"{count:,} merchant overrides", iterations, seconds)
    ratio = rates[counts[-1]] / rates[4]
    verdict(f"{counts[-1]:,} vs 4 overrides (rate ratio)", ratio, 0.8, "x")


def _fifty_line_order() -> Order:
    kinds: tuple[tuple[str, int, Sequence[ItemFlag]], ...] = (
        ("apparel", 9900, ()),
        ("baby", 8900, (F.HYGIENE_SEALED,)),
        ("electronics", 19900, ()),
        ("home", 15900, ()),
        ("books_media", 4900, (F.SEALED_MEDIA,)),
        ("food", 3900, ()),
        ("cosmetics", 25900, (F.HYGIENE_SEALED,)),
        ("fresh_food", 12800, (F.PERISHABLE,)),
        ("apparel", 159900, (F.CUSTOM_MADE,)),
        ("baby", 2900, ()),
    )
    lines = []
    for n in range(1, 51):
        category, price, flags = kinds[(n - 1) % len(kinds)]
        quantity = 1 + n % 3
        lines.append(_line(n, f"SKU-{n:03d}", category, price, quantity, 100 * quantity, flags))
    return _order("SO-FIFTY", "m-babycare", lines, delivered_days_ago=3)


def _eligibility(order: Order) -> list[LineEligibility]:
    return [
        line_eligibility(order=order, line=line, already_requested=0, now=NOW, policy=POLICY)
        for line in order.lines
    ]


def bench_eligibility(iterations: int) -> None:
    print("\n== Eligibility view of a 50-line order (what each line may become, R2.1) ==")
    order = _fifty_line_order()
    build = partial(_eligibility, order)
    lines = build()
    options = sum(len(item.options) for item in lines)

    def render() -> str:
        return views.eligibility(order, POLICY.version, build(), True, "en").model_dump_json()

    body = render()
    print(
        f"50 lines -> {options} options judged (judge_line calls); "
        f"JSON body {len(body.encode()):,} bytes"
    )
    print(HEADER)
    seconds = timed([build], iterations, warmup_rounds=max(1, iterations // 20))
    report("line_eligibility x 50 lines (domain)", iterations, seconds)
    seconds = timed([render], iterations, warmup_rounds=max(1, iterations // 20))
    report("+ views.eligibility + JSON (API body)", iterations, seconds)

    for name, fn in (("domain view", build), ("domain + API body", render)):
        gc.collect()
        tracemalloc.start()
        try:
            before, _ = tracemalloc.get_traced_memory()
            tracemalloc.reset_peak()
            result = fn()
            current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        del result
        print(
            f"tracemalloc {name:<18} peak {(peak - before) / 1024:>8,.1f} KiB, "
            f"retained by the result {(current - before) / 1024:>8,.1f} KiB"
        )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--assess-iterations", type=int, default=100_000)
    parser.add_argument("--judge-iterations", type=int, default=300_000)
    parser.add_argument("--per-case-iterations", type=int, default=3_000)
    parser.add_argument("--eligibility-iterations", type=int, default=300)
    parser.add_argument(
        "--quick", action="store_true", help="a tenth of every count (a smoke run, ~2 s)"
    )
    args = parser.parse_args(argv)
    scale = 10 if args.quick else 1
    print(
        f"bench_policy  {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}  "
        f"Python {platform.python_version()}  {platform.machine()}  "
        f"{os.cpu_count()} cores  tree {revision()}  gc on, tracemalloc off while timing"
    )
    print(busy_note())
    print(f"policy version {POLICY.version}: {len(POLICY.merchants)} merchant overrides; now={NOW}")
    bench_mix(args.assess_iterations // scale, args.judge_iterations // scale)
    bench_cases(max(10, args.per_case_iterations // scale))
    bench_quantity((1, 100, 1_000, 10_000, 100_000), iterations=20_000 // scale)
    bench_merchants((0, 4, 100, 1_000, 10_000), iterations=50_000 // scale)
    bench_eligibility(max(5, args.eligibility_iterations // scale))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
