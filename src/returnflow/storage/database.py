"""Engines for SQLite (the embedded default) and PostgreSQL (production, tests).

Also what the rest of the process needs to know about a database without knowing
SQLAlchemy: where files kept beside it go, and whether an error came from it.
"""

from __future__ import annotations

import os
import threading
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
    """Take SQLite's write lock at BEGIN, so two writers queue instead of failing midway
    (in this process in a `_WriteTurn`; reads go through `read_engine`, which takes none).

    pysqlite's own transaction handling is switched off for this (the documented
    SQLAlchemy recipe), which also makes SAVEPOINT work.
    """

    _on_each_connection(engine, "foreign_keys=ON", "journal_mode=WAL", "busy_timeout=30000")

    turn = _turn_for(engine)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(_DEFERRED):
            connection.exec_driver_sql("BEGIN")  # an in-memory database's read path
            return
        raw = connection.connection.dbapi_connection
        turn.take(raw)
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            turn.give_back(raw)
            raise

    _give_back_after_commit_and_rollback(engine, turn)


_BUSY_SECONDS = 30.0


class _WriteTurn:
    """This process's queue for one SQLite file's write lock.

    SQLite makes a second writer poll: its busy handler sleeps 1, 2, 5 … 100 ms between
    tries, so with 8 request threads the unlucky ones waited hundreds of ms for a lock
    that was free most of that time (create p99 40–70 × p50, benchmarks/README.md finding
    8). Writers of this process wait here instead and are woken the moment the holder
    commits or rolls back; other processes (the worker) still meet SQLite's busy handler.
    Not first-come-first-served: a strict line handed the turn to threads still waiting
    for a core, and made 8 writers 4 times slower on a loaded machine
    (benchmarks/bench_sqlite_locks.py). A wait longer than the busy timeout falls through
    to SQLite's own handling, as before, so a leaked turn slows writers but never hangs.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holder: object | None = None  # the DBAPI connection holding the turn

    def take(self, dbapi_connection: object) -> None:
        if self._lock.acquire(timeout=_BUSY_SECONDS):
            self._holder = dbapi_connection

    def give_back(self, dbapi_connection: object) -> None:
        raw = getattr(dbapi_connection, "dbapi_connection", dbapi_connection)  # pool proxy
        if self._holder is not None and self._holder is raw:
            self._holder = None
            self._lock.release()


_TURNS: dict[str, _WriteTurn] = {}


def _turn_for(engine: Engine) -> _WriteTurn:
    """One turn per database file in the process, whichever engines open it."""
    database = engine.url.database
    if not database or database == ":memory:":
        return _WriteTurn()  # a private database: nobody else to queue with
    return _TURNS.setdefault(os.path.abspath(database), _WriteTurn())


def _give_back_after_commit_and_rollback(engine: Engine, turn: _WriteTurn) -> None:
    """Hand the turn on once SQLite has released its lock: after the DBAPI commit or
    rollback (the engine's own commit/rollback events fire before them), and when a
    connection is closed or invalidated in the middle of a transaction."""
    dialect = engine.dialect
    commit, rollback = dialect.do_commit, dialect.do_rollback

    def do_commit(dbapi_connection: Any) -> None:
        try:
            commit(dbapi_connection)
        finally:
            turn.give_back(dbapi_connection)

    def do_rollback(dbapi_connection: Any) -> None:
        try:
            rollback(dbapi_connection)
        finally:
            turn.give_back(dbapi_connection)

    setattr(dialect, "do_commit", do_commit)  # noqa: B010 - this engine's dialect only
    setattr(dialect, "do_rollback", do_rollback)  # noqa: B010

    @event.listens_for(engine, "close")
    def _on_close(dbapi_connection: Any, _record: Any) -> None:
        turn.give_back(dbapi_connection)

    @event.listens_for(engine, "invalidate")
    def _on_invalidate(dbapi_connection: Any, _record: Any, _exc: Any) -> None:
        turn.give_back(dbapi_connection)


_DEFERRED = "returnflow_deferred"  # execution option: BEGIN without taking the write lock
# a primary engine's read engines by read URL ("" = its own database), kept on the engine
# itself so they go with it (a weak-keyed registry would be held alive by the PostgreSQL
# twin, which refers to its primary)
_READ_ENGINES = "_returnflow_read_engines"


def read_engine(primary: Engine, url: str = "") -> Engine:
    """The engine reports and analytics read through: `url` (a replica), else the primary's
    database, opened so that nothing can be written through it.

    Kept per primary engine, so every context of a process (and of a test run) shares one
    pool. On PostgreSQL without `url` it is the primary's pool with every transaction READ
    ONLY (no extra connections); on a SQLite file it is a second pool on the same file.
    """
    known: dict[str, Engine] = primary.__dict__.setdefault(_READ_ENGINES, {})
    if url not in known:
        known[url] = make_read_engine(url) if url else _twin(primary)
    return known[url]


def _twin(primary: Engine) -> Engine:
    if primary.dialect.name != "sqlite":
        return primary.execution_options(postgresql_readonly=True)
    database = primary.url.database
    if not database or database == ":memory:":
        # a second pool would open a second, empty database: share the pool, BEGIN deferred
        return primary.execution_options(**{_DEFERRED: True})
    return make_read_engine(primary.url.render_as_string(hide_password=False))


def make_read_engine(url: str) -> Engine:
    """An engine that refuses writes: READ ONLY transactions on PostgreSQL; on SQLite
    `query_only` and a deferred BEGIN, so a read takes no write lock and reads the WAL
    snapshot while a writer holds the lock (the primary begins IMMEDIATE, see above)."""
    if not url.startswith("sqlite"):
        return create_engine(
            url,
            pool_pre_ping=True,
            hide_parameters=True,
            execution_options={"postgresql_readonly": True},
        )
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30},
        hide_parameters=True,
    )

    _on_each_connection(engine, "busy_timeout=30000", "query_only=ON")

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")

    return engine


def _on_each_connection(engine: Engine, *pragmas: str) -> None:
    """pysqlite's own transaction handling off (BEGIN is ours, and SAVEPOINT works),
    then these PRAGMAs, on every new connection."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in pragmas:
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()


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
