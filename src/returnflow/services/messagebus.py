"""The message bus: what follows a domain event runs right after the change is committed.

A unit of work hands the bus the events its commit stored (they are in the outbox too,
for mail, carriers and webhooks). For each event the bus runs every handler listed for
its name in `bootstrap.py`, each in a unit of work of its own that it commits at the
clock's now, so a handler sees the committed change and one handler's failure undoes
nothing of the change nor of the other handlers.

Events those commits raise are queued and handled in the same loop: a publish made
while this thread is already publishing only queues. Nothing a handler raises reaches
the caller, whose change is already stored; it is logged, and the worker's pollers stay
as safety nets that pick up what a failed handler or a crash between commit and
handler left behind. Handlers are therefore idempotent: they check whether their work
is already done.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime

from returnflow.domain.events import DomainEvent
from returnflow.services.unit_of_work import UnitOfWork

log = logging.getLogger("returnflow.bus")

# (the handler's own unit of work, the event, now) -> None; the bus commits at now
Handler = Callable[[UnitOfWork, DomainEvent, datetime], None]


class _Loop(threading.local):
    """One thread's publishing state: a handler's commit in this thread only queues."""

    def __init__(self) -> None:
        self.running = False
        self.queue: deque[DomainEvent] = deque()


class MessageBus:
    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        handlers: Mapping[str, Sequence[Handler]],
        clock: Callable[[], datetime],
    ) -> None:
        """`uow_factory` may give units of work that publish here: the loop queues them."""
        self.uow_factory = uow_factory
        self.handlers = handlers
        self.clock = clock
        self._loop = _Loop()

    def publish(self, events: Iterable[DomainEvent]) -> None:
        """Handle these events and every event their handlers raise, in order."""
        loop = self._loop
        loop.queue.extend(events)
        if loop.running:
            return  # a handler's commit: the loop below takes it next
        loop.running = True
        try:
            while loop.queue:
                self._handle(loop.queue.popleft())
        finally:
            loop.running = False
            loop.queue.clear()

    def _handle(self, event: DomainEvent) -> None:
        for handler in self.handlers.get(event.name, ()):
            try:
                now = self.clock()
                with self.uow_factory() as uow:
                    handler(uow, event, now)
                    uow.commit(now)
            except Exception:
                # the change that raised the event is stored; a poller retries later
                log.exception(
                    "handler %s for %s failed; the worker's safety net retries",
                    _name(handler),
                    event.name,
                )


def _name(handler: Handler) -> str:
    """A handler's readable name, also for functools.partial and closures."""
    target = getattr(handler, "func", handler)
    return str(getattr(target, "__qualname__", repr(target)))
