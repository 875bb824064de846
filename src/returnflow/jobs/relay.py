"""The outbox through a real broker (issue 11), when RETURNFLOW_BROKER_URL is set.

The outbox stays the record: a change and its messages are committed together, and
each row says whether it was sent or given up. What changes is who delivers. Without a
broker the worker's loop claims due rows and delivers them itself (jobs/outbox.py).
With one, the same loop claims them the same way (SKIP LOCKED, a lease) and only
publishes each row's id to RabbitMQ or Redis; Dramatiq's threads in every worker
process take the messages and deliver through the same consumers (jobs/broker.py),
with Dramatiq's retries and dead letters. Delivery is spread over every process that
consumes the queue, and the loop is never held up by a slow consumer.

At least once, and once in effect: a published row is not offered again until its
lease runs out; if its message was lost by then (a crash between claim and publish, a
broker that dropped it) it is published again, and a copy that finds its row sent, or
held under a newer stamp, does nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from returnflow.app_context import AppContext
from returnflow.clock import Clock
from returnflow.jobs.outbox import DispatchReport, OutboxDispatcher, backoff
from returnflow.log_privacy import describe_error
from returnflow.storage.outbox_claims import SessionFactory
from returnflow.storage.outbox_relay import OutboxTakes

if TYPE_CHECKING:
    import dramatiq

log = logging.getLogger("returnflow.broker")


class BrokerRelay(OutboxDispatcher):
    """The dispatcher's place in the worker: `run_once` publishes instead of delivering.

    Its report's `sent` counts rows published; the actor records each delivery on the
    row. `start()` / `stop()` run Dramatiq's consuming threads in this process.
    """

    def __init__(
        self,
        dispatcher: OutboxDispatcher,
        session_factory: SessionFactory,
        clock: Clock,
        url: str,
        queue: str,
        threads: int = 4,
        backoff: Callable[[int], timedelta] = backoff,
    ) -> None:
        super().__init__(
            session_factory, dispatcher.consumers, dispatcher.max_attempts, dispatcher.lease
        )
        from returnflow.jobs.broker import OutboxActor, Pace, make_broker

        self.queue = queue
        self.threads = threads
        self.broker = make_broker(url, queue)
        pace = Pace(self.lease, self.max_attempts, backoff)
        self.actor = OutboxActor(self.broker, queue, session_factory, self._deliver, clock, pace)
        self.takes = OutboxTakes(session_factory)
        self.worker: dramatiq.Worker | None = None

    def run_once(self, now: datetime, batch: int = 50) -> DispatchReport:
        """Claim due rows as the dispatcher does and publish each one's id.

        A row is held under its stamp, `now + lease`, the value the claim wrote. If the
        broker cannot be reached, the rows not yet published are released at once.
        """
        stamp = now + self.lease
        claimed = self.claims.claim(now, batch, self.lease)
        for done, message in enumerate(claimed):
            try:
                self.actor.publish(message.id, stamp)
            except Exception as exc:
                log.warning(
                    "broker unreachable, %d messages wait: %s",
                    len(claimed) - done,
                    describe_error(exc),
                )
                self.claims.release([m.id for m in claimed[done:]], stamp, now)
                return DispatchReport(sent=done)
        return DispatchReport(sent=len(claimed))

    def start(self, worker_timeout_ms: int = 1000) -> None:
        """Consume the queue in this process (Dramatiq's threads); several processes may."""
        import dramatiq

        if self.worker is None:
            self.worker = dramatiq.Worker(
                self.broker,
                queues={self.queue},
                worker_threads=self.threads,
                worker_timeout=worker_timeout_ms,
            )
            self.worker.start()

    def stop(self) -> None:
        """Finish the deliveries in hand, then let go of the broker's connections."""
        if self.worker is not None:
            self.worker.stop()
            self.worker = None
        self.broker.close()


def brokered(context: AppContext, dispatcher: OutboxDispatcher) -> OutboxDispatcher:
    """The worker's dispatcher: as given without a broker URL, else its relay."""
    settings = context.settings
    if not settings.broker_url:
        return dispatcher
    return BrokerRelay(
        dispatcher,
        context.session_factory,
        context.clock,
        settings.broker_url,
        settings.broker_queue,
        settings.broker_threads,
    )


@contextmanager
def consuming(dispatcher: OutboxDispatcher) -> Iterator[None]:
    """While the worker's loop runs: a relay's consuming threads; nothing otherwise."""
    if not isinstance(dispatcher, BrokerRelay):
        yield
        return
    dispatcher.start()
    try:
        yield
    finally:
        dispatcher.stop()
