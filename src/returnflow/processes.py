"""Several processes under one command (issue 11): `serve --workers N`, `worker --processes M`.

Every API and worker process has its own engine, pool, bus and gateway; they share only
the database. That is safe because every piece of work is claimed there: outbox rows
with FOR UPDATE SKIP LOCKED and a lease (storage/outbox_claims.py), refunds and
requests with row locks, so any number of each never act twice on one thing.

The children are forked, not spawned: the parent has imported the code (the API's
import takes seconds of CPU, scikit-learn and all) and holds no database connection
when it forks, so a child starts at once and shares the parent's pages. The parent
only supervises: SIGTERM or SIGINT is passed on to every child, which finishes what it
is doing (the API its requests, the worker its tick) and exits; the parent waits for
them, killing one that takes longer than `GRACE`, and exits too. A child that dies
unasked (killed, out of memory) is replaced after a second: a worker's claimed rows
come back to the others when its lease runs out; a crash loop costs one start a second,
visible in the log.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
import threading
from collections.abc import Callable
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

log = logging.getLogger("returnflow.processes")
GRACE = 30.0  # seconds a child may take to finish after SIGTERM
RESTART_AFTER = 1.0  # seconds before a child that died unasked is replaced


def run_worker(demo: bool | None) -> None:
    """One worker child: the worker loop until SIGTERM or SIGINT, on its own engine."""
    from returnflow import log_privacy
    from returnflow.app_context import AppContext
    from returnflow.config import Settings
    from returnflow.jobs.worker import Worker
    from returnflow.process_secrets import resolve

    stop = threading.Event()

    def stop_soon(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, stop_soon)
    signal.signal(signal.SIGINT, stop_soon)
    log_privacy.install()  # R14.1: no customer data in the worker's error logs
    settings = resolve(Settings(), demo=demo)
    log.info("worker process %s started", os.getpid())
    Worker(AppContext.from_settings(settings)).run(stop)
    log.info("worker process %s stopped", os.getpid())


def run_api(config: Any, sock: socket.socket) -> None:
    """One API child: uvicorn on the parent's socket; its config names the app factory
    (`returnflow.asgi:app_from_environment`), so the app is built here, after the fork."""
    import uvicorn

    uvicorn.Server(config).run(sockets=[sock])


def supervise(
    count: int,
    target: Callable[..., None],
    args: tuple[Any, ...],
    started: Callable[[], None] | None = None,
) -> int:
    """Run `count` children of `target(*args)` until told to stop; `started` runs once
    they are forked (the parent's own worker thread: never forked into a child).
    0 when every child stopped cleanly."""
    forking = multiprocessing.get_context("fork")  # Linux: see the module's docstring
    stopping = threading.Event()

    def start() -> BaseProcess:
        child = forking.Process(target=target, args=args, name="returnflow")
        child.start()
        return child

    def pass_on(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    previous = {sig: signal.signal(sig, pass_on) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        children = [start() for _ in range(count)]
        log.info("processes: %s", ", ".join(str(c.pid) for c in children))
        if started is not None:
            started()
        while not stopping.wait(0.2):
            for slot, child in enumerate(children):
                if not child.is_alive() and not stopping.wait(RESTART_AFTER):
                    log.warning(
                        "process %s exited (%s) unasked; starting another",
                        child.pid,
                        child.exitcode,
                    )
                    children[slot] = start()
        return _stop_all(children)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _stop_all(children: list[BaseProcess]) -> int:
    """SIGTERM to each child still running, wait up to GRACE, then kill the stragglers."""
    for child in children:
        if child.is_alive() and child.pid is not None:
            os.kill(child.pid, signal.SIGTERM)
    for child in children:
        child.join(GRACE)
        if child.is_alive():
            log.warning("process %s ignored SIGTERM for %ss; killing it", child.pid, GRACE)
            child.kill()
            child.join()
    return 0 if all(child.exitcode == 0 for child in children) else 1
