"""The 2 + 2 stack for the scale-out test: real `returnflow` commands as subprocesses.

`serve --workers 2 --no-worker` (two API processes on one port) and `worker
--processes 2`, on one PostgreSQL database, mailing a real SMTP sink and paying
through the sandbox gateway whose books are a file all of them share.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

BIN = Path(sys.executable).with_name("returnflow")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def children(pid: int) -> list[int]:
    """The live child processes of `pid` (Linux /proc)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Stack:
    folder: Path
    env: dict[str, str]
    port: int = field(default_factory=free_port)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, name: str, *args: str) -> None:
        log = (self.folder / f"{name}.log").open("wb")
        self.processes[name] = subprocess.Popen(
            [str(BIN), *args], env=self.env, stdout=log, stderr=subprocess.STDOUT
        )

    def start_all(self) -> None:
        self.start("serve", "serve", "--workers", "2", "--no-worker", "--port", str(self.port))
        self.start("worker", "worker", "--processes", "2")
        self.wait_until(self._serving, 240, "the API never answered /healthz")
        self.wait_until(lambda: len(self.children("worker")) == 2, 60, "no 2 worker processes")

    def _serving(self) -> bool:
        try:
            return httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def children(self, name: str) -> list[int]:
        return children(self.processes[name].pid)

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(errors="replace")

    def wait_until(self, done: object, seconds: float, why: str) -> None:
        assert callable(done)
        deadline = time.monotonic() + seconds
        while not done():
            for name, process in self.processes.items():
                assert process.poll() is None, f"{name} exited early:\n{self.log(name)[-3000:]}"
            assert time.monotonic() < deadline, f"{why} in {seconds:.0f}s"
            time.sleep(0.1)

    def stop_all(self) -> dict[str, int | None]:
        """SIGTERM to each parent (they pass it on), then their exit codes; whatever is
        left after 90 s (the parent and its children) is killed."""
        spawned = {name: children(process.pid) for name, process in self.processes.items()}
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        codes: dict[str, int | None] = {}
        for name, process in self.processes.items():
            try:
                codes[name] = process.wait(timeout=90)
            except subprocess.TimeoutExpired:
                process.kill()
                codes[name] = None
            for pid in spawned[name] + children(process.pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        return codes


def stack_environment(
    url: str, folder: Path, smtp_port: int, lease_seconds: float
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RETURNFLOW_")}
    keep = ("ARGON2_TIME_COST", "ARGON2_MEMORY_KIB", "CERTIFICATION_GATES")
    env.update(
        {
            f"RETURNFLOW_{k}": os.environ[f"RETURNFLOW_{k}"]
            for k in keep
            if f"RETURNFLOW_{k}" in os.environ
        }
    )
    env.update(
        {
            "RETURNFLOW_DATABASE_URL": url,
            "RETURNFLOW_SECRET_KEY": "scale-test-portal-key",
            "RETURNFLOW_SANDBOX_WEBHOOK_SECRET": "scale-test-sandbox-key",
            "RETURNFLOW_SANDBOX_STATE_FILE": str(folder / "sandbox.json"),
            "RETURNFLOW_SANDBOX_SETTLE_SECONDS": "0",
            "RETURNFLOW_INSTANT_REFUND_ENABLED": "false",  # the refund follows the inspection
            "RETURNFLOW_SMTP_HOST": "127.0.0.1",
            "RETURNFLOW_SMTP_PORT": str(smtp_port),
            "RETURNFLOW_UPLOAD_DIR": str(folder / "uploads"),
            "RETURNFLOW_MAIL_DIR": str(folder / "mail"),
            "RETURNFLOW_WORKER_INTERVAL_SECONDS": "0.2",
            "RETURNFLOW_OUTBOX_LEASE_SECONDS": str(lease_seconds),
        }
    )
    return env
