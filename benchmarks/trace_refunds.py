"""One refund request and one payment under the microscope: every SQL statement, with
the line of our code that issued it (issue 11: statements per refund and per payment).

A throw-away migrated database; N refund requests filed and walked to INSPECTED through
the API (untimed setup, as bench_refunds.py does). Then, recorded:

  1. `services/refunds.request_refund` for each request: CPU per request over all but
     the last (cProfile'd with `--profile`), every statement of the last;
  2. one worker payment: the `refund.submit` consumer (jobs/refunds.py) for one refund,
     then the batch consumer for the rest when it exists (statements per refund);
  3. the outbox round that mails the customer notices.

With `--cold` the worker forgets the requests' snapshots before each payment
(storage/return_snapshots.py), as a worker process does whose API process asked for
the refunds: the payment's first read of its request is then a whole one.

    .venv/bin/python benchmarks/trace_refunds.py [--requests 8] [--database sqlite]
        [--profile 40] [--cold]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import tempfile
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench_refunds import inspected_returns, sandbox_context
from machine import busy_note, revision
from sqlalchemy import event

from returnflow.app_context import AppContext
from returnflow.config import Settings
from returnflow.jobs.outbox import OutboxDispatcher
from returnflow.jobs.worker import Worker
from returnflow.notify.mailer import FileMailer
from returnflow.services import refunds as refund_service
from returnflow.storage import return_snapshots
from returnflow.storage.scratch import scratch_database


def origin() -> str:
    """The innermost frame of our own package that led to the statement."""
    frames = traceback.extract_stack()
    ours = [f for f in frames if "/returnflow/" in f.filename and "identity_map" not in f.filename]
    if not ours:
        return "?"
    frame = ours[-1]
    return f"{frame.filename.split('/returnflow/')[-1]}:{frame.lineno} {frame.name}"


@contextmanager
def counting(context: AppContext) -> Iterator[list[str]]:
    """Statements only, without the traceback per statement `recording` takes (that
    doubled the CPU a profile of the payments showed)."""
    lines: list[str] = []

    def statement(_c: Any, _cur: Any, sql: str, *_rest: Any) -> None:
        lines.append("  SQL")

    event.listen(context.engine, "before_cursor_execute", statement)
    try:
        yield lines
    finally:
        event.remove(context.engine, "before_cursor_execute", statement)


@contextmanager
def recording(context: AppContext) -> Iterator[list[str]]:
    lines: list[str] = []

    def statement(_c: Any, _cur: Any, sql: str, params: Any, _ctx: Any, many: bool) -> None:
        flat = " ".join(sql.split())
        rows = f" x{len(params)}" if many and isinstance(params, list | tuple) else ""
        lines.append(f"  SQL{rows:<4} {flat[:140]}\n         from {origin()}")

    event.listen(context.engine, "before_cursor_execute", statement)
    try:
        yield lines
    finally:
        event.remove(context.engine, "before_cursor_execute", statement)


def show(label: str, lines: list[str], per: int = 1) -> None:
    count = sum(1 for line in lines if line.startswith("  SQL"))
    print(f"\n{label}: {count} statements ({count / max(per, 1):.2f} per refund)")
    print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--requests", type=int, default=8)
    parser.add_argument("--profile", type=int, default=0, help="cProfile rows of the payments")
    parser.add_argument(
        "--cold", action="store_true", help="no request snapshots kept before each payment"
    )
    args = parser.parse_args()
    print(f"trace_refunds  database={args.database}  tree {revision()}")
    print(busy_note())
    with (
        scratch_database(args.database) as url,
        tempfile.TemporaryDirectory(prefix="rf_trace_mail_") as mail,
    ):
        settings, context = sandbox_context(url)
        try:
            rmas = inspected_returns(context, args.requests, datetime.now(UTC))
            trace(context, settings, rmas, args.profile)
            trace_worker(context, Path(mail), args.profile, args.cold)
        finally:
            context.engine.dispose()


def trace(context: AppContext, settings: Settings, rmas: list[str], top: int) -> None:
    """All but the last request timed (and profiled with `--profile`), the last listed."""
    rules = refund_service.RefundRules.from_settings(settings)
    profile = cProfile.Profile(time.process_time) if top else None
    cpu = time.process_time()
    for rma in rmas[:-1]:
        now = context.clock()
        with context.uow() as uow:
            if profile is not None:
                profile.enable()
            refund_service.request_refund(uow, rma, "finance:bench", now, rules)
            uow.commit(now)
            if profile is not None:
                profile.disable()
    cpu = time.process_time() - cpu
    print(f"{len(rmas) - 1} requests: {1000 * cpu / max(len(rmas) - 1, 1):.1f} ms CPU each")
    if profile is not None:
        out = io.StringIO()
        for key in ("cumulative", "tottime"):
            pstats.Stats(profile, stream=out).sort_stats(key).print_stats(top)
        print(out.getvalue())
    now = context.clock()
    with recording(context) as lines, context.uow() as uow:
        refund_service.request_refund(uow, rmas[-1], "finance:bench", now, rules)
        uow.commit(now)
    show(f"request_refund {rmas[-1]}", lines)


def trace_worker(context: AppContext, mail: Path, top: int, cold: bool = False) -> None:
    worker = Worker(context, FileMailer(mail))
    dispatcher = worker.dispatcher
    assert isinstance(dispatcher, OutboxDispatcher)
    now = context.clock()
    claimed = dispatcher.claims.claim(now, 1000, timedelta(minutes=5))
    submits = [m for m in claimed if m.topic == refund_service.SUBMIT_TOPIC]
    print(f"\nclaimed {len(claimed)} outbox messages, {len(submits)} refund.submit")
    jobs = worker.refunds
    if cold:
        return_snapshots.STORE.clear()
    with recording(context) as lines:
        jobs.submit(submits[0].topic, submits[0].payload)
    show("one payment: refund.submit consumer", lines)
    rest = submits[1:]
    profile = cProfile.Profile(time.process_time) if top else None
    cpu = time.process_time()
    with counting(context) as lines:
        if profile is not None:
            profile.enable()
        for message in rest:
            if cold:
                return_snapshots.STORE.clear()
            jobs.submit(message.topic, message.payload)
        if profile is not None:
            profile.disable()
    cpu = time.process_time() - cpu
    count = sum(1 for line in lines if line.startswith("  SQL"))
    print(
        f"\nthe other {len(rest)} payments: {count} statements, {count / len(rest):.2f} each, "
        f"{1000 * cpu / len(rest):.1f} ms CPU each (with the bus's follow-ons)"
    )
    if profile is not None:
        out = io.StringIO()
        for key in ("cumulative", "tottime"):
            pstats.Stats(profile, stream=out).sort_stats(key).print_stats(top)
        print(out.getvalue())
    for message in claimed:
        dispatcher.claims.sent(message.id, now)
    with recording(context) as lines:
        dispatcher.run_once(context.clock(), 1000)
    show("the outbox round after the payments (notices)", lines, len(submits))


if __name__ == "__main__":
    main()
