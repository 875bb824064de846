"""What an idle worker tick costs, and which of its steps spend it (issue 11, issue 14).

A worker ticks every few seconds whether or not anything happened. This loads the demo
marketplace into a throw-away database, lets the worker catch up (its first passes
rebuild the rollups, evaluate the monitors, produce the due reports and drain the
outbox), then profiles `--ticks` idle ticks with cProfile and prints the mean time per
tick and, for each step the tick calls, its share: the number to watch as capabilities
add pollers.

    .venv/bin/python benchmarks/bench_worker_idle.py [--orders N] [--ticks N] [--database sqlite]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from collections.abc import Sequence
from tempfile import TemporaryDirectory

from machine import busy_note, revision

from returnflow.app_context import AppContext
from returnflow.config import Settings
from returnflow.demo.generator import generate
from returnflow.jobs.worker import Worker
from returnflow.notify.mailer import FileMailer
from returnflow.storage.scratch import scratch_database

CATCH_UP_TICKS = 400  # the outbox drains 50 messages a tick


def _catch_up(worker: Worker) -> int:
    for done in range(1, CATCH_UP_TICKS + 1):
        if not worker.tick().outbox.sent:
            return done
    return CATCH_UP_TICKS


def _steps(profile: cProfile.Profile, ticks: int) -> list[tuple[float, str]]:
    """Cumulative seconds per tick of every function `Worker.tick` calls directly."""
    stats = pstats.Stats(profile)
    found = []
    for (filename, line, name), row in stats.stats.items():  # type: ignore[attr-defined]
        callers = row[4]
        if any(caller[2] == "tick" and caller[0].endswith("worker.py") for caller in callers):
            short = filename.split("returnflow/")[-1]
            found.append((row[3] / ticks, f"{short}:{line} {name}"))
    return sorted(found, reverse=True)


def run(context: AppContext, orders: int, ticks: int, mail_folder: str) -> None:
    generate(context, orders=orders, seed=7, now=context.clock())
    worker = Worker(context, FileMailer(mail_folder))
    started = time.perf_counter()
    caught = _catch_up(worker)
    print(f"catch-up: {caught} ticks, {time.perf_counter() - started:.1f} s")
    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.enable()
    for _ in range(ticks):
        worker.tick()
    profile.disable()
    took = time.perf_counter() - started
    print(f"idle tick: {1000 * took / ticks:.1f} ms (mean of {ticks}, under cProfile)")
    print("| step | ms per idle tick |\n|---|---:|")
    for seconds, step in _steps(profile, ticks)[:15]:
        print(f"| {step} | {1000 * seconds:.2f} |")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=3000)
    parser.add_argument("--ticks", type=int, default=50)
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    args = parser.parse_args(argv)
    print(f"# bench_worker_idle @ {revision()} · {args.database} · {args.orders} demo orders")
    print(busy_note())
    with scratch_database(args.database) as url, TemporaryDirectory() as folder:
        context = AppContext.from_settings(Settings(database_url=url, upload_dir=folder))
        try:
            run(context, args.orders, args.ticks, folder)
        finally:
            context.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
