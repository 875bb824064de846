"""What the broker costs or gains: outbox delivery in the database against RabbitMQ and Redis.

Issue 11 added `RETURNFLOW_BROKER_URL`: the worker's outbox loop then only claims rows and
publishes their ids (jobs/relay.py), and Dramatiq's threads in every worker process take
them and deliver (jobs/broker.py, storage/outbox_relay.py). Nobody had measured it. This
script, on a throw-away PostgreSQL database (`scratch_database`), for each delivery way
and 1 and 2 worker processes:

  1. empties the outbox and puts N messages on `bench.mail` (untimed, 500 a transaction,
     through `uow.outbox.put`, the path every change takes);
  2. starts the worker processes (forked; each builds its own `AppContext` from
     `Settings`, the dispatcher the way `Worker` does, and `brokered(...)` around it, so
     with a broker URL it is the production `BrokerRelay` with `broker_threads`
     consuming threads); each waits, its consumers already running;
  3. lets them go and times until no row is waiting: each process runs the worker
     loop's outbox round (`run_once` with the worker's batch of 50; right after a full
     batch the next at once, else a pause of `worker_interval_seconds`), as the
     production loop does while it drains a backlog (its sweeps are left out).

The consumer is benchmark-only (registered on the dispatcher as the broker tests do) and
does a small real piece of work: a bilingual notice composed as an `EmailMessage` and
written as an .eml file by the real `FileMailer`, one file per delivery. Afterwards every
message must have exactly one file and its row must be sent after one attempt ("once").

Printed per run: messages/s, SQL statements per message (every statement the worker
processes ran, relay and actors alike, idle rounds included), the worker processes' CPU
per message (all their threads), the database backends' CPU per message (`dbcpu.py`),
the broker server's own CPU per message (its process read from /proc: redis-server,
RabbitMQ's beam.smp, idle work included), their sum ("all CPU": what a message costs
the machine, steadier than the rate on a shared machine), the copies the actors
acknowledged without effect, and the 1-minute load average. Every run is repeated
`--rounds` times, interleaved (the load drifts over minutes); the markdown table at the
end shows each run's fastest round (the least slowed by other work) with every round's
rate, and each rate beside pgbench TPC-B run before and after (`pgbench.py`). There is
no target: it is a comparison. Queues are per run and deleted afterwards.

    .venv/bin/python benchmarks/bench_broker.py [--messages N] [--quick] [--only redis]
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import platform
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pgbench
from dbcpu import cpu_seconds, database_cpu
from machine import busy_note, revision
from sqlalchemy import delete, event, func, select, text
from sqlalchemy.engine import Engine

from returnflow.app_context import AppContext
from returnflow.config import Settings
from returnflow.jobs.outbox import Consumer, OutboxDispatcher
from returnflow.jobs.relay import brokered, consuming
from returnflow.jobs.worker import OUTBOX_BATCH
from returnflow.notify.mailer import FileMailer
from returnflow.storage.schema import OutboxRow
from returnflow.storage.scratch import scratch_database

BROKERS = {
    "rabbitmq": os.environ.get("RETURNFLOW_BENCH_AMQP", "amqp://guest:guest@127.0.0.1:5672/%2F"),
    "redis": os.environ.get("RETURNFLOW_BENCH_REDIS", "redis://127.0.0.1:6379/0"),
}
SERVER_PROCESS = {"rabbitmq": "beam.smp", "redis": "redis-server"}
DELIVERIES = ("database", "rabbitmq", "redis")
TOPIC = "bench.mail"


@dataclass(frozen=True)
class Plan:
    """What one worker process needs; picklable, handed over at fork."""

    url: str
    broker: str  # "" = the in-database dispatcher
    queue: str
    threads: int
    folder: str


@dataclass(frozen=True)
class Spent:
    """One worker process's share of the timed part."""

    statements: int
    cpu: float
    skipped: int  # copies the actors acknowledged without effect (duplicates, stale)


@dataclass
class Run:
    delivery: str
    processes: int
    threads: int
    messages: int
    seconds: float = float("nan")
    statements: int = 0
    worker_cpu: float = 0.0
    database_cpu: float | None = None
    broker_cpu: float | None = None
    skipped: int = 0
    load: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def cpu(self) -> float:
        """Worker processes + database backends + broker server: the machine's CPU."""
        return self.worker_cpu + (self.database_cpu or 0.0) + (self.broker_cpu or 0.0)

    @property
    def rate(self) -> float:
        return self.messages / self.seconds if self.seconds > 0 else float("nan")


def mail_consumer(folder: str) -> Consumer:
    """The small real piece of work: a notice composed and written by `FileMailer`.

    The Message-ID is new for each delivery, so a message delivered twice leaves two
    files (the file name starts with the message's sequence number)."""
    mailer = FileMailer(folder)

    def deliver(topic: str, payload: dict[str, Any]) -> None:
        message = EmailMessage()
        rma = payload["rma"]
        message["Subject"] = f"退货申请 {rma} 已收到 / Return {rma} received"
        message["From"] = "returns@returnflow.invalid"
        message["To"] = payload["to"]
        message["Message-ID"] = f"<{payload['seq']}.{uuid.uuid4().hex[:12]}@bench.invalid>"
        message.set_content(
            f"您的退货申请 {rma} 已收到，我们会尽快处理。\n"
            f"We have received your return {rma} and will handle it soon.\n"
        )
        mailer.send(message)

    return deliver


class Skips(logging.Handler):
    """Counts the actors' "not delivered again" lines (a copy found its row done or moved)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "not delivered again" in record.getMessage():
            self.count += 1


def worker_process(plan: Plan, ready: Any, go: Any, stop: Any, results: Any) -> None:
    """One `returnflow worker`'s outbox side: the dispatcher, or the relay and its actors."""
    settings = Settings(
        database_url=plan.url,
        broker_url=plan.broker,
        broker_queue=plan.queue,
        broker_threads=plan.threads,
    )
    context = AppContext.from_settings(settings)
    statements = Counter[str]()

    @event.listens_for(context.engine, "before_cursor_execute")
    def _statement(*_: object) -> None:
        statements["n"] += 1

    skips = Skips()
    broker_log = logging.getLogger("returnflow.broker")
    broker_log.addHandler(skips)
    broker_log.setLevel(logging.INFO)
    dispatcher = brokered(
        context,
        OutboxDispatcher(
            context.session_factory,
            {"bench.": mail_consumer(plan.folder)},
            settings.outbox_max_attempts,
            timedelta(seconds=settings.outbox_lease_seconds),
        ),
    )
    with context.engine.connect() as connection:  # connected before the clock starts
        connection.execute(text("SELECT 1"))
    with consuming(dispatcher):  # a relay's Dramatiq threads; nothing for the dispatcher
        ready.put(os.getpid())
        go.wait()
        before, cpu = statements["n"], time.process_time()
        while not stop.is_set():
            report = dispatcher.run_once(context.clock(), OUTBOX_BATCH)
            if report.sent + report.retried + report.failed < OUTBOX_BATCH:
                stop.wait(settings.worker_interval_seconds)
    results.put(Spent(statements["n"] - before, time.process_time() - cpu, skips.count))
    context.engine.dispose()


def enqueue(context: AppContext, count: int) -> None:
    """An empty outbox, then `count` messages on the benchmark's topic."""
    with context.session_factory() as session:
        session.execute(delete(OutboxRow))
        session.commit()
    for start in range(0, count, 500):
        now = context.clock()
        with context.uow(publish=False) as uow:
            for seq in range(start, min(start + 500, count)):
                payload = {"seq": seq, "rma": f"RMA-B{seq:07d}", "to": f"c{seq}@example.invalid"}
                uow.outbox.put(TOPIC, payload, now)
            uow.commit(now)


def waiting(engine: Engine) -> int:
    with engine.connect() as connection:
        found = connection.scalar(
            select(func.count())
            .select_from(OutboxRow)
            .where(OutboxRow.sent_at.is_(None), OutboxRow.failed_at.is_(None))
        )
    return int(found or 0)


def server_cpu(delivery: str) -> float | None:
    """The broker server's CPU seconds so far (every process of its name), or None."""
    name = SERVER_PROCESS.get(delivery)
    if name is None:
        return None
    total, seen = 0.0, False
    for folder in Path("/proc").glob("[0-9]*"):
        try:
            if (folder / "comm").read_text().strip() != name:
                continue
        except OSError:
            continue
        spent = cpu_seconds(int(folder.name))
        if spent is not None:
            total, seen = total + spent, True
    return total if seen else None


def checked(run: Run, engine: Engine, folder: Path) -> None:
    """Exactly once: one .eml file per message, every row sent after a single attempt."""
    per_message = Counter(int(path.name.split(".")[0]) for path in folder.glob("*.eml"))
    missing = run.messages - sum(1 for seq in range(run.messages) if per_message[seq])
    twice = sum(1 for times in per_message.values() if times > 1)
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                func.count().filter(OutboxRow.sent_at.is_not(None)),
                func.count().filter(OutboxRow.failed_at.is_not(None)),
                func.count().filter(OutboxRow.attempts > 0),
            )
        ).one()
    if missing:
        run.problems.append(f"{missing} never delivered")
    if twice:
        run.problems.append(f"{twice} delivered more than once")
    if rows[0] != run.messages or rows[1] or rows[2]:
        run.problems.append(f"rows: {rows[0]} sent, {rows[1]} failed, {rows[2]} retried")


def drop_queue(url: str, queue: str) -> None:
    """The run's queues (with their delay and dead-letter queues) or its Redis keys, gone."""
    from returnflow.jobs.broker import make_broker

    broker = make_broker(url, queue)
    client = getattr(broker, "client", None)
    if client is not None:
        keys = client.keys(f"{queue}:*")
        if keys:
            client.delete(*keys)
    else:
        channel = broker.channel  # type: ignore[attr-defined]
        for name in (queue, f"{queue}.DQ", f"{queue}.XQ"):
            channel.queue_delete(name)
    broker.close()


def timed(run: Run, context: AppContext, plan: Plan, limit: float) -> list[Spent]:
    """Start the processes, let them go together, wait until the outbox is empty."""
    forked = multiprocessing.get_context("fork")
    ready, results = forked.Queue(), forked.Queue()
    go, stop = forked.Event(), forked.Event()
    context.engine.dispose()  # no pooled connection crosses the fork
    workers = [
        forked.Process(target=worker_process, args=(plan, ready, go, stop, results))
        for _ in range(run.processes)
    ]
    for worker in workers:
        worker.start()
    spent: list[Spent] = []
    try:
        for _ in workers:
            ready.get(timeout=120)
        run.load = os.getloadavg()[0]
        broker_before = server_cpu(run.delivery)
        with database_cpu(plan.url) as database:
            began = time.perf_counter()
            go.set()
            while waiting(context.engine) and time.perf_counter() - began < limit:
                time.sleep(0.02)
            left = waiting(context.engine)
            run.seconds = time.perf_counter() - began
        broker_after = server_cpu(run.delivery)
        if left:
            run.problems.append(f"{left} still waiting after {limit:.0f} s")
        run.database_cpu = database.seconds if database else None
        if broker_before is not None and broker_after is not None:
            run.broker_cpu = broker_after - broker_before
        stop.set()
        spent = [results.get(timeout=120) for _ in workers]
    finally:
        stop.set()
        go.set()
        for worker in workers:
            worker.join(timeout=60)
            if worker.is_alive():
                worker.terminate()
    return spent


def measure(context: AppContext, url: str, run: Run, limit: float) -> Run:
    broker = BROKERS.get(run.delivery, "")
    queue = f"rf_bench_{uuid.uuid4().hex[:12]}"
    enqueue(context, run.messages)
    with tempfile.TemporaryDirectory(prefix="rf_bench_broker_") as folder:
        plan = Plan(url, broker, queue, run.threads, folder)
        try:
            spent = timed(run, context, plan, limit)
        finally:
            if broker:
                drop_queue(broker, queue)
        run.statements = sum(one.statements for one in spent)
        run.worker_cpu = sum(one.cpu for one in spent)
        run.skipped = sum(one.skipped for one in spent)
        checked(run, context.engine, Path(folder))
    print(line(run))
    return run


def per_message(seconds: float | None, run: Run) -> str:
    return "-" if seconds is None else f"{1000 * seconds / run.messages:.2f}"


def line(run: Run) -> str:
    verdict = "; ".join(run.problems) or "every message delivered once"
    return (
        f"{run.delivery:<9} x{run.processes}  {run.messages:>6,} in {run.seconds:7.2f} s  "
        f"{run.rate:8.1f} msg/s  {run.statements / run.messages:5.2f} SQL/msg  "
        f"worker CPU {per_message(run.worker_cpu, run)} ms/msg  "
        f"db CPU {per_message(run.database_cpu, run)} ms/msg  "
        f"broker CPU {per_message(run.broker_cpu, run)} ms/msg  "
        f"all CPU {per_message(run.cpu, run)} ms/msg  "
        f"skipped copies {run.skipped}  load {run.load:.2f}  {verdict}"
    )


HEADER = [
    "delivery",
    "worker processes",
    "msg/s (best)",
    "each round msg/s",
    "vs database x1",
    "% of pgbench tps",
    "SQL/msg",
    "worker CPU ms/msg",
    "db CPU ms/msg",
    "broker CPU ms/msg",
    "all CPU ms/msg",
    "load (1 min)",
    "once",
]
LEFT = {0, 1, 3, 12}


def best(runs: Sequence[Run]) -> list[tuple[Run, list[Run]]]:
    """Each delivery and process count's fastest round, with all its rounds (the machine
    is shared: the fastest round is the one least slowed by other work)."""
    groups: dict[tuple[str, int], list[Run]] = {}
    for run in runs:
        groups.setdefault((run.delivery, run.processes), []).append(run)
    return [(max(group, key=lambda r: r.rate), group) for group in groups.values()]


def table(runs: Sequence[Run], tps: float | None) -> None:
    """The comparison as one markdown table, ready to paste."""
    chosen = best(runs)
    base = next((r.rate for r, _ in chosen if (r.delivery, r.processes) == ("database", 1)), 0)
    print("\n| " + " | ".join(HEADER) + " |")
    print("| " + " | ".join("---" if i in LEFT else "---:" for i in range(len(HEADER))) + " |")
    for run, group in chosen:
        threads = "" if run.delivery == "database" else f" ({run.threads} threads each)"
        problems = [f"round {i + 1}: {p}" for i, r in enumerate(group) for p in r.problems]
        cells = [
            run.delivery,
            f"{run.processes}{threads}",
            f"{run.rate:,.1f}",
            " / ".join(f"{r.rate:,.1f}" for r in group),
            f"{run.rate / base:.2f}x" if base else "-",
            f"{100 * run.rate / tps:.1f} %" if tps else "-",
            f"{run.statements / run.messages:.2f}",
            per_message(run.worker_cpu, run),
            per_message(run.database_cpu, run),
            per_message(run.broker_cpu, run),
            per_message(run.cpu, run),
            " / ".join(f"{r.load:.1f}" for r in group),
            "yes" if not problems else "NO: " + "; ".join(problems),
        ]
        print("| " + " | ".join(cells) + " |")


def reachable(delivery: str) -> bool:
    if delivery == "database":
        return True
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(BROKERS[delivery])
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 0), 2):
            return True
    except OSError:
        print(f"{delivery}: nothing answers at {parts.hostname}:{parts.port}; skipped")
        return False


def benchmark(args: argparse.Namespace) -> None:
    started = time.monotonic()
    print(
        f"bench_broker  {time.strftime('%Y-%m-%d %H:%M %Z')}  messages={args.messages}  "
        f"rounds={args.rounds}  processes={args.processes}  broker threads/process={args.threads}  "
        f"Python {platform.python_version()}  {os.cpu_count()} cores (shared with the "
        f"database and the brokers)  tree {revision()}"
    )
    print(busy_note())
    runs: list[Run] = []
    with (
        scratch_database("postgresql") as url,
        pgbench.yardstick(args.pgbench_seconds) as stick,
    ):
        context = AppContext.from_settings(Settings(database_url=url))
        try:
            stick.run("before")
            deliveries = [d for d in args.only if reachable(d)]
            pairs = [(d, p) for d in deliveries for p in args.processes]
            for round_ in range(args.rounds):  # interleaved, each round starting one later:
                print(f"round {round_ + 1} of {args.rounds}")  # the load drifts over minutes
                shift = round_ % max(len(pairs), 1)
                for delivery, processes in pairs[shift:] + pairs[:shift]:
                    run = Run(delivery, processes, args.threads, args.messages)
                    runs.append(measure(context, url, run, args.time_limit))
            stick.run("after")
        finally:
            context.engine.dispose()
        print("\n" + stick.summary())
    table(runs, stick.tps)
    print(f"total {time.monotonic() - started:.1f} s; scratch database and queues dropped")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--messages", type=int, help="per run (default 300; --quick: 200)")
    parser.add_argument("--rounds", type=int, help="rounds of every run (default 2; --quick: 1)")
    parser.add_argument(
        "--processes", type=int, nargs="+", default=[1, 2], help="worker processes (1 2)"
    )
    parser.add_argument(
        "--threads", type=int, default=4, help="Dramatiq threads per process (default 4)"
    )
    parser.add_argument("--only", nargs="+", choices=DELIVERIES, default=list(DELIVERIES))
    parser.add_argument(
        "--time-limit", type=float, default=120.0, help="seconds a run may take (default 120)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="200 messages, no pgbench: a smoke run of ~30 s"
    )
    pgbench.add_arguments(parser)
    args = parser.parse_args(argv)
    if args.quick:
        args.pgbench_seconds = 0
    if args.messages is None:
        args.messages = 200 if args.quick else 300
    if args.rounds is None:
        args.rounds = 1 if args.quick else 2
    if min(args.messages, args.rounds, args.threads, *args.processes) < 1:
        parser.error("--messages, --rounds, --processes and --threads must be at least 1")
    benchmark(args)


if __name__ == "__main__":
    main()
