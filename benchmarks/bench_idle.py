"""What an idle `returnflow serve` (and its worker) costs in CPU, from outside (issue 11).

Starts `returnflow serve --demo` on a throw-away SQLite database in a temporary
directory (the demo loads `--orders` orders first; the worker runs inside the server
unless `--separate`, which starts `serve --no-worker` and `returnflow worker` as two
processes), prints how long the server took to answer /healthz, waits until the worker
has caught up with the demo (two `--sample`-second samples in a row under
`--settled-below` % of a core, default 5, at least `--settle` seconds), then reads each process's
CPU seconds (user + system, /proc/PID/stat) over `--seconds` seconds with no request and
prints them as % of one core, per process and per thread. The target (issue 11): an
idle server + worker under 2 % of a core.

    .venv/bin/python benchmarks/bench_idle.py [--orders 10000] [--seconds 60] [--separate]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import httpx
from machine import busy_note, revision

HOST = "127.0.0.1"
TICK = os.sysconf("SC_CLK_TCK")


def package() -> str:
    """Where the server will import returnflow from (PYTHONPATH may name another tree)."""
    found = subprocess.run(
        [sys.executable, "-c", "import returnflow; print(returnflow.__file__)"],
        capture_output=True,
        text=True,
        check=False,
    )
    return str(Path(found.stdout.strip()).parent)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def cpu_seconds(stat: Path) -> float:
    """utime + stime of a process or thread (/proc/…/stat fields 14 and 15)."""
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def threads(pid: int) -> dict[int, float]:
    found = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found[int(task.name)] = cpu_seconds(task / "stat")
        except (FileNotFoundError, ProcessLookupError):
            continue  # the thread ended meanwhile
    return found


def environment(workdir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "RETURNFLOW_DATABASE_URL": f"sqlite:///{workdir}/idle.db",
        "RETURNFLOW_DEMO": "true",
        "RETURNFLOW_SECRETS_FILE": str(workdir / "secrets.json"),
        "RETURNFLOW_MAIL_DIR": str(workdir / "mail"),
        "RETURNFLOW_UPLOAD_DIR": str(workdir / "uploads"),
        "RETURNFLOW_SANDBOX_STATE_FILE": str(workdir / "sandbox.json"),
    }


def start(command: list[str], env: dict[str, str], workdir: Path) -> subprocess.Popen[bytes]:
    """`returnflow COMMAND …` in `workdir`, its output in COMMAND.log there."""
    log = (workdir / f"{command[0]}.log").open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "returnflow.cli", *command],
        env=env,
        cwd=workdir,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def wait_ready(server: subprocess.Popen[bytes], base: str, timeout: float) -> float:
    """Seconds from now until /healthz answers 200."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if server.poll() is not None:
            raise SystemExit("the server exited before answering (see serve.log)")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return time.monotonic() - started
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the server did not answer in {timeout:.0f} s")


def total(pids: Sequence[int]) -> float:
    return sum(cpu_seconds(Path(f"/proc/{pid}/stat")) for pid in pids)


def settle(pids: Sequence[int], least: float, sample: float, below: float, most: float) -> float:
    """Seconds waited until two samples in a row were under `below` % of a core."""
    started, quiet = time.monotonic(), 0
    while time.monotonic() - started < most:
        before = total(pids)
        time.sleep(sample)
        share = 100 * (total(pids) - before) / sample
        quiet = quiet + 1 if share < below else 0
        if quiet >= 2 and time.monotonic() - started >= least:
            return time.monotonic() - started
    print(f"WARNING: not settled after {most:.0f} s; measuring anyway")
    return time.monotonic() - started


def measure(names: dict[int, str], seconds: float) -> None:
    before = {pid: (cpu_seconds(Path(f"/proc/{pid}/stat")), threads(pid)) for pid in names}
    time.sleep(seconds)
    print(f"\n| process | CPU s in {seconds:.0f} s | % of a core |\n|---|---:|---:|")
    spent = 0.0
    rows = []
    for pid, name in names.items():
        used = cpu_seconds(Path(f"/proc/{pid}/stat")) - before[pid][0]
        spent += used
        print(f"| {name} (pid {pid}) | {used:.2f} | {100 * used / seconds:.2f} |")
        after = threads(pid)
        for tid, value in after.items():
            delta = value - before[pid][1].get(tid, 0.0)
            if delta > 0:
                label = "main thread" if tid == pid else f"thread {tid}"
                rows.append(
                    (delta, f"| · {name} {label} | {delta:.2f} | {100 * delta / seconds:.2f} |")
                )
    for _, row in sorted(rows, reverse=True):
        print(row)
    print(f"| **all** | {spent:.2f} | **{100 * spent / seconds:.2f}** |")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000, help="demo orders (0: none)")
    parser.add_argument("--seconds", type=float, default=60.0, help="idle seconds measured")
    parser.add_argument("--separate", action="store_true", help="the worker as its own process")
    parser.add_argument("--settle", type=float, default=60.0, help="least seconds to settle")
    parser.add_argument("--settle-most", type=float, default=600.0)
    parser.add_argument("--sample", type=float, default=5.0)
    parser.add_argument("--settled-below", type=float, default=5.0, help="% of a core")
    parser.add_argument("--ready-timeout", type=float, default=3600.0)
    args = parser.parse_args(argv)
    mode = "serve + worker process" if args.separate else "serve with its worker thread"
    print(f"# bench_idle @ {revision()} · sqlite · {args.orders} demo orders · {mode}")
    print(busy_note())
    print(f"returnflow imported from {package()}")
    with tempfile.TemporaryDirectory(prefix="bench-idle-") as folder:
        workdir = Path(folder)
        env = environment(workdir)
        port = free_port()
        serve = ["serve", "--demo", "--demo-orders", str(args.orders)]
        serve += ["--host", HOST, "--port", str(port)]
        if args.separate:
            serve.append("--no-worker")
        server = start(serve, env, workdir)
        processes = [server]
        try:
            ready = wait_ready(server, f"http://{HOST}:{port}", args.ready_timeout)
            spent = cpu_seconds(Path(f"/proc/{server.pid}/stat"))
            print(
                f"serve --demo answered /healthz after {ready:.1f} s, {spent:.1f} CPU s "
                "(migrations, demo data)"
            )
            names = {server.pid: "serve"}
            if args.separate:
                worker = start(["worker", "--demo"], env, workdir)
                processes.append(worker)
                names[worker.pid] = "worker"
            pids = list(names)
            waited = settle(pids, args.settle, args.sample, args.settled_below, args.settle_most)
            print(
                f"settled after {waited:.0f} s (two {args.sample:.0f}-s samples in a row under "
                f"{args.settled_below:.0f} % of a core)"
            )
            measure(names, args.seconds)
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
