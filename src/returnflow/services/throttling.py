"""Counting guarded tries (sign-in, the two-step code, the portal's order look-up).

A try is counted before its secret is checked, in a transaction of its own that the
caller commits at once: the counters' row locks are held only that long. The keys and
rules are the entrypoint's choice (`web/throttle.py`); the rules' arithmetic is
`domain/throttling.py` and the locked counters `storage/attempts.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from returnflow.domain.throttling import Rule, too_many_attempts
from returnflow.services.unit_of_work import UnitOfWork

Keyed = Sequence[tuple[str, Rule]]


def take(uow: UnitOfWork, keyed: Keyed, now: datetime) -> None:
    """Count one try on every key; `TooManyAttempts` (not counted) when one must wait."""
    wait = uow.attempts.take(list(keyed), now)
    if wait is not None:
        raise too_many_attempts(wait)


def passed(uow: UnitOfWork, specific: str, source: Keyed) -> None:
    """The secret was right: the specific count starts again, the source gets its try back."""
    uow.attempts.clear(specific)
    uow.attempts.give_back(list(source))
