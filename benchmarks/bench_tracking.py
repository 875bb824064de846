"""Signed Kuaidi100 tracking pushes per second over real HTTP, against PostgreSQL.

Makes a throw-away migrated database (`scratch_database`), files N approved refund
requests through the API, gives each an arranged return shipment on `kuaidi100`, and
runs the real app under uvicorn in a thread of this process (the `AppContext` carries a
real `Kuaidi100Carrier` with dummy credentials: a push is verified locally against the
salt, no call leaves the machine). Then C client threads (one `httpx.Client` each) POST
signed pushes (`param` JSON + `sign` = upper MD5(param + salt)) to
`/api/v1/carriers/kuaidi100/webhook` in three phases:

  first       one push per waybill: picked up + in transit (ships the request: in_transit)
  duplicate   the same pushes again, --repeats times each: nothing new is stored
  late        the full history again, now with a scan dated between the two earlier ones

For each phase it prints pushes, seconds, pushes/s, p50/p90/p99/max latency (ms),
non-2xx answers, and SQL statements per push. A push stores scans and the parcel's
state; the first pickup scan leaves a "shipment.picked_up" outbox message, and the
worker puts the request in transit and asks for the instant refund (issue 11). So the
pushes are followed by the worker's outbox rounds over those messages (`Worker`'s own
dispatcher; the refunds' payment is bench_refunds.py's), timed, with statements per
message. Then the process's peak RSS and one
exception sweep (`jobs/tracking.sweep_exceptions`) over every open shipment, timed, and
issue 11's targets beside pgbench TPC-B run on the same server (`pgbench.py`, `targets.py`).
Nothing is asserted; the database is dropped afterwards.

    .venv/bin/python benchmarks/bench_tracking.py [--shipments N] [--concurrency C]
        [--repeats R] [--database sqlite]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import resource
import socket
import tempfile
import threading
import time
import tracemalloc
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pgbench
import uvicorn
from dbcpu import database_cpu
from machine import busy_note, memory_mb, reset_peak, revision
from seeding import approved_returns, setup_client
from sqlalchemy import event, func, select
from targets import Figure, at_least, at_most, print_targets

from returnflow.app_context import AppContext
from returnflow.asgi import create_app
from returnflow.config import Settings
from returnflow.jobs.tracking import sweep_exceptions
from returnflow.jobs.worker import Worker
from returnflow.logistics.kuaidi100 import Kuaidi100Carrier
from returnflow.notify.mailer import FileMailer
from returnflow.payments.sandbox import SandboxGateway
from returnflow.services.tracking import PICKED_UP_TOPIC
from returnflow.storage.schema import OutboxRow, RefundRow, ReturnRow, ShipmentRow, TrackingEventRow
from returnflow.storage.scratch import scratch_database

HOST = "127.0.0.1"  # loopback only
WEBHOOK = "/api/v1/carriers/kuaidi100/webhook"
SALT = "bench-salt"
CHINA = timedelta(hours=8)  # Kuaidi100 times are China time, no DST


# ---------------------------------------------------------------------------- the pushes


def waybill(index: int) -> str:
    return f"7310{index:010d}"


def scan(at: datetime, text: str, name: str, code: str) -> dict[str, str]:
    local = (at + CHINA).strftime("%Y-%m-%d %H:%M:%S")
    return {
        "context": text,
        "time": local,
        "ftime": local,
        "status": name,
        "statusCode": code,
        "areaName": "上海,上海市",
        "location": "上海,上海市",
    }


def push_body(number: str, scans: Sequence[dict[str, str]], state: str) -> bytes:
    """A push as Kuaidi100 sends it: the whole history so far, newest first, signed."""
    param = json.dumps(
        {
            "status": "polling",
            "billstatus": "got",
            "message": "",
            "lastResult": {
                "message": "ok",
                "state": state,
                "status": "200",
                "ischeck": "0",
                "com": "zhongtong",
                "nu": number,
                "data": list(scans),
            },
        },
        ensure_ascii=False,
    )
    sign = hashlib.md5((param + SALT).encode()).hexdigest().upper()
    return urlencode({"param": param, "sign": sign}).encode()


def bodies(count: int, start: datetime) -> dict[str, list[bytes]]:
    picked = [scan(start, "【上海市】浦东网点 快递员 已揽收", "揽收", "1")]
    moving = scan(start + timedelta(hours=3), "【上海市】快件离开 上海转运中心", "干线", "1002")
    late = scan(start + timedelta(minutes=90), "【上海市】快件到达 上海转运中心", "干线", "1002")
    first = [push_body(waybill(i), [moving, *picked], "0") for i in range(count)]
    later = [push_body(waybill(i), [moving, late, *picked], "0") for i in range(count)]
    return {"first": first, "late": later}


# ---------------------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@contextmanager
def server_thread(context: AppContext) -> Iterator[str]:
    """The real app under uvicorn in a thread of this process; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(
        create_app(context), host=HOST, port=port, log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="bench-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://{HOST}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


# ---------------------------------------------------------------------------- the phases


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    statements: int = 0
    cpu: float = 0.0  # this process's CPU seconds: client and server together
    database_cpu: float | None = None  # the database's backends, see dbcpu.py


def run_phase(
    name: str, base: str, payloads: Sequence[bytes], threads: int, counter: Counter[str]
) -> Phase:
    result = Phase(name)
    lock = threading.Lock()
    cursor = iter(range(len(payloads)))
    headers = {"Content-Type": "application/x-www-form-urlencoded"}

    def client_loop() -> None:
        with httpx.Client(base_url=base, timeout=60) as client:
            while True:
                with lock:
                    index = next(cursor, None)
                if index is None:
                    return
                began = time.perf_counter()
                try:
                    answer = client.post(WEBHOOK, content=payloads[index], headers=headers)
                    failure = None if answer.status_code < 300 else f"HTTP {answer.status_code}"
                except httpx.HTTPError as exc:
                    failure = type(exc).__name__
                spent = time.perf_counter() - began
                with lock:
                    result.latencies.append(spent)
                    if failure:
                        result.failures[failure] += 1

    before = counter["statements"]
    began, cpu = time.perf_counter(), time.process_time()
    workers = [threading.Thread(target=client_loop) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    result.seconds = time.perf_counter() - began
    result.cpu = time.process_time() - cpu
    result.statements = counter["statements"] - before
    return result


def push_figures(phases: Sequence[Phase], peak: float) -> list[Figure]:
    """Issue 11: a carrier push at >= 500/s in <= 4 statements; the rest for the record."""
    figures: list[Figure] = []
    for phase in phases:
        done = max(1, len(phase.latencies))
        rate = len(phase.latencies) / phase.seconds if phase.seconds > 0 else 0.0
        figures += [
            Figure(f"{phase.name} pushes/s", rate, "/s", throughput=True, target=at_least(500)),
            Figure(f"{phase.name} p99", percentile(sorted(phase.latencies), 99) * 1000, "ms"),
            Figure(f"{phase.name} statements/push", phase.statements / done, "", target=at_most(4)),
            Figure(f"{phase.name} process CPU/push (client+server)", 1000 * phase.cpu / done, "ms"),
        ]
        if phase.database_cpu is not None:
            figures.append(
                Figure(f"{phase.name} database CPU/push", 1000 * phase.database_cpu / done, "ms")
            )
    figures.append(Figure("peak RSS during the pushes (client+server)", peak, "MB"))
    return figures


def percentile(ordered: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of an ascending sequence."""
    if not ordered:
        return float("nan")
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


TABLE = (
    f"{'phase':<10} {'pushes':>7} {'non-2xx':>7} {'seconds':>7} {'pushes/s':>8} "
    f"{'p50 ms':>7} {'p90 ms':>7} {'p99 ms':>7} {'max ms':>7} {'SQL/push':>8}"
)


def table_row(phase: Phase) -> str:
    done = len(phase.latencies)
    ordered = sorted(phase.latencies)
    rate = done / phase.seconds if phase.seconds > 0 else 0.0
    cells = " ".join(f"{percentile(ordered, q) * 1000:>7.1f}" for q in (50, 90, 99, 100))
    per = phase.statements / max(done, 1)
    return (
        f"{phase.name:<10} {done:>7,} {sum(phase.failures.values()):>7} {phase.seconds:>7.2f} "
        f"{rate:>8.1f} {cells} {per:>8.1f}"
    )


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# ---------------------------------------------------------------------------- the run


def prepare(context: AppContext, count: int, now: datetime) -> list[str]:
    """N approved requests, each with an arranged kuaidi100 return shipment."""
    client = setup_client(context, create_app(context))
    with client:
        rmas = approved_returns(client, count, now)
    with context.session_factory() as session:
        for index, rma in enumerate(rmas):
            session.add(
                ShipmentRow(
                    rma_no=rma,
                    direction="return",
                    purpose="return",
                    method="dropoff",
                    carrier="kuaidi100",
                    carrier_name="中通快递 (Kuaidi100)",
                    waybill_no=waybill(index),
                    status="arranged",
                    currency="CNY",
                    created_at=now,
                    updated_at=now,
                )
            )
        session.commit()
    with context.uow(publish=False) as uow:  # the filings' notices are not the benchmark's
        uow.outbox.settle_backlog(now, "bench_tracking: setup")
        uow.commit(now)
    return rmas


def counts(context: AppContext) -> tuple[int, int]:
    """Stored scans and requests in transit: what the pushes changed."""
    with context.session_factory() as session:
        scans = session.scalar(select(func.count()).select_from(TrackingEventRow)) or 0
        moving = session.scalar(
            select(func.count()).select_from(ReturnRow).where(ReturnRow.status == "in_transit")
        )
    return int(scans), int(moving or 0)


def follow_ups(context: AppContext, statements: Counter[str]) -> None:
    """The worker's outbox rounds over the pushes' "shipment.picked_up" messages: each
    puts its request in transit, and the bus asks for the instant refund (issue 11)."""

    def waiting() -> int:
        with context.session_factory() as session:
            found = session.scalar(
                select(func.count())
                .select_from(OutboxRow)
                .where(OutboxRow.topic == PICKED_UP_TOPIC, OutboxRow.sent_at.is_(None))
            )
        return int(found or 0)

    context.gateway = SandboxGateway(context.clock, settle_after=timedelta(0))
    with tempfile.TemporaryDirectory() as mail:
        worker = Worker(context, FileMailer(Path(mail)))
        pending, handled, spent, used = waiting(), 0, 0.0, 0
        while left := waiting():  # the oldest waiting (the setup's were settled): claimed first
            before, began = statements["statements"], time.perf_counter()
            report = worker.dispatcher.run_once(datetime.now(UTC), min(50, left))
            spent += time.perf_counter() - began
            used += statements["statements"] - before
            handled += report.sent + report.retried + report.failed
            if not report.sent + report.retried + report.failed:
                break
    with context.session_factory() as session:
        refunds = int(session.scalar(select(func.count()).select_from(RefundRow)) or 0)
    print(
        f"worker follow-ups: {pending:,} picked-up messages; {handled:,} outbox messages "
        f"delivered in {spent:.2f} s ({1000 * spent / max(handled, 1):.1f} ms, "
        f"{used / max(handled, 1):.1f} statements each); then {counts(context)[1]:,} requests "
        f"in_transit, {refunds:,} instant refunds asked for"
    )


def benchmark(args: argparse.Namespace) -> None:
    started = time.monotonic()
    print(
        f"bench_tracking  {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}  "
        f"database={args.database}  shipments={args.shipments} concurrency={args.concurrency} "
        f"repeats={args.repeats}  Python {platform.python_version()}  {os.cpu_count()} cores "
        f"(client, server and database share them; client and server share one process)  "
        f"tree {revision()}"
    )
    print(busy_note())
    with (
        scratch_database(args.database) as url,
        pgbench.yardstick(args.pgbench_seconds) as stick,
    ):
        context = AppContext.from_settings(Settings(database_url=url))
        context.carriers = {
            "kuaidi100": Kuaidi100Carrier(
                customer="BENCHCUSTOMER",
                key="bench-key",
                secret="bench-secret",
                salt=SALT,
                callback_url=f"http://{HOST}/unused",
                company="zhongtong",
                poll_base_url=f"http://{HOST}:9",  # never called: pushes are verified locally
                order_base_url=f"http://{HOST}:9",
            )
        }
        try:
            now = datetime.now(UTC)
            prepare(context, args.shipments, now - timedelta(hours=6))
            print(
                f"setup: {args.shipments:,} approved requests with arranged shipments, "
                f"{time.monotonic() - started:.1f} s"
            )
            statements: Counter[str] = Counter()

            @event.listens_for(context.engine, "before_cursor_execute")
            def _statement(*_: object) -> None:
                statements["statements"] += 1  # Counter += under the GIL; close enough

            made = bodies(args.shipments, now - timedelta(hours=5))
            plan = [
                ("first", made["first"]),
                ("duplicate", made["first"] * args.repeats),
                ("late", made["late"]),
            ]
            stick.run("before")
            phases: list[Phase] = []
            with server_thread(context) as base:
                rest = memory_mb()[0]
                reset_peak()  # the peak below is the pushes', not the setup's
                print(f"RSS of the process at rest (client + server): {rest:.1f} MB")
                print(TABLE)
                for name, payloads in plan:
                    with database_cpu(url) as database:
                        phase = run_phase(name, base, payloads, args.concurrency, statements)
                    phase.database_cpu = database.seconds if database else None
                    phases.append(phase)
                    print(table_row(phase))
                    for failure, count in phase.failures.most_common(5):
                        print(f"    {count:>5} x {failure}")
                    scans, moving = counts(context)
                    print(f"{'':<10} after: {scans:,} scans stored, {moving:,} requests in_transit")
            push_peak = memory_mb()[1]
            follow_ups(context, statements)
            print(f"peak RSS of the process during the pushes (VmHWM): {push_peak:.1f} MB")
            print(f"peak RSS of the process since it started: {peak_rss_mib():.0f} MiB")
            stick.run("after")

            with context.uow() as uow:
                open_count = len(uow.tracking.open_shipments(limit=10**9, after_id=0))
            # 4 days on, every shipment has been silent past the "stalled" threshold (72 h)
            sweep_at = datetime.now(UTC) + timedelta(days=4)
            for label, at, traced in (
                ("sweep raising", sweep_at, False),
                ("sweep again", sweep_at + timedelta(minutes=1), True),
            ):
                if traced:
                    tracemalloc.start()
                before = statements["statements"]
                began = time.perf_counter()
                raised = sweep_exceptions(context, at)
                spent = time.perf_counter() - began
                memory = ""
                if traced:
                    peak = tracemalloc.get_traced_memory()[1] / 2**20
                    memory = f", tracemalloc peak {peak:.1f} MiB"
                    tracemalloc.stop()
                print(
                    f"{label}: {open_count:,} open shipments in {spent:.2f} s "
                    f"({1000 * spent / max(open_count, 1):.2f} ms each), {raised:,} findings "
                    f"raised, {statements['statements'] - before:,} SQL statements{memory}"
                )
        finally:
            context.engine.dispose()
        print("\n" + stick.summary())
        print_targets(
            f"issue 11 targets ({args.database}, {args.concurrency} client threads; "
            "client and server in one process)",
            push_figures(phases, push_peak),
            stick.tps,
        )
    print(f"total {time.monotonic() - started:.1f} s; scratch database dropped")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--shipments", type=int, default=2_000, help="waybills (default 2000)")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads (default 8)")
    parser.add_argument(
        "--repeats", type=int, default=1, help="duplicate pushes per waybill (default 1)"
    )
    pgbench.add_arguments(parser)
    args = parser.parse_args(argv)
    if args.shipments < 1 or args.concurrency < 1 or args.repeats < 0:
        parser.error("--shipments and --concurrency must be at least 1, --repeats at least 0")
    benchmark(args)


if __name__ == "__main__":
    main()
