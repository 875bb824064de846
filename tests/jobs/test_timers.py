"""Issue 13's deadlines through the worker, on SQLite and PostgreSQL, at their boundary."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.jobs.worker import Worker
from returnflow.notify.mailer import FileMailer
from returnflow.payments.sandbox import SandboxGateway
from returnflow.services.timers import INSPECTION_TIMEOUT_NOTE, OVERDUE_TOPIC, REVIEW_TIMEOUT_NOTE
from returnflow.storage.schema import OutboxRow
from tests.support.apps import shared_app
from tests.support.clock import FakeClock
from tests.support.staff import post_login

OrderPayload = Callable[..., dict[str, Any]]
PASSWORD = "correct horse battery"
REQUEST = {
    "order_no": "SO-1001",
    "type": "refund",
    "lines": [{"line_no": 1, "quantity": 1, "reason_code": "no_reason"}],
}
FAULT = dict(REQUEST, lines=[{"line_no": 1, "quantity": 1, "reason_code": "quality"}])


@pytest.fixture(autouse=True)
def order(client: TestClient, order_payload: OrderPayload, context: AppContext) -> None:
    context.settings.instant_refund_enabled = False  # the ordinary refund, after inspection
    context.gateway = SandboxGateway(context.clock, settle_after=timedelta(0))
    client.post("/api/v1/orders", json=order_payload())


def _overdue_rows(context: AppContext, rma: str) -> int:
    with context.session_factory() as session:
        rows = session.scalars(select(OutboxRow).where(OutboxRow.topic == OVERDUE_TOPIC)).all()
    return sum(1 for row in rows if row.payload.get("rma_no") == rma)


def _received(client: TestClient) -> str:
    rma: str = client.post("/api/v1/returns", json=REQUEST).json()["rma_no"]
    client.post(f"/api/v1/returns/{rma}/ship", json={"carrier": "SF", "tracking_no": "SF0001"})
    assert client.post(f"/api/v1/returns/{rma}/receive").status_code == 200
    return rma


def test_a_request_waiting_for_review_is_approved_at_the_deadline(
    client: TestClient, context: AppContext, clock: FakeClock, tmp_path: Path
) -> None:
    rma = client.post("/api/v1/returns", json=FAULT).json()["rma_no"]
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "pending_review"
    worker = Worker(context, FileMailer(tmp_path))
    clock.advance(days=5, microseconds=-1)
    worker.tick()
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "pending_review"
    clock.advance(microseconds=1)
    worker.tick()
    body = client.get(f"/api/v1/returns/{rma}").json()
    assert body["status"] == "approved"
    assert (body["timeline"][-1]["actor"], body["timeline"][-1]["note"]) == (
        "system",
        REVIEW_TIMEOUT_NOTE,
    )


def test_an_uninspected_return_escalates_once_then_passes_and_is_refunded(
    client: TestClient, context: AppContext, clock: FakeClock, tmp_path: Path
) -> None:
    rma = _received(client)
    worker = Worker(context, FileMailer(tmp_path))
    clock.advance(days=2, microseconds=-1)
    worker.tick()
    assert _overdue_rows(context, rma) == 0
    clock.advance(microseconds=1)
    worker.tick()
    assert _overdue_rows(context, rma) == 1
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "received"
    clock.advance(days=1)
    worker.tick()
    assert _overdue_rows(context, rma) == 1  # once
    clock.advance(days=7, microseconds=-1)  # ten days after receipt, less a microsecond
    worker.tick()
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "received"
    clock.advance(microseconds=1)
    worker.tick()
    worker.tick()  # the bus asked for the refund as the system; the sandbox pays it
    body = client.get(f"/api/v1/returns/{rma}").json()
    assert body["status"] == "completed"
    steps = [(step["actor"], step["note"]) for step in body["timeline"]]
    assert ("system", INSPECTION_TIMEOUT_NOTE) in steps
    with context.uow() as uow:
        refund = uow.refunds.get(rma)
    assert refund is not None and (refund.trigger, refund.requested_by) == ("inspection", "system")


@pytest.mark.parametrize(("language", "label"), [("en", "Inspect by"), ("zh", "验收截止时间")])
def test_the_staff_request_page_counts_down_to_the_inspection_deadline(
    client: TestClient,
    context: AppContext,
    clock: FakeClock,
    tokens: Callable[..., str],
    language: str,
    label: str,
) -> None:
    rma = _received(client)
    tokens(Role.WAREHOUSE, username="wang.wu")
    for days, overdue in ((0.0, "false"), (2.0, "true")):
        clock.advance(days=days)  # signed in afresh: a session does not last two days
        with TestClient(shared_app(context), follow_redirects=False) as browser:
            browser.cookies.set("lang", language)
            assert post_login(browser, "wang.wu", PASSWORD).status_code == 303
            page = browser.get(f"/staff/returns/{rma}").text
        assert label in page
        shown = page.split('data-timer="inspect-by"')[1]
        assert f'data-overdue="{overdue}"' in shown.split("</dd>")[0]


def _until(clock: FakeClock, moment: str, microseconds: int = 0) -> None:
    """Move the fake clock to `moment` (an API time), plus or minus some microseconds."""
    clock.now = datetime.fromisoformat(moment) + timedelta(microseconds=microseconds)


def test_an_approved_request_not_shipped_closes_at_its_ship_by(
    client: TestClient, context: AppContext, clock: FakeClock, tmp_path: Path
) -> None:
    rma = client.post("/api/v1/returns", json=REQUEST).json()["rma_no"]
    body = client.get(f"/api/v1/returns/{rma}").json()
    assert body["status"] == "approved" and body["ship_by"]
    worker = Worker(context, FileMailer(tmp_path))
    _until(clock, body["ship_by"], microseconds=-1)
    worker.tick()
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "approved"
    _until(clock, body["ship_by"])
    worker.tick()
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "closed"


def test_a_completed_request_confirms_itself_at_its_confirm_by(
    client: TestClient, context: AppContext, clock: FakeClock, tmp_path: Path
) -> None:
    rma = _received(client)
    assert client.post(f"/api/v1/returns/{rma}/inspect", json={"passed": True}).status_code == 200
    worker = Worker(context, FileMailer(tmp_path))
    worker.tick()  # the sandbox pays; the paid refund completes the request
    body = client.get(f"/api/v1/returns/{rma}").json()
    assert body["status"] == "completed" and body["confirm_by"]
    _until(clock, body["confirm_by"], microseconds=-1)
    worker.tick()
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "completed"
    _until(clock, body["confirm_by"])
    worker.tick()
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "confirmed"
