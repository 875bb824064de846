"""Dramatiq on RabbitMQ or Redis: the broker from its URL, and the actor that delivers.

Each message names one outbox row (its id) and carries the stamp the row was published
under (storage/outbox_relay.py says why). The actor takes the row in a short
transaction, delivers it through the same consumers the in-database queue uses,
outside any transaction, and records the outcome on the row, which stays the record:
sent; or one more failed attempt and a retry, delayed by the in-database queue's own
backoff, that Dramatiq brings back with the next stamp; or, at the last attempt, the
row is marked failed (where failed messages have always shown) and the message is
failed too, so the broker keeps it as a dead letter (queue `<queue>.XQ`). A copy whose
stamp is gone (a second publish, a redelivery) is acknowledged without effect.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import dramatiq
from dramatiq.middleware import CurrentMessage, Interrupt, Middleware

from returnflow.clock import Clock
from returnflow.log_privacy import describe_error
from returnflow.storage.outbox_claims import OutboxClaims, SessionFactory
from returnflow.storage.outbox_relay import OutboxTakes, Skipped

log = logging.getLogger("returnflow.broker")
ACTOR = "returnflow_outbox_deliver"
STAMP = "returnflow_outbox_stamp"  # the message option that carries the row's stamp
# what one delivery gives back: None, or the error as stored (OutboxDispatcher._deliver)
Delivery = Callable[[str, dict[str, Any]], str | None]


class RetryLater(dramatiq.Retry):
    """A failed attempt with attempts left: Dramatiq retries after `delay`."""

    def __init__(self, stamp: datetime, delay: timedelta) -> None:
        super().__init__("outbox delivery failed; retrying", int(delay.total_seconds() * 1000))
        self.stamp = stamp


class GaveUp(Exception):
    """The last attempt failed: the actor `throws` it, so the message is dead-lettered."""


class Stamps(Middleware):
    """Gives a retried message the stamp its row now waits under. Added after Retries,
    so it runs first after a message (Dramatiq runs `after_` hooks in reverse) and the
    retry Retries enqueues carries it."""

    def after_process_message(
        self,
        broker: dramatiq.Broker,
        message: dramatiq.MessageProxy,
        *,
        result: Any = None,
        exception: BaseException | None = None,
    ) -> None:
        if isinstance(exception, RetryLater):
            message.options[STAMP] = exception.stamp.isoformat()


def make_broker(url: str, queue: str) -> dramatiq.Broker:
    """Dramatiq's own RabbitMQ or Redis broker; on Redis `queue` is also the key namespace."""
    scheme = urlsplit(url).scheme
    broker: dramatiq.Broker
    if scheme in {"amqp", "amqps"}:
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        # confirmed publishes: a row counts as published once the broker has it
        broker = RabbitmqBroker(url=url, confirm_delivery=True)
    elif scheme in {"redis", "rediss", "unix"}:
        from dramatiq.brokers.redis import RedisBroker

        broker = RedisBroker(url=url, namespace=queue)  # type: ignore[no-untyped-call]
    else:
        raise ValueError(
            f"RETURNFLOW_BROKER_URL must be amqp://… (RabbitMQ) or redis://… (Redis), "
            f"not {scheme or 'no scheme'}://"
        )
    broker.add_middleware(CurrentMessage())
    broker.add_middleware(Stamps())
    return broker


@dataclass(frozen=True)
class Pace:
    """How long a delivery holds its row, and how failures are spaced and counted."""

    lease: timedelta
    max_attempts: int
    backoff: Callable[[int], timedelta]


class OutboxActor:
    """The actor declared on one broker and queue; Dramatiq's threads call `deliver`."""

    def __init__(
        self,
        broker: dramatiq.Broker,
        queue: str,
        session_factory: SessionFactory,
        delivery: Delivery,
        clock: Clock,
        pace: Pace,
    ) -> None:
        self.takes = OutboxTakes(session_factory)
        self.claims = OutboxClaims(session_factory)
        self.delivery = delivery
        self.clock = clock
        self.pace = pace
        # a delivery still running at half the lease is cut off, so it is over before
        # the relay may publish its row again (as the dispatcher stops at half the lease)
        options: dict[str, Any] = {
            "throws": (GaveUp,),
            "max_retries": pace.max_attempts,  # a bound; the row's attempts decide first
            "time_limit": int(pace.lease.total_seconds() * 500),
        }
        self.actor = dramatiq.Actor(
            self.deliver,
            broker=broker,
            actor_name=ACTOR,
            queue_name=queue,
            priority=0,
            options=options,
        )

    def publish(self, message_id: int, stamp: datetime) -> None:
        options: dict[str, Any] = {STAMP: stamp.isoformat()}
        self.actor.send_with_options(args=(message_id,), **options)

    def deliver(self, message_id: int) -> None:
        current = CurrentMessage.get_current_message()
        stamp = current.options.get(STAMP) if current is not None else None
        if not isinstance(stamp, str):
            log.warning("outbox message %s arrived without a stamp; ignored", message_id)
            return
        now = self.clock()
        taken = self.takes.take(message_id, datetime.fromisoformat(stamp), now, self.pace.lease)
        if isinstance(taken, Skipped):
            log.info("outbox message %s not delivered again: %s", message_id, taken.reason)
            return
        try:
            error = self.delivery(taken.topic, taken.payload)
        except Interrupt as exc:  # the time limit: one failed attempt like any other
            error = describe_error(exc)
        now = self.clock()
        if error is None:
            self.claims.sent(message_id, now)
            return
        retry = self._failed(message_id, error, now)
        if retry is None:
            raise GaveUp(f"outbox message {message_id}: {error}")
        raise retry

    def _failed(self, message_id: int, error: str, now: datetime) -> RetryLater | None:
        """The retry to raise, or None when that was the last attempt."""
        pace = self.pace
        # the row waits for the retry, and a lease beyond it, before the relay offers it
        failed = self.takes.failed(
            message_id, error, now, pace.max_attempts, lambda n: pace.backoff(n) + pace.lease
        )
        if failed.stamp is None:
            log.warning(
                "outbox message %s given up after %d attempts: marked failed, dead-lettered",
                message_id,
                failed.attempts,
            )
            return None
        return RetryLater(failed.stamp, pace.backoff(failed.attempts))
