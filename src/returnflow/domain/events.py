"""Domain events: facts other parts of the system react to (mail, webhooks, jobs).

They are recorded by the aggregate and written to the outbox in the same
transaction as the change, so a notice is sent if and only if the change happened.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class DomainEvent:
    name: str  # e.g. "return.created", "return.approved"
    occurred_at: datetime
    data: dict[str, Any] = field(default_factory=dict)


class RaisesEvents(Protocol):
    """An aggregate: it collects the events of its changes until they are handed over."""

    @property
    def events(self) -> list[DomainEvent]: ...


def take_events(aggregates: Iterable[RaisesEvents]) -> list[DomainEvent]:
    """The aggregates' new events, handed over once: each aggregate's list is emptied,
    so a second commit of the same unit of work announces nothing twice."""
    events: list[DomainEvent] = []
    for aggregate in aggregates:
        events.extend(aggregate.events)
        aggregate.events.clear()
    return events
