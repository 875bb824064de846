"""Delivers outbox rows to their consumers, at least once, with backoff on failure.

The outbox is how a change reaches the outside world: mail, carrier calls, gateway
submissions and webhooks are written with the change and leave from here. What follows
a change inside ReturnFlow runs on the message bus right after the commit
(bootstrap.py); the outbox carries those events too, for their notices. Claiming and
recording are storage's (storage/outbox_claims.py); this module decides what is due,
who hears it and when to try again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from returnflow.log_privacy import describe_error
from returnflow.storage.outbox_claims import OutboxClaims, SessionFactory

Consumer = Callable[[str, dict[str, Any]], None]


@dataclass(frozen=True)
class DispatchReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0


# how long a claimed row is held by the worker delivering it
LEASE = timedelta(minutes=5)


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min … capped at one hour."""
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))


class OutboxDispatcher:
    def __init__(
        self,
        session_factory: SessionFactory,
        consumers: Mapping[str, Consumer],
        max_attempts: int = 8,
        lease: timedelta = LEASE,
    ) -> None:
        """`consumers` maps a topic prefix ("return.") to the function that handles it."""
        self.claims = OutboxClaims(session_factory)
        self.consumers = consumers
        self.max_attempts = max_attempts
        self.lease = lease

    def run_once(self, now: datetime, batch: int = 50) -> DispatchReport:
        """Claim a batch, deliver it outside any transaction, then record each outcome.

        Consumers run with no transaction open here, so one that writes to the database
        (storing a carrier's waybill) does not wait on this one's lock, which on SQLite
        is the whole database. A claim is a lease: rows of a worker that died mid-batch
        become available again after `LEASE` and are delivered again (at least once).

        Once half the lease has passed (on the real clock) no further delivery starts:
        another worker may claim the rest when the lease runs out, and a message must
        not be in two workers' hands at once (issue 11). The rest are handed back.
        """
        sent = retried = failed = 0
        deadline = time.monotonic() + self.lease.total_seconds() / 2
        claimed = self.claims.claim(now, batch, self.lease)
        for index, message in enumerate(claimed):
            if time.monotonic() > deadline:
                rest = [m.id for m in claimed[index:]]
                self.claims.release(rest, now + self.lease, now)
                break
            error = self._deliver(message.topic, message.payload)
            if error is None:
                self.claims.sent(message.id, now)
                sent += 1
            elif self.claims.failed(message.id, error, now, self.max_attempts, backoff):
                failed += 1
            else:
                retried += 1
        return DispatchReport(sent, retried, failed)

    def _deliver(self, topic: str, payload: dict[str, Any]) -> str | None:
        """Every consumer whose prefix the topic starts with; the first error, as stored."""
        try:
            for prefix, consumer in self.consumers.items():
                if topic.startswith(prefix):
                    consumer(topic, payload)
        except Exception as exc:
            return describe_error(exc)[:2000]  # R14.1: no statement values stored
        return None
