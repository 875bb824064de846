"""The books in the database: journal entries posted once, balances read back.

Every slice that moves money (refunds, exchanges, store credit, compensation) posts
through `Ledger.post`. An entry's `key` is unique in the table, so posting the same
business event twice (a retried job, a duplicate notification) books nothing more:
`post` answers False and leaves the first entry as it was.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Table, and_, exists, func, literal, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from returnflow.domain.ledger import Account, Balances, JournalEntry, Posting, balances
from returnflow.domain.money import Money
from returnflow.storage import batch, chain
from returnflow.storage.schema import (
    InspectionRow,
    LedgerEntryRow,
    LedgerPostingRow,
    RefundRow,
    ReturnRow,
    ShipmentRow,
)

LIABILITY_KEYS = "liability:%"  # services/liability.py books under "liability:<rma>:<ref>"


@dataclass(frozen=True, slots=True)
class PartyLine:
    """One posting to a party's account with its entry: a statement's or a report's line."""

    at: datetime
    key: str
    rma_no: str
    memo: str
    party: str
    debit: int  # cents
    credit: int
    currency: str
    trigger: str  # the request's refund trigger ("" when it has none)


class Ledger:
    def __init__(self, session: Session) -> None:
        self.session = session

    def post(self, entry: JournalEntry) -> bool:
        """Book `entry` unless its key is already booked; True when it was booked now.

        PostgreSQL: the key is checked under the ledger chain's lock, together with
        the chain's tail (one statement). Every ledger writer takes that lock first,
        so a twin committed earlier is seen and a later one waits for this
        transaction: no savepoint is needed (issue 11: 7 statements became 4). The
        entry and its postings are then queued (storage/batch.py) and go with the
        transaction's next statement or its commit, the postings finding their entry by
        its key: the tail read under the lock is the entry's one round trip of its own.
        SQLite: the key is checked first, then guarded by the unique constraint inside
        a savepoint, so a concurrent twin loses cleanly without spoiling the caller's
        transaction.
        """
        if chain.lock(self.session, chain.LEDGER):
            return self._post_locked(entry)
        if self.has(entry.key):
            return False
        row = _new_row(entry)
        chain.seal(self.session, chain.LEDGER, row)  # the ledger's one hash chain
        try:
            with self.session.begin_nested():
                self.session.add(row)
        except IntegrityError:
            return False
        return True

    def _post_locked(self, entry: JournalEntry) -> bool:
        """`post` under the chain's lock: the key and the tail read in one statement."""
        booked = exists().where(LedgerEntryRow.key == entry.key)
        tail = chain.tail_query(chain.LEDGER).scalar_subquery()
        prev_hash, taken = self.session.execute(select(tail, booked)).one()
        if taken:
            return False
        row = _new_row(entry)
        chain.seal(
            self.session, chain.LEDGER, row, prev_hash=prev_hash or chain.genesis(chain.LEDGER, "")
        )
        _queue(self.session, row)
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

    # --- who bears what (issue 12, R8.4): read by services/liability*.py -------------

    def liability_candidates(
        self,
        *,
        since: datetime,
        before: datetime,
        triggers: Sequence[str],
        responsibility: str,
        limit: int = 500,
    ) -> list[str]:
        """Requests whose paid refund may owe a liability booking and has none yet.

        Paid (or inspected) in [since, before); settled by an award (`triggers`) or
        inspected with `responsibility` found; no "liability:" entry for the request.
        """
        inspected = (
            select(InspectionRow.inspected_at)
            .where(
                InspectionRow.rma_no == ReturnRow.rma_no,
                InspectionRow.responsibility == responsibility,
            )
            .correlate(ReturnRow)
        )
        booked = exists().where(
            LedgerEntryRow.rma_no == ReturnRow.rma_no, LedgerEntryRow.key.like(LIABILITY_KEYS)
        )
        query = (
            select(ReturnRow.rma_no)
            .join(RefundRow, RefundRow.return_id == ReturnRow.id)
            .where(
                RefundRow.status == "succeeded",
                or_(
                    and_(
                        RefundRow.trigger.in_(triggers),
                        RefundRow.paid_at >= since,
                        RefundRow.paid_at < before,
                    ),
                    and_(
                        inspected.exists(),
                        or_(
                            and_(RefundRow.paid_at >= since, RefundRow.paid_at < before),
                            inspected.where(
                                InspectionRow.inspected_at >= since,
                                InspectionRow.inspected_at < before,
                            ).exists(),
                        ),
                    ),
                ),
                ~booked,
            )
            .order_by(RefundRow.paid_at, ReturnRow.id)
            .limit(limit)
        )
        return list(self.session.scalars(query).all())

    def party_lines(
        self,
        account: Account,
        *,
        party: str | None,
        currency: str,
        since: datetime,
        until: datetime,
        limit: int = 5000,
    ) -> list[PartyLine]:
        """Postings to `account` (one party's, or every party's) in [since, until), in order."""
        query = (
            select(
                LedgerEntryRow.at,
                LedgerEntryRow.key,
                LedgerEntryRow.rma_no,
                LedgerEntryRow.memo,
                LedgerPostingRow.party,
                LedgerPostingRow.debit,
                LedgerPostingRow.credit,
                LedgerPostingRow.currency,
                RefundRow.trigger,
            )
            .join(LedgerPostingRow, LedgerPostingRow.entry_id == LedgerEntryRow.id)
            .outerjoin(ReturnRow, ReturnRow.rma_no == LedgerEntryRow.rma_no)
            .outerjoin(RefundRow, RefundRow.return_id == ReturnRow.id)
            .where(
                LedgerPostingRow.account == account.value,
                LedgerPostingRow.currency == currency,
                LedgerEntryRow.at >= since,
                LedgerEntryRow.at < until,
            )
            .order_by(LedgerPostingRow.party, LedgerEntryRow.at, LedgerEntryRow.id)
            .limit(limit)
        )
        if party is not None:
            query = query.where(LedgerPostingRow.party == party)
        return [
            PartyLine(at, key, rma_no, memo, who, int(debit), int(credit), cur, trigger or "")
            for at, key, rma_no, memo, who, debit, credit, cur, trigger in self.session.execute(
                query
            )
        ]

    def party_balance(self, account: Account, party: str, currency: str, before: datetime) -> Money:
        """`party`'s balance on `account` from everything booked before `before`."""
        query = select(
            func.coalesce(func.sum(LedgerPostingRow.debit), 0),
            func.coalesce(func.sum(LedgerPostingRow.credit), 0),
        ).where(
            LedgerPostingRow.entry_id == LedgerEntryRow.id,
            LedgerPostingRow.account == account.value,
            LedgerPostingRow.party == party,
            LedgerPostingRow.currency == currency,
            LedgerEntryRow.at < before,
        )
        debit, credit = self.session.execute(query).one()
        signed = int(debit) - int(credit)
        return Money(signed if account.debit_normal else -signed, currency)

    def parties(self, account: Account) -> list[str]:
        """Every party with a posting to `account`, in order (a statement's picker)."""
        query = (
            select(LedgerPostingRow.party)
            .where(LedgerPostingRow.account == account.value, LedgerPostingRow.party != "")
            .distinct()
            .order_by(LedgerPostingRow.party)
        )
        return list(self.session.scalars(query).all())

    def return_waybills(self, rma_nos: Sequence[str]) -> dict[tuple[str, str], str]:
        """(rma_no, carrier or self-ship brand) → the waybill of its latest return parcel."""
        if not rma_nos:
            return {}
        query = (
            select(
                ShipmentRow.rma_no, ShipmentRow.carrier, ShipmentRow.brand, ShipmentRow.waybill_no
            )
            .where(
                ShipmentRow.rma_no.in_(sorted(set(rma_nos))),
                ShipmentRow.direction == "return",
                ShipmentRow.waybill_no.is_not(None),
            )
            .order_by(ShipmentRow.id)
        )
        found: dict[tuple[str, str], str] = {}
        for rma_no, carrier, brand, waybill in self.session.execute(query):
            found[(rma_no, carrier)] = waybill or ""
            if brand:  # a self-shipped parcel is claimed against the brand it went with
                found[(rma_no, brand)] = waybill or ""
        return found


_ENTRIES: Table = LedgerEntryRow.__table__  # type: ignore[assignment]
_POSTINGS: Table = LedgerPostingRow.__table__  # type: ignore[assignment]
_BY_KEY = batch.Parent(_ENTRIES, "key", "entry_id")  # postings find their entry
_ENTRY_COLUMNS = ("key", "at", "memo", "rma_no", "prev_hash", "row_hash")
_POSTING_COLUMNS = ("account", "party", "currency", "debit", "credit")


def _queue(session: Session, row: LedgerEntryRow) -> None:
    """A sealed entry and its postings, queued as rows (never objects in the session):
    the key was checked under the chain's lock, so nothing is left to fail but the
    database itself, which fails the statement that sends them or the commit."""
    batch.queue(session, _ENTRIES, [{name: getattr(row, name) for name in _ENTRY_COLUMNS}])
    tie = {batch.PARENT: row.key}
    postings = [
        tie | {name: getattr(posting, name) for name in _POSTING_COLUMNS}
        for posting in row.postings
    ]
    batch.queue(session, _POSTINGS, postings, parent=_BY_KEY)


def _new_row(entry: JournalEntry) -> LedgerEntryRow:
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
    return row


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
