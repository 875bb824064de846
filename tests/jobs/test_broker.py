"""The outbox through a real broker (issue 11): the machine's RabbitMQ and Redis.

Each test has a queue (and on Redis a key namespace) of its own, deleted afterwards,
so parallel runs never share one; Dramatiq's consuming threads run in the test's
process as they do in `returnflow worker`. The consumers are stand-ins for the outside
world that record what reached them (and fail when told to).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from returnflow.app_context import AppContext
from returnflow.jobs.outbox import OutboxDispatcher
from returnflow.jobs.relay import BrokerRelay, consuming
from returnflow.jobs.worker import Worker
from returnflow.notify.mailer import SmtpMailer
from returnflow.storage.schema import OutboxRow
from tests.support.clock import FakeClock
from tests.support.outbox_rows import put, row
from tests.support.services import ensure_rabbitmq, ensure_redis
from tests.support.smtp import SmtpSink

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
FAST = timedelta(milliseconds=50)  # Dramatiq's retries, in place of 30 s, 1 min, 2 min …


class Outside:
    """The world a message leaves for: records each delivery; fails `fails[topic]` times."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.delivered: list[tuple[str, dict[str, Any]]] = []
        self.fails: dict[str, int] = {}
        self.lock = threading.Lock()

    def __call__(self, topic: str, payload: dict[str, Any]) -> None:
        time.sleep(self.delay)
        with self.lock:
            if self.fails.get(topic, 0) != 0:
                self.fails[topic] -= 1
                raise ConnectionError(f"{topic} refused")
            self.delivered.append((topic, payload))


def _url(kind: str) -> str:
    return ensure_rabbitmq() if kind == "rabbitmq" else ensure_redis()


def _queue() -> str:
    return f"rf_test_{uuid.uuid4().hex[:12]}"


def _drop(relay: BrokerRelay) -> None:
    """The test's queues (delay and dead-letter ones too) or its Redis keys, gone."""
    if relay.worker is not None:
        relay.worker.stop()
        relay.worker = None
    client = getattr(relay.broker, "client", None)
    if client is not None:
        keys = client.keys(f"{relay.queue}:*")
        if keys:
            client.delete(*keys)
    else:
        channel = relay.broker.channel  # type: ignore[attr-defined]
        for name in (relay.queue, f"{relay.queue}.DQ", f"{relay.queue}.XQ"):
            channel.queue_delete(name)
    relay.stop()


def dead_letters(relay: BrokerRelay) -> int:
    client = getattr(relay.broker, "client", None)
    if client is not None:
        return int(client.zcard(f"{relay.queue}:{relay.queue}.XQ"))
    channel = relay.broker.channel  # type: ignore[attr-defined]
    return int(channel.queue_declare(f"{relay.queue}.XQ", passive=True).method.message_count)


def wait_for(condition: Callable[[], bool], seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


Relay = Callable[..., BrokerRelay]


@pytest.fixture(params=["rabbitmq", "redis"])
def relay(request: pytest.FixtureRequest, context: AppContext) -> Iterator[Relay]:
    made: list[BrokerRelay] = []

    def build(outside: Outside, max_attempts: int = 3, threads: int = 3) -> BrokerRelay:
        dispatcher = OutboxDispatcher(context.session_factory, {"test.": outside}, max_attempts)
        url = _url(request.param)
        made.append(
            BrokerRelay(
                dispatcher,
                context.session_factory,
                context.clock,
                url,
                _queue(),
                threads,
                backoff=lambda attempts: FAST,
            )
        )
        return made[-1]

    yield build
    for one in made:
        _drop(one)


def handled(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The copies the actor acknowledged without effect, with the reason."""
    return [r.getMessage() for r in caplog.records if "not delivered again" in r.getMessage()]


def test_a_message_is_delivered_once(relay: Relay, context: AppContext) -> None:
    outside = Outside()
    relay_ = relay(outside)
    message_id = put(context, "test.hello", {"rma": "RMA-1"})
    relay_.start(worker_timeout_ms=100)
    assert relay_.run_once(context.clock()).sent == 1
    wait_for(lambda: row(context, message_id).sent_at is not None)
    assert outside.delivered == [("test.hello", {"rma": "RMA-1"})]
    assert relay_.run_once(context.clock()).sent == 0  # sent: never published again
    assert row(context, message_id).attempts == 0


def test_duplicate_publishes_deliver_once(
    relay: Relay, context: AppContext, caplog: pytest.LogCaptureFixture
) -> None:
    """Three copies of one message, taken by three threads at once, one delivery."""
    caplog.set_level(logging.INFO, logger="returnflow.broker")
    outside = Outside(delay=0.2)  # each copy is in a thread's hands at the same time
    relay_ = relay(outside)
    message_id = put(context, "test.hello", {"rma": "RMA-2"})
    assert relay_.run_once(context.clock()).sent == 1
    stamp = row(context, message_id).available_at  # the lease the relay published under
    relay_.actor.publish(message_id, stamp)
    relay_.actor.publish(message_id, stamp)
    relay_.start(worker_timeout_ms=100)
    wait_for(lambda: len(handled(caplog)) == 2)
    wait_for(lambda: row(context, message_id).sent_at is not None)
    assert outside.delivered == [("test.hello", {"rma": "RMA-2"})]


def test_a_lost_message_is_published_again_after_its_lease(
    relay: Relay, context: AppContext, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """At least once: a row whose lease ran out goes again; the old copy finds it moved."""
    caplog.set_level(logging.INFO, logger="returnflow.broker")
    outside = Outside()
    relay_ = relay(outside)
    message_id = put(context, "test.hello", {"rma": "RMA-3"})
    assert relay_.run_once(clock()).sent == 1
    clock.advance(seconds=30)
    assert relay_.run_once(clock()).sent == 0  # held: its lease has not run out
    clock.advance(seconds=relay_.lease.total_seconds())
    assert relay_.run_once(clock()).sent == 1  # nobody delivered it: published again
    relay_.start(worker_timeout_ms=100)
    wait_for(lambda: len(handled(caplog)) == 1)
    wait_for(lambda: row(context, message_id).sent_at is not None)
    assert outside.delivered == [("test.hello", {"rma": "RMA-3"})]


def test_a_failing_consumer_is_retried_then_dead_lettered(
    relay: Relay, context: AppContext
) -> None:
    outside = Outside()
    outside.fails = {"test.broken": 99, "test.flaky": 1}
    relay_ = relay(outside, max_attempts=3)
    broken = put(context, "test.broken", {"rma": "RMA-4"})
    flaky = put(context, "test.flaky", {"rma": "RMA-5"})
    relay_.start(worker_timeout_ms=100)
    assert relay_.run_once(context.clock()).sent == 2
    wait_for(lambda: row(context, broken).failed_at is not None)
    wait_for(lambda: row(context, flaky).sent_at is not None)
    wait_for(lambda: dead_letters(relay_) == 1)
    given_up = row(context, broken)
    assert (given_up.attempts, given_up.sent_at) == (3, None)
    assert given_up.last_error == "ConnectionError: test.broken refused"
    assert outside.fails["test.broken"] == 99 - 3  # three attempts, no fourth
    assert row(context, flaky).attempts == 1  # failed once, retried, delivered
    assert outside.delivered == [("test.flaky", {"rma": "RMA-5"})]
    assert relay_.run_once(context.clock()).sent == 0  # the failed row stays failed


REQUEST = {
    "order_no": "SO-1001",
    "type": "refund",
    "lines": [{"line_no": 1, "quantity": 1, "reason_code": "no_reason"}],
}


def test_the_worker_delivers_through_the_broker(
    client: TestClient,
    context: AppContext,
    order_payload: Callable[..., dict[str, Any]],
    smtp_server: SmtpSink,
) -> None:
    """`returnflow worker` with RETURNFLOW_BROKER_URL: the confirmation mail, once."""
    client.post("/api/v1/orders", json=order_payload())
    rma = client.post("/api/v1/returns", json=REQUEST).json()["rma_no"]
    context.settings.broker_url = ensure_rabbitmq()
    context.settings.broker_queue = _queue()
    context.settings.worker_interval_seconds = 0.05
    worker = Worker(context, SmtpMailer(smtp_server.host, smtp_server.port))
    assert isinstance(worker.dispatcher, BrokerRelay)
    thread, stop = worker.start_thread()
    try:
        wait_for(lambda: _pending(context) == 0)
    finally:
        stop.set()
        thread.join(timeout=10)
        _drop(worker.dispatcher)
    assert [rma in str(mail["Subject"]) for mail in smtp_server.messages] == [True]


def _pending(context: AppContext) -> int:
    with context.session_factory() as session:
        rows = session.scalars(select(OutboxRow).where(OutboxRow.sent_at.is_(None))).all()
        return len(rows)


def test_without_a_broker_url_nothing_changes(context: AppContext, smtp_server: SmtpSink) -> None:
    """The in-database queue, as before: the worker's own dispatcher delivers."""
    assert context.settings.broker_url == ""
    worker = Worker(context, SmtpMailer(smtp_server.host, smtp_server.port))
    assert type(worker.dispatcher) is OutboxDispatcher
    outside = Outside()
    worker.dispatcher.consumers = {"test.": outside}
    message_id = put(context, "test.hello", {"rma": "RMA-6"})
    with consuming(worker.dispatcher):  # no threads, no broker
        assert worker.dispatcher.run_once(context.clock()).sent == 1
    assert outside.delivered == [("test.hello", {"rma": "RMA-6"})]
    assert row(context, message_id).sent_at == context.clock()


@pytest.mark.parametrize("url", ["amqp://guest:guest@127.0.0.1:1/%2F", "redis://127.0.0.1:1/0"])
def test_an_unreachable_broker_leaves_the_rows_due(url: str, context: AppContext) -> None:
    """Nothing answers on port 1: the rows the relay claimed are due again at once."""
    dispatcher = OutboxDispatcher(context.session_factory, {"test.": Outside()})
    relay_ = BrokerRelay(dispatcher, context.session_factory, context.clock, url, _queue())
    first = put(context, "test.hello", {"rma": "RMA-7"})
    second = put(context, "test.hello", {"rma": "RMA-8"})
    assert relay_.run_once(context.clock()).sent == 0
    for message_id in (first, second):
        waiting = row(context, message_id)
        assert (waiting.available_at, waiting.sent_at, waiting.attempts) == (
            context.clock(),
            None,
            0,
        )
    relay_.stop()
