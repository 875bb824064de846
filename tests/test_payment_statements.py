"""Issue 11: what a refund request and a worker payment cost the database, pinned so
that it cannot creep back up, and the request snapshots that made it cheaper.

Counted on PostgreSQL by SQLAlchemy's engine events, as benchmarks/trace_refunds.py
counts them; a payment is the `refund.submit` consumer with everything the bus runs
after its commit (the completion, the liability, the survey invitation).

Before: 17 statements per request, 31 per payment (the request read whole, four
statements, once in the request and three times in a payment: the payment, the
completion, the invitation). Now a unit of work reads a request that this process
committed last in one statement that vouches for the snapshot the commit left
(storage/return_snapshots.py), and the ledger writes an entry with its postings in one
statement: 12 and 21.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from returnflow.app_context import AppContext
from returnflow.domain.lifecycle import Status
from returnflow.jobs.worker import Worker
from returnflow.notify.mailer import FileMailer
from returnflow.payments.sandbox import SandboxGateway
from returnflow.services.refunds import RefundRules, request_refund
from returnflow.services.surveys import INVITE_TOPIC
from returnflow.storage.schema import LedgerEntryRow, OutboxRow, RefundRow
from tests.support.statements import counting

# the most each may cost on PostgreSQL; lower them when a change saves more, never raise
PINNED_REQUEST = 12
PINNED_PAYMENT = 21
SHIP = {"carrier": "顺丰速运", "tracking_no": "SF1234567890"}


@pytest.fixture
def postgresql(database_url: str) -> None:
    """Skipped on SQLite before its app is built (the counts are PostgreSQL's)."""
    if database_url.startswith("sqlite"):
        pytest.skip("the statement counts are pinned on PostgreSQL")


@pytest.fixture
def rma(
    postgresql: None,
    context: AppContext,
    client: TestClient,
    order_payload: Callable[..., dict[str, Any]],
) -> str:
    """A request walked to INSPECTED through the API, its refund left to finance."""
    context.settings.instant_refund_enabled = False
    context.settings.refund_auto_request = False
    context.gateway = SandboxGateway(context.clock, settle_after=timedelta(0))
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201
    line = {"line_no": 1, "quantity": 1, "reason_code": "no_reason"}
    body = {"order_no": "SO-1001", "type": "refund", "lines": [line]}
    filed = client.post("/api/v1/returns", json=body)
    assert filed.status_code == 201, filed.text
    number = str(filed.json()["rma_no"])
    for action, step in (("ship", SHIP), ("receive", None), ("inspect", {"passed": True})):
        assert client.post(f"/api/v1/returns/{number}/{action}", json=step).status_code == 200
    return number


def _request(context: AppContext, rma: str) -> int:
    now = context.clock()
    with context.uow() as uow:
        refund = request_refund(
            uow, rma, "finance:test", now, RefundRules.from_settings(context.settings)
        )
        uow.commit(now)
    assert refund.id is not None
    return refund.id


def test_a_request_and_a_payment_cost_what_is_pinned(
    context: AppContext, rma: str, tmp_path: Path
) -> None:
    with counting(context) as requested:
        refund_id = _request(context, rma)
    assert len(requested) <= PINNED_REQUEST, "\n".join(requested)
    worker = Worker(context, FileMailer(tmp_path))
    with counting(context) as paid:
        worker.refunds.submit("refund.submit", {"refund_id": refund_id})
    assert len(paid) <= PINNED_PAYMENT, "\n".join(paid)
    # the same outcome as ever: paid once, booked once, completed, invited once
    worker.refunds.submit("refund.submit", {"refund_id": refund_id})  # a second delivery
    with context.uow() as uow:
        request = uow.returns.get(rma)
        assert request is not None and request.status is Status.COMPLETED
        assert [c.to_status for c in request.history[-2:]] == [Status.REFUNDED, Status.COMPLETED]
        session = uow.session
        assert session.scalar(select(RefundRow.status).where(RefundRow.id == refund_id)) == (
            "succeeded"
        )
        paid_keys = select(func.count()).where(LedgerEntryRow.key.like(f"refund:{rma}:%:paid"))
        assert session.scalar(paid_keys) == 1
        invites = select(func.count()).where(OutboxRow.topic == INVITE_TOPIC)
        assert session.scalar(invites) == 1
    assert isinstance(context.gateway, SandboxGateway) and context.gateway.refund_count == 1


def test_a_snapshot_is_never_trusted_over_the_row(context: AppContext, rma: str) -> None:
    """What another process wrote (a plain UPDATE that leaves the version alone, a
    refund paid) is read, never the snapshot this process kept."""
    with context.uow() as uow:
        assert uow.returns.get(rma) is not None  # the snapshot of the last commit vouched
    with context.engine.begin() as connection:
        connection.execute(
            text("UPDATE returns SET tracking_no = 'SF0000000001' WHERE rma_no = :rma"),
            {"rma": rma},
        )
    with context.uow() as uow:
        request = uow.returns.get(rma, for_update=True)
        assert request is not None and request.shipment is not None
        assert request.shipment.tracking_no == "SF0000000001"
        uow.commit(context.clock())  # the snapshot is of this row now
    refund_id = _request(context, rma)  # through this process: its snapshot is kept
    with context.engine.begin() as connection:  # paid by "another process"
        connection.execute(
            text("UPDATE refunds SET paid_at = now(), status = 'succeeded' WHERE id = :id"),
            {"id": refund_id},
        )
    with context.uow() as uow:
        request = uow.returns.get(rma)
        assert request is not None and request.refund is not None
