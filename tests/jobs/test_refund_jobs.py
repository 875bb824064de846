"""The refund consumer against the Stripe stand-in: timeouts, duplicates, failures, crashes.

The stand-in is the local HTTP server from tests/payments (Stripe's documented wire
format); the worker submits through the real `StripeGateway` adapter.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest
from fastapi.testclient import TestClient

from returnflow.app_context import AppContext
from returnflow.jobs.worker import Worker
from returnflow.notify.mailer import FileMailer
from returnflow.payments.gateway import GatewayRefund, RefundSubmission
from returnflow.payments.stripe import StripeGateway
from tests.payments.test_stripe_gateway import API_KEY, WEBHOOK_SECRET, StripeStandIn
from tests.payments.test_stripe_gateway import stand_in as stand_in
from tests.support.clock import FakeClock

OrderPayload = Callable[..., dict[str, Any]]
SHIP = {"carrier": "顺丰速运", "tracking_no": "SF1234567890"}


class WorkerDied(BaseException):
    """The process dies: not an Exception, so nothing in the worker catches it."""


class DiesAfterAnswer:
    """A Stripe adapter whose process dies right after the gateway answered."""

    def __init__(self, inner: StripeGateway) -> None:
        self.inner = inner

    def submit_refund(self, request: RefundSubmission) -> GatewayRefund:
        self.inner.submit_refund(request)
        raise WorkerDied

    def refund_status(self, gateway_refund_id: str) -> GatewayRefund:
        return self.inner.refund_status(gateway_refund_id)

    def find_refund(
        self, idempotency_key: str, payment_reference: str, gateway_refund_id: str | None = None
    ) -> GatewayRefund | None:
        return self.inner.find_refund(idempotency_key, payment_reference, gateway_refund_id)

    def parse_notification(self, body: bytes, headers: Mapping[str, str]) -> GatewayRefund:
        return self.inner.parse_notification(body, headers)


@pytest.fixture
def stripe(context: AppContext, stand_in: StripeStandIn) -> StripeGateway:
    stand_in.payment_intents["2026112022001"] = (100_000, "cny")
    context.settings.payment_gateway = "stripe"
    context.settings.instant_refund_enabled = False
    gateway = StripeGateway(stand_in.url, API_KEY, WEBHOOK_SECRET, timeout=0.3, clock=context.clock)
    context.gateway = gateway
    return gateway


@pytest.fixture
def rma(client: TestClient, order_payload: OrderPayload) -> str:
    client.post("/api/v1/orders", json=order_payload())
    body = {
        "order_no": "SO-1001",
        "type": "refund",
        "lines": [{"line_no": 1, "quantity": 1, "reason_code": "no_reason"}],
    }
    number = str(client.post("/api/v1/returns", json=body).json()["rma_no"])
    for action, step in (("ship", SHIP), ("receive", None), ("inspect", {"passed": True})):
        assert client.post(f"/api/v1/returns/{number}/{action}", json=step).status_code == 200
    return number


def _worker(context: AppContext, tmp_path: Any) -> Worker:
    return Worker(context, FileMailer(tmp_path))


def _refund(client: TestClient, rma: str) -> dict[str, Any]:
    body: dict[str, Any] = client.get(f"/api/v1/refunds/{rma}").json()
    return body


def test_stripe_pays_through_the_outbox(
    client: TestClient,
    context: AppContext,
    stripe: StripeGateway,
    stand_in: StripeStandIn,
    rma: str,
    tmp_path: Any,
) -> None:
    worker = _worker(context, tmp_path)
    worker.tick()  # owed at inspection, submitted, Stripe answers "succeeded"
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "completed"  # paid: done
    refund = _refund(client, rma)
    assert refund["gateway_refund_id"] == "re_000001"
    stored = stand_in.refunds["re_000001"]
    assert (stored["amount"], stored["metadata"]["rma_no"]) == (8400, rma)
    assert stand_in.by_key[f"rf-{rma}-refund"][1] == "re_000001"


def test_timeout_then_retry_with_the_same_key_pays_once(
    client: TestClient,
    context: AppContext,
    stripe: StripeGateway,
    stand_in: StripeStandIn,
    rma: str,
    clock: FakeClock,
    tmp_path: Any,
) -> None:
    stand_in.stall_next = 1  # Stripe makes the refund, the answer comes too late
    worker = _worker(context, tmp_path)
    worker.tick()
    assert _refund(client, rma)["status"] == "retrying"
    stand_in.forget_keys()  # even after Stripe's 24 hours: the retry asks before it posts
    clock.advance(seconds=61)
    worker.tick()
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "completed"  # paid: done
    assert len(stand_in.refunds) == 1 and stand_in.posts == 1


def test_server_errors_back_off_and_then_succeed(
    client: TestClient,
    context: AppContext,
    stripe: StripeGateway,
    stand_in: StripeStandIn,
    rma: str,
    clock: FakeClock,
    tmp_path: Any,
) -> None:
    stand_in.fail_next = 2
    worker = _worker(context, tmp_path)
    worker.tick()
    clock.advance(seconds=61)
    worker.tick()
    assert (_refund(client, rma)["status"], _refund(client, rma)["attempts"]) == ("retrying", 2)
    clock.advance(seconds=121)
    worker.tick()
    assert _refund(client, rma)["status"] == "succeeded"
    assert len(stand_in.refunds) == 1


def test_refusal_is_final_and_goes_to_finance(
    client: TestClient,
    context: AppContext,
    stripe: StripeGateway,
    stand_in: StripeStandIn,
    rma: str,
    tmp_path: Any,
) -> None:
    del stand_in.payment_intents["2026112022001"]  # Stripe does not know the payment
    _worker(context, tmp_path).tick()
    refund = _refund(client, rma)
    assert refund["status"] == "escalated" and "resource_missing" in refund["last_error"]
    assert stand_in.refunds == {}


def test_worker_dying_after_the_gateway_accepted_pays_once(
    client: TestClient,
    context: AppContext,
    stripe: StripeGateway,
    stand_in: StripeStandIn,
    rma: str,
    clock: FakeClock,
    tmp_path: Any,
) -> None:
    context.gateway = DiesAfterAnswer(stripe)
    worker = _worker(context, tmp_path)
    with pytest.raises(WorkerDied):
        worker.tick()
    assert len(stand_in.refunds) == 1  # the money went out ...
    assert _refund(client, rma)["status"] == "requested"  # ... but nothing was committed
    context.gateway = stripe  # the process restarts; the dead worker's claim lapses
    clock.advance(minutes=5, seconds=1)
    _worker(context, tmp_path).tick()
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "completed"  # paid: done
    assert _refund(client, rma)["gateway_refund_id"] == "re_000001"
    assert len(stand_in.refunds) == 1 and stand_in.posts == 2


def test_duplicate_submissions_are_one_refund(
    client: TestClient,
    context: AppContext,
    stripe: StripeGateway,
    stand_in: StripeStandIn,
    rma: str,
    tmp_path: Any,
) -> None:
    worker = _worker(context, tmp_path)
    worker.tick()
    refund_id = _refund(client, rma)
    # a stray second message for the same refund submits nothing
    with context.uow() as uow:
        uow.outbox.put("refund.submit", {"refund_id": 1, "rma_no": rma}, context.clock())
        uow.commit(context.clock())
    worker.tick()
    assert stand_in.posts == 1
    assert _refund(client, rma) == refund_id


def test_signed_stripe_webhook_settles_a_pending_refund(
    client: TestClient,
    context: AppContext,
    stripe: StripeGateway,
    stand_in: StripeStandIn,
    rma: str,
    clock: FakeClock,
    tmp_path: Any,
) -> None:
    import hashlib
    import hmac
    import json

    stand_in.initial_status = "pending"
    _worker(context, tmp_path).tick()
    assert _refund(client, rma)["status"] == "submitted"
    event = {
        "type": "charge.refund.updated",
        "data": {"object": {**stand_in.refunds["re_000001"], "status": "succeeded"}},
    }
    body = json.dumps(event).encode()
    stamp = str(int(clock().timestamp()))
    signature = hmac.new(WEBHOOK_SECRET.encode(), f"{stamp}.".encode() + body, hashlib.sha256)
    header = {"Stripe-Signature": f"t={stamp},v1={signature.hexdigest()}"}
    anonymous = TestClient(client.app)
    answer = anonymous.post("/api/v1/payments/stripe/notifications", content=body, headers=header)
    assert answer.json()["outcome"] == "applied"
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "completed"  # paid: done
    clock.advance(minutes=10)
    stale = anonymous.post("/api/v1/payments/stripe/notifications", content=body, headers=header)
    assert stale.status_code == 401  # a stale signature proves nothing
