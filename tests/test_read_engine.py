"""The read path (issue 11): reports and analytics read through `context.read_uow()`.

On SQLite it reads the WAL snapshot beside a writer that holds the write lock; with
RETURNFLOW_READ_DATABASE_URL the pages and routes read that database (a second
throw-away PostgreSQL database with other rows stands in for a replica), without it
the primary; and nothing can be written through it.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from datetime import date, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from returnflow.app_context import AppContext
from returnflow.config import Settings
from returnflow.domain.access import Role
from returnflow.services import reports
from returnflow.storage.database import make_engine, make_session_factory, read_engine
from returnflow.storage.read_uow import WriteOnReadPath
from returnflow.storage.reports import ReportFiles
from returnflow.storage.schema import Base
from returnflow.storage.scratch import empty_postgres
from returnflow.storage.uow import UnitOfWork
from tests.conftest import TokenFactory
from tests.support.apps import shared_app
from tests.support.staff import post_login

FILES = ReportFiles(pdf_zh=b"%PDF-zh", pdf_en=b"%PDF-en", xlsx=b"PK-xlsx")


def _store_report(uow: UnitOfWork, headline: str, start: date, now: datetime) -> None:
    period = (start, date.fromordinal(start.toordinal() + 6))
    uow.reports.add("week", period, FILES, (headline, headline), ("", ""), "tests", now)


@pytest.fixture(scope="module")
def replica_url() -> Iterator[str]:
    """A second PostgreSQL database with the tables (no migration chain: reads only)."""
    with empty_postgres() as url:
        engine = make_engine(url)
        try:
            Base.metadata.create_all(engine)
            yield url
        finally:
            engine.dispose()


def test_sqlite_reads_the_snapshot_while_a_writer_holds_the_lock(context: AppContext) -> None:
    if context.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock")
    now = context.clock()
    seen: list[int] = []

    def read() -> None:
        with context.read_uow() as uow:
            seen.append(reports.listing(uow, 1, 20).total)

    with context.uow() as writer:
        _store_report(writer, "uncommitted", date(2026, 11, 2), now)  # BEGIN IMMEDIATE, held
        probe = sqlite3.connect(str(context.engine.url.database), timeout=0)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            probe.execute("BEGIN IMMEDIATE")  # the lock is really held
        probe.close()
        started = time.monotonic()
        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(timeout=10)  # a read that queued for the lock would wait 30 s
        waited = time.monotonic() - started
        assert seen == [0], "the read did not finish beside the writer"
        assert waited < 5, waited
        writer.commit(now)
    read()
    assert seen == [0, 1]  # committed: the next read sees it


def test_a_write_through_the_read_path_fails_loudly(context: AppContext) -> None:
    now = context.clock()
    with context.read_uow() as uow, pytest.raises(DBAPIError):
        _store_report(uow, "sneaked", date(2026, 11, 2), now)  # the database refuses
    with context.read_uow() as uow, pytest.raises(WriteOnReadPath):
        uow.commit(now)
    with context.uow() as uow:  # the primary's pool is not left read-only
        assert reports.listing(uow, 1, 20).total == 0
        _store_report(uow, "written", date(2026, 11, 2), now)
        uow.commit(now)
    with context.read_uow() as uow:
        assert [r.headline_en for r in reports.listing(uow, 1, 20).reports] == ["written"]


def _reporter(tokens: TokenFactory) -> str:
    return tokens(Role.ADMIN, username="reads.admin")


def _listed(client: TestClient, token: str) -> dict[str, int]:
    answer = client.get("/api/v1/reports", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    return {r["headline_en"]: r["id"] for r in answer.json()["reports"]}


def test_reports_read_the_replica_when_one_is_set_else_the_primary(
    context: AppContext, tokens: TokenFactory, replica_url: str
) -> None:
    now = context.clock()
    with context.uow() as uow:
        _store_report(uow, "on the primary", date(2026, 11, 2), now)
        uow.commit(now)
    replica_engine = make_engine(replica_url)
    with UnitOfWork(make_session_factory(replica_engine)) as uow:
        uow.session.execute(text("DELETE FROM periodic_reports"))
        _store_report(uow, "on the replica", date(2026, 11, 9), now)
        uow.session.commit()
    replica_engine.dispose()
    token = _reporter(tokens)
    client = TestClient(shared_app(context))
    assert list(_listed(client, token)) == ["on the primary"]  # unset: the primary

    settings = Settings(database_url=context.settings.database_url, read_database_url=replica_url)
    routed = AppContext(settings, context.engine, context.session_factory, context.clock)
    client = TestClient(shared_app(routed))
    try:
        listed = _listed(client, token)
        assert list(listed) == ["on the replica"]
        at = f"/api/v1/reports/{listed['on the replica']}.pdf"
        pdf = client.get(at, headers={"Authorization": f"Bearer {token}"})
        assert pdf.status_code == 200 and pdf.content == FILES.pdf_zh
        assert post_login(client, "reads.admin", "correct horse battery").status_code == 303
        page = client.get("/staff/reports/periodic")
        assert page.status_code == 200
        assert "on the replica" in page.text and "on the primary" not in page.text
    finally:
        read_engine(context.engine, replica_url).dispose()


def test_writers_of_one_process_take_turns_on_sqlite(context: AppContext) -> None:
    if context.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock")
    now = context.clock()
    failures: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            for turn in range(5):
                with context.uow() as uow:
                    start = date.fromordinal(date(2026, 1, 5).toordinal() + 7 * (worker * 5 + turn))
                    _store_report(uow, f"{worker}-{turn}", start, now)
                    uow.commit(now)
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures
    with context.read_uow() as uow:
        assert reports.listing(uow, 1, 20).total == 40


def test_a_writer_that_rolls_back_or_fails_hands_the_turn_on(context: AppContext) -> None:
    now = context.clock()
    with context.uow() as uow:
        _store_report(uow, "dropped", date(2026, 11, 2), now)  # not committed: rolled back
    with pytest.raises(RuntimeError), context.uow() as uow:
        _store_report(uow, "failed", date(2026, 11, 2), now)
        raise RuntimeError("a step that fails midway")
    started = time.monotonic()  # a turn kept by either would make this wait 30 s
    with context.uow() as uow:
        _store_report(uow, "kept", date(2026, 11, 2), now)
        uow.commit(now)
    assert time.monotonic() - started < 5
    with context.read_uow() as uow:
        assert [r.headline_en for r in reports.listing(uow, 1, 20).reports] == ["kept"]
