"""Acceptance (issue 11, scale-out): 2 API + 2 worker processes on one PostgreSQL.

`returnflow serve --workers 2 --no-worker` and `returnflow worker --processes 2` run as
real subprocesses. The orders are seeded directly; each return is filed, then shipped
and received (the warehouse's receipt of an approved request does both), then
inspected, over HTTP by a thread pool, a connection per return so both API processes
take them. The workers pay the refund at the sandbox gateway (its books a file all
processes share) and mail every notice to a real SMTP sink. Once a tenth of the
refunds are paid, one worker process is SIGKILLed; its claimed outbox rows come back
after the (short, 10 s) lease, and the supervisor starts another in its place.

Proofs: both API processes served; every return refunded; the gateway holds exactly
one refund per return (per idempotency key and per RMA), the one the database
recorded, same id and amount; no outbox row left or given up; every notice the outbox
asked for arrived, under its deterministic Message-ID; both commands exit 0 on SIGTERM.

The one allowed duplicate: a worker killed after the SMTP server accepted a mail but
before the delivery log recorded it sends that mail again when the row comes back
(at least once; the same Message-ID lets mail clients show it once). A worker delivers
one message at a time, so one kill can duplicate at most one mail: more than one
duplicate (two workers holding one row) fails the test. Payments have no such window:
the refund row is locked through the submission and the gateway's idempotency key
makes a resubmission return the refund it already made.
PostgreSQL only (its own scratch database): SKIP LOCKED is what is under test.
"""

from __future__ import annotations

import os
import signal
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from returnflow.app_context import AppContext
from returnflow.clock import utc_now
from returnflow.config import Settings
from returnflow.domain.access import Role
from returnflow.domain.orders import Customer
from returnflow.jobs.notices import notice_key
from returnflow.notify.notices import render_notice
from returnflow.payments.sandbox_store import read_records
from returnflow.services import accounts
from returnflow.services.orders import import_order
from returnflow.storage.schema import OutboxRow, RefundRow, ReturnRow
from returnflow.storage.scratch import scratch_database
from tests.domain.builders import make_line, make_order
from tests.scale.stack import Stack, cpu_seconds, stack_environment
from tests.support.smtp import SmtpSink

# 1,000 is issue 11's figure; the suite runs 120 (its CPU time, ~0.6 s a return across
# the four processes, would not fit the suite's ten minutes; 120 still kills a worker
# after 12 paid refunds with most of the run ahead): RETURNFLOW_SCALE_RETURNS=1000
RETURNS = int(os.environ.get("RETURNFLOW_SCALE_RETURNS", "120"))
THREADS = 8
LEASE_SECONDS = 10.0
KILL_AFTER_PAID = RETURNS // 10
DONE = {"refunded", "completed"}


@pytest.fixture
def database() -> Iterator[str]:
    with scratch_database("postgresql") as url:
        yield url


def _seed(url: str) -> str:
    """The orders in one unit of work (not over HTTP) and an administrator's token."""
    context = AppContext.from_settings(Settings(database_url=url))
    now = utc_now()
    with context.uow() as uow:
        for n in range(RETURNS):
            customer = Customer(f"c-{n}", f"顾客 {n}", f"139{n:08d}", f"c{n}@example.com")
            order = make_order(
                make_line(1, unit_price=10_000 + n),
                order_no=f"SO-{n:05d}",
                placed_at=now - timedelta(days=5),
                delivered_at=now - timedelta(days=2),
            )
            order = replace(order, customer=customer)
            import_order(uow, order, now)
        admin = accounts.add_user(
            uow,
            username="root",
            display_name="root",
            password="correct horse battery",
            role=Role.ADMIN,
            now=now,
        )
        token = accounts.issue_api_token(uow, admin, "scale", now)
        uow.commit(now)
    context.engine.dispose()
    return token


def _journey(client: httpx.Client, n: int) -> str:
    """Filed (approved at once: no reason needed), shipped and received, inspected."""
    body = {
        "order_no": f"SO-{n:05d}",
        "type": "refund",
        "lines": [{"line_no": 1, "quantity": 1, "reason_code": "no_reason"}],
    }
    filed = client.post("/api/v1/returns", json=body)
    assert filed.status_code == 201, filed.text
    rma = str(filed.json()["rma_no"])
    assert filed.json()["status"] == "approved", filed.text
    # the warehouse's receipt of a parcel the carrier never scanned: shipped, then received
    received = client.post(f"/api/v1/returns/{rma}/receipt", json={})
    assert received.status_code == 201, received.text
    assert received.json()["status"] == "received", received.text
    inspected = client.post(f"/api/v1/returns/{rma}/inspect", json={"passed": True})
    assert inspected.status_code == 200, inspected.text
    return rma


def _drive(stack: Stack, token: str) -> list[str]:
    """A connection per return: the two API processes take turns accepting them."""

    def one(n: int) -> str:
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=stack.base, headers=headers, timeout=60) as client:
            return _journey(client, n)

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(one, range(RETURNS)))


def _paid(context: AppContext) -> int:
    with context.session_factory() as session:
        query = select(func.count()).select_from(RefundRow).where(RefundRow.status == "succeeded")
        return int(session.scalar(query) or 0)


def _settled(context: AppContext, progress: dict[str, int]) -> bool:
    """Every return refunded and the outbox empty; `progress` keeps the counts for a
    failure's message (slow, or stuck)."""
    with context.session_factory() as session:
        waiting = session.scalar(
            select(func.count())
            .select_from(OutboxRow)
            .where(OutboxRow.sent_at.is_(None), OutboxRow.failed_at.is_(None))
        )
        done = session.scalar(
            select(func.count()).select_from(ReturnRow).where(ReturnRow.status.in_(DONE))
        )
    progress.update(waiting=int(waiting or 0), done=int(done or 0))
    return waiting == 0 and done == RETURNS


def _kill_one_worker_once_paid(stack: Stack, context: AppContext, killed: list[int]) -> None:
    """SIGKILL one worker process as soon as some refunds are paid (mid-run)."""
    deadline = time.monotonic() + 300
    while _paid(context) < KILL_AFTER_PAID and time.monotonic() < deadline:
        time.sleep(0.05)
    victim = stack.children("worker")[0]
    os.kill(victim, signal.SIGKILL)
    killed.append(victim)
    killed.append(_paid(context))


def _check_payments(context: AppContext, books: list[dict[str, Any]], rmas: list[str]) -> None:
    """One refund at the gateway per return, per idempotency key, and the one we recorded."""
    by_key = Counter(str(r["idempotency_key"]) for r in books)
    by_rma = Counter(str(r["submitted_metadata"]["rma_no"]) for r in books)
    assert len(books) == RETURNS, f"{len(books)} refunds at the gateway for {RETURNS} returns"
    assert by_key.most_common(1)[0][1] == 1 and by_rma.most_common(1)[0][1] == 1
    assert set(by_rma) == set(rmas)
    booked = {str(r["idempotency_key"]): r for r in books}
    with context.session_factory() as session:
        rows = session.execute(
            select(
                ReturnRow.rma_no,
                ReturnRow.status,
                RefundRow.status,
                RefundRow.amount,
                RefundRow.idempotency_key,
                RefundRow.gateway_refund_id,
            ).join(RefundRow, RefundRow.return_id == ReturnRow.id)
        ).all()
    assert len(rows) == RETURNS
    for rma, status, refund_status, amount, key, gateway_id in rows:
        assert status in DONE and refund_status == "succeeded", (rma, status, refund_status)
        record = booked[str(key)]
        assert (record["id"], record["amount"]) == (gateway_id, amount), rma


def _expected_mail(context: AppContext) -> dict[str, str]:
    """Message-ID → topic for every customer notice the outbox asked to mail."""
    with context.session_factory() as session:
        rows = session.execute(
            select(OutboxRow.topic, OutboxRow.payload).where(OutboxRow.topic.like("return.%"))
        ).all()
    return {
        f"<notice.{notice_key(topic, dict(payload))}@returnflow.example>": topic
        for topic, payload in rows
        if render_notice(topic, dict(payload)) is not None
    }


def _check_mail(context: AppContext, sink: SmtpSink) -> int:
    """Every expected notice arrived; at most one (the kill's window) twice. The duplicates."""
    expected = _expected_mail(context)
    arrived = Counter(str(m["Message-ID"]) for m in sink.messages)
    notices = Counter({k: v for k, v in arrived.items() if k.startswith("<notice.")})
    missing, unexpected = set(expected) - set(notices), set(notices) - set(expected)
    assert not missing and not unexpected, f"{len(missing)} missing, {len(unexpected)} unexpected"
    refunded = Counter(topic for topic in expected.values())
    assert refunded["return.refunded"] == RETURNS, refunded
    duplicates = sum(count - 1 for count in notices.values())
    assert duplicates <= 1, notices.most_common(3)
    return duplicates


@pytest.fixture
def folder() -> Iterator[Path]:
    """Not tmp_path: another pytest run on the machine may rotate that away mid-run."""
    with tempfile.TemporaryDirectory(prefix="rf-scale-") as name:
        yield Path(name)


def test_two_api_and_two_worker_processes_pay_and_mail_each_return_once(
    database: str, smtp_server: SmtpSink, folder: Path
) -> None:
    started = time.monotonic()
    token = _seed(database)
    seeded = time.monotonic()
    stack = Stack(folder, stack_environment(database, folder, smtp_server.port, LEASE_SECONDS))
    context = AppContext.from_settings(Settings(database_url=database))
    killed: list[int] = []
    progress: dict[str, int] = {}
    try:
        stack.start_all()
        up = time.monotonic()
        killer = threading.Thread(target=_kill_one_worker_once_paid, args=(stack, context, killed))
        killer.start()
        rmas = _drive(stack, token)
        driven = time.monotonic()
        killer.join()
        settling = max(180.0, 1.5 * RETURNS)  # seconds; ~75 s for 200 on a busy machine
        try:
            stack.wait_until(lambda: _settled(context, progress), settling, "never settled")
        except AssertionError as error:
            raise AssertionError(f"{error}; last: {progress}") from None
        settled = time.monotonic()
        api_seconds = [cpu_seconds(pid) for pid in stack.children("serve")]
    finally:
        codes = stack.stop_all()
    assert codes == {"serve": 0, "worker": 0}, codes
    assert len(api_seconds) == 2 and min(api_seconds) > 0.1 * sum(api_seconds), api_seconds
    assert "unasked; starting another" in stack.log("worker")  # the supervisor replaced it
    _check_payments(context, read_records(folder / "sandbox.json"), rmas)
    duplicates = _check_mail(context, smtp_server)
    context.engine.dispose()
    print(
        f"\nscale 2+2: {RETURNS} returns; seed {seeded - started:.1f}s, processes up "
        f"{up - seeded:.1f}s, drive {driven - up:.1f}s ({3 * RETURNS / (driven - up):.0f} "
        f"requests/s; API CPU {api_seconds[0]:.0f}s + {api_seconds[1]:.0f}s), settle "
        f"{settled - driven:.1f}s, total {time.monotonic() - started:.1f}s; worker {killed[0]} "
        f"SIGKILLed after {killed[1]} refunds paid; {len(smtp_server.messages)} mails, "
        f"{duplicates} duplicate(s)"
    )
