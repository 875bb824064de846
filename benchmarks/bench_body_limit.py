"""How fast an oversized body is refused, and what it costs the server (issue 9, finding 3).

Starts `returnflow serve` (no demo data, its own secrets) under uvicorn in a child
process on 127.0.0.1 with a throw-away SQLite file, then POSTs anonymous JSON bodies
of 1, 10 and 100 MB to /api/v1/orders — once with Content-Length, once chunked —
streamed from a generator so the client never holds them. Prints, per body: the
answer, the seconds until it came, and the server's resident memory (VmRSS, from
/proc) before and after. Before the fix a 100 MB body took 17–21 s and raised the
server from 160 to 531 MB; now it is refused on its declared length at once, and a
chunked one after the first megabyte.

    .venv/bin/python benchmarks/bench_body_limit.py [--sizes 1 10 100]
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
from machine import busy_note, revision

HOST = "127.0.0.1"
CHUNK = 64 * 1024
MB = 1024 * 1024


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def rss_mb(pid: int) -> float:
    """The process's resident set size in MB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def body(size: int) -> Iterator[bytes]:
    chunk = b" " * CHUNK
    sent = 0
    while sent < size:
        yield chunk[: size - sent]
        sent += min(CHUNK, size - sent)


def start_server(workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "RETURNFLOW_DATABASE_URL": f"sqlite:///{workdir}/bench.db",
        "RETURNFLOW_SECRET_KEY": secrets.token_urlsafe(32),
        "RETURNFLOW_SANDBOX_WEBHOOK_SECRET": secrets.token_urlsafe(32),
        "RETURNFLOW_MAIL_DIR": str(workdir / "mail"),
        "RETURNFLOW_UPLOAD_DIR": str(workdir / "uploads"),
        "RETURNFLOW_SANDBOX_STATE_FILE": str(workdir / "sandbox.json"),
    }
    command = [sys.executable, "-m", "returnflow.cli", "serve", "--no-demo", "--no-worker"]
    command += ["--host", HOST, "--port", str(port)]
    child = subprocess.Popen(
        command, env=env, cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://{HOST}:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise SystemExit("the server exited before answering")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return child, base
        except httpx.TransportError:
            time.sleep(0.3)
    child.kill()
    raise SystemExit("the server did not answer in 90 s")


def measure(base: str, pid: int, size: int, declared: bool) -> str:
    headers = {"Content-Type": "application/json"}
    if declared:
        headers["Content-Length"] = str(size)
    before = rss_mb(pid)
    started = time.perf_counter()
    try:
        answer = httpx.post(
            f"{base}/api/v1/orders", content=body(size), headers=headers, timeout=120
        )
        outcome = f"{answer.status_code} {answer.json().get('code', '')}"
    except httpx.TransportError as error:  # the server may close before the upload ends
        outcome = f"closed ({type(error).__name__})"
    seconds = time.perf_counter() - started
    after = rss_mb(pid)
    how = "Content-Length" if declared else "chunked"
    return (
        f"{size // MB:>4} MB {how:<14} {outcome:<22} {seconds:7.3f} s   "
        f"RSS {before:6.1f} → {after:6.1f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 100], help="MB")
    options = parser.parse_args()
    print(busy_note())
    print(f"revision {revision()}")
    with tempfile.TemporaryDirectory() as workdir:
        child, base = start_server(Path(workdir))
        try:
            print(f"server pid {child.pid}, RSS at rest {rss_mb(child.pid):.1f} MB")
            for size in options.sizes:
                for declared in (True, False):
                    print(measure(base, child.pid, size * MB + 1, declared))
        finally:
            child.terminate()
            child.wait(timeout=30)


if __name__ == "__main__":
    main()
