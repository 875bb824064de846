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


class OncePerRequest:
    """A handler that looks only at its request's state, not at which event woke it.

    Two events of one commit about the same request (say "refund.paid" and
    "return.refunded") would run it twice; the second run could only find the work done
    (issue 11: 4 statements for nothing per paid refund). The bus runs it once per
    request per commit, for the first such event. Events without an `rma_no` are not
    merged.
    """

    def __init__(self, func: Handler) -> None:
        self.func = func
        self.__qualname__ = _name(func)  # the bus's table names the handler itself

    def __call__(self, uow: UnitOfWork, event: DomainEvent, now: datetime) -> None:
        self.func(uow, event, now)


class _Loop(threading.local):
    """One thread's publishing state: a handler's commit in this thread only queues."""

    def __init__(self) -> None:
        self.running = False
        self.queue: deque[tuple[DomainEvent, list[Handler]]] = deque()


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
        loop.queue.extend(self._runs(events))
        if loop.running:
            return  # a handler's commit: the loop below takes it next
        loop.running = True
        try:
            while loop.queue:
                self._handle(*loop.queue.popleft())
        finally:
            loop.running = False
            loop.queue.clear()

    def _runs(self, events: Iterable[DomainEvent]) -> list[tuple[DomainEvent, list[Handler]]]:
        """Each event of one commit with its handlers; a `OncePerRequest` handler only
        with the first event of the commit about its request."""
        seen: set[tuple[Handler, str]] = set()
        runs: list[tuple[DomainEvent, list[Handler]]] = []
        for event in events:
            handlers: list[Handler] = []
            rma_no = event.data.get("rma_no")
            for handler in self.handlers.get(event.name, ()):
                if isinstance(handler, OncePerRequest) and isinstance(rma_no, str) and rma_no:
                    if (handler, rma_no) in seen:
                        continue
                    seen.add((handler, rma_no))
                handlers.append(handler)
            runs.append((event, handlers))
        return runs

    def _handle(self, event: DomainEvent, handlers: Sequence[Handler]) -> None:
        for handler in handlers:
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
