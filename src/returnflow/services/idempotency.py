"""Doing a piece of work once per idempotency key, and replaying its first answer.

A client that retries (a timeout, a double click) sends the same key again: the work
is not done twice, the first answer comes back. The same key with a different request
is refused, and a retry that arrives while the first is still at work is told to wait.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from returnflow.domain.text import DomainError, Text
from returnflow.services.repositories import ReturnsWork
from returnflow.storage.idempotency import IN_PROGRESS, KeyTaken, StoredResponse

__all__ = ["Answer", "KeyTaken", "StoredResponse", "once", "replay", "stored"]


@dataclass(frozen=True)
class Answer:
    """What to answer: the work's own result, or the first answer replayed."""

    status_code: int
    body: dict[str, Any]
    replayed: bool


# (status code, JSON body) of the work done under a key
Work = Callable[[], tuple[int, dict[str, Any]]]


def stored(uow: ReturnsWork, scope: str, key: str) -> StoredResponse | None:
    """The record of `key`, if a request already claimed it."""
    return uow.idempotency.get(scope, key)


def replay(record: StoredResponse | None, request_hash: str) -> Answer:
    """The first answer again; refused for another request, or while it is still at work."""
    if record is not None and record.request_hash != request_hash:
        raise DomainError(
            "idempotency_key_reused",
            Text(
                "该幂等键已用于另一份不同的申请",
                "This Idempotency-Key was used for a different request",
            ),
            field="Idempotency-Key",
        )
    if record is None or record.status_code is None or record.body is None:
        raise DomainError("idempotency_in_progress", IN_PROGRESS)
    return Answer(record.status_code, record.body, replayed=True)


def once(
    uow: ReturnsWork, scope: str, key: str, request_hash: str, now: datetime, work: Work
) -> Answer:
    """Claim `key`, do the work and keep its answer; a twin that claimed it first wins.

    The claim comes first, so a concurrent twin waits on it (or finds it) and replays
    this answer once it is committed, instead of doing the work a second time.
    """
    try:
        uow.idempotency.claim(scope, key, request_hash, now)
    except KeyTaken:
        return replay(uow.idempotency.get(scope, key), request_hash)
    status_code, body = work()
    uow.idempotency.store(scope, key, status_code, body)
    return Answer(status_code, body, replayed=False)
