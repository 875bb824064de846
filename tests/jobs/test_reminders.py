"""One reminder before each deadline the customer must act on (issue 13), through the
worker's sweep on SQLite and PostgreSQL, at its boundary: `reminder_hours` (24) before
ship-by and confirm-by, once per request and deadline, by the customer's channels."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from returnflow.app_context import AppContext
from returnflow.jobs import sweeps
from returnflow.jobs.worker import Worker
from returnflow.notify.mailer import SmtpMailer
from returnflow.payments.sandbox import SandboxGateway
from returnflow.storage.schema import OutboxRow
from tests.support.clock import FakeClock
from tests.support.smtp import SmtpSink

OrderPayload = Callable[..., dict[str, Any]]
REQUEST = {
    "order_no": "SO-1001",
    "type": "refund",
    "lines": [{"line_no": 1, "quantity": 1, "reason_code": "no_reason"}],
}
TICK = timedelta(microseconds=1)


@pytest.fixture(autouse=True)
def order(client: TestClient, order_payload: OrderPayload, context: AppContext) -> None:
    context.settings.instant_refund_enabled = False
    context.gateway = SandboxGateway(context.clock, settle_after=timedelta(0))
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201


def _reminders(context: AppContext, topic: str) -> list[dict[str, Any]]:
    with context.session_factory() as session:
        rows = session.scalars(select(OutboxRow).where(OutboxRow.topic == topic)).all()
    return [dict(row.payload) for row in rows]


def _deadline(client: TestClient, rma: str, field: str) -> datetime:
    return datetime.fromisoformat(client.get(f"/api/v1/returns/{rma}").json()[field])


def test_ship_by_reminder_goes_once_24_hours_before_and_reaches_the_customer(
    client: TestClient, context: AppContext, clock: FakeClock, smtp_server: SmtpSink
) -> None:
    rma = client.post("/api/v1/returns", json=REQUEST).json()["rma_no"]
    ship_by = _deadline(client, rma, "ship_by")
    topic = "return.reminder.ship_by"
    clock.now = ship_by - timedelta(hours=24) - TICK
    assert sweeps.send_reminders(context, clock.now) == 0  # just before: not yet
    assert _reminders(context, topic) == []
    clock.now += TICK  # exactly 24 h before
    assert sweeps.send_reminders(context, clock.now) == 1
    clock.advance(hours=3)
    assert sweeps.send_reminders(context, clock.now) == 0  # once
    [payload] = _reminders(context, topic)
    assert payload["rma_no"] == rma and payload["customer_id"] == "c-1"
    assert payload["email"] == "xiaoming@example.com"
    assert datetime.fromisoformat(payload["deadline"]) == ship_by
    Worker(context, SmtpMailer(smtp_server.host, smtp_server.port)).tick()
    mails = [m for m in smtp_server.messages if "提醒" in str(m["Subject"])]
    assert len(mails) == 1 and rma in str(mails[0]["Subject"])
    assert "Reminder" in str(mails[0]["Subject"])


def test_no_reminder_once_the_deadline_is_reached(
    client: TestClient, context: AppContext, clock: FakeClock
) -> None:
    rma = client.post("/api/v1/returns", json=REQUEST).json()["rma_no"]
    clock.now = _deadline(client, rma, "ship_by")  # the sweep missed the whole window
    assert sweeps.send_reminders(context, clock.now) == 0
    assert _reminders(context, "return.reminder.ship_by") == []


def test_a_shipped_request_is_not_reminded(
    client: TestClient, context: AppContext, clock: FakeClock
) -> None:
    rma = client.post("/api/v1/returns", json=REQUEST).json()["rma_no"]
    ship_by = _deadline(client, rma, "ship_by")
    client.post(f"/api/v1/returns/{rma}/ship", json={"carrier": "SF", "tracking_no": "SF0001"})
    clock.now = ship_by - timedelta(hours=1)
    assert sweeps.send_reminders(context, clock.now) == 0


def test_confirm_by_reminder_at_its_boundary_and_the_setting(
    client: TestClient, context: AppContext, clock: FakeClock, tmp_path: Path
) -> None:
    context.settings.reminder_hours = 6
    rma = client.post("/api/v1/returns", json=REQUEST).json()["rma_no"]
    client.post(f"/api/v1/returns/{rma}/ship", json={"carrier": "SF", "tracking_no": "SF0001"})
    client.post(f"/api/v1/returns/{rma}/receive")
    client.post(f"/api/v1/returns/{rma}/inspect", json={"passed": True})
    worker = Worker(context, SmtpMailer("127.0.0.1", 9, timeout=1))
    worker.tick()
    worker.tick()
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "completed"
    confirm_by = _deadline(client, rma, "confirm_by")
    topic = "return.reminder.confirm_by"
    clock.now = confirm_by - timedelta(hours=6) - TICK
    sweeps.run_timers(context, clock.now)  # the worker's timers send reminders too
    assert _reminders(context, topic) == []
    clock.now += TICK
    sweeps.run_timers(context, clock.now)
    sweeps.run_timers(context, clock.now + timedelta(hours=1))
    [payload] = _reminders(context, topic)
    assert datetime.fromisoformat(payload["deadline"]) == confirm_by
    assert payload["kind"] == "confirm_by" and payload["status"] == "completed"
