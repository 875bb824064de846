"""Slowing down guessing: after a few failures a key must wait (portal look-ups, sign-ins)."""

from __future__ import annotations

from datetime import datetime, timedelta

from returnflow.domain.text import DomainError, Text
from returnflow.storage.uow import UnitOfWork

WINDOW = timedelta(minutes=15)
ALLOWED_FAILURES = 5


class TooManyAttempts(DomainError):
    pass


def check(uow: UnitOfWork, keys: list[str], now: datetime) -> None:
    """Refuse before any checking once a key has failed too often in the window."""
    if any(uow.attempts.recent(key, now, WINDOW) >= ALLOWED_FAILURES for key in keys):
        raise TooManyAttempts(
            "too_many_attempts",
            Text("尝试次数过多，请 15 分钟后再试", "Too many tries: wait 15 minutes and try again"),
        )


def failed(uow: UnitOfWork, keys: list[str], now: datetime) -> None:
    for key in keys:
        uow.attempts.record(key, now)
