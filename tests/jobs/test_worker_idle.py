"""An idle worker reads the outbox's newest id and delivers, and sweeps only when
something changed or `sweep_every` passed (issue 11: idle under 2 % of a core).

On SQLite and PostgreSQL, counting the statements each loop step sends: a quiet step
costs a handful, a whole tick dozens. A request past its ship-by date closes at the
next whole tick (at most `sweep_every` late); a change made meanwhile through the API
brings the whole tick back at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from returnflow.app_context import AppContext
from returnflow.jobs.worker import TickReport, Worker
from returnflow.notify.mailer import FileMailer
from tests.support.clock import FakeClock

OrderPayload = Callable[..., dict[str, Any]]
SWEEP = timedelta(seconds=30)
QUIET = 5  # statements of a step that only reads the newest id and claims the outbox


def _request(order_no: str) -> dict[str, Any]:
    line = {"line_no": 1, "quantity": 1, "reason_code": "no_reason"}
    return {"order_no": order_no, "type": "refund", "lines": [line]}


@contextmanager
def _counted(context: AppContext) -> Iterator[list[str]]:
    sent: list[str] = []

    def count(*args: Any) -> None:
        sent.append(str(args[2]))

    event.listen(context.engine, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        event.remove(context.engine, "before_cursor_execute", count)


def _step(worker: Worker, context: AppContext) -> tuple[TickReport, int]:
    with _counted(context) as sent:
        report = worker.step()
    return report, len(sent)


def _settle(worker: Worker, context: AppContext, clock: FakeClock) -> None:
    """Steps a second apart until one is quiet (what the last ones moved is followed up)."""
    for _ in range(10):
        clock.advance(seconds=1)
        if _step(worker, context)[1] <= QUIET:
            return
    pytest.fail("the worker never went quiet")


def test_an_idle_worker_sweeps_on_change_or_every_sweep_interval(
    client: TestClient,
    context: AppContext,
    clock: FakeClock,
    order_payload: OrderPayload,
    tmp_path: Path,
) -> None:
    client.post("/api/v1/orders", json=order_payload())
    filed_at = clock.now
    rma = client.post("/api/v1/returns", json=_request("SO-1001")).json()["rma_no"]
    worker = Worker(context, FileMailer(str(tmp_path)), sweep_every=SWEEP)
    ship_by = filed_at + timedelta(days=7)  # the policy's ship_within_days
    clock.now = ship_by - timedelta(seconds=15)
    first, whole = _step(worker, context)
    assert first.closed == 0 and first.outbox.sent >= 1 and whole > 20
    _settle(worker, context, clock)
    clock.now = ship_by + timedelta(seconds=1)  # due, but the last sweep was < 30 s ago
    quiet, statements = _step(worker, context)
    assert quiet.closed == 0 and statements <= QUIET
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "approved"
    clock.now = ship_by + timedelta(seconds=20)  # 30 s after the last whole tick
    swept, statements = _step(worker, context)
    assert swept.closed == 1 and statements > 20
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "closed"
    _settle(worker, context, clock)
    client.post("/api/v1/orders", json=order_payload(order_no="SO-1002"))
    client.post("/api/v1/returns", json=_request("SO-1002"))  # a change: the newest id moves
    clock.advance(seconds=1)
    changed, statements = _step(worker, context)
    assert changed.outbox.sent >= 1 and statements > 20


def test_a_full_batch_runs_the_next_round_at_once(context: AppContext, tmp_path: Path) -> None:
    """120 waiting messages go out in three rounds without the interval's pause between
    them (issue 11: worker payments were capped at one batch per interval)."""
    context.settings.worker_interval_seconds = 60.0
    with context.uow(publish=False) as uow:
        for number in range(120):
            uow.outbox.put("test.burst", {"n": number}, context.clock())
        uow.commit(context.clock())
    worker = Worker(context, FileMailer(str(tmp_path)))
    delivered: list[int] = []
    everything = threading.Event()

    def record(_topic: str, payload: dict[str, Any]) -> None:
        delivered.append(payload["n"])
        if len(delivered) == 120:
            everything.set()

    worker.dispatcher.consumers = {**worker.dispatcher.consumers, "test.": record}
    _, stop = worker.start_thread()
    try:
        # one batch per interval would take two minutes; a generous bound for a busy machine
        assert everything.wait(timeout=30), f"{len(delivered)} of 120 after 30 s"
    finally:
        stop.set()
    assert sorted(delivered) == list(range(120))
