"""The read path's unit of work: the same repositories, on the read engine, never committed.

Reports, dashboards, scorecards and analyses read a lot and write nothing; they read
through `AppContext.read_uow()`, which may be a PostgreSQL replica
(RETURNFLOW_READ_DATABASE_URL) and on SQLite is a deferred read of the WAL snapshot, so
they neither load the primary nor wait behind its writers. A write through it fails
loudly twice over: the database refuses it (READ ONLY transaction, SQLite `query_only`),
and `commit` refuses to run at all.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from returnflow.storage.uow import UnitOfWork, _lent


class WriteOnReadPath(RuntimeError):
    """Something tried to commit through the read path: a programming error, never a
    refusal to show a person (it reaches the logs as a 500)."""


class ReadUnitOfWork(UnitOfWork):
    """A unit of work whose transaction is only ever rolled back."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        super().__init__(session_factory, None)

    def __enter__(self) -> ReadUnitOfWork:
        # never borrow a writer's held connection (storage/uow.py lends it to follow-ons)
        borrowed = _lent.set(None)
        try:
            super().__enter__()
        finally:
            _lent.reset(borrowed)
        return self

    def commit(self, now: datetime) -> None:
        self.session.rollback()
        raise WriteOnReadPath(
            "a read-only unit of work (AppContext.read_uow) was asked to commit; "
            "writes go through AppContext.uow()"
        )
