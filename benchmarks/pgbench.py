"""The yardstick: pgbench TPC-B on the same PostgreSQL server, in the same run as a benchmark.

Our figures move with the machine (2 shared cores, other people's test runs, the
database on the same cores), so a bare "141 creates/s" says little. Each benchmark
therefore runs pgbench's TPC-B against the same server from the same script, and
prints its throughput figures as a share of pgbench's transactions per second: that
ratio survives a busier or faster machine far better than the figure itself.

The pgbench database is a throw-away `rf_scratch_pgbench_*` database on the server of
`RETURNFLOW_TEST_PG` (the same server `scratch_database` uses), initialised with
`pgbench -i -s 8` and dropped afterwards. Each run is
`pgbench -c 8 -j 2 -T 10 -M prepared` (TPC-B, "sort of"); a benchmark runs it before
and after its own phases, and the ratio uses the mean of the two.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from returnflow.storage.scratch import PG_SERVER, ensure_postgres_running

SCALE = 8
CLIENTS = 8
THREADS = 2


@dataclass(frozen=True)
class Tpcb:
    """One pgbench run, as pgbench printed it."""

    tps: float  # without the initial connection time
    transactions: int
    failed: int
    latency_ms: float
    clients: int
    seconds: int


_TPS = re.compile(
    r"^tps = ([0-9.]+) \((?:without initial connection time|excluding connections establishing)\)",
    re.MULTILINE,
)


def _number(pattern: str, output: str, default: str | None = None) -> str:
    found = re.search(pattern, output, re.MULTILINE)
    if found:
        return found.group(1)
    if default is None:
        raise ValueError(f"pgbench output has no line matching {pattern!r}")
    return default


def parse(output: str) -> Tpcb:
    """Read pgbench's summary (PostgreSQL 13 to 16 wording); ValueError if it has none."""
    tps = _TPS.search(output)
    if tps is None:
        raise ValueError("pgbench output has no 'tps = … (without initial connection time)'")
    return Tpcb(
        tps=float(tps.group(1)),
        transactions=int(_number(r"^number of transactions actually processed: (\d+)", output)),
        failed=int(_number(r"^number of failed transactions: (\d+)", output, "0")),
        latency_ms=float(_number(r"^latency average = ([0-9.]+) ms", output)),
        clients=int(_number(r"^number of clients: (\d+)", output)),
        seconds=int(_number(r"^duration: (\d+) s", output, "0")),
    )


def binary() -> str | None:
    """pgbench on PATH, else the newest under /usr/lib/postgresql/*/bin."""
    found = shutil.which("pgbench")
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pgbench"))
    return str(candidates[-1]) if candidates else None


def _command_line(database: str) -> tuple[list[str], dict[str, str]]:
    """Connection options for pgbench from RETURNFLOW_TEST_PG, and its environment."""
    url = make_url(PG_SERVER)
    options = ["-h", url.host or "127.0.0.1", "-p", str(url.port or 5432)]
    options += ["-U", url.username or "postgres"]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return [*options, database], env


@dataclass
class Yardstick:
    """pgbench TPC-B runs on one scratch database; `tps` is their mean (None when none ran)."""

    seconds: int = 10
    database: str = ""
    program: str = ""
    runs: list[tuple[str, Tpcb]] = field(default_factory=list)
    unavailable: str = ""  # why no run happened, when none could

    @property
    def tps(self) -> float | None:
        return statistics.fmean(run.tps for _, run in self.runs) if self.runs else None

    def run(self, label: str) -> Tpcb | None:
        """One TPC-B run of `seconds`; prints its line and keeps it under `label`."""
        if not self.program:
            return None
        tail, env = _command_line(self.database)
        command = [self.program, "-c", str(CLIENTS), "-j", str(THREADS)]
        command += ["-T", str(self.seconds), "-M", "prepared", *tail]
        done = subprocess.run(
            command, capture_output=True, text=True, env=env, timeout=self.seconds + 120
        )
        try:
            result = parse(done.stdout)
        except ValueError:
            print(f"pgbench {label}: failed ({done.returncode}): {done.stderr.strip()[:300]}")
            return None
        self.runs.append((label, result))
        print(
            f"pgbench TPC-B {label}: {result.tps:,.1f} tps, {result.clients} clients, "
            f"{result.seconds} s, latency {result.latency_ms:.2f} ms, "
            f"{result.transactions:,} transactions, {result.failed} failed"
        )
        return result

    def summary(self) -> str:
        if not self.runs:
            return f"pgbench TPC-B: not run ({self.unavailable or 'no successful run'})"
        spread = ", ".join(f"{label} {run.tps:,.1f}" for label, run in self.runs)
        return (
            f"pgbench TPC-B (-s {SCALE} -c {CLIENTS} -j {THREADS} -T {self.seconds} -M prepared): "
            f"mean {self.tps:,.1f} tps ({spread})"
        )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--pgbench-seconds",
        type=int,
        default=10,
        help="seconds of each pgbench TPC-B run, before and after (default 10; 0: no pgbench)",
    )


@contextmanager
def yardstick(seconds: int) -> Iterator[Yardstick]:
    """A pgbench database initialised at scale 8, dropped on the way out; never raises for
    a missing pgbench or server: the benchmark then prints its figures without ratios."""
    stick = Yardstick(seconds=seconds)
    program = binary()
    if seconds <= 0:
        stick.unavailable = "--pgbench-seconds 0"
    elif program is None:
        stick.unavailable = "no pgbench binary on PATH or under /usr/lib/postgresql"
    if stick.unavailable:
        yield stick
        return
    try:
        ensure_postgres_running()
    except RuntimeError as exc:  # a SQLite run on a machine without PostgreSQL
        stick.unavailable = str(exc)
        yield stick
        return
    name = f"rf_scratch_pgbench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        tail, env = _command_line(name)
        init = [str(program), "-i", "-s", str(SCALE), "-q", *tail]
        done = subprocess.run(init, capture_output=True, text=True, env=env, timeout=600)
        if done.returncode == 0:
            stick.database, stick.program = name, str(program)
        else:
            stick.unavailable = f"pgbench -i failed: {done.stderr.strip()[:300]}"
        yield stick
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
