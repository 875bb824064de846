"""SQLite under concurrent threads: writers queueing for the write lock, and reads beside them.

Two engines on one temporary SQLite file are compared, each phase on a fresh file:

  plain   the recipe before issue 11: every transaction begins IMMEDIATE and a writer
          that finds the lock taken polls with SQLite's busy handler (sleeps 1, 2, 5 …
          100 ms between tries)
  ours    `storage/database.make_engine` (writers of the process take turns in a
          `_WriteTurn`, handed on at commit) and `read_engine` (deferred BEGIN, query_only)

Phases:
  writers   W threads, each T transactions: BEGIN IMMEDIATE, a SELECT, `--hold` ms of
            work inside the transaction (a sleep: a request's Python between statements),
            an INSERT, COMMIT. Latency = from asking for the transaction to its commit.
  reads     one writer keeps the lock (transactions of `--writer-hold` ms back to back)
            while R threads read (a COUNT) through the primary (plain) or the read path
            (ours). Latency of each read transaction.

The holds are sleeps, so the figures say little about CPU and much about waiting;
`bench_api.py --database sqlite` measures the whole request. Nothing is asserted.

    .venv/bin/python benchmarks/bench_sqlite_locks.py [--threads 8] [--transactions 100]
"""

from __future__ import annotations

import argparse
import math
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Engine, create_engine, event, text

from returnflow.storage.database import make_engine, read_engine


def plain_engine(url: str) -> Engine:
    """The engine as `make_engine` built it before issue 11 (the documented recipe)."""
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def percentile(ordered: Sequence[float], q: float) -> float:
    if not ordered:
        return math.nan
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def row(name: str, latencies: list[float], seconds: float) -> str:
    ordered = sorted(latencies)
    ms = [percentile(ordered, q) * 1000 for q in (0.5, 0.9, 0.99, 1.0)]
    rate = len(ordered) / seconds if seconds else math.nan
    figures = "".join(f"{value:9.1f}" for value in ms)
    return f"{name:<10}{len(ordered):7d}{rate:9.1f}{figures}"


def in_threads(count: int, work: Callable[[int], None]) -> float:
    threads = [threading.Thread(target=work, args=(n,)) for n in range(count)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def writers(engine: Engine, threads: int, transactions: int, hold: float) -> str:
    latencies: list[float] = []
    lock = threading.Lock()

    def work(worker: int) -> None:
        for n in range(transactions):
            asked = time.perf_counter()
            with engine.begin() as connection:
                connection.execute(text("SELECT count(*) FROM t"))
                time.sleep(hold)
                connection.execute(text("INSERT INTO t (v) VALUES (:v)"), {"v": f"{worker}-{n}"})
            with lock:
                latencies.append(time.perf_counter() - asked)

    seconds = in_threads(threads, work)
    return row("writers", latencies, seconds)


def reads(primary: Engine, reader: Engine, readers: int, count: int, writer_hold: float) -> str:
    latencies: list[float] = []
    lock = threading.Lock()
    done = threading.Event()

    def write() -> None:
        while not done.is_set():
            with primary.begin() as connection:
                connection.execute(text("INSERT INTO t (v) VALUES ('w')"))
                time.sleep(writer_hold)

    def read(_: int) -> None:
        for _n in range(count):
            asked = time.perf_counter()
            with reader.begin() as connection:
                connection.execute(text("SELECT count(*) FROM t")).scalar()
            with lock:
                latencies.append(time.perf_counter() - asked)
            time.sleep(0.002)

    writer = threading.Thread(target=write)
    writer.start()
    time.sleep(0.05)
    try:
        seconds = in_threads(readers, read)
    finally:
        done.set()
        writer.join()
    return row("reads", latencies, seconds)


def fresh(folder: str, name: str) -> str:
    url = f"sqlite:///{folder}/{name}.db"
    setup = create_engine(url)
    with setup.begin() as connection:
        connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"))
    setup.dispose()
    return url


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--threads", type=int, default=8, help="writer threads (default 8)")
    parser.add_argument("--transactions", type=int, default=100, help="per writer thread")
    parser.add_argument("--hold", type=float, default=3.0, help="ms inside each write")
    parser.add_argument("--readers", type=int, default=4, help="reader threads (default 4)")
    parser.add_argument("--reads", type=int, default=100, help="per reader thread")
    parser.add_argument("--writer-hold", type=float, default=20.0, help="ms per writer txn")
    args = parser.parse_args(argv)
    print(
        f"bench_sqlite_locks  writers {args.threads} x {args.transactions} "
        f"(hold {args.hold} ms); readers {args.readers} x {args.reads} beside one writer "
        f"(hold {args.writer_hold} ms)"
    )
    print(f"{'engine / phase':<16}{'txns':>7}{'txn/s':>9}{'p50 ms':>9}{'p90 ms':>9}"
          f"{'p99 ms':>9}{'max ms':>9}")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="rf_bench_locks_") as folder:
        for kind in ("plain", "ours"):
            url = fresh(folder, f"{kind}-writers")
            engine = plain_engine(url) if kind == "plain" else make_engine(url)
            print(f"{kind:<6}" + writers(engine, args.threads, args.transactions, args.hold / 1000))
            engine.dispose()
            url = fresh(folder, f"{kind}-reads")
            primary = plain_engine(url) if kind == "plain" else make_engine(url)
            reader = primary if kind == "plain" else read_engine(primary)
            figures = reads(primary, reader, args.readers, args.reads, args.writer_hold / 1000)
            print(f"{kind:<6}" + figures)
            reader.dispose()
            primary.dispose()


if __name__ == "__main__":
    main()
