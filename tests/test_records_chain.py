"""Records that prove themselves (R14.3): hash chains, `audit verify`, append-only rows."""

from __future__ import annotations

import importlib
import itertools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic.migration import MigrationContext
from alembic.operations import Operations
from fastapi.testclient import TestClient
from sqlalchemy import Connection, inspect, select, text, update
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from returnflow.app_context import AppContext
from returnflow.cli import app
from returnflow.domain.ledger import Account, JournalEntry, Posting
from returnflow.domain.money import Money
from returnflow.storage import chain
from returnflow.storage.schema import ReturnEventRow, StoreCreditEntryRow
from tests.support.clock import FakeClock
from tests.support.records import credit_and_stock, refunded_return

OrderPayload = Callable[..., dict[str, Any]]


@pytest.fixture
def rma(
    client: TestClient,
    context: AppContext,
    clock: FakeClock,
    tmp_path: Path,
    order_payload: OrderPayload,
) -> str:
    number = refunded_return(client, context, clock, tmp_path, order_payload())
    credit_and_stock(context)
    return number


def _verify(context: AppContext) -> dict[str, tuple[int, chain.Break | None]]:
    with context.engine.connect() as connection:
        return {table: (count, found) for table, count, found in chain.verify_all(connection)}


def _cli_verify(context: AppContext, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    monkeypatch.setenv("RETURNFLOW_DATABASE_URL", context.settings.database_url)
    result = CliRunner().invoke(app, ["audit", "verify"])
    return result.exit_code, result.output


def _tamper(connection: Connection, statement: str, **values: Any) -> None:
    """What an attacker with database access does: round the triggers, edit the row."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SET LOCAL session_replication_role = replica"))
    connection.execute(text(statement), values)


def _one(connection: Connection, query: str) -> int:
    return int(connection.execute(text(query)).scalar_one())


def test_every_chain_holds_after_real_work(
    rma: str, context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    results = _verify(context)
    assert set(results) == {c.table for c in chain.CHAINS}
    for table, (count, found) in results.items():
        assert found is None, (table, found)
        assert count >= 1, table
    with context.session_factory() as session:
        events = session.scalars(select(ReturnEventRow).order_by(ReturnEventRow.seq)).all()
    assert events[0].prev_hash == chain.genesis(chain.RETURN_EVENTS, rma)
    for before, after in itertools.pairwise(events):
        assert after.prev_hash == before.row_hash
    code, output = _cli_verify(context, monkeypatch)
    assert code == 0, output
    assert f"return_events: {results['return_events'][0]} rows verified" in output
    # the migration seals rows written before it (no hashes yet) in chain order
    with context.engine.connect() as connection, connection.begin():
        for item in chain.CHAINS:
            _tamper(connection, f"UPDATE {item.table} SET prev_hash = '', row_hash = ''")
        assert any(found for _, _, found in chain.verify_all(connection))
        chain.seal_existing(connection)
        assert [found for _, _, found in chain.verify_all(connection)] == [None] * 4


EDITS = {
    "history note": (
        "return_events",
        "UPDATE return_events SET note = 'approved by the boss' WHERE id = :id",
        "SELECT min(id) FROM return_events",
    ),
    "ledger posting": (
        "ledger_entries",
        "UPDATE ledger_postings SET debit = debit + 100 WHERE entry_id = :id",
        "SELECT min(id) FROM ledger_entries",
    ),
    "store credit amount": (
        "store_credit_entries",
        "UPDATE store_credit_entries SET amount = 999999 WHERE id = :id",
        "SELECT min(id) FROM store_credit_entries",
    ),
    "stock quantity": (
        "inventory_movements",
        "UPDATE inventory_movements SET quantity = 50 WHERE id = :id",
        "SELECT max(id) FROM inventory_movements",
    ),
}


def _broken(connection: Connection, table: str) -> chain.Break | None:
    return dict((t, found) for t, _, found in chain.verify_all(connection))[table]


def test_a_hand_edited_row_is_named(
    rma: str, context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    for table, statement, target in EDITS.values():
        with context.engine.connect() as connection, connection.begin():
            row_id = _one(connection, target)
            _tamper(connection, statement, id=row_id)
            found = _broken(connection, table)
            assert found is not None and (found.table, found.row_id) == (table, row_id)
            assert "content differs" in found.problem
            connection.rollback()
    # committed, as an attacker would leave it: the command names it and fails
    with context.engine.begin() as connection:
        row_id = _one(connection, "SELECT max(id) FROM return_events")
        _tamper(connection, "UPDATE return_events SET actor = 'nobody' WHERE id = :id", id=row_id)
    code, output = _cli_verify(context, monkeypatch)
    assert code == 1
    assert f"BROKEN return_events row id {row_id}" in " ".join(output.split())


def test_a_removed_or_resealed_history_row_breaks_the_next(rma: str, context: AppContext) -> None:
    with context.engine.connect() as connection, connection.begin():
        second, third = (
            _one(connection, f"SELECT id FROM return_events WHERE seq = {seq}") for seq in (1, 2)
        )
        _tamper(connection, "DELETE FROM return_events WHERE id = :id", id=second)
        found = _broken(connection, "return_events")
        assert found is not None and found.row_id == third
        assert "does not follow the row before" in found.problem
        connection.rollback()
    # an attacker who knows the scheme recomputes the edited row's own hash
    with context.engine.connect() as connection, connection.begin():
        first = _one(connection, "SELECT min(id) FROM return_events")
        row = (
            connection.execute(select(ReturnEventRow.__table__).where(ReturnEventRow.id == first))
            .mappings()
            .one()
        )
        content = chain.content_of(chain.RETURN_EVENTS, {**row, "note": "edited"})
        resealed = chain.row_digest(row["prev_hash"], content)
        _tamper(
            connection,
            "UPDATE return_events SET note = 'edited', row_hash = :h WHERE id = :id",
            h=resealed,
            id=first,
        )
        found = _broken(connection, "return_events")
        assert found is not None and found.row_id > first
        assert "does not follow" in found.problem


def test_rows_are_append_only_on_postgresql(
    database_url: str, request: pytest.FixtureRequest
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the triggers are PostgreSQL's; SQLite serialises writers instead")
    request.getfixturevalue("rma")
    context: AppContext = request.getfixturevalue("context")
    for statement in (
        update(ReturnEventRow).values(note="changed"),
        text("DELETE FROM ledger_entries"),
        text("UPDATE ledger_postings SET debit = 0"),
        text("DELETE FROM store_credit_entries"),
        text("UPDATE inventory_movements SET quantity = 9"),
    ):
        with pytest.raises(DBAPIError, match="append-only"), context.engine.begin() as c:
            c.execute(statement)
    assert all(found is None for _, found in _verify(context).values())


def _post(context: AppContext, number: int) -> None:
    now = context.clock() + timedelta(seconds=number)
    entry = JournalEntry(
        f"test:{number}",
        now,
        "concurrent",
        (
            Posting(Account.COMPENSATION, Money(100, "CNY"), Money.zero("CNY")),
            Posting(Account.CASH, Money.zero("CNY"), Money(100, "CNY")),
        ),
    )
    with context.uow() as uow:
        assert uow.ledger.post(entry)
        uow.commit(now)


def test_concurrent_writers_never_fork_the_ledger_chain(context: AppContext) -> None:
    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(lambda n: _post(context, n), range(12)))
    count, found = _verify(context)["ledger_entries"]
    assert (count, found) == (12, None)


def test_verify_on_a_database_without_the_schema_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RETURNFLOW_DATABASE_URL", f"sqlite:///{tmp_path}/empty.db")
    result = CliRunner().invoke(app, ["audit", "verify"])
    assert result.exit_code == 2
    assert "migrated" in result.output


def test_a_column_left_to_its_default_is_sealed_as_stored(context: AppContext) -> None:
    """A writer that leaves `rma_no` and `reference` unset gets the stored "" sealed."""
    now = context.clock()
    with context.uow() as uow:
        row = StoreCreditEntryRow(
            key="k-1",
            customer_id="c-9",
            kind="grant",
            amount=100,
            currency="CNY",
            balance_after=100,
            actor="finance",
            at=now,
        )
        chain.seal(uow.session, chain.STORE_CREDIT, row)
        uow.session.add(row)
        uow.commit(now)
    assert _verify(context)["store_credit_entries"] == (1, None)


def _hashes_on(connection: Connection) -> dict[str, list[tuple[int, str]]]:
    return {
        item.table: [
            (int(row_id), str(row_hash))
            for row_id, row_hash in connection.execute(
                text(f"SELECT id, row_hash FROM {item.table} ORDER BY id")
            )
        ]
        for item in chain.CHAINS
    }


def _hashes(context: AppContext) -> dict[str, list[tuple[int, str]]]:
    with context.engine.connect() as connection:
        return _hashes_on(connection)


def test_migration_0014_down_and_up_on_rows_already_there(rma: str, context: AppContext) -> None:
    """Upgrading a database with history seals it with the hashes the writers compute."""
    migration = importlib.import_module("returnflow.migrations.versions.0014_records_chain")
    sealed = _hashes(context)
    with context.engine.connect() as connection, connection.begin():
        with Operations.context(MigrationContext.configure(connection)):
            migration.downgrade()
            columns = {c["name"] for c in inspect(connection).get_columns("ledger_entries")}
            assert "row_hash" not in columns
            migration.upgrade()
        assert _hashes_on(connection) == sealed
        connection.rollback()
    assert _hashes(context) == sealed
