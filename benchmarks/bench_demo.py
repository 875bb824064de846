"""How long `returnflow demo --orders N` takes, and how much memory it holds (issue 11).

For each database kind and order count, makes a throw-away migrated database
(`scratch_database`) and runs the real command in a child process, as an operator
would: `returnflow demo --orders N --seed 7`, in a temporary folder that takes its
uploads, mail and sandbox state. Prints, per run:

  wall      seconds from start to exit (the target: < 60 s for 100,000 orders)
  cpu       user + system seconds of the child (steadier than wall on a busy machine)
  peak RSS  the child's `ru_maxrss` from `os.wait4` (its own peak, not this process's)
  load      the 1-minute load average right after the run (the machine is shared)

The child gets made-up keys for this run only (secrets.token_hex): the demo command
reads the same settings as `serve`, and no secret has a default. Nothing is asserted.

    .venv/bin/python benchmarks/bench_demo.py [--orders 10000 100000]
        [--database sqlite postgresql] [--timeout 900]
"""

from __future__ import annotations

import argparse
import os
import resource
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from machine import busy_note, revision

from returnflow.storage.scratch import scratch_database

COMMAND = Path(sys.executable).with_name("returnflow")


@dataclass(frozen=True)
class Figures:
    database: str
    orders: int
    wall: float
    cpu: float
    peak_mb: float
    status: int
    tail: str


def run_demo(database: str, orders: int, timeout: float) -> Figures:
    """One `returnflow demo` in a child process on a fresh database of that kind."""
    with scratch_database(database) as url, tempfile.TemporaryDirectory() as folder:
        env = dict(os.environ)
        env.update(
            RETURNFLOW_DATABASE_URL=url,
            RETURNFLOW_SECRET_KEY=secrets.token_hex(32),
            RETURNFLOW_SANDBOX_WEBHOOK_SECRET=secrets.token_hex(32),
            RETURNFLOW_UPLOAD_DIR=str(Path(folder, "uploads")),
            RETURNFLOW_MAIL_DIR=str(Path(folder, "mail")),
            RETURNFLOW_SANDBOX_STATE_FILE=str(Path(folder, "sandbox.json")),
            COLUMNS="100",
        )
        command = [str(COMMAND), "demo", "--orders", str(orders), "--seed", "7"]
        log = Path(folder, "out.txt")
        started = time.perf_counter()
        with log.open("wb") as out:
            child = subprocess.Popen(command, cwd=folder, env=env, stdout=out, stderr=out)
            status, usage = _wait(child, timeout)
        wall = time.perf_counter() - started
        lines = log.read_text(errors="replace").strip().splitlines()
        return Figures(
            database,
            orders,
            wall,
            usage.ru_utime + usage.ru_stime,
            usage.ru_maxrss / 1024,  # Linux reports KiB
            status,
            " | ".join(line.strip() for line in lines if line.startswith("Loaded"))
            or (lines[-1] if lines else ""),
        )


def _wait(child: subprocess.Popen[bytes], timeout: float) -> tuple[int, resource.struct_rusage]:
    """The child's exit status and its own resource usage (killed after `timeout`)."""
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid == child.pid:
            child.returncode = os.waitstatus_to_exitcode(status)
            return child.returncode, usage
        if time.monotonic() > deadline:
            child.kill()
        time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument(
        "--database", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"]
    )
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per run")
    args = parser.parse_args()
    if shutil.which(str(COMMAND)) is None:
        raise SystemExit(f"{COMMAND} not found: run with the project's .venv/bin/python")
    print(f"revision {revision()}; {busy_note()}; {os.cpu_count()} cores")
    print(f"{'database':<11}{'orders':>8}{'wall s':>9}{'cpu s':>8}{'peak RSS MB':>13}  result")
    for database in args.database:
        for orders in args.orders:
            f = run_demo(database, orders, args.timeout)
            verdict = "ok" if f.status == 0 else f"exit {f.status}"
            load = os.getloadavg()[0]  # the machine is shared: say how busy it was
            print(
                f"{f.database:<11}{f.orders:>8}{f.wall:>9.1f}{f.cpu:>8.1f}{f.peak_mb:>13.0f}"
                f"  {verdict}; load after {load:.1f}; {f.tail}",
                flush=True,
            )


if __name__ == "__main__":
    main()
