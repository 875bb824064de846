"""Hash chains over the records that must prove themselves (R14.3).

History, ledger, store-credit and inventory rows are append-only; on PostgreSQL a
trigger refuses UPDATE and DELETE (migration 0014). A trigger stops the application,
not someone with the database's superuser password, so each row also carries
`prev_hash`, the `row_hash` of the row before it in its chain, and its own
`row_hash`: SHA-256 over that previous hash and a canonical JSON of the row's content.
Editing, deleting or inserting a row anywhere but at the end breaks the chain, and
`returnflow audit verify` names the first row where it breaks.

Chains are split where the writers already are: one per request for the history
(the request's version column and the unique (return_id, seq) already serialise
its writers), one per customer for store credit, one per merchant for inventory and
a single one for the ledger. Writers that are not otherwise serialised take a
transaction-scoped advisory lock on PostgreSQL before reading the chain's tail;
SQLite takes its write lock at BEGIN, so there is nothing to add there.

Personal data stays out of the chains (names, phones, addresses and photos live on
customers and requests), so the retention job can anonymise without touching them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Select, Table, select, text, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from returnflow.storage.database import make_engine
from returnflow.storage.schema import Base, LedgerPostingRow, ReturnRow

POSTING_FIELDS = ("account", "party", "currency", "debit", "credit")


@dataclass(frozen=True)
class Chain:
    """One chained table: which columns are sealed and which column splits its chains."""

    table: str
    fields: tuple[str, ...]
    group: str | None = None

    @property
    def sa_table(self) -> Table:
        return Base.metadata.tables[self.table]


RETURN_EVENTS = Chain(
    "return_events",
    ("seq", "at", "actor", "action", "from_status", "to_status", "note"),
    "return_id",
)
LEDGER = Chain("ledger_entries", ("key", "at", "memo", "rma_no"))
STORE_CREDIT = Chain(
    "store_credit_entries",
    (
        "key",
        "customer_id",
        "kind",
        "amount",
        "currency",
        "balance_after",
        "rma_no",
        "reference",
        "actor",
        "at",
    ),
    "customer_id",
)
INVENTORY = Chain(
    "inventory_movements",
    (
        "at",
        "actor",
        "kind",
        "merchant_id",
        "sku",
        "quantity",
        "from_location",
        "to_location",
        "from_grade",
        "to_grade",
        "rma_no",
        "note",
    ),
    "merchant_id",
)
CHAINS: tuple[Chain, ...] = (RETURN_EVENTS, LEDGER, STORE_CREDIT, INVENTORY)
# append-only on PostgreSQL: the chained tables plus the ledger's postings
APPEND_ONLY_TABLES: tuple[str, ...] = (*(c.table for c in CHAINS), "ledger_postings")


def _plain(value: Any) -> Any:
    """Datetimes as UTC ISO text with microseconds: what both databases give back."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return value


def content_of(chain: Chain, values: Mapping[str, Any]) -> dict[str, Any]:
    content = {name: _plain(values[name]) for name in chain.fields}
    if chain is LEDGER:
        content["postings"] = [list(p) for p in values["postings"]]
    return content


def row_digest(prev_hash: str, content: Mapping[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{prev_hash}\n{canonical}".encode()).hexdigest()


def genesis(chain: Chain, label: str) -> str:
    """The `prev_hash` of a chain's first row: names the table and the chain it starts."""
    return hashlib.sha256(f"returnflow:{chain.table}:{label}".encode()).hexdigest()


# --- sealing rows as they are written -------------------------------------------------


def seal(session: Session, chain: Chain, row: Any, *, prev_hash: str | None = None) -> None:
    """Set `row`'s prev_hash and row_hash before it is added to the session.

    Without `prev_hash` the chain's tail is read from the database, under a lock on
    PostgreSQL held until the transaction ends, so two writers never share a tail.
    """
    values = {name: _value(row, name) for name in chain.fields}
    if chain is LEDGER:
        values["postings"] = [tuple(_value(p, n) for n in POSTING_FIELDS) for p in row.postings]
    if prev_hash is None:
        label = "" if chain.group is None else str(values[chain.group])
        prev_hash = _tail(session, chain, label)
    row.prev_hash = prev_hash
    row.row_hash = row_digest(prev_hash, content_of(chain, values))


def seal_event(row: Any, rma_no: str, previous: Any | None) -> None:
    """A request's history row, chained to the request's previous history row."""
    prev_hash = previous.row_hash if previous is not None else genesis(RETURN_EVENTS, rma_no)
    values = {name: _value(row, name) for name in RETURN_EVENTS.fields}
    row.prev_hash = prev_hash
    row.row_hash = row_digest(prev_hash, content_of(RETURN_EVENTS, values))


def _value(row: Any, name: str) -> Any:
    """The value the database will store: a column default left unset is filled in now,
    or the sealed content (None) would differ from the stored row ("")."""
    value = getattr(row, name)
    default = row.__table__.c[name].default
    if value is None and default is not None and default.is_scalar:
        value = default.arg
        setattr(row, name, value)
    return value


def _tail(session: Session, chain: Chain, label: str) -> str:
    lock(session, chain, label)
    found: str | None = session.scalar(tail_query(chain, label))
    return found if found else genesis(chain, label)


def lock(session: Session, chain: Chain, label: str = "") -> bool:
    """Take the chain's writer lock until the transaction ends; True where one was taken.

    PostgreSQL: a transaction-scoped advisory lock, so a writer holding it sees every
    row an earlier holder committed and no other writer appends meanwhile (the ledger
    checks its idempotency key under it, issue 11). SQLite (False): BEGIN IMMEDIATE
    already serialises writers, nothing to add.
    """
    if session.get_bind().dialect.name != "postgresql":
        return False
    key = int.from_bytes(bytes.fromhex(genesis(chain, label))[:8], "big", signed=True)
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
    return True


def tail_query(chain: Chain, label: str = "") -> Select[Any]:
    """The row_hash of the chain's last row (no row: None); read it under `lock`."""
    table = chain.sa_table
    query = select(table.c.row_hash).order_by(table.c.id.desc()).limit(1)
    if chain.group is not None:
        query = query.where(table.c[chain.group] == label)
    return query


# --- walking the chains ----------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    """A stored row as the walk sees it."""

    chain: Chain
    row_id: int
    label: str
    prev_hash: str
    row_hash: str
    values: Mapping[str, Any]


@dataclass(frozen=True)
class Break:
    table: str
    row_id: int
    problem: str


def links(connection: Connection, chain: Chain) -> Iterator[Link]:
    """Every row of the chain's table in chain order (by group, then id)."""
    table = chain.sa_table
    columns = [table.c.id, table.c.prev_hash, table.c.row_hash, *(table.c[f] for f in chain.fields)]
    if chain is RETURN_EVENTS:
        returns = ReturnRow.__table__
        query = select(*columns, returns.c.rma_no.label("_label")).join(
            returns, returns.c.id == table.c.return_id
        )
    elif chain.group is not None:
        query = select(*columns, table.c[chain.group].label("_label"))
    else:
        query = select(*columns)
    order = [table.c.id] if chain.group is None else [table.c[chain.group], table.c.id]
    postings = _postings(connection) if chain is LEDGER else {}
    for row in connection.execute(query.order_by(*order)).mappings():
        values = dict(row)
        if chain is LEDGER:
            values["postings"] = postings.get(row["id"], [])
        yield Link(
            chain, row["id"], str(row.get("_label", "")), row["prev_hash"], row["row_hash"], values
        )


def _postings(connection: Connection) -> dict[int, list[tuple[Any, ...]]]:
    table = LedgerPostingRow.__table__
    rows = connection.execute(
        select(table.c.entry_id, *(table.c[n] for n in POSTING_FIELDS)).order_by(table.c.id)
    )
    found: dict[int, list[tuple[Any, ...]]] = {}
    for entry_id, *values in rows:
        found.setdefault(entry_id, []).append(tuple(values))
    return found


def expected_hashes(walk: Iterator[Link]) -> Iterator[tuple[Link, str, str]]:
    """Each link with the prev_hash and row_hash it should carry, given the rows before."""
    label: str | None = None
    prev = ""
    for link in walk:
        if link.label != label:
            label, prev = link.label, genesis(link.chain, link.label)
        expected = row_digest(prev, content_of(link.chain, link.values))
        yield link, prev, expected
        prev = link.row_hash if link.prev_hash == prev and link.row_hash else expected


def verify_chain(connection: Connection, chain: Chain) -> tuple[int, Break | None]:
    """How many rows were checked, and the first row where the chain breaks."""
    count = 0
    for link, prev, expected in expected_hashes(links(connection, chain)):
        count += 1
        if link.prev_hash != prev:
            return count, Break(chain.table, link.row_id, _link_problem(link, prev))
        if link.row_hash != expected:
            problem = (
                f"content differs from what was sealed (stored row_hash {link.row_hash[:12]}…, "
                f"content hashes to {expected[:12]}…)"
            )
            return count, Break(chain.table, link.row_id, problem)
    return count, None


def _link_problem(link: Link, prev: str) -> str:
    where = f" in chain {link.label}" if link.label else ""
    return (
        f"prev_hash {link.prev_hash[:12]}… does not follow the row before{where} "
        f"(expected {prev[:12]}…): a row was removed, inserted or reordered"
    )


def verify_all(connection: Connection) -> list[tuple[str, int, Break | None]]:
    return [(chain.table, *verify_chain(connection, chain)) for chain in CHAINS]


class RecordsUnreadable(Exception):
    """The database could not be read (a wrong URL, a schema not migrated).

    Its message is the database error's class name only: the error itself may
    echo a statement's values.
    """


def verify_database(database_url: str) -> list[tuple[str, int, Break | None]]:
    """`verify_all` on a database of its own connection, for `returnflow audit verify`."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return verify_all(connection)
    except SQLAlchemyError as error:
        raise RecordsUnreadable(error.__class__.__name__) from error
    finally:
        engine.dispose()


def seal_existing(connection: Connection, chains: Sequence[Chain] = CHAINS) -> None:
    """Seal rows written before the chains existed (migration 0014), in chain order."""
    for chain in chains:
        table = chain.sa_table
        for link, prev, expected in list(expected_hashes(links(connection, chain))):
            if link.prev_hash != prev or link.row_hash != expected:
                connection.execute(
                    update(table)
                    .where(table.c.id == link.row_id)
                    .values(prev_hash=prev, row_hash=expected)
                )
