"""The ledger read as a journal (R15.1: finance pulls it by period): `uow.journal`.

Entries are ordered by when they were posted, then by number; each comes with all
its postings, so a page or a chunk never splits an entry and every entry read
balances. The refund id is the refund of the entry's request (one per request), if
it has one.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from returnflow.storage.schema import LedgerEntryRow, LedgerPostingRow, RefundRow, ReturnRow

CHUNK = 500  # entries read at a time when a whole period is exported


@dataclass(frozen=True, slots=True)
class JournalPosting:
    """One posting with its entry: one line of the journal."""

    entry_id: int
    key: str
    at: datetime  # UTC
    memo: str
    rma_no: str
    refund_id: int | None
    account: str
    party: str
    currency: str
    debit: int  # fen
    credit: int  # fen


class JournalQueries:
    def __init__(self, session: Session) -> None:
        self.session = session

    def count(self, since: datetime, until: datetime) -> int:
        """How many entries were posted in [since, until)."""
        found = self.session.scalar(
            select(func.count(LedgerEntryRow.id)).where(*_within(since, until))
        )
        return int(found or 0)

    def page(
        self, since: datetime, until: datetime, offset: int, limit: int
    ) -> list[JournalPosting]:
        """The postings of entries offset..offset+limit of the period, in order."""
        ids = self.session.scalars(
            select(LedgerEntryRow.id)
            .where(*_within(since, until))
            .order_by(LedgerEntryRow.at, LedgerEntryRow.id)
            .offset(offset)
            .limit(limit)
        ).all()
        return self._postings(ids)

    def all(self, since: datetime, until: datetime) -> Iterator[list[JournalPosting]]:
        """Every posting of the period, a chunk of whole entries at a time (keyset)."""
        after: tuple[datetime, int] | None = None
        while True:
            query = select(LedgerEntryRow.id, LedgerEntryRow.at).where(*_within(since, until))
            if after is not None:
                at, entry_id = after
                query = query.where(
                    or_(
                        LedgerEntryRow.at > at,
                        and_(LedgerEntryRow.at == at, LedgerEntryRow.id > entry_id),
                    )
                )
            rows = self.session.execute(
                query.order_by(LedgerEntryRow.at, LedgerEntryRow.id).limit(CHUNK)
            ).all()
            if not rows:
                return
            yield self._postings([row.id for row in rows])
            after = (rows[-1].at, rows[-1].id)

    def _postings(self, entry_ids: Sequence[int]) -> list[JournalPosting]:
        if not entry_ids:
            return []
        query = (
            select(
                LedgerEntryRow.id,
                LedgerEntryRow.key,
                LedgerEntryRow.at,
                LedgerEntryRow.memo,
                LedgerEntryRow.rma_no,
                RefundRow.id,
                LedgerPostingRow.account,
                LedgerPostingRow.party,
                LedgerPostingRow.currency,
                LedgerPostingRow.debit,
                LedgerPostingRow.credit,
            )
            .join(LedgerPostingRow, LedgerPostingRow.entry_id == LedgerEntryRow.id)
            .outerjoin(ReturnRow, ReturnRow.rma_no == LedgerEntryRow.rma_no)
            .outerjoin(RefundRow, RefundRow.return_id == ReturnRow.id)
            .where(LedgerEntryRow.id.in_(entry_ids))
            .order_by(LedgerEntryRow.at, LedgerEntryRow.id, LedgerPostingRow.id)
        )
        return [
            JournalPosting(
                entry_id, key, at, memo, rma_no, refund_id, account, party, currency, debit, credit
            )
            for (
                entry_id,
                key,
                at,
                memo,
                rma_no,
                refund_id,
                account,
                party,
                currency,
                debit,
                credit,
            ) in self.session.execute(query)
        ]


def _within(since: datetime, until: datetime) -> tuple[ColumnElement[bool], ...]:
    return (LedgerEntryRow.at >= since, LedgerEntryRow.at < until)
