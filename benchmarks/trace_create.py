"""One create-return request under the microscope: its statements, checkouts and CPU.

In-process (FastAPI's TestClient, no HTTP server) against a throw-away migrated
PostgreSQL database (or SQLite): imports orders the way bench_api.py does, files a
few warm-up requests, then

  1. lists every SQL statement and pool checkout of ONE `POST /api/v1/returns`
     (with and without an Idempotency-Key), each with the line of our code that issued it;
  2. runs N more creates under cProfile and prints CPU ms per create and the
     functions that cost the most (cumulative, our code and the libraries').

    .venv/bin/python benchmarks/trace_create.py [--database sqlite] [--creates 200]
        [--top 40] [--no-profile]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

import fastapi.dependencies.utils
import fastapi.routing
import httpx
from bench_api import issue_token, order_body, return_body
from machine import busy_note, revision
from sqlalchemy import event

from returnflow.app_context import AppContext
from returnflow.asgi import create_app
from returnflow.config import Settings
from returnflow.storage.scratch import scratch_database

P = TypeVar("P")


async def inline(func: Callable[..., P], *args: Any, **kwargs: Any) -> P:
    """FastAPI's run_in_threadpool, run in the event loop's thread: one thread to profile."""
    return func(*args, **kwargs)


class Profiled:
    """The app, with its thread CPU counted and (when on) cProfile'd per request."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.profile: cProfile.Profile | None = None
        self.cpu = 0.0
        self.requests = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        started = time.thread_time()
        if self.profile is not None:
            self.profile.enable()
        try:
            await self.app(scope, receive, send)
        finally:
            if self.profile is not None:
                self.profile.disable()
            self.cpu += time.thread_time() - started
            self.requests += 1


def origin() -> str:
    """The innermost frame of our own package outside storage internals' SQLAlchemy calls."""
    frames = traceback.extract_stack()
    ours = [f for f in frames if "/returnflow/" in f.filename and "trace_create" not in f.filename]
    if not ours:
        return "?"
    frame = ours[-1]
    short = frame.filename.split("/returnflow/")[-1]
    return f"{short}:{frame.lineno} {frame.name}"


@contextmanager
def recording(context: AppContext) -> Iterator[list[str]]:
    lines: list[str] = []

    def statement(_c: Any, _cur: Any, sql: str, params: Any, _ctx: Any, many: bool) -> None:
        flat = " ".join(sql.split())
        rows = f" x{len(params)}" if many and isinstance(params, list | tuple) else ""
        lines.append(f"  SQL{rows:<4} {flat[:150]}\n         from {origin()}")

    def checkout(*_: Any) -> None:
        lines.append(f"  CHECKOUT from {origin()}")

    event.listen(context.engine, "before_cursor_execute", statement)
    event.listen(context.engine, "checkout", checkout)
    try:
        yield lines
    finally:
        event.remove(context.engine, "before_cursor_execute", statement)
        event.remove(context.engine, "checkout", checkout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--creates", type=int, default=200, help="profiled creates")
    parser.add_argument("--top", type=int, default=40, help="profile rows to print")
    parser.add_argument("--no-profile", action="store_true")
    args = parser.parse_args()
    print(f"trace_create  database={args.database}  tree {revision()}")
    print(busy_note())
    setattr(fastapi.routing, "run_in_threadpool", inline)  # noqa: B010 (a module's name)
    setattr(fastapi.dependencies.utils, "run_in_threadpool", inline)  # noqa: B010
    with scratch_database(args.database) as url:
        token = issue_token(url)
        context = AppContext.from_settings(Settings(database_url=url))
        try:
            asyncio.run(trace(context, token, args))
        finally:
            context.engine.dispose()


async def trace(context: AppContext, token: str, args: argparse.Namespace) -> None:
    app = Profiled(create_app(context))
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
    now = datetime.now(UTC)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers=headers
    ) as client:

        async def post(path: str, body: Any, extra: dict[str, str] | None = None) -> None:
            answer = await client.post(path, json=body, headers=extra or {})
            if answer.status_code >= 300:
                raise RuntimeError(f"{path}: HTTP {answer.status_code} {answer.text[:300]}")

        for i in range(args.creates + 20):
            await post("/api/v1/orders", order_body(i, now))
        for i in range(10):  # warm-up: the first requests build caches
            await post("/api/v1/returns", return_body(i, 1))
        for label, index, extra in (
            ("create", 10, {}),
            ("create with Idempotency-Key", 11, {"Idempotency-Key": "trace-11"}),
        ):
            with recording(context) as lines:
                await post("/api/v1/returns", return_body(index, 1), extra)
            statements = sum(1 for line in lines if line.startswith("  SQL"))
            checkouts = sum(1 for line in lines if line.startswith("  CHECKOUT"))
            print(f"\n{label}: {statements} statements, {checkouts} checkouts")
            print("\n".join(lines))
        jobs = [return_body(i, 1) for i in range(20, 20 + args.creates)]
        app.cpu, app.requests = 0.0, 0
        for body in jobs[: len(jobs) // 2]:
            await post("/api/v1/returns", body)
        print(
            f"\n{app.requests} creates: {1000 * app.cpu / app.requests:.2f} ms server CPU per "
            "create (the app's thread, not profiled; the database's own CPU not counted)"
        )
        if args.no_profile:
            return
        app.profile = cProfile.Profile(time.thread_time)  # CPU, not waiting
        for body in jobs[len(jobs) // 2 :]:
            await post("/api/v1/returns", body)
        for key in ("cumulative", "tottime"):
            out = io.StringIO()
            pstats.Stats(app.profile, stream=out).sort_stats(key).print_stats(args.top)
            print(out.getvalue())


if __name__ == "__main__":
    main()
