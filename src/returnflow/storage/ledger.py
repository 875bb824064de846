"""The books in the database: journal entries posted once, balances read back.

Every slice that moves money (refunds, exchanges, store credit, compensation) posts
through `Ledger.post`. An entry's `key` is unique in the table, so posting the same
business event twice (a retried job, a duplicate notification) books nothing more:
`post` answers False and leaves the first entry as it was.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import func, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from returnflow.domain.ledger import Account, Balances, JournalEntry, Posting, balances
from returnflow.domain.money import Money
from returnflow.storage import chain
from returnflow.storage.schema import LedgerEntryRow, LedgerPostingRow


class Ledger:
    def __init__(self, session: Session) -> None:
        self.session = session

    def post(self, entry: JournalEntry) -> bool:
        """Book `entry` unless its key is already booked; True when it was booked now.

        The key is checked first (the usual case: a retry) and then guarded by the
        unique constraint inside a savepoint, so a concurrent twin loses cleanly
        without spoiling the caller's transaction.
        """
        if self.has(entry.key):
            return False
        row = LedgerEntryRow(key=entry.key, at=entry.at, memo=entry.memo, rma_no=entry.rma_no)
        for posting in entry.postings:
            row.postings.append(
                LedgerPostingRow(
                    account=posting.account.value,
                    party=posting.party,
                    currency=posting.debit.currency,
                    debit=posting.debit.cents,
                    credit=posting.credit.cents,
                )
            )
        chain.seal(self.session, chain.LEDGER, row)  # the ledger's one hash chain
        try:
            with self.session.begin_nested():
                self.session.add(row)
        except IntegrityError:
            return False
        return True

    def has(self, key: str) -> bool:
        found = self.session.scalar(select(LedgerEntryRow.id).where(LedgerEntryRow.key == key))
        return found is not None

    def entries(
        self, *, rma_no: str | None = None, since: datetime | None = None, limit: int = 500
    ) -> list[JournalEntry]:
        query = select(LedgerEntryRow).order_by(LedgerEntryRow.at, LedgerEntryRow.id)
        if rma_no is not None:
            query = query.where(LedgerEntryRow.rma_no == rma_no)
        if since is not None:
            query = query.where(LedgerEntryRow.at >= since)
        rows = self.session.scalars(query.limit(limit)).all()
        return [_entry(row) for row in rows]

    def postings(self) -> Iterator[Posting]:
        rows = self.session.execute(
            select(
                LedgerPostingRow.account,
                LedgerPostingRow.party,
                LedgerPostingRow.currency,
                LedgerPostingRow.debit,
                LedgerPostingRow.credit,
            )
        )
        for account, party, currency, debit, credit in rows:
            yield Posting(Account(account), Money(debit, currency), Money(credit, currency), party)

    def balances(self, *, by_party: bool = False) -> Balances:
        """Every account on its normal side, summed in the database."""
        query = select(
            LedgerPostingRow.account,
            LedgerPostingRow.currency,
            LedgerPostingRow.party if by_party else literal(""),
            func.sum(LedgerPostingRow.debit),
            func.sum(LedgerPostingRow.credit),
        ).group_by(LedgerPostingRow.account, LedgerPostingRow.currency)
        if by_party:
            query = query.group_by(LedgerPostingRow.party)
        summed = [
            Posting(
                Account(account), Money(int(debit), currency), Money(int(credit), currency), party
            )
            for account, currency, party, debit, credit in self.session.execute(query)
        ]
        return balances(summed, by_party=by_party)

    def balance(self, account: Account, currency: str = "CNY", party: str = "") -> Money:
        return self.balances(by_party=bool(party)).of(account, currency, party)


def _entry(row: LedgerEntryRow) -> JournalEntry:
    return JournalEntry(
        row.key,
        row.at,
        row.memo,
        tuple(
            Posting(
                Account(p.account),
                Money(p.debit, p.currency),
                Money(p.credit, p.currency),
                p.party,
            )
            for p in row.postings
        ),
        row.rma_no,
    )
