"""Idempotency records: the first answer to a request sent with a key, kept for its retries.

A key is claimed before the work starts, so a concurrent twin with the same key either
waits on the unique key (PostgreSQL) or runs after it (SQLite's single writer); then
it finds the key taken and replays the first answer instead of doing the work twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, bindparam, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from returnflow.domain.text import DomainError, Text
from returnflow.storage import batch
from returnflow.storage.schema import IdempotencyRow


@dataclass(frozen=True)
class StoredResponse:
    request_hash: str
    status_code: int | None  # None while the first request is still being worked on
    body: dict[str, Any] | None


IN_PROGRESS = Text(
    "相同的申请正在处理中，请稍后重试",
    "The same request is still being processed: retry shortly",
)


class KeyTaken(DomainError):
    """Another request claimed the key first; its answer (once stored) is the one to give."""

    def __init__(self) -> None:
        super().__init__("idempotency_in_progress", IN_PROGRESS)


class IdempotencyStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, scope: str, key: str) -> StoredResponse | None:
        row = self.session.get(IdempotencyRow, (scope, key))
        if row is None:
            return None
        return StoredResponse(row.request_hash, row.status_code, row.response)

    def claim(self, scope: str, key: str, request_hash: str, now: datetime) -> None:
        """Insert the key first; `KeyTaken` when a twin holds it (this transaction goes on).

        One statement, INSERT … ON CONFLICT DO NOTHING RETURNING: no savepoint around it.
        """
        dialect = self.session.get_bind().dialect.name
        statement = _CLAIM[dialect if dialect in _CLAIM else "sqlite"].values(
            scope=scope, key=key, request_hash=request_hash, created_at=now
        )
        if self.session.execute(statement).first() is None:
            raise KeyTaken()

    def store(self, scope: str, key: str, status_code: int, body: dict[str, Any]) -> None:
        """Keep the answer: queued (storage/batch.py), so it goes with the work's own
        rows in one statement at commit (the key's row is read by nobody before)."""
        values = {"i_scope": scope, "i_key": key, "i_status": status_code, "i_response": body}
        batch.queue_statement(self.session, _STORE, values)


# the answer, stored (bound names of its own: it joins a batch of other rows)
_STORE = (
    update(IdempotencyRow)
    .where(IdempotencyRow.scope == bindparam("i_scope"), IdempotencyRow.key == bindparam("i_key"))
    .values(
        status_code=bindparam("i_status", type_=Integer),
        response=bindparam("i_response", type_=JSON),
    )
)
# a key, claimed once per dialect: the twin that came second gets no row back
_CLAIM = {
    name: make(IdempotencyRow)
    .on_conflict_do_nothing(index_elements=["scope", "key"])
    .returning(IdempotencyRow.scope)
    for name, make in (("postgresql", postgresql_insert), ("sqlite", sqlite_insert))
}
