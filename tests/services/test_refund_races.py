"""Issue 11: a refund asked for twice at once, and what one refund costs in statements.

With two API and two worker processes, the bus's `request_after_inspection` (in the API)
and the worker's safety net (`request_when_due`) can both see "no refund yet" and both
ask. The second waits on the request's row lock, then finds the first's refund: it must
leave it alone quietly (no traceback), and one refund, one ledger entry and one
submission remain. Two threads, two sessions, on PostgreSQL (SQLite has one writer).

The statement counts guard issue 11's cuts: a refund request and a payment each read and
write what they need once. They fail if statements creep back.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select, text

from returnflow.app_context import AppContext
from returnflow.payments.sandbox import SandboxGateway
from returnflow.services import refund_gateway, refund_handlers
from returnflow.services import refunds as refund_service
from returnflow.services.refunds import SUBMIT_TOPIC, RefundRules
from returnflow.storage.schema import LedgerEntryRow, OutboxRow, RefundRow

OrderPayload = Callable[..., dict[str, Any]]
SHIP = {"carrier": "顺丰速运", "tracking_no": "SF1234567890"}
# issue 11 (2026-12-07), without the outbox's INSERTs (how those are batched is the
# outbox's business, storage/outbox.py): a request read 23 → 18, a payment's own
# transaction (the bus's follow-ons not counted) 16 → 15
REQUEST_STATEMENTS = 18
PAYMENT_STATEMENTS = 15


def _postgresql(context: AppContext) -> None:
    if not context.settings.database_url.startswith("postgresql"):
        pytest.skip("row locks and statement counts are PostgreSQL's")


@pytest.fixture
def inspected(context: AppContext, client: TestClient, order_payload: OrderPayload) -> str:
    """A refund request walked to INSPECTED with nobody asking for its refund yet."""
    _postgresql(context)
    context.settings.refund_auto_request = False  # the test asks, not the bus
    context.settings.instant_refund_enabled = False
    client.post("/api/v1/orders", json=order_payload())
    body = {
        "order_no": "SO-1001",
        "type": "refund",
        "lines": [{"line_no": 1, "quantity": 1, "reason_code": "no_reason"}],
    }
    rma = str(client.post("/api/v1/returns", json=body).json()["rma_no"])
    for action, step in (("ship", SHIP), ("receive", None), ("inspect", {"passed": True})):
        assert client.post(f"/api/v1/returns/{rma}/{action}", json=step).status_code == 200
    return rma


def _rules(context: AppContext) -> RefundRules:
    """Policy asks by itself again (the bus's and the safety net's view)."""
    return replace(RefundRules.from_settings(context.settings), auto_request=True)


def _waiting_on_a_lock(context: AppContext) -> bool:
    with context.engine.connect() as connection:
        waiting = connection.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        )
    return bool(waiting)


def test_the_second_of_two_concurrent_requests_finds_the_first_refund_quietly(
    context: AppContext, inspected: str, caplog: pytest.LogCaptureFixture
) -> None:
    rules = _rules(context)
    asked = threading.Event()
    release = threading.Event()
    results: dict[str, Any] = {}

    def first() -> None:  # asks, and holds its transaction open until told
        now = context.clock()
        with context.uow(publish=False) as uow:
            results["first"] = refund_handlers.request_when_due(uow, inspected, now, rules)
            asked.set()
            release.wait(20)
            uow.commit(now)

    def second() -> None:  # passes the unlocked look, then waits on the request's lock
        asked.wait(20)
        now = context.clock()
        try:
            with context.uow(publish=False) as uow:
                results["second"] = refund_handlers.request_when_due(uow, inspected, now, rules)
                uow.commit(now)
        except Exception as exc:  # the old behaviour: refund_exists raised to the bus
            results["error"] = exc

    caplog.set_level(logging.INFO, logger="returnflow.refunds")
    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    asked.wait(20)
    deadline = time.monotonic() + 20
    while not _waiting_on_a_lock(context) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _waiting_on_a_lock(context), "the second never reached the request's lock"
    release.set()
    for thread in threads:
        thread.join(30)

    assert "error" not in results, results.get("error")
    assert results == {"first": True, "second": False}
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]
    assert any("already requested" in r.getMessage() for r in caplog.records)
    with context.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(RefundRow)) == 1
        accepted = LedgerEntryRow.key.like(f"refund:{inspected}:%:accepted")
        assert session.scalar(select(func.count()).where(accepted)) == 1
        submits = OutboxRow.topic == SUBMIT_TOPIC
        assert session.scalar(select(func.count()).where(submits)) == 1
    with context.uow(publish=False) as uow:  # the loser's next look sees the same refund
        found = uow.refunds.get(inspected)
        assert found is not None and found.trigger == "inspection"
        assert refund_handlers.request_when_due(uow, inspected, context.clock(), rules) is False


@contextmanager
def _counting(context: AppContext) -> Iterator[list[str]]:
    seen: list[str] = []

    def statement(_c: Any, _cur: Any, sql: str, *_: Any) -> None:
        flat = " ".join(sql.split())
        if not flat.startswith("INSERT INTO outbox "):
            seen.append(flat[:120])

    event.listen(context.engine, "before_cursor_execute", statement)
    try:
        yield seen
    finally:
        event.remove(context.engine, "before_cursor_execute", statement)


def test_a_refund_request_and_its_payment_cost_a_bounded_number_of_statements(
    context: AppContext, inspected: str
) -> None:
    rules = RefundRules.from_settings(context.settings)
    now = context.clock()
    with _counting(context) as requesting, context.uow(publish=False) as uow:
        refund = refund_service.request_refund(uow, inspected, "finance:test", now, rules)
        uow.commit(now)
    assert len(requesting) <= REQUEST_STATEMENTS, "\n".join(requesting)

    gateway = SandboxGateway(context.clock, settle_after=timedelta(0))
    assert refund.id is not None
    with _counting(context) as paying, context.uow(publish=False) as uow:
        state = refund_gateway.submit(uow, refund.id, gateway, now, rules)
        uow.commit(now)
    assert state is not None and state.value == "succeeded"
    assert len(paying) <= PAYMENT_STATEMENTS, "\n".join(paying)
