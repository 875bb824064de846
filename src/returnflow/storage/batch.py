"""Writes a transaction defers to one round trip (issue 11: a filing near the database's speed).

Why: a filing used to send one INSERT per table (the request, its lines, its history,
the access log, the risk score, the identifiers, the outbox), each a round trip and
an ORM flush in Python. Rows nobody reads back in the transaction are queued here
instead and go together, right before anything else could see them:

- at commit (the session's `before_commit`), or earlier, when the session executes
  anything or flushes ORM rows (`do_orm_execute`, `before_flush`: the moments the ORM's
  autoflush would have written an added row), or when a repository asks (`flush`);
- on PostgreSQL as ONE statement: each queued write a data-modifying CTE of the next
  (`WITH w0 AS (INSERT …), w1 AS (INSERT …) INSERT …`); a child table (a request's lines
  and history) takes its parent's id from the parent's CTE by a natural key (the RMA
  number), so no id has to be read back first;
- on SQLite (no data-modifying CTEs), or past `MAX_ROWS` rows, one executemany per
  table, in order.

A rollback drops the queue (`after_soft_rollback`): nothing of a lost transaction is written.
Writes go through the session's connection, never the ORM: rows queued here are not
objects in the session, so a repository that must change one later loads it first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, bindparam, event, insert, select, union_all
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction
from sqlalchemy.sql.selectable import CTE

PARENT = "_parent"  # a child row's key: the parent's natural key, resolved to its id
_KEY = "returnflow_batch"


@dataclass(frozen=True, slots=True)
class Parent:
    """How a child table's rows find their parent's id: `fk` = parent.id where
    parent.`key` = the row's `PARENT` value (the parent queued in the same batch)."""

    table: Table
    key: str
    fk: str


@dataclass
class _Write:
    table: Table
    rows: list[dict[str, Any]]
    conflict_keys: tuple[str, ...] = ()
    parent: Parent | None = None
    statement: Any = None  # a prebuilt statement (`queue_statement`), its one row its values


@dataclass
class Batch:
    """The writes queued in one session, in the order they were queued."""

    writes: list[_Write] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.writes)


def queue(
    session: Session,
    table: Table,
    rows: list[dict[str, Any]],
    *,
    conflict_keys: tuple[str, ...] = (),
    parent: Parent | None = None,
) -> None:
    """Queue `rows` for `table` (each dict the same columns); with `conflict_keys`, a row
    whose key is taken is skipped (ON CONFLICT DO NOTHING)."""
    if not rows:
        return
    batch = _batch_of(session)
    for write in batch.writes:  # rows for a table already queued join its write
        same = write.table is table and write.conflict_keys == conflict_keys
        if same and write.parent == parent and list(write.rows[0]) == list(rows[0]):
            write.rows.extend(rows)
            return
    batch.writes.append(_Write(table, list(rows), conflict_keys, parent))


def queue_statement(session: Session, statement: Any, values: dict[str, Any]) -> None:
    """Queue a prebuilt UPDATE (or INSERT) whose bound names are its own (say
    idempotency's stored answer); the same statement queued twice sends the first."""
    batch = _batch_of(session)
    if any(write.statement is statement for write in batch.writes):
        flush(session)
        batch = _batch_of(session)
    batch.writes.append(_Write(statement.table, [values], statement=statement))


def _batch_of(session: Session) -> Batch:
    """The session's queue; its transaction begun now if need be, so that a rollback
    (which ends a transaction, or does nothing without one) drops what was queued."""
    if not session.in_transaction():
        session.begin()
    batch = session.info.get(_KEY)
    if batch is None:
        batch = session.info[_KEY] = Batch()
    return batch


def flush(session: Session) -> None:
    """Send what is queued (nothing queued: no statement)."""
    batch: Batch | None = session.info.pop(_KEY, None)
    if not batch:
        return
    connection = session.connection()
    rows = sum(len(write.rows) for write in batch.writes)
    if connection.dialect.name == "postgresql" and rows <= MAX_ROWS:
        writes = batch.writes
        shape = tuple(
            (w.table.name, tuple(w.rows[0]), len(w.rows), w.conflict_keys, w.parent, w.statement)
            for w in writes
        )
        statement = _SHAPES.get(shape)
        if statement is None:
            if len(_SHAPES) >= MAX_SHAPES:
                _SHAPES.clear()
            statement = _SHAPES[shape] = _one_statement(writes)
        values = {
            name if write.statement is not None else f"p{n}_{i}_{name}": value
            for n, write in enumerate(writes)
            for i, row in enumerate(write.rows)
            for name, value in row.items()
        }
        connection.execute(statement, values)
    else:
        _one_by_one(session, batch.writes)


def drop(session: Session) -> None:
    session.info.pop(_KEY, None)


MAX_ROWS = 100  # more (a bulk step's outbox, say): a statement per table, as on SQLite
MAX_SHAPES = 200  # statements kept; past it the cache starts afresh
# one statement per shape (which tables, which columns, how many rows), its values bound
# by name: built and compiled once, so a filing only binds (building a statement of a
# dozen CTEs costs far more Python than the ORM flush it replaces)
_SHAPES: dict[tuple[Any, ...], Any] = {}


def _one_statement(writes: list[_Write]) -> Any:
    """Every write as a CTE of the last one: one statement, one round trip."""
    parents: dict[str, Any] = {}
    statements: list[Any] = []
    for n, write in enumerate(writes):
        keys = {w.parent.key for w in writes if w.parent and w.parent.table is write.table}
        if write.statement is not None:
            statement: Any = write.statement
        elif write.parent is not None:
            statement = _child_insert(n, write, parents[write.parent.table.name])
        else:
            # INSERT … SELECT :a, :b UNION ALL SELECT …: a multi-row VALUES is not cacheable
            names = list(write.rows[0])
            chosen = [
                select(*(_bind(n, i, write.table, name) for name in names))
                for i in range(len(write.rows))
            ]
            rows = chosen[0] if len(chosen) == 1 else union_all(*chosen)
            statement = postgresql_insert(write.table).from_select(names, rows)
            if write.conflict_keys:
                statement = statement.on_conflict_do_nothing(index_elements=write.conflict_keys)
        if keys:  # a parent: its children read its ids from its CTE
            statement = statement.returning(write.table.c.id, write.table.c[keys.pop()])
            parents[write.table.name] = statement.cte(f"w{n}")
            statements.append(parents[write.table.name])
            continue
        statements.append(statement.cte(f"w{n}") if n < len(writes) - 1 else statement)
    last = statements[-1]
    if isinstance(last, CTE):  # the last write is a parent: select its CTE
        return select(last.c.id).add_cte(*statements[:-1])
    return last.add_cte(*statements[:-1])


def _bind(n: int, i: int, table: Table, name: str) -> Any:
    column_type = table.c[name].type if name in table.c else None
    return bindparam(f"p{n}_{i}_{name}", type_=column_type)


def _child_insert(n: int, write: _Write, parent: Any) -> Any:
    """INSERT child (fk, cols…) SELECT parent.id, :cols… FROM parent WHERE parent.key =
    :key, one SELECT per row (UNION ALL)."""
    assert write.parent is not None
    names = [name for name in write.rows[0] if name != PARENT]
    key_type = write.parent.table.c[write.parent.key].type
    chosen = [
        select(parent.c.id, *(_bind(n, i, write.table, name) for name in names)).where(
            parent.c[write.parent.key] == bindparam(f"p{n}_{i}_{PARENT}", type_=key_type)
        )
        for i in range(len(write.rows))
    ]
    rows = chosen[0] if len(chosen) == 1 else union_all(*chosen)
    return insert(write.table).from_select([write.parent.fk, *names], rows)


def _one_by_one(session: Session, writes: list[_Write]) -> None:
    """SQLite (or a large batch): a table at a time (executemany); parents' ids read
    back for their children."""
    connection = session.connection()
    make = postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert
    ids: dict[tuple[str, Any], int] = {}
    for write in writes:
        if write.statement is not None:
            connection.execute(write.statement, write.rows[0])
            continue
        if write.parent is not None:
            parent = write.parent
            rows = [
                {k: v for k, v in row.items() if k != PARENT}
                | {parent.fk: ids[(parent.table.name, row[PARENT])]}
                for row in write.rows
            ]
            connection.execute(insert(write.table), rows)
            continue
        statement: Any = make(write.table)
        if write.conflict_keys:
            statement = statement.on_conflict_do_nothing(index_elements=write.conflict_keys)
        keys = {w.parent.key for w in writes if w.parent and w.parent.table is write.table}
        if not keys:
            connection.execute(statement, write.rows)
            continue
        key = keys.pop()
        for row in write.rows:
            found = connection.execute(
                statement.values(row).returning(write.table.c.id, write.table.c[key])
            ).one()
            ids[(write.table.name, found[1])] = int(found[0])


@event.listens_for(Session, "do_orm_execute")
def _before_execute(state: ORMExecuteState) -> None:
    """Whatever the session runs sees the queued rows (as it saw autoflushed ones)."""
    if state.session.info.get(_KEY):
        flush(state.session)


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    """The ORM's own rows go after the queued ones (one may point at a queued request)."""
    if session.info.get(_KEY):
        flush(session)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    flush(session)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous: SessionTransaction) -> None:
    """The transaction is gone: so is what it queued. A savepoint's rollback keeps the
    queue (rows queued before it; nothing queues inside one: ledger and tracking
    savepoints hold one ORM insert each)."""
    if not previous.nested:
        drop(session)
