"""How guessing is slowed down: free tries, then doubling waits, per counted key.

A try is counted *before* the secret is checked (a reservation), so the rule decides
from the counter alone whether a try may go ahead; storage changes the counter under
a row lock, so concurrent guesses cannot slip past the allowance (issue 9).

Keys are chosen by the caller so that one rule never locks out the legitimate user:
sign-in slows down per (username, source) and locks per source, never per username.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from returnflow.domain.text import DomainError, Text


@dataclass(frozen=True, slots=True)
class Rule:
    """`free` tries go ahead at once; after that each try waits `backoff`, doubling.

    A counter that stays quiet for `window` starts again from zero; a rule whose
    `backoff` equals its `max_wait` is a plain lock for that long.
    """

    free: int
    window: timedelta
    backoff: timedelta
    max_wait: timedelta

    def wait_after(self, hits: int) -> timedelta:
        """How long the next try must wait once `hits` tries have been counted."""
        if hits < self.free:
            return timedelta(0)
        doublings = min(hits - self.free, 20)  # 2**20 × any backoff is past any cap
        wait: timedelta = self.backoff * (1 << doublings)
        return min(wait, self.max_wait)


@dataclass(frozen=True, slots=True)
class Counter:
    hits: int = 0
    last_at: datetime | None = None
    blocked_until: datetime | None = None

    def wait(self, now: datetime) -> timedelta | None:
        """The time still to wait, or None when a try may go ahead now."""
        if self.blocked_until is not None and self.blocked_until > now:
            return self.blocked_until - now
        return None

    def counted(self, rule: Rule, now: datetime) -> Counter:
        """The counter after one more try at `now` (the caller checked `wait` first)."""
        quiet = self.last_at is None or now - self.last_at >= rule.window
        hits = (0 if quiet else self.hits) + 1
        wait = rule.wait_after(hits)
        return Counter(hits, now, now + wait if wait else None)

    def given_back(self, rule: Rule) -> Counter:
        """A try that turned out legitimate no longer counts against the key."""
        hits = max(self.hits - 1, 0)
        blocked = self.blocked_until if hits >= rule.free else None
        return Counter(hits, self.last_at, blocked)


class TooManyAttempts(DomainError):
    pass


def too_many_attempts(wait: timedelta) -> TooManyAttempts:
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    return TooManyAttempts(
        "too_many_attempts",
        Text(
            "尝试次数过多，请 {minutes} 分钟后再试",
            "Too many tries: wait {minutes} minutes and try again",
        ).format(minutes=minutes),
    )
