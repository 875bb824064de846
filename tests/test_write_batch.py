"""storage/batch.py: rows queued for one statement behave as rows the ORM added.

They are written at commit, seen by anything the session runs before (as autoflush
showed added rows), gone with a rollback, kept across a savepoint's rollback, and on
PostgreSQL a commit's queued rows of several tables go in one statement.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, func, select

from returnflow.app_context import AppContext
from returnflow.storage.schema import AccessLogRow, OutboxRow


def _count(context: AppContext, topic: str) -> int:
    with context.engine.connect() as db:
        query = select(func.count()).select_from(OutboxRow).where(OutboxRow.topic == topic)
        return int(db.execute(query).scalar_one())


@contextmanager
def _statements(context: AppContext) -> Iterator[list[str]]:
    seen: list[str] = []

    def statement(*args: Any) -> None:
        seen.append(" ".join(str(args[2]).split()))

    event.listen(context.engine, "before_cursor_execute", statement)
    try:
        yield seen
    finally:
        event.remove(context.engine, "before_cursor_execute", statement)


def test_queued_rows_are_written_at_commit_and_dropped_by_a_rollback(context: AppContext) -> None:
    now = context.clock()
    with context.uow() as uow:
        uow.outbox.put("batch.lost", {"n": 1}, now)
        uow.rollback()
        uow.outbox.put("batch.kept", {"n": 2}, now)
        uow.commit(now)
    with context.uow() as uow:
        uow.outbox.put("batch.never", {"n": 3}, now)  # left without a commit
    assert (_count(context, "batch.lost"), _count(context, "batch.kept")) == (0, 1)
    assert _count(context, "batch.never") == 0


def test_what_the_session_runs_sees_the_queued_rows(context: AppContext) -> None:
    now = context.clock()
    with context.uow() as uow:
        uow.outbox.put("batch.seen", {"n": 1}, now)
        query = select(func.count()).select_from(OutboxRow).where(OutboxRow.topic == "batch.seen")
        assert uow.session.scalar(query) == 1  # as autoflush showed an added row


def test_a_savepoint_rolled_back_keeps_what_was_queued_before_it(context: AppContext) -> None:
    now = context.clock()
    with context.uow() as uow:
        uow.outbox.put("batch.before", {"n": 1}, now)
        savepoint = uow.session.begin_nested()
        savepoint.rollback()
        uow.commit(now)
    assert _count(context, "batch.before") == 1


def test_a_commit_writes_its_queued_tables_in_one_statement(context: AppContext) -> None:
    now = context.clock()
    postgresql = context.settings.database_url.startswith("postgresql")
    with context.uow() as uow:
        uow.accounts.log_access("someone", "RMA-BATCH", "contact", now, customer_id="c-1")
        uow.outbox.put("batch.one", {"n": 1}, now)
        uow.outbox.put("batch.one", {"n": 2}, now)
        with _statements(context) as seen:
            uow.commit(now)
    inserts = [s for s in seen if "INSERT" in s]
    assert len(inserts) == (1 if postgresql else 2), inserts
    assert _count(context, "batch.one") == 2
    with context.engine.connect() as db:
        query = select(func.count()).select_from(AccessLogRow)
        assert db.execute(query.where(AccessLogRow.subject == "RMA-BATCH")).scalar_one() == 1
