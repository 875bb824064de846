"""Posting to the ledger once (issue 11): the key checked under the chain's lock.

On PostgreSQL `Ledger.post` takes the ledger chain's advisory lock first, then reads
the key and the chain's tail in one statement; a twin committed before is seen, a later
one waits. These tests hold one writer open while its twin waits, and count the
statements of one post.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, select, text

from returnflow.app_context import AppContext
from returnflow.domain.ledger import Account, JournalEntry, Posting
from returnflow.domain.money import Money
from returnflow.storage import chain
from returnflow.storage.schema import LedgerEntryRow

# issue 11 (2026-12-07): key check, lock, tail, savepoint, entry, postings, release = 7
POST_STATEMENTS = 4


def _entry(context: AppContext, key: str) -> JournalEntry:
    return JournalEntry(
        key,
        context.clock(),
        "twin",
        (
            Posting(Account.COMPENSATION, Money(100, "CNY"), Money.zero("CNY")),
            Posting(Account.CASH, Money.zero("CNY"), Money(100, "CNY")),
        ),
    )


def _postgresql(context: AppContext) -> None:
    if not context.settings.database_url.startswith("postgresql"):
        pytest.skip("advisory locks and statement counts are PostgreSQL's")


def _waiting_on_advisory_lock(context: AppContext) -> bool:
    with context.engine.connect() as connection:
        waiting = connection.scalar(
            text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        )
    return bool(waiting)


def test_a_twin_waiting_for_the_first_post_finds_its_key_and_books_nothing(
    context: AppContext,
) -> None:
    _postgresql(context)
    entry = _entry(context, "test:twin")
    first_posted, release = threading.Event(), threading.Event()
    answers: dict[str, Any] = {}

    def first() -> None:
        with context.uow() as uow:
            answers["first"] = uow.ledger.post(entry)
            first_posted.set()
            release.wait(10)
            uow.commit(context.clock())

    def second() -> None:
        try:
            with context.uow() as uow:
                answers["second"] = uow.ledger.post(entry)
                uow.commit(context.clock())
        except Exception as exc:  # the test reports it
            answers["second"] = exc

    one = threading.Thread(target=first)
    one.start()
    assert first_posted.wait(10)
    two = threading.Thread(target=second)
    two.start()
    deadline = time.monotonic() + 10
    while not _waiting_on_advisory_lock(context) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _waiting_on_advisory_lock(context)  # the twin waits for the first's commit
    release.set()
    one.join(10)
    two.join(10)
    assert answers == {"first": True, "second": False}
    with context.session_factory() as session:
        count = session.scalar(
            select(func.count()).select_from(LedgerEntryRow).where(LedgerEntryRow.key == entry.key)
        )
    assert count == 1
    with context.engine.connect() as connection:
        assert all(found is None for _, _, found in chain.verify_all(connection))


def test_a_post_costs_four_statements_and_a_repeat_two(context: AppContext) -> None:
    _postgresql(context)
    statements: list[str] = []

    def count(_c: Any, _cur: Any, sql: str, *_rest: Any) -> None:
        statements.append(sql)

    with context.uow() as uow:  # the chain has a tail to read
        assert uow.ledger.post(_entry(context, "test:before"))
        uow.commit(context.clock())
    entry = _entry(context, "test:counted")
    event.listen(context.engine, "before_cursor_execute", count)
    try:
        with context.uow() as uow:
            assert uow.ledger.post(entry)
            posted = len(statements)
            uow.commit(context.clock() + timedelta(seconds=1))
        statements.clear()
        with context.uow() as uow:
            assert not uow.ledger.post(entry)
            repeated = len(statements)
    finally:
        event.remove(context.engine, "before_cursor_execute", count)
    assert posted <= POST_STATEMENTS, statements
    assert repeated <= 2
    with context.engine.connect() as connection:
        assert all(found is None for _, _, found in chain.verify_all(connection))
