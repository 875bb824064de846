"""The instant refund of a carrier's first scan, paid by the worker exactly once (R6.4,
issue 11).

The push stores the scans and the parcel's state and answers; the request's move and
the instant refund follow in the worker from the "shipment.picked_up" outbox message.
An outbox delivers at least once (a lease that ran out, a broker's second copy), so the
message is delivered twice here, one after the other and two at the same moment: the
customer still sees one shipment step and one refund, paid once, booked once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from returnflow.app_context import AppContext
from returnflow.domain.ledger import Account
from returnflow.jobs.worker import Worker
from returnflow.notify.mailer import FileMailer
from returnflow.payments.sandbox import SandboxGateway
from returnflow.services.tracking import PICKED_UP_TOPIC
from returnflow.storage.schema import OutboxRow, RefundRow
from tests.support.carrier_double import SignedPushCarrier, push_signed, scan
from tests.support.clock import FakeClock
from tests.support.pickups import approved_rma
from tests.support.refunds import pay_refunds
from tests.support.shipments import add_shipment

REFUND = 8400  # line 1: 89.00 less its 5.00 share of the discount


@pytest.fixture
def carrier(context: AppContext, clock: FakeClock) -> SignedPushCarrier:
    double = SignedPushCarrier(clock)
    context.carriers = {"fastex": double}
    context.settings.instant_refund_enabled = True  # the product's default, said here
    context.gateway = SandboxGateway(context.clock, settle_after=timedelta(0))
    return double


@pytest.fixture
def rma(client: TestClient, order_payload: Callable[..., dict[str, Any]]) -> str:
    return approved_rma(client, order_payload)


def _push_first_scan(
    client: TestClient, context: AppContext, carrier: SignedPushCarrier, rma: str, clock: FakeClock
) -> None:
    add_shipment(context, rma, clock.now)
    clock.advance(hours=2)
    pushed = push_signed(client, carrier, scan(clock.now - timedelta(hours=1), "accepted", "揽收"))
    assert pushed.status_code == 200


def _deliver_again(context: AppContext) -> None:
    """The picked-up message handed out once more, as after a lease ran out."""
    with context.session_factory() as session:
        session.execute(
            update(OutboxRow)
            .where(OutboxRow.topic == PICKED_UP_TOPIC)
            .values(sent_at=None, available_at=context.clock())
        )
        session.commit()


def _paid_once(client: TestClient, context: AppContext, rma: str) -> None:
    """One refund, instant, paid; one shipment step; the money moved and booked once."""
    refund = client.get(f"/api/v1/refunds/{rma}").json()
    assert (refund["status"], refund["instant"], refund["trigger"]) == (
        "succeeded",
        True,
        "instant",
    )
    request = client.get(f"/api/v1/returns/{rma}").json()
    assert request["status"] == "in_transit"
    assert [step["action"] for step in request["timeline"]].count("ship") == 1
    with context.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(RefundRow)) == 1
        moved = session.scalar(
            select(func.count())
            .select_from(OutboxRow)
            .where(OutboxRow.topic == "return.in_transit")
        )
        assert moved == 1
    with context.uow() as uow:
        assert uow.ledger.balances().of(Account.GATEWAY_CLEARING).cents == -REFUND


def test_the_push_pays_nothing_and_the_worker_pays_the_instant_refund_once(
    client: TestClient, context: AppContext, carrier: SignedPushCarrier, rma: str, clock: FakeClock
) -> None:
    _push_first_scan(client, context, carrier, rma, clock)
    # the push answered with the scan stored; nothing of the refund happened in it
    assert client.get(f"/api/v1/refunds/{rma}").status_code == 404
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "approved"
    pay_refunds(context)  # the worker: the request moves, the refund is asked for and paid
    _paid_once(client, context, rma)
    _deliver_again(context)
    pay_refunds(context)  # the same message again: the request has moved on, nothing pays
    _paid_once(client, context, rma)


def test_two_copies_delivered_at_once_pay_the_instant_refund_once(
    client: TestClient,
    context: AppContext,
    carrier: SignedPushCarrier,
    rma: str,
    clock: FakeClock,
    tmp_path: Any,
) -> None:
    _push_first_scan(client, context, carrier, rma, clock)
    with context.session_factory() as session:
        payload = session.scalars(
            select(OutboxRow.payload).where(OutboxRow.topic == PICKED_UP_TOPIC)
        ).one()
    workers = [Worker(context, FileMailer(tmp_path / str(n))) for n in (1, 2)]
    start, errors = threading.Barrier(2), []

    def deliver(worker: Worker) -> None:
        start.wait()
        try:
            worker.tracking.ship_request(PICKED_UP_TOPIC, dict(payload))
        except Exception as exc:  # a lost race: the outbox would retry it
            errors.append(exc)

    threads = [threading.Thread(target=deliver, args=(worker,)) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    pay_refunds(context)  # and the outbox's own delivery of the same message after them
    _paid_once(client, context, rma)
    assert all(type(e).__name__ == "ConcurrentUpdate" for e in errors), errors
