"""The floor under issue 11's HTTP targets: what the stack itself costs, with none of our code.

Issue 11 asks a filing to reach 40 % of pgbench TPC-B's transactions per second at 8
clients, with p99 < 50 ms and <= 1.5 ms of server CPU. Before blaming (or crediting)
our code, this script measures the same client against servers that do nothing of
ours, each in a child process under uvicorn on 127.0.0.1, in the same run as pgbench:

  asgi            a bare ASGI callable answering 200 (uvicorn + HTTP parsing only)
  fastapi         FastAPI, one sync route returning a small dict (threadpool, JSON)
  fastapi+select  the same route taking a pooled SQLAlchemy connection and running
                  SELECT 1 on PostgreSQL (one checkout, one statement)
  fastapi+5       a POST whose body a Pydantic model validates, then one transaction
                  of five statements (four reads and one INSERT … RETURNING), the shape
                  issue 11 asks of a filing

Each phase prints requests/s, p50/p99, the server's CPU per request (its own
`/proc/<pid>/stat`), the client's CPU per request (the same 8 `httpx.Client`
threads `bench_api.py` uses) and the throughput as a share of pgbench. The client is
Python too and shares the 2 cores: its CPU is printed so the reader can see how much
of the machine it takes. Nothing is asserted; the scratch databases are dropped.

    .venv/bin/python benchmarks/bench_floor.py [--requests N] [--concurrency C]
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pgbench
from bench_api import HOST, free_port  # loopback only
from machine import busy_note, revision
from pydantic import BaseModel, Field

from returnflow.storage.scratch import empty_postgres

SERVERS = ("asgi", "fastapi", "fastapi+select", "fastapi+5")
TICKS = os.sysconf("SC_CLK_TCK")


class Line(BaseModel):
    line_no: int = Field(ge=1, le=100)
    quantity: int = Field(ge=1, le=100_000)
    reason: str = Field(min_length=1, max_length=40)


class Filing(BaseModel):
    """A filing's body, small: validation is part of the floor a real route pays."""

    order_no: str = Field(min_length=1, max_length=64)
    lines: list[Line] = Field(min_length=1, max_length=100)


def bare_asgi() -> Any:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": b'{"ok":true}'})

    return app


def fastapi_app(kind: str, url: str) -> Any:
    from fastapi import FastAPI
    from sqlalchemy import create_engine, text

    app = FastAPI()
    engine = create_engine(url, pool_size=10)
    if kind == "fastapi+5":
        with engine.begin() as connection:
            connection.execute(
                text("CREATE TABLE IF NOT EXISTS filed (id bigserial PRIMARY KEY, body jsonb)")
            )

    @app.get("/ping")
    def ping() -> dict[str, object]:
        if kind == "fastapi+select":
            with engine.connect() as connection:
                value = connection.execute(text("SELECT 1")).scalar_one()
            return {"ok": value == 1}
        return {"ok": True}

    @app.post("/file", status_code=201)
    def file(filing: Filing) -> dict[str, object]:
        with engine.begin() as connection:
            for _ in range(4):
                connection.execute(text("SELECT 1")).scalar_one()
            new_id = connection.execute(
                text("INSERT INTO filed (body) VALUES (CAST(:body AS jsonb)) RETURNING id"),
                {"body": filing.model_dump_json()},
            ).scalar_one()
        return {"id": new_id, "order_no": filing.order_no}

    return app


def serve(kind: str, url: str, port: int) -> None:
    import uvicorn

    app = bare_asgi() if kind == "asgi" else fastapi_app(kind, url)
    uvicorn.run(app, host=HOST, port=port, log_level="warning", access_log=False)


@contextmanager
def running(kind: str, url: str) -> Iterator[tuple[str, int]]:
    port = free_port()
    script = os.path.abspath(__file__)
    command = [sys.executable, script, "--serve", kind, "--url", url, "--port", str(port)]
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    base = f"http://{HOST}:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if child.poll() is not None:
                raise RuntimeError(f"the {kind} server exited with {child.returncode}")
            try:
                httpx.get(f"{base}/ping", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the {kind} server did not answer") from None
                time.sleep(0.1)
        yield base, child.pid
    finally:
        child.send_signal(signal.SIGTERM)
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait(timeout=5)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


@dataclass
class Result:
    kind: str
    requests: int
    seconds: float
    latencies: list[float]
    server_cpu: float
    client_cpu: float
    failures: int

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def drive(kind: str, base: str, pid: int, requests: int, concurrency: int) -> Result:
    body = {"order_no": "SO-1", "lines": [{"line_no": 1, "quantity": 1, "reason": "size"}]}
    lock = threading.Lock()
    left = iter(range(requests))
    latencies: list[float] = []
    failures = 0

    def worker() -> None:
        nonlocal failures
        with httpx.Client(base_url=base, timeout=30.0) as client:
            while True:
                with lock:
                    if next(left, None) is None:
                        return
                started = time.perf_counter()
                if kind == "fastapi+5":
                    response = client.post("/file", json=body)
                else:
                    response = client.get("/ping")
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    failures += not response.is_success

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    server_before, client_before = cpu_seconds(pid), time.process_time()
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    return Result(
        kind,
        requests,
        seconds,
        latencies,
        cpu_seconds(pid) - server_before,
        time.process_time() - client_before,
        failures,
    )


def row(result: Result, tps: float | None) -> str:
    rate = result.requests / result.seconds
    share = f"{100 * rate / tps:.1f} %" if tps else "—"
    return (
        f"| {result.kind} | {rate:,.0f} | {result.percentile(0.5):.1f} | "
        f"{result.percentile(0.99):.1f} | {1000 * result.server_cpu / result.requests:.2f} | "
        f"{1000 * result.client_cpu / result.requests:.2f} | {share} | {result.failures} |"
    )


def benchmark(args: argparse.Namespace) -> None:
    print(
        f"bench_floor  {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}  "
        f"requests={args.requests} concurrency={args.concurrency}  "
        f"Python {platform.python_version()}  {os.cpu_count()} cores  tree {revision()}"
    )
    print(busy_note())
    results: list[Result] = []
    with empty_postgres() as url, pgbench.yardstick(args.pgbench_seconds) as stick:
        stick.run("before")
        for kind in args.servers:
            with running(kind, url) as (base, pid):
                drive(kind, base, pid, min(200, args.requests), args.concurrency)  # warm up
                results.append(drive(kind, base, pid, args.requests, args.concurrency))
            print(f"{kind}: done")
        stick.run("after")
        print(stick.summary())
        print()
        print(
            "| server | req/s | p50 ms | p99 ms | server CPU ms/req | client CPU ms/req "
            "| share of pgbench | failed |"
        )
        print("| --- | --- | --- | --- | --- | --- | --- | --- |")
        for result in results:
            print(row(result, stick.tps))
        if stick.tps:
            print(f"\n40 % of pgbench, issue 11's bar for a filing: {0.4 * stick.tps:,.0f} req/s")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--servers", nargs="+", choices=SERVERS, default=list(SERVERS))
    parser.add_argument("--serve", choices=SERVERS, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    pgbench.add_arguments(parser)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve, args.url, args.port)
        return
    benchmark(args)


if __name__ == "__main__":
    main()
