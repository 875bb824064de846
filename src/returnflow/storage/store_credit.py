"""Store-credit accounts ⇄ rows: the balance, its lots, and its hash-chained entries.

Writing entries happens only here, in `save`, which seals each one into the customer's
chain (`storage/chain.py`). Spends are guarded twice: the account row is locked while
the account is loaded for a change, and `save` moves the stored balance with a
conditional `balance = balance + delta WHERE balance + delta >= 0` (atomic on both
databases) while a CHECK constraint makes a negative balance unstorable whatever the
code does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from returnflow.domain.events import DomainEvent
from returnflow.domain.money import Money
from returnflow.domain.store_credit import (
    CreditEntry,
    CreditLot,
    EntryKind,
    StoreCreditAccount,
    insufficient,
)
from returnflow.storage import chain
from returnflow.storage.identity_map import IdentityMap
from returnflow.storage.schema.resolutions import (
    StoreCreditAccountRow,
    StoreCreditEntryRow,
    StoreCreditLotRow,
)


@dataclass(frozen=True)
class CreditEntryView:
    """One stored entry of a customer's credit history, as the pages and the API list it."""

    kind: EntryKind
    amount: Money
    balance_after: Money
    at: datetime
    rma_no: str
    reference: str
    actor: str
    key: str


@dataclass(frozen=True)
class CreditAccountView:
    """A customer with store credit, for the console's list."""

    customer_id: str
    balance: int  # minor units
    currency: str


@dataclass
class _Loaded:
    """What was stored when the account was loaded, to write back only the change."""

    balance: int
    lots: dict[int, tuple[CreditLot, StoreCreditLotRow]]
    entries_saved: int = 0
    exists: bool = True


class StoreCredit:
    def __init__(self, session: Session) -> None:
        self.session = session
        # the row side of each pair is what was stored when the account was loaded (an
        # account is its row, its lots' rows and its entries, written only as changes)
        self._map: IdentityMap[str, StoreCreditAccount, _Loaded] = IdentityMap()

    # --- the aggregate ----------------------------------------------------------------

    def account(self, customer_id: str, currency: str = "CNY") -> StoreCreditAccount:
        """The customer's account with every lot that has credit left, the account row
        locked until the transaction ends; a customer without one gets a new, empty one."""
        known = self._map.recall(customer_id)
        if known is not None:
            return known
        row = self.session.get(StoreCreditAccountRow, customer_id, with_for_update=True)
        lots = self.session.scalars(
            select(StoreCreditLotRow)
            .where(StoreCreditLotRow.customer_id == customer_id, StoreCreditLotRow.remaining > 0)
            .order_by(StoreCreditLotRow.expires_at, StoreCreditLotRow.id)
        ).all()
        account = StoreCreditAccount(customer_id, row.currency if row else currency)
        account.lots = [_lot(lot) for lot in lots]
        loaded = _Loaded(
            row.balance if row else 0,
            {lot.lot_id: (lot, lot_row) for lot, lot_row in zip(account.lots, lots, strict=True)},
            exists=row is not None,
        )
        return self._map.remember(customer_id, account, loaded)

    def save(self, account: StoreCreditAccount, now: datetime) -> None:
        """Write the account's changes: the balance, its lots, and its new entries sealed."""
        loaded = self._map.row_of(account.customer_id)
        self._move_balance(account, loaded, now)
        self._write_lots(account, loaded)
        for entry in account.entries[loaded.entries_saved :]:
            self._append(account, entry)
        loaded.entries_saved = len(account.entries)

    def flush_changes(self, now: datetime | None = None) -> list[DomainEvent]:
        """Save every account changed in this unit of work; hand over their new events."""

        def save_if_changed(account: StoreCreditAccount, loaded: _Loaded) -> None:
            if len(account.entries) > loaded.entries_saved:  # no new entry: nothing moved
                self.save(account, now or account.entries[-1].at)

        return self._map.flush(save_if_changed)

    def lot_owner(self, lot_id: int) -> str | None:
        """Whose lot this is (the expiry sweep works lot by lot)."""
        found = self.session.get(StoreCreditLotRow, lot_id)
        return found.customer_id if found is not None else None

    def _move_balance(self, account: StoreCreditAccount, loaded: _Loaded, now: datetime) -> None:
        delta = account.balance.cents - loaded.balance
        if not loaded.exists:
            self.session.add(
                StoreCreditAccountRow(
                    customer_id=account.customer_id,
                    currency=account.currency,
                    balance=0,
                    updated_at=now,
                )
            )
            self.session.flush()
            loaded.exists = True
        if delta == 0:
            return
        table = StoreCreditAccountRow
        moved = self.session.execute(
            update(table)
            .where(table.customer_id == account.customer_id, table.balance + delta >= 0)
            .values(balance=table.balance + delta, updated_at=now)
        )
        if int(moved.rowcount) != 1:  # type: ignore[attr-defined]
            currency = account.currency
            raise insufficient(Money(loaded.balance, currency), Money(-delta, currency))
        loaded.balance = account.balance.cents

    def _write_lots(self, account: StoreCreditAccount, loaded: _Loaded) -> None:
        for lot in account.lots:
            if lot.lot_id in loaded.lots and loaded.lots[lot.lot_id][0] is lot:
                loaded.lots[lot.lot_id][1].remaining = lot.remaining.cents
                continue
            row = StoreCreditLotRow(
                customer_id=account.customer_id,
                currency=lot.amount.currency,
                amount=lot.amount.cents,
                remaining=lot.remaining.cents,
                granted_at=lot.granted_at,
                expires_at=lot.expires_at,
                source=lot.source,
            )
            self.session.add(row)
            self.session.flush()
            lot.lot_id = row.id  # the stored id from now on
            loaded.lots[row.id] = (lot, row)
        self.session.flush()

    def _append(self, account: StoreCreditAccount, entry: CreditEntry) -> None:
        row = StoreCreditEntryRow(
            key=entry.key,
            customer_id=account.customer_id,
            kind=entry.kind.value,
            amount=entry.amount.cents,
            currency=entry.amount.currency,
            balance_after=entry.balance_after.cents,
            rma_no=entry.rma_no,
            reference=entry.reference,
            actor=entry.actor,
            at=entry.at,
        )
        chain.seal(self.session, chain.STORE_CREDIT, row)  # one chain per customer
        self.session.add(row)
        self.session.flush()

    # --- what the pages, the API and the sweep read ------------------------------------

    def balance(self, customer_id: str, currency: str = "CNY") -> Money:
        row = self.session.get(StoreCreditAccountRow, customer_id)
        return Money(row.balance, row.currency) if row else Money.zero(currency)

    def entry(self, key: str) -> CreditEntryView | None:
        row = self.session.scalars(
            select(StoreCreditEntryRow).where(StoreCreditEntryRow.key == key)
        ).first()
        return None if row is None else _entry_view(row)

    def entries(self, customer_id: str, limit: int = 200) -> list[CreditEntryView]:
        """Newest first."""
        rows = self.session.scalars(
            select(StoreCreditEntryRow)
            .where(StoreCreditEntryRow.customer_id == customer_id)
            .order_by(StoreCreditEntryRow.id.desc())
            .limit(limit)
        )
        return [_entry_view(row) for row in rows]

    def lapsed(self, now: datetime, limit: int = 500) -> list[int]:
        """Lots past their expiry with credit left, oldest first."""
        return list(
            self.session.scalars(
                select(StoreCreditLotRow.id)
                .where(StoreCreditLotRow.remaining > 0, StoreCreditLotRow.expires_at <= now)
                .order_by(StoreCreditLotRow.id)
                .limit(limit)
            )
        )

    def customers(self, limit: int = 200) -> list[CreditAccountView]:
        """Accounts, most recently changed first."""
        rows = self.session.scalars(
            select(StoreCreditAccountRow)
            .order_by(StoreCreditAccountRow.updated_at.desc())
            .limit(limit)
        )
        return [CreditAccountView(row.customer_id, row.balance, row.currency) for row in rows]

    def customers_page(self, offset: int, limit: int) -> tuple[list[CreditAccountView], int]:
        """One page of accounts, most recently changed first, and how many there are."""
        total = self.session.scalar(select(func.count()).select_from(StoreCreditAccountRow))
        rows = self.session.scalars(
            select(StoreCreditAccountRow)
            .order_by(StoreCreditAccountRow.updated_at.desc(), StoreCreditAccountRow.customer_id)
            .offset(offset)
            .limit(limit)
        )
        views = [CreditAccountView(row.customer_id, row.balance, row.currency) for row in rows]
        return views, int(total or 0)


def _lot(row: StoreCreditLotRow) -> CreditLot:
    return CreditLot(
        row.id,
        Money(row.amount, row.currency),
        Money(row.remaining, row.currency),
        row.granted_at,
        row.expires_at,
        row.source,
    )


def _entry_view(row: StoreCreditEntryRow) -> CreditEntryView:
    return CreditEntryView(
        EntryKind(row.kind),
        Money(row.amount, row.currency),
        Money(row.balance_after, row.currency),
        row.at,
        row.rma_no,
        row.reference,
        row.actor,
        row.key,
    )
