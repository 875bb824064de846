"""Domain events: facts other parts of the system react to (mail, webhooks, jobs).

They are recorded by the aggregate and written to the outbox in the same
transaction as the change, so a notice is sent if and only if the change happened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class DomainEvent:
    name: str  # e.g. "return.created", "return.approved"
    occurred_at: datetime
    data: dict[str, Any] = field(default_factory=dict)
