"""The worker: mail through a real local SMTP server, retries, and the clock's moves."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from returnflow.app_context import AppContext
from returnflow.config import Settings
from returnflow.domain.lifecycle import Status
from returnflow.jobs.outbox import DispatchReport, OutboxDispatcher
from returnflow.jobs.worker import Worker
from returnflow.notify.mailer import FileMailer, SmtpMailer
from returnflow.storage.schema import OutboxRow, ThrottleRow
from tests.support.clock import FakeClock
from tests.support.refunds import pay_refunds
from tests.support.smtp import SmtpSink

OrderPayload = Callable[..., dict[str, Any]]
REQUEST = {
    "order_no": "SO-1001",
    "type": "refund",
    "lines": [{"line_no": 1, "quantity": 1, "reason_code": "no_reason"}],
}


@pytest.fixture(autouse=True)
def order(client: TestClient, order_payload: OrderPayload) -> None:
    client.post("/api/v1/orders", json=order_payload())


def _body(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(message.get_content_charset() or "utf-8")


def test_confirmation_mail_carries_the_rma_in_both_languages(
    client: TestClient, context: AppContext, smtp_server: SmtpSink
) -> None:
    rma = client.post("/api/v1/returns", json=REQUEST).json()["rma_no"]
    worker = Worker(context, SmtpMailer(smtp_server.host, smtp_server.port))
    report = worker.tick()
    assert report.outbox.sent == 1
    assert len(smtp_server.messages) == 1
    mail = smtp_server.messages[0]
    assert mail["To"] == "xiaoming@example.com"
    assert rma in str(mail["Subject"])
    body = _body(mail)
    assert f"退换货编号：{rma}" in body
    assert f"RMA number: {rma}" in body
    assert "approved" in body
    # delivered once: a second tick sends nothing more
    assert worker.tick().outbox.sent == 0
    assert len(smtp_server.messages) == 1


def test_refund_notice_says_the_money_was_paid(
    client: TestClient, context: AppContext, smtp_server: SmtpSink
) -> None:
    context.settings.instant_refund_enabled = False  # the ordinary refund, after inspection
    rma = client.post("/api/v1/returns", json=REQUEST).json()["rma_no"]
    client.post(f"/api/v1/returns/{rma}/ship", json={"carrier": "SF", "tracking_no": "SF0001"})
    client.post(f"/api/v1/returns/{rma}/receive")
    client.post(f"/api/v1/returns/{rma}/inspect", json={"passed": True})  # the bus asks for it
    # paid through the gateway on one tick, the notice leaves on the next (R6.4)
    pay_refunds(context, SmtpMailer(smtp_server.host, smtp_server.port), ticks=2)
    subjects = [str(m["Subject"]) for m in smtp_server.messages]
    assert any("退款已到账" in s and "refund" in s for s in subjects)
    refund_mail = next(m for m in smtp_server.messages if "退款已到账" in str(m["Subject"]))
    assert "¥84.00" in _body(refund_mail) and "CN¥84.00" in _body(refund_mail)  # Babel, zh and en
    assert "Alipay" in _body(refund_mail)  # where the money went back to, and when (issue 13)
    assert "working day" in _body(refund_mail)


def test_unreachable_smtp_is_retried_with_backoff(
    client: TestClient, context: AppContext, clock: FakeClock, smtp_server: SmtpSink
) -> None:
    client.post("/api/v1/returns", json=REQUEST)
    down = Worker(context, SmtpMailer("127.0.0.1", 9, timeout=2))  # port 9: nothing listens
    report = down.tick()
    assert (report.outbox.sent, report.outbox.retried) == (0, 1)
    with context.session_factory() as session:
        row = session.scalars(select(OutboxRow)).one()
        assert row.attempts == 1 and row.last_error and row.sent_at is None
    up = Worker(context, SmtpMailer(smtp_server.host, smtp_server.port))
    assert up.tick().outbox.sent == 0  # not due before the backoff has passed
    clock.advance(seconds=31)
    assert up.tick().outbox.sent == 1
    assert len(smtp_server.messages) == 1


def test_a_message_that_keeps_failing_is_given_up_after_max_attempts(
    client: TestClient, context: AppContext, clock: FakeClock
) -> None:
    client.post("/api/v1/returns", json=REQUEST)  # one "return.created" row

    def broken(topic: str, payload: dict[str, Any]) -> None:
        raise RuntimeError("the mail server says no")

    dispatcher = OutboxDispatcher(context.session_factory, {"return.": broken}, max_attempts=2)
    assert dispatcher.run_once(clock.now) == DispatchReport(retried=1)
    assert dispatcher.run_once(clock.now) == DispatchReport()  # claimed until its backoff
    assert dispatcher.run_once(clock.advance(seconds=31)) == DispatchReport(failed=1)
    assert dispatcher.run_once(clock.advance(hours=2)) == DispatchReport()  # given up
    with context.session_factory() as session:
        row = session.scalars(select(OutboxRow)).one()
    assert (row.attempts, row.sent_at, row.failed_at) == (2, None, clock.now - timedelta(hours=2))
    assert row.last_error == "RuntimeError: the mail server says no"


def test_unshipped_requests_close_themselves_with_notice(
    client: TestClient, context: AppContext, clock: FakeClock, smtp_server: SmtpSink
) -> None:
    rma = client.post("/api/v1/returns", json=REQUEST).json()["rma_no"]
    worker = Worker(context, SmtpMailer(smtp_server.host, smtp_server.port))
    clock.advance(days=6, hours=23)
    assert worker.tick().closed == 0
    clock.advance(hours=1)
    assert worker.tick().closed == 1
    body = client.get(f"/api/v1/returns/{rma}").json()
    assert body["status"] == "closed"
    assert body["timeline"][-1]["actor"] == "system"
    assert any("已关闭" in str(m["Subject"]) for m in smtp_server.messages)
    # the closed request no longer holds the unit
    lines = client.get("/api/v1/orders/SO-1001/eligibility").json()["lines"]
    assert lines[0]["requestable_quantity"] == 2


def test_completed_requests_confirm_themselves(
    client: TestClient, context: AppContext, clock: FakeClock, tmp_path: Any
) -> None:
    body = dict(
        REQUEST, type="refund_only", lines=[{"line_no": 1, "quantity": 1, "reason_code": "quality"}]
    )
    rma = client.post("/api/v1/returns", json=body).json()["rma_no"]
    client.post(f"/api/v1/returns/{rma}/approve")
    # refund-only: owed at approval, paid, and so completed (the bus, bootstrap.py)
    pay_refunds(context, FileMailer(tmp_path), ticks=1)
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "completed"
    worker = Worker(context, FileMailer(tmp_path))
    clock.advance(days=7, seconds=1)
    assert worker.tick().confirmed == 1
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "confirmed"
    assert any(path.suffix == ".eml" for path in tmp_path.iterdir())


def test_a_delivered_request_the_bus_missed_is_completed_by_the_safety_net(
    client: TestClient, context: AppContext, clock: FakeClock, tmp_path: Path
) -> None:
    """A crash between the refund's commit and the bus: the worker completes it later."""
    rma = client.post("/api/v1/returns", json=REQUEST).json()["rma_no"]
    with context.uow(publish=False) as uow:  # stored, but nothing followed it
        request = uow.returns.get(rma, for_update=True)
        assert request is not None and request.status is Status.APPROVED
        request.ship("customer:c-1", clock.now, "SF", "SF0001")
        request.receive("warehouse:w-1", clock.now)
        request.inspect("warehouse:w-1", clock.now, passed=True)
        request.pay_refund("finance:f-1", clock.now, "alipay", "2026112022001")
        uow.commit(clock.now)
    worker = Worker(context, FileMailer(tmp_path))
    clock.advance(minutes=9)
    assert worker.tick().completed == 0  # the bus's own moment has not passed
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "refunded"
    clock.advance(minutes=2)
    assert worker.tick().completed == 1
    body = client.get(f"/api/v1/returns/{rma}").json()
    assert body["status"] == "completed"
    assert (body["timeline"][-1]["actor"], body["confirm_by"] is not None) == ("system", True)
    assert worker.tick().completed == 0  # once


def test_mailer_follows_settings(tmp_path: Any) -> None:
    from returnflow.notify.mailer import mailer_from_settings

    assert isinstance(
        mailer_from_settings(Settings(smtp_host="mail.example", smtp_port=2525)), SmtpMailer
    )
    assert isinstance(
        mailer_from_settings(Settings(smtp_host="", mail_dir=str(tmp_path))), FileMailer
    )


def test_the_worker_forgets_quiet_throttle_counters_hourly(
    context: AppContext, clock: FakeClock, tmp_path: Path
) -> None:
    """A day-quiet counter that blocks nobody goes; a blocking or recent one stays."""
    day_ago = clock.now - timedelta(days=1, seconds=1)
    with context.session_factory() as session, session.begin():
        session.add_all(
            [
                ThrottleRow(key="quiet", hits=3, last_at=day_ago, blocked_until=None),
                ThrottleRow(key="recent", hits=1, last_at=clock.now, blocked_until=None),
                ThrottleRow(
                    key="blocking",
                    hits=9,
                    last_at=day_ago,
                    blocked_until=clock.now + timedelta(minutes=5),
                ),
            ]
        )
    worker = Worker(context, FileMailer(tmp_path))

    def keys() -> set[str]:
        with context.session_factory() as session:
            return set(session.scalars(select(ThrottleRow.key)))

    worker.tick()
    assert keys() == {"recent", "blocking"}
    with context.session_factory() as session, session.begin():
        session.add(ThrottleRow(key="later", hits=1, last_at=day_ago, blocked_until=None))
    clock.advance(minutes=30)
    worker.tick()  # within the hour: not yet
    assert "later" in keys()
    clock.advance(minutes=31)
    worker.tick()  # the block has run out too
    assert keys() == {"recent"}
