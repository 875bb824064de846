"""Engines for SQLite (the embedded default) and PostgreSQL (production, tests).

Also what the rest of the process needs to know about a database without knowing
SQLAlchemy: where files kept beside it go, and whether an error came from it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine whose errors never echo a statement's values (R14.1: customers' names
    and phones would otherwise reach the logs inside an IntegrityError)."""
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )
        _make_sqlite_serializable(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _make_sqlite_serializable(engine: Engine) -> None:
    """Take SQLite's write lock at BEGIN, so two writers queue instead of failing midway.

    pysqlite's own transaction handling is switched off for this (the documented
    SQLAlchemy recipe), which also makes SAVEPOINT work.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def file_beside(database_url: str, suffix: str, default: str) -> Path | None:
    """A file kept beside the database: next to a SQLite file, `default` for a database
    server, None for an in-memory database (its data, and so the file's, end with it)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            return None
        return Path(f"{url.database}{suffix}")
    return Path(default)


def statement_error(exc: BaseException | None) -> BaseException | None:
    """The failed database statement behind `exc` (itself or a cause), if there is one.

    Such errors carry the statement and its values, which may be a customer's data.
    """
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, StatementError):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None
