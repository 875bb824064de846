"""The database's own CPU for one benchmark phase: its backends' time, read from /proc.

The server's CPU per request says what one API process can carry; what one database
core can carry needs PostgreSQL's side too. Every 50 ms this lists the backends
connected to the benchmark's database (`pg_stat_activity`, its own backend left out)
and reads each one's user + system time from `/proc/<pid>/stat` (PostgreSQL runs on
this machine). A backend that exits between two samples loses at most 50 ms of its
time; the server's shared work (WAL writer, checkpointer, autovacuum) is not counted,
so the figure is a floor. Other databases on the same server (other people's tests)
are not counted either. SQLite, or another machine: `None`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

QUERY = text(
    "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
    " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
)


def cpu_seconds(pid: int) -> float | None:
    """utime + stime of a process, or None once it is gone (or not on this machine)."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # fields 14 and 15 of stat(5)


class DatabaseCpu:
    """CPU seconds the database's backends spent between __enter__ and __exit__."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url, pool_size=1, max_overflow=0)
        self.start: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.seconds = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._connection = self.engine.connect()
        self._connection.execution_options(isolation_level="AUTOCOMMIT")

    def _sample(self) -> None:
        for (pid,) in self._connection.execute(QUERY):
            seen = cpu_seconds(int(pid))
            if seen is not None:
                self.last[int(pid)] = seen

    def __enter__(self) -> DatabaseCpu:
        self._sample()
        self.start = dict(self.last)  # backends born later started from 0
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self._sample()

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._sample()
        self._connection.close()
        self.engine.dispose()
        self.seconds = sum(cpu - self.start.get(pid, 0.0) for pid, cpu in self.last.items())


@contextmanager
def database_cpu(url: str) -> Iterator[DatabaseCpu | None]:
    """PostgreSQL on this machine only; None for SQLite."""
    if not url.startswith("postgresql") or not Path("/proc/self/stat").exists():
        yield None
        return
    with DatabaseCpu(url) as meter:
        yield meter
