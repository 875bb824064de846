"""The benchmarks' yardstick (issue 11): pgbench's summary read right, targets judged right.

No database and no pgbench here: the output below was recorded from
`pgbench -c 8 -j 2 -T 10 -M prepared` (PostgreSQL 15.20) on this machine.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"

RECORDED_15 = """\
pgbench (15.20 (Debian 15.20-0+deb12u1))
transaction type: <builtin: TPC-B (sort of)>
scaling factor: 8
query mode: prepared
number of clients: 8
number of threads: 2
maximum number of tries: 1
duration: 10 s
number of transactions actually processed: 14489
number of failed transactions: 0 (0.000%)
latency average = 5.526 ms
initial connection time = 38.716 ms
tps = 1447.574167 (without initial connection time)
"""

# PostgreSQL 13's wording: no failed-transactions line, "excluding connections establishing"
RECORDED_13 = """\
transaction type: <builtin: TPC-B (sort of)>
scaling factor: 8
query mode: prepared
number of clients: 8
number of threads: 2
duration: 10 s
number of transactions actually processed: 9120
latency average = 8.772 ms
tps = 911.960112 (including connections establishing)
tps = 912.503331 (excluding connections establishing)
"""


def bench_module(name: str) -> ModuleType:
    sys.path.insert(0, str(BENCHMARKS))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(BENCHMARKS))


def test_pgbench_15_summary_is_read() -> None:
    run = bench_module("pgbench").parse(RECORDED_15)
    assert (run.tps, run.transactions, run.failed) == (1447.574167, 14489, 0)
    assert (run.latency_ms, run.clients, run.seconds) == (5.526, 8, 10)


def test_pgbench_13_takes_the_tps_without_connecting() -> None:
    run = bench_module("pgbench").parse(RECORDED_13)
    assert (run.tps, run.failed, run.transactions) == (912.503331, 0, 9120)


def test_an_aborted_run_has_no_figure() -> None:
    aborted = RECORDED_15.split("tps =")[0] + "pgbench: error: client 3 aborted\n"
    with pytest.raises(ValueError, match="tps"):
        bench_module("pgbench").parse(aborted)


def test_a_share_of_pgbench_is_judged_on_the_ratio_and_needs_a_run() -> None:
    targets = bench_module("targets")
    share = targets.share_of_pgbench(0.40)
    assert share.met(580.0, 1447.5) is True
    assert share.met(578.0, 1447.5) is False
    assert share.met(580.0, None) is None
    assert targets.below(50, "ms").met(50.0, None) is False
    assert targets.at_most(5).met(5.0, None) is True


def test_the_table_prints_the_ratio_beside_each_throughput_only() -> None:
    targets = bench_module("targets")
    figures = [
        targets.Figure("create req/s", 144.75, "/s", True, targets.share_of_pgbench(0.40)),
        targets.Figure("create p99", 61.0, "ms", target=targets.below(50, "ms")),
    ]
    rows = targets.rows(figures, 1447.5)
    assert rows[0][2:] == ["1,447.5", "10.0 %", ">= 40 % of pgbench", "NOT MET"]
    assert rows[1][2:] == ["-", "-", "< 50 ms", "NOT MET"]
