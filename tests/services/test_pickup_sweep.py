"""The worker's sweep behind a given-up "shipment.picked_up" message (issue 11), on SQLite
and PostgreSQL.

The first pickup scan leaves the request's move to the worker's outbox message. When
that message fails for good (a dead letter), the sweep (`jobs/tracking.ship_picked_up`)
puts the request in transit once the grace after the scan has passed: once, at the
time the scan was heard, and the instant refund is paid once; the sweep after that, and
the message re-driven later, move nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from returnflow.app_context import AppContext
from returnflow.jobs.tracking import TrackingJobs, ship_picked_up
from returnflow.payments.sandbox import SandboxGateway
from returnflow.services.tracking import PICKED_UP_TOPIC
from returnflow.storage.schema import OutboxRow, RefundRow
from tests.support.carrier_double import SignedPushCarrier, push_signed, scan
from tests.support.clock import FakeClock
from tests.support.pickups import approved_rma, deliver_outbox
from tests.support.shipments import add_shipment


@pytest.fixture
def carrier(context: AppContext, clock: FakeClock) -> SignedPushCarrier:
    double = SignedPushCarrier(clock)
    context.carriers = {"fastex": double}
    context.settings.instant_refund_enabled = True
    context.settings.outbox_max_attempts = 1  # the first failure is the last
    context.gateway = SandboxGateway(context.clock, settle_after=timedelta(0))
    return double


@pytest.fixture
def rma(client: TestClient, order_payload: Callable[..., dict[str, Any]]) -> str:
    return approved_rma(client, order_payload)


def _refuse(self: TrackingJobs, topic: str, payload: dict[str, Any]) -> None:
    raise ConnectionError("the database went away")


def _counts(context: AppContext) -> tuple[int, int]:
    """Refunds, and "return.in_transit" messages (one per move of the request)."""
    with context.session_factory() as session:
        refunds = session.scalar(select(func.count()).select_from(RefundRow))
        moves = session.scalar(
            select(func.count())
            .select_from(OutboxRow)
            .where(OutboxRow.topic == "return.in_transit")
        )
    return int(refunds or 0), int(moves or 0)


def test_the_sweep_ships_a_request_whose_pickup_message_died_once_and_pays_once(
    client: TestClient,
    context: AppContext,
    carrier: SignedPushCarrier,
    rma: str,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    add_shipment(context, rma, clock.now)
    clock.advance(hours=2)
    heard = clock.now
    assert push_signed(client, carrier, scan(heard - timedelta(hours=1), "accepted")).is_success
    with monkeypatch.context() as patched:  # the consumer fails; one attempt is the last
        patched.setattr(TrackingJobs, "ship_request", _refuse)
        assert deliver_outbox(context).failed == 1
    with context.session_factory() as session:
        died = session.scalars(select(OutboxRow).where(OutboxRow.topic == PICKED_UP_TOPIC)).one()
        assert died.failed_at is not None and died.sent_at is None

    clock.advance(minutes=9)  # within the grace: the message might still come
    assert ship_picked_up(context, clock.now) == 0
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "approved"

    clock.advance(minutes=2)
    assert ship_picked_up(context, clock.now) == 1
    deliver_outbox(context)  # the worker's outbox round: the instant refund asked for is paid
    request = client.get(f"/api/v1/returns/{rma}").json()
    assert request["status"] == "in_transit"
    ships = [step for step in request["timeline"] if step["action"] == "ship"]
    assert len(ships) == 1 and ships[0]["actor"] == "carrier:fastex"
    refund = client.get(f"/api/v1/refunds/{rma}").json()
    assert (refund["status"], refund["instant"]) == ("succeeded", True)
    assert _counts(context) == (1, 1)

    assert ship_picked_up(context, clock.now) == 0  # the next sweep: nothing left
    with context.session_factory() as session:  # and the dead letter re-driven by hand
        session.execute(
            update(OutboxRow)
            .where(OutboxRow.topic == PICKED_UP_TOPIC)
            .values(failed_at=None, attempts=0, available_at=clock.now)
        )
        session.commit()
    assert deliver_outbox(context).sent >= 1  # delivered: the request had moved on
    assert _counts(context) == (1, 1)
    assert client.get(f"/api/v1/refunds/{rma}").json()["status"] == "succeeded"
