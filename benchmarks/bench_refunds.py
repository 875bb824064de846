"""Refunds per second from "owed" to "paid", and the reconciliation report, on PostgreSQL.

Makes a throw-away migrated database (`scratch_database`), files N refund requests
through the API and walks each to INSPECTED (ship, receive, inspect: untimed setup),
then times, in this process:

  request     `services/refunds.request_refund` for each, one transaction each
              (refund row + ledger "accepted" entry + outbox `refund.submit`)
  worker      `Worker(context).tick()` until every refund has succeeded, against the
              sandbox gateway settling at once (settle time 0): the outbox delivers
              `refund.submit`, the gateway answers, the ledger books "paid", the request
              becomes REFUNDED and its notice is mailed (to .eml files in a temp folder)
  reconcile   the finance report against the sandbox's settlement list (read only),
              then the same with `settle=True` (books each settlement in the ledger)

It prints refunds/s and SQL statements per refund (a SQLAlchemy event counter) for each
step, the database's CPU per refund (`dbcpu.py`), and at the end issue 11's targets
beside pgbench TPC-B run on the same server (`pgbench.py`, `targets.py`). Automatic
requests and instant refunds are switched off so that only the refunds
requested here are paid. Nothing is asserted; the database is dropped afterwards.

The setup's own notices (filed, shipped, received, inspected: four per request) are
marked sent before the timed steps (`--keep-backlog` delivers them in the worker step,
as the figures before 2026-12-07 did). The worker runs `Worker.step` (`--loop tick`:
the whole round every time, the old way) until every refund is paid; what the payments
left in the outbox (the customers' notices) is then delivered and printed on its own
line ("then notices", per message).

    .venv/bin/python benchmarks/bench_refunds.py [--refunds N] [--database sqlite]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pgbench
from dbcpu import database_cpu
from machine import busy_note, memory_mb, reset_peak, revision
from seeding import approved_returns, setup_client
from sqlalchemy import event, func, select
from targets import Figure, at_least, print_targets

from returnflow.api.finance import run_report
from returnflow.app_context import AppContext
from returnflow.asgi import create_app
from returnflow.config import Settings
from returnflow.jobs.worker import Worker
from returnflow.notify.mailer import FileMailer
from returnflow.payments.sandbox import SandboxGateway
from returnflow.services import refunds as refund_service
from returnflow.services.reconciliation import gateway_records
from returnflow.storage.schema import OutboxRow, RefundRow
from returnflow.storage.scratch import scratch_database


def sandbox_context(url: str) -> tuple[Settings, AppContext]:
    """Refunds asked for by hand (no automatic or instant ones) and paid at once by the
    sandbox gateway: what the refund benchmarks time, and nothing else."""
    settings = Settings(
        database_url=url,
        payment_gateway="sandbox",
        refund_auto_request=False,
        instant_refund_enabled=False,
    )
    context = AppContext.from_settings(settings)
    context.gateway = SandboxGateway(context.clock, settle_after=timedelta(0))
    return settings, context


def inspected_returns(context: AppContext, count: int, now: datetime) -> list[str]:
    """N refund requests walked to INSPECTED (passed) through the API."""
    with setup_client(context, create_app(context)) as client:
        rmas = approved_returns(client, count, now)
        for index, rma in enumerate(rmas):
            ship = {"carrier": "顺丰速运", "tracking_no": f"SF{index:010d}"}
            for action, body in (("ship", ship), ("receive", None), ("inspect", {"passed": True})):
                answer = client.post(f"/api/v1/returns/{rma}/{action}", json=body)
                if answer.status_code != 200:
                    raise RuntimeError(f"{action} {rma}: {answer.status_code} {answer.text}")
    return rmas


def settle_setup(context: AppContext) -> int:
    """The setup's notices (filed, shipped, received, inspected) are not the payments':
    marked sent so the worker's timed step delivers only what the refunds put there."""
    now = context.clock()
    with context.uow(publish=False) as uow:
        settled = uow.outbox.settle_backlog(now, "bench_refunds setup")
        uow.commit(now)
    return settled


def waiting(context: AppContext) -> int:
    with context.session_factory() as session:
        found = session.scalar(
            select(func.count())
            .select_from(OutboxRow)
            .where(OutboxRow.sent_at.is_(None), OutboxRow.failed_at.is_(None))
        )
    return int(found or 0)


def drain(context: AppContext, worker: Worker, statements: Counter[str]) -> None:
    """What the payments left in the outbox (the customers' notices), timed apart."""
    before, began = statements["statements"], time.perf_counter()
    left, rounds = waiting(context), 0
    while waiting(context) and rounds < 1000:
        worker.step()
        rounds += 1
    spent = time.perf_counter() - began
    print(
        line("then notices", left, spent, statements["statements"] - before)
        + f"outbox messages the payments left, {rounds} rounds (per message, not per refund)"
    )


def succeeded(context: AppContext) -> int:
    with context.session_factory() as session:
        found = session.scalar(
            select(func.count()).select_from(RefundRow).where(RefundRow.status == "succeeded")
        )
    return int(found or 0)


def line(name: str, count: int, seconds: float, statements: int, extra: str = "") -> str:
    rate = count / seconds if seconds > 0 else 0.0
    return (
        f"{name:<18} {count:>7,} {seconds:>8.2f} {rate:>9.1f} "
        f"{1000 * seconds / max(count, 1):>9.2f} {statements / max(count, 1):>10.2f}  {extra}"
    )


def step_figures(
    name: str, count: int, seconds: float, cpu: float, statements: int, database: float | None
) -> list[Figure]:
    """One timed step's figures; the issue's targets: requests >= 300/s, payments >= 200/s."""
    bound = {"request": 300, "worker submit+paid": 200}[name]
    done = max(count, 1)
    figures = [
        Figure(
            f"{name} refunds/s",
            count / seconds if seconds > 0 else 0.0,
            "/s",
            throughput=True,
            target=at_least(bound),
        ),
        Figure(f"{name} statements/refund", statements / done, ""),
        Figure(f"{name} process CPU/refund", 1000 * cpu / done, "ms"),
    ]
    if database is not None:
        figures.append(Figure(f"{name} database CPU/refund", 1000 * database / done, "ms"))
    return figures


TABLE = (
    f"{'step':<18} {'refunds':>7} {'seconds':>8} {'refunds/s':>9} {'ms/refund':>9} "
    f"{'SQL/refund':>10}"
)


def benchmark(args: argparse.Namespace) -> None:
    started = time.monotonic()
    print(
        f"bench_refunds  {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}  "
        f"database={args.database}  refunds={args.refunds}  Python {platform.python_version()}  "
        f"{os.cpu_count()} cores (shared with the database)  tree {revision()}"
    )
    print(busy_note())
    with (
        scratch_database(args.database) as url,
        tempfile.TemporaryDirectory(prefix="rf_bench_mail_") as mail,
        pgbench.yardstick(args.pgbench_seconds) as stick,
    ):
        settings, context = sandbox_context(url)
        try:
            rmas = inspected_returns(context, args.refunds, datetime.now(UTC))
            print(f"setup: {len(rmas):,} inspected requests, {time.monotonic() - started:.1f} s")
            if not args.keep_backlog:
                print(f"setup's outbox backlog marked sent, not timed: {settle_setup(context):,}")
            statements: Counter[str] = Counter()

            @event.listens_for(context.engine, "before_cursor_execute")
            def _statement(*_: object) -> None:
                statements["statements"] += 1

            stick.run("before")
            figures: list[Figure] = []
            rest = memory_mb()[0]
            reset_peak()  # the peak below is the timed steps', not the setup's
            print(f"RSS of the process at rest: {rest:.1f} MB")
            print(TABLE)
            rules = refund_service.RefundRules.from_settings(settings)
            before = statements["statements"]
            began, cpu = time.perf_counter(), time.process_time()
            with database_cpu(url) as database:
                for rma in rmas:
                    now = context.clock()
                    with context.uow() as uow:
                        refund_service.request_refund(uow, rma, "finance:bench", now, rules)
                        uow.commit(now)
            spent, cpu = time.perf_counter() - began, time.process_time() - cpu
            count = statements["statements"] - before
            print(line("request", len(rmas), spent, count))
            figures += step_figures(
                "request", len(rmas), spent, cpu, count, database.seconds if database else None
            )

            worker = Worker(context, FileMailer(Path(mail)))
            # `step` is the production loop (a whole tick, then full batches back to back)
            move = worker.step if args.loop == "step" else worker.tick
            before = statements["statements"]
            ticks = 0
            began, cpu = time.perf_counter(), time.process_time()
            with database_cpu(url) as database:
                while succeeded(context) < len(rmas) and ticks < args.max_ticks:
                    move()
                    ticks += 1
            spent, cpu = time.perf_counter() - began, time.process_time() - cpu
            paid = succeeded(context)
            mails = len(list(Path(mail).glob("*.eml")))
            print(
                line(
                    "worker submit+paid",
                    paid,
                    spent,
                    statements["statements"] - before,
                    f"{ticks} ticks ({1000 * spent / max(ticks, 1):.0f} ms each), {mails:,} mails",
                )
            )
            figures += step_figures(
                "worker submit+paid",
                paid,
                spent,
                cpu,
                statements["statements"] - before,
                database.seconds if database else None,
            )
            drain(context, worker, statements)
            stick.run("after")

            for label, settle in (("reconcile (read)", False), ("reconcile + settle", True)):
                before = statements["statements"]
                began = time.perf_counter()
                done = run_report(
                    context, gateway_records(context.payment_gateway()), settle=settle
                )
                report, settled = done.report, done.settled
                spent = time.perf_counter() - began
                kinds = Counter(difference.kind for difference in report.differences)
                print(
                    line(
                        label,
                        len(report.matched) + len(report.differences),
                        spent,
                        statements["statements"] - before,
                        f"{len(report.matched):,} matched, {settled:,} settled, differences: "
                        + (", ".join(f"{k} {n}" for k, n in kinds.most_common()) or "none"),
                    )
                )
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"peak RSS of the process since it started: {rss:.0f} MiB")
            peak = memory_mb()[1]
            print(f"peak RSS of the process in the timed steps (VmHWM): {peak:.1f} MB")
            figures.append(Figure("peak RSS in the timed steps (one process)", peak, "MB"))
        finally:
            context.engine.dispose()
        print("\n" + stick.summary())
        print_targets("issue 11 targets (sandbox gateway, one process)", figures, stick.tps)
    print(f"total {time.monotonic() - started:.1f} s; scratch database dropped")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--refunds", type=int, default=1_000, help="refunds (default 1000)")
    parser.add_argument(
        "--max-ticks", type=int, default=1_000, help="worker ticks before giving up (default 1000)"
    )
    parser.add_argument(
        "--loop",
        choices=("step", "tick"),
        default="step",
        help="worker loop: step (production: full batches back to back) or tick (whole round)",
    )
    parser.add_argument(
        "--keep-backlog",
        action="store_true",
        help="deliver the setup's notices in the timed worker step too (the old figures)",
    )
    pgbench.add_arguments(parser)
    args = parser.parse_args(argv)
    if args.refunds < 1:
        parser.error("--refunds must be at least 1")
    benchmark(args)


if __name__ == "__main__":
    main()
