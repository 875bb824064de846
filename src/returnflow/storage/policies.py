"""Published policy versions: the `PolicyBook` every eligibility check and review reads.

On PostgreSQL the book is also kept in the process (issue 11), keyed by a stamp of the
table: its row count and the newest `xmin` (the transaction that wrote a row; a new,
changed or re-created row has a new one, in any database of the cluster). The order
read that starts a filing or a step carries the stamp as one more column
(`POLICY_STAMP`, noted by `note_stamp`), so a book still current costs no statement and
no JSON decoding; without a stamp, or with another, the versions are read as before.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import literal_column, select
from sqlalchemy.orm import Session

from returnflow.domain.events import DomainEvent
from returnflow.domain.policy import PolicyBook, PolicyVersion
from returnflow.storage import codecs
from returnflow.storage.schema import PolicyVersionRow

_XMIN = "policy_versions.xmin::text::bigint"
# the stamp as a column of another read (PostgreSQL): "rows:newest xmin"
POLICY_STAMP: Any = literal_column(
    f"(SELECT count(*) || ':' || coalesce(max({_XMIN}), 0) FROM policy_versions)"
).label("policy_stamp")
_STAMPED = select(PolicyVersionRow.document, literal_column(_XMIN))
_NOTED = "returnflow_policy_stamp"
_BOOKS: dict[tuple[str, str], PolicyBook] = {}  # (database, stamp) → book
MAX_BOOKS = 32


def _database(session: Session) -> str:
    return str(session.get_bind().engine.url)


def note_stamp(session: Session, stamp: str) -> None:
    """The policy table's stamp as read in the session's current transaction."""
    session.info[_NOTED] = (session.get_transaction(), stamp)


class PolicyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        # read once per unit of work: every eligibility check, review and refund asks for
        # it, and only `add` (through this repository) changes it
        self._book: PolicyBook | None = None
        self._events: list[DomainEvent] = []  # "policy.published" (issue 17: stale lessons)

    def book(self) -> PolicyBook:
        if self._book is None:
            self._book = self._kept() or self._read()
        return self._book

    def _kept(self) -> PolicyBook | None:
        """The process's book for the stamp read in this transaction, if any."""
        noted = self.session.info.get(_NOTED)
        if noted is None or noted[0] is not self.session.get_transaction():
            return None
        return _BOOKS.get((_database(self.session), noted[1]))

    def _read(self) -> PolicyBook:
        if self.session.get_bind().dialect.name != "postgresql":
            rows = self.session.scalars(select(PolicyVersionRow)).all()
            return PolicyBook([codecs.policy_from_json(row.document) for row in rows])
        found = self.session.execute(_STAMPED).all()
        book = PolicyBook([codecs.policy_from_json(document) for document, _ in found])
        stamp = f"{len(found)}:{max((int(x) for _, x in found), default=0)}"
        if len(_BOOKS) >= MAX_BOOKS:
            _BOOKS.clear()
        _BOOKS[(_database(self.session), stamp)] = book
        return book

    def has_any(self) -> bool:
        """False while only the built-in version 1 exists (nothing has been published)."""
        return self.session.scalar(select(PolicyVersionRow.version).limit(1)) is not None

    def add(self, policy: PolicyVersion, now: datetime, by: str) -> None:
        self._book = None
        self.session.info.pop(_NOTED, None)  # the stamp read before no longer holds
        self.session.add(
            PolicyVersionRow(
                version=policy.version,
                effective_from=policy.effective_from,
                document=codecs.policy_to_json(policy),
                published_at=now,
                published_by=by,
            )
        )
        self._events.append(
            DomainEvent("policy.published", now, {"version": policy.version, "published_by": by})
        )

    def flush_changes(self) -> list[DomainEvent]:
        """The versions published in this unit of work, as events (handed over at commit)."""
        events, self._events = self._events, []
        return events
