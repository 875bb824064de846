"""Create-return requests per second over real HTTP, against PostgreSQL (or SQLite).

Makes a throw-away migrated database (`scratch_database`), creates one integration
account with an API token, starts the real app under uvicorn in a child process on
127.0.0.1 (a free port), imports orders through `POST /api/v1/orders`, then fires,
from C client threads (one `httpx.Client` each), bounded phases of requests:

  import          POST /api/v1/orders (the first order of every merchant/SKU one by one)
  create          POST /api/v1/returns, line 1 of a distinct order each
  create+key      POST /api/v1/returns with an Idempotency-Key, line 2 of a distinct order each
  replay          the same bodies and keys again: stored answers, nothing created
  get             GET /api/v1/returns/{rma} of the requests made in "create"

For each phase it prints requests, seconds, req/s, p50/p90/p99/max latency (ms), the
count of non-2xx answers (listed when not 0), statements and connection checkouts the
server issued per request, the database's CPU per request (`dbcpu.py`), the server's
RSS (VmHWM), and on PostgreSQL which statements waited on locks. pgbench TPC-B runs
on the same server before and after the phases (`pgbench.py`), and the run ends with
issue 11's targets: each throughput beside pgbench's tps and its ratio (`targets.py`).
Nothing is asserted. Traffic goes to 127.0.0.1 only; the database is dropped after.

    .venv/bin/python benchmarks/bench_api.py [--database sqlite] [--requests N]
        [--concurrency C] [--orders N]
"""

from __future__ import annotations

# first, as in asgi.py: the server child loads what an API process loads (memory.py)
import returnflow.memory  # noqa: F401

# isort: split

import argparse
import math
import os
import platform
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import httpx
from dbcpu import database_cpu
from machine import busy_note, memory_mb, revision
from sqlalchemy import create_engine, event, text
from targets import Figure, at_most, below, print_targets, share_of_pgbench

from returnflow.app_context import AppContext
from returnflow.asgi import create_app
from returnflow.config import Settings
from returnflow.domain.access import Role
from returnflow.services import accounts

HOST = "127.0.0.1"  # loopback only: nothing here ever talks to another machine
STATS_PATH = "/_bench/stats"

# Goods the orders are made of: (category, SKU stem, unit price in fen, flags).
# All are returnable without a reason when sealed; the laptop is above the platform's
# automatic-approval limit (2,000 CNY), so some requests go to a person (still a 201).
CATALOG: tuple[tuple[str, str, int, tuple[str, ...]], ...] = (
    ("apparel", "TEE", 9900, ()),
    ("baby", "BIB", 3900, ()),
    ("home", "TOWEL", 6900, ()),
    ("electronics", "EARBUDS", 19900, ()),
    ("books_media", "NOVEL", 4900, ()),
    ("cosmetics", "LIPSTICK", 25900, ("hygiene_sealed",)),
    ("apparel", "JACKET", 59900, ()),
    ("electronics", "LAPTOP", 699900, ()),
)
MERCHANTS = 20


# ---------------------------------------------------------------------------- the server


def serve(url: str, port: int) -> None:
    """Child process: the real app, plus a read-only counter route for the benchmark."""
    import uvicorn

    context = AppContext.from_settings(Settings(database_url=url))
    app = create_app(context)
    lock = threading.Lock()
    stats: Counter[str] = Counter()

    def bump(name: str) -> None:
        with lock:
            stats[name] += 1

    @event.listens_for(context.engine, "before_cursor_execute")
    def _statement(*_: object) -> None:
        bump("statements")

    @event.listens_for(context.engine, "checkout")
    def _checkout(*_: object) -> None:
        bump("checkouts")  # each one is also a pre-ping round trip on PostgreSQL

    @event.listens_for(context.engine, "commit")
    def _commit(*_: object) -> None:
        bump("commits")

    @app.get(STATS_PATH, include_in_schema=False)
    def _stats() -> dict[str, int]:
        rss, peak = memory_mb()  # this server process's own, in MB
        with lock:
            return {**stats, "cpu_ms": int(time.process_time() * 1000)} | {
                "rss_kb": int(rss * 1000),
                "hwm_kb": int(peak * 1000),
            }

    uvicorn.run(app, host=HOST, port=port, log_level="warning", access_log=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_server(url: str, log: IO[str]) -> Iterator[str]:
    """Start `serve` in a child process; yield its base URL; stop it afterwards."""
    port = free_port()
    command = [sys.executable, os.path.abspath(__file__), "--serve-url", url, "--port", str(port)]
    # a private working directory: any relative path the app writes to stays out of the repo
    workdir = tempfile.TemporaryDirectory(prefix="rf_bench_cwd_")
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log, cwd=workdir.name)
    base = f"http://{HOST}:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if child.poll() is not None:
                raise RuntimeError(f"the server exited with {child.returncode}; see its log")
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not answer /healthz within 60 s")
            time.sleep(0.1)
        yield base
    finally:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait(timeout=5)
        workdir.cleanup()


def issue_token(url: str) -> str:
    """An integration account (the order system's role) and its bearer token."""
    context = AppContext.from_settings(Settings(database_url=url))
    now = context.clock()
    try:
        with context.uow() as uow:
            principal = accounts.add_user(
                uow,
                username="bench-integration",
                display_name="benchmark",
                password="benchmark-password",
                role=Role.INTEGRATION,
                now=now,
            )
            token = accounts.issue_api_token(uow, principal, "benchmark", now)
            uow.commit(now)
    finally:
        context.engine.dispose()
    return token


# ---------------------------------------------------------------------------- the payloads


def order_body(index: int, now: datetime) -> dict[str, Any]:
    """Order `index`: 2 lines of one merchant's goods, delivered 2 days ago (in window)."""
    merchant = index % MERCHANTS
    turn = index // MERCHANTS
    lines = []
    for line_no in (1, 2):
        category, stem, price, flags = CATALOG[(2 * turn + line_no - 1) % len(CATALOG)]
        quantity = 1 + (index + line_no) % 2
        lines.append(
            {
                "line_no": line_no,
                "sku": f"{stem}-M{merchant:02d}",
                "title": f"{stem.title()} from merchant {merchant}",
                "category": category,
                "unit_price": price,
                "quantity": quantity,
                "discount": 500 * quantity if price > 5000 else 0,
                "flags": list(flags),
            }
        )
    return {
        "order_no": f"BENCH-{index:07d}",
        "merchant_id": f"m-bench-{merchant:02d}",
        "customer": {
            "id": f"c-bench-{index:07d}",
            "name": f"顾客 {index}",
            "phone": f"138{index:08d}",
            "email": f"customer{index}@example.com",
        },
        "currency": "CNY",
        "placed_at": (now - timedelta(days=4)).isoformat(),
        "delivered_at": (now - timedelta(days=2)).isoformat(),
        "shipping_fee": 800,
        "return_shipping_insurance": index % 3 == 0,
        "payment": {"method": "alipay", "transaction_id": f"T{index:012d}"},
        "lines": lines,
    }


def seed_count(orders: int) -> int:
    """How many orders it takes for every merchant and SKU to have been seen once."""
    return min(orders, MERCHANTS * math.ceil(len(CATALOG) / 2))


def return_body(index: int, line_no: int) -> dict[str, Any]:
    return {
        "order_no": f"BENCH-{index:07d}",
        "type": "refund",
        "channel": "web",
        "lines": [{"line_no": line_no, "quantity": 1, "reason_code": "no_reason"}],
    }


# ---------------------------------------------------------------------------- the client


@dataclass(frozen=True)
class Job:
    order: int  # the index of the order this request is about
    method: str
    path: str
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)


# Looks at one 2xx answer: returns a problem to report, or None. Runs after the clock stops.
Check = Callable[[int, httpx.Response], str | None]


@dataclass
class LockWaits:
    samples: int = 0
    samples_waiting: int = 0
    waiting_total: int = 0
    statements: Counter[str] = field(default_factory=Counter)


@dataclass
class Phase:
    name: str
    planned: int
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    failures: list[tuple[int, int, str]] = field(default_factory=list)  # order, status, text
    done: set[int] = field(default_factory=set)  # orders whose request got a 2xx
    anomalies: list[str] = field(default_factory=list)
    stopped_early: bool = False
    client_cpu: float = 0.0  # seconds of CPU this (client) process used during the phase
    server: dict[str, int] = field(default_factory=dict)
    lock_waits: LockWaits | None = None
    log_span: tuple[int, int] = (0, 0)  # the part of the server log written during the phase


def run_phase(
    name: str,
    base: str,
    token: str,
    jobs: Sequence[Job],
    concurrency: int,
    deadline: float,
    check: Check | None = None,
) -> Phase:
    """Send every job once from `concurrency` threads, or stop at `deadline` (monotonic)."""
    phase = Phase(name, len(jobs))
    cpu_before = time.process_time()
    lock = threading.Lock()
    cursor = iter(range(len(jobs)))
    latencies: list[float] = []

    def worker() -> None:
        headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
        with httpx.Client(base_url=base, headers=headers, timeout=30.0) as client:
            while True:
                with lock:
                    index = next(cursor, None)
                if index is None:
                    return
                if time.monotonic() > deadline:
                    with lock:
                        phase.stopped_early = True
                    return
                job = jobs[index]
                started = time.perf_counter()
                try:
                    response = client.request(
                        job.method, job.path, json=job.body, headers=job.headers
                    )
                except httpx.HTTPError as exc:
                    elapsed = time.perf_counter() - started
                    with lock:
                        latencies.append(elapsed)
                        phase.failures.append((job.order, 0, f"{type(exc).__name__}: {exc}"))
                    continue
                elapsed = time.perf_counter() - started
                problem = None
                if not response.is_success:
                    problem = (job.order, response.status_code, response.text[:300])
                note = check(job.order, response) if check and response.is_success else None
                with lock:
                    latencies.append(elapsed)
                    if problem:
                        phase.failures.append(problem)
                    else:
                        phase.done.add(job.order)
                    if note:
                        phase.anomalies.append(note)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()) + 35)
    phase.seconds = time.perf_counter() - started
    phase.client_cpu = time.process_time() - cpu_before
    phase.latencies = latencies
    if any(thread.is_alive() for thread in threads):
        phase.stopped_early = True
    return phase


def server_stats(base: str) -> dict[str, int]:
    response = httpx.get(base + STATS_PATH, timeout=10)
    response.raise_for_status()
    return {str(k): int(v) for k, v in response.json().items()}


# ---------------------------------------------------------------------------- lock waits


class LockSampler:
    """PostgreSQL only: every 50 ms, which statements of the benchmark database wait on a lock."""

    QUERY = text(
        "SELECT left(regexp_replace(query, '\\s+', ' ', 'g'), 72) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        " AND pid <> pg_backend_pid()"
    )

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url, pool_size=1, max_overflow=0)
        self.result = LockWaits()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> LockSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.engine.dispose()

    def _run(self) -> None:
        with self.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT")
            while not self._stop.wait(0.05):
                rows = [str(row[0]) for row in connection.execute(self.QUERY)]
                self.result.samples += 1
                if rows:
                    self.result.samples_waiting += 1
                    self.result.waiting_total += len(rows)
                    self.result.statements.update(rows)


@contextmanager
def maybe_sample_locks(url: str) -> Iterator[LockWaits | None]:
    if not url.startswith("postgresql"):
        yield None
        return
    with LockSampler(url) as sampler:
        yield sampler.result


# ---------------------------------------------------------------------------- reporting


def percentile(ordered: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of an ascending sequence."""
    if not ordered:
        return float("nan")
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


TABLE = (
    f"{'phase':<12} {'requests':>8} {'non-2xx':>7} {'seconds':>7} {'req/s':>7} "
    f"{'p50 ms':>7} {'p90 ms':>7} {'p99 ms':>7} {'max ms':>7}"
)
WORK = (
    f"{'phase':<12} {'statements':>10} {'checkouts':>9} {'commits':>7} "
    f"{'server CPU':>10} {'server CPU':>10} {'client CPU':>10} {'db CPU':>7} {'server':>9}\n"
    f"{'':<12} {'per req':>10} {'per req':>9} {'per req':>7} {'ms/req':>10} "
    f"{'% of 1 core':>10} {'% of 1 core':>10} {'ms/req':>7} {'peak MB':>9}"
)


def table_row(phase: Phase) -> str:
    done = len(phase.latencies)
    ordered = sorted(phase.latencies)
    rate = done / phase.seconds if phase.seconds > 0 else 0.0

    def ms(q: float) -> str:
        return f"{percentile(ordered, q) * 1000:>7.1f}"

    row = (
        f"{phase.name:<12} {done:>8,} {len(phase.failures):>7} {phase.seconds:>7.2f} {rate:>7.1f} "
        f"{ms(50)} {ms(90)} {ms(99)} {ms(100)}"
    )
    if phase.stopped_early:
        row += f"  STOPPED at the time limit ({done} of {phase.planned})"
    return row


def work_row(phase: Phase) -> str:
    """What the server did per request: SQL statements, pool checkouts, commits, CPU."""
    done = max(1, len(phase.latencies))
    wall = max(phase.seconds, 1e-9)
    server = phase.server

    def per(name: str, width: int) -> str:
        return f"{server[name] / done:>{width}.1f}" if name in server else f"{'-':>{width}}"

    cpu = server.get("cpu_ms", 0)
    database = f"{server['db_cpu_ms'] / done:>7.2f}" if "db_cpu_ms" in server else f"{'-':>7}"
    return (
        f"{phase.name:<12} {per('statements', 10)} {per('checkouts', 9)} {per('commits', 7)} "
        f"{cpu / done:>10.2f} {cpu / 10 / wall:>10.0f} {100 * phase.client_cpu / wall:>10.0f} "
        f"{database} {server.get('hwm_kb', 0) / 1000:>9.1f}"
    )


def details(phase: Phase, server_log: Path) -> None:
    if phase.failures:
        print(f"  {phase.name}: {len(phase.failures)} non-2xx answers or transport errors:")
        by_kind = Counter(
            (status, re.sub(r"\d+", "N", body)[:160]) for _, status, body in phase.failures
        )
        for (status, body), count in by_kind.most_common(8):
            print(f"    {count:>5} x {f'HTTP {status}' if status else 'no answer'}: {body}")
        start, end = phase.log_span
        with server_log.open("rb") as log:
            log.seek(start)
            written = log.read(end - start).decode(errors="replace")
        tracebacks = [
            line.strip()
            for line in written.splitlines()
            if re.match(r"^\w+(\.\w+)*(Error|Exception|Violation|Deadlock\w*):", line.strip())
        ]
        for line, count in Counter(tracebacks).most_common(5):
            print(f"    server log {count:>4} x {line[:200]}")
    if phase.anomalies:
        print(f"  {phase.name}: {len(phase.anomalies)} anomalies, e.g.:")
        for note, count in Counter(phase.anomalies).most_common(5):
            print(f"    {count:>5} x {note}")
    waits = phase.lock_waits
    if waits is not None and waits.samples:
        share = 100 * waits.samples_waiting / waits.samples
        mean = waits.waiting_total / waits.samples
        line = (
            f"  {phase.name}: lock waits in {share:.0f}% of {waits.samples} samples "
            f"(mean {mean:.2f} requests waiting)"
        )
        print(line)
        for statement, count in waits.statements.most_common(3):
            print(f"    {100 * count / waits.waiting_total:>3.0f}% of waits: {statement}")


def api_figures(phases: Sequence[Phase], at_rest: float) -> list[Figure]:
    """Issue 11's targets for import, create and GET: each the same five."""
    figures: list[Figure] = []
    for result in phases:
        if result.name not in ("import", "create", "create+key", "get"):
            continue
        done = max(1, len(result.latencies))
        rate = len(result.latencies) / result.seconds if result.seconds > 0 else 0.0
        p99 = percentile(sorted(result.latencies), 99) * 1000
        server = result.server
        name = result.name
        figures += [
            Figure(f"{name} req/s", rate, "/s", throughput=True, target=share_of_pgbench(0.40)),
            Figure(f"{name} p99", p99, "ms", target=below(50, "ms")),
            Figure(
                f"{name} statements/req", server.get("statements", 0) / done, "", target=at_most(5)
            ),
            Figure(
                f"{name} checkouts/req", server.get("checkouts", 0) / done, "", target=at_most(1)
            ),
            Figure(
                f"{name} server CPU/req",
                server.get("cpu_ms", 0) / done,
                "ms",
                target=at_most(1.5, "ms"),
            ),
        ]
        if "db_cpu_ms" in server:
            figures.append(Figure(f"{name} database CPU/req", server["db_cpu_ms"] / done, "ms"))
    peak = max((p.server.get("hwm_kb", 0) for p in phases), default=0) / 1000
    figures += [
        Figure("server RSS at rest", at_rest, "MB"),
        Figure("server peak RSS (VmHWM)", peak, "MB", target=below(150, "MB")),
    ]
    return figures


# ---------------------------------------------------------------------------- the run


def benchmark(args: argparse.Namespace) -> None:
    # here, not at the top: the server child would carry Alembic (scratch.py) it never uses
    import pgbench

    from returnflow.storage.scratch import scratch_database

    started = time.monotonic()
    stop_at = started + args.time_limit
    print(
        f"bench_api  {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}  database={args.database}  "
        f"requests={args.requests} concurrency={args.concurrency} orders={args.orders}  "
        f"Python {platform.python_version()}  {os.cpu_count()} cores  "
        f"(client, server and database share them)  tree {revision()}"
    )
    print(busy_note())
    with (
        scratch_database(args.database) as url,
        tempfile.NamedTemporaryFile("w+", prefix="rf_bench_server_", suffix=".log") as log,
        pgbench.yardstick(args.pgbench_seconds) as stick,
    ):
        token = issue_token(url)
        log_path = Path(log.name)
        with running_server(url, log) as base:
            print(
                f"server: uvicorn (1 process) at {base}; setup {time.monotonic() - started:.1f} s"
            )
            at_rest = server_stats(base)["rss_kb"] / 1000
            print(f"server RSS at rest: {at_rest:.1f} MB")
            paused = time.monotonic()
            stick.run("before")
            stop_at += time.monotonic() - paused  # the phases keep their whole time limit
            phases: list[Phase] = []
            outcomes: Counter[str] = Counter()
            rma_by_index: dict[int, str] = {}
            lock = threading.Lock()

            def phase(
                name: str, jobs: Sequence[Job], check: Check | None = None, threads: int = 0
            ) -> Phase:
                deadline = min(time.monotonic() + args.phase_timeout, stop_at)
                log_start = log_path.stat().st_size
                before = server_stats(base)
                with maybe_sample_locks(url) as waits, database_cpu(url) as database:
                    result = run_phase(
                        name, base, token, jobs, threads or args.concurrency, deadline, check
                    )
                after = server_stats(base)
                result.log_span = (log_start, log_path.stat().st_size)
                result.server = {k: after.get(k, 0) - before.get(k, 0) for k in after}
                result.server |= {k: after[k] for k in ("rss_kb", "hwm_kb")}  # not deltas
                if database is not None:
                    result.server["db_cpu_ms"] = int(database.seconds * 1000)
                result.lock_waits = waits
                phases.append(result)
                print(table_row(result))
                return result

            now = datetime.now(UTC)
            orders = [order_body(i, now) for i in range(args.orders)]
            seeds = seed_count(args.orders) if not args.no_seed else 0
            print(
                f"importing {args.orders:,} orders ({seeds} one by one first, so that every "
                f"merchant and SKU exists before concurrent imports) ..."
            )
            print(TABLE)
            if seeds:
                phase(
                    "seed",
                    [Job(i, "POST", "/api/v1/orders", orders[i]) for i in range(seeds)],
                    threads=1,
                )
            imported = phases[0].done if phases else set()
            jobs = [Job(i, "POST", "/api/v1/orders", orders[i]) for i in range(seeds, len(orders))]
            imported = imported | phase("import", jobs).done

            def remember(index: int, response: httpx.Response) -> str | None:
                body = response.json()
                with lock:
                    rma_by_index[index] = body["rma_no"]
                    outcomes[f"{body['decision']['outcome']}"] += 1
                return None if response.status_code == 201 else f"HTTP {response.status_code}"

            def tally(_: int, response: httpx.Response) -> str | None:
                with lock:
                    outcomes[f"{response.json()['decision']['outcome']}"] += 1
                return None

            def replayed(_: int, response: httpx.Response) -> str | None:
                if response.headers.get("idempotent-replayed") != "true":
                    return f"HTTP {response.status_code} without Idempotent-Replayed: true"
                return None

            n = args.requests
            # only orders that were imported (all of them, unless a time limit cut in)
            wanted = [i for i in range(n) if i in imported]
            created = [Job(i, "POST", "/api/v1/returns", return_body(i, 1)) for i in wanted]
            phase("create", created, remember)
            keyed = [
                Job(
                    i,
                    "POST",
                    "/api/v1/returns",
                    return_body(i, 2),
                    {"Idempotency-Key": f"bench-{i}"},
                )
                for i in wanted
            ]
            first = phase("create+key", keyed, tally).done
            phase("replay", [job for job in keyed if job.order in first], replayed)
            phase(
                "get",
                [Job(i, "GET", f"/api/v1/returns/{rma_by_index[i]}") for i in sorted(rma_by_index)],
            )

            stick.run("after")
            print(
                "\ndecisions of the created requests: "
                + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items()))
            )
            print("\nserver work (statements and checkouts counted by SQLAlchemy events):")
            print(WORK)
            for result in phases:
                print(work_row(result))
            print()
            for result in phases:
                details(result, log_path)
            failures = sum(len(p.failures) for p in phases)
            print(f"non-2xx answers in all phases: {failures}")
            print("\n" + stick.summary())
            print_targets(
                f"issue 11 targets ({args.database}, {args.concurrency} client threads)",
                api_figures(phases, at_rest),
                stick.tps,
            )
    print(f"total {time.monotonic() - started:.1f} s; scratch database dropped")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--requests", type=int, default=2_000, help="per phase (default 2000)")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads (default 8)")
    parser.add_argument(
        "--orders", type=int, default=None, help="orders to import (default: --requests)"
    )
    parser.add_argument(
        "--phase-timeout", type=float, default=60.0, help="seconds before a phase is cut short"
    )
    parser.add_argument(
        "--time-limit", type=float, default=170.0, help="seconds for the whole run (default 170)"
    )
    parser.add_argument(
        "--no-seed",
        action="store_true",
        help="import every order concurrently, including each merchant's and SKU's first",
    )
    if "--serve-url" not in (sys.argv[1:] if argv is None else argv):
        import pgbench  # not in the server child (see benchmark)

        pgbench.add_arguments(parser)
    parser.add_argument("--serve-url", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_url:
        serve(args.serve_url, args.port)
        return
    args.orders = args.requests if args.orders is None else args.orders
    if args.requests < 1 or args.concurrency < 1:
        parser.error("--requests and --concurrency must be at least 1")
    if args.orders < args.requests:
        parser.error("--orders must be at least --requests: every request gets its own order")
    benchmark(args)


if __name__ == "__main__":
    main()
