"""Named number sequences (RMA numbers)."""

from __future__ import annotations

from sqlalchemy import text, update
from sqlalchemy.orm import Session

from returnflow.storage.schema import CounterRow

_NEXTVAL = text("SELECT nextval(:seq)")


def sequence_of(name: str) -> str:
    """The PostgreSQL SEQUENCE behind a named counter (storage/filing_facts.py draws
    the RMA number from it inside the filing's one read)."""
    return f"{name}_seq"


class Counters:
    """Named number sequences (RMA numbers).

    PostgreSQL hands numbers out from a real SEQUENCE, which holds no lock until commit,
    so concurrent filings never wait on each other here (a rolled-back filing leaves a
    gap). SQLite has a single writer anyway and counts in the `counters` table.
    """

    def __init__(self, session: Session) -> None:
        self.session = session

    def next(self, name: str) -> int:
        if self.session.get_bind().dialect.name == "postgresql":
            # on the connection: a number reads no table, so rows queued in storage/batch.py
            # wait for the commit's one statement instead of going before it
            value = self.session.connection().execute(_NEXTVAL, {"seq": sequence_of(name)})
            return int(value.scalar_one())
        result = (
            self.session.connection()
            .execute(
                update(CounterRow)
                .where(CounterRow.name == name)
                .values(value=CounterRow.value + 1)
                .returning(CounterRow.value)
            )
            .scalar()
        )
        if result is None:
            raise KeyError(f"counter {name!r} is not seeded; run the migrations")
        return int(result)
