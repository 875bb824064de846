"""Store credit (R6.2/R6.3 refund choice): grants with a bonus, spends, expiry.

Credit comes in lots, each with its own expiry; a spend uses the soonest-expiring lots
first, so a customer loses as little as possible to expiry. Every change is an entry
(grant, bonus, spend, expire) with the balance after it: the balance is always the sum
of the entries and can never go below zero — a spend larger than the balance is
refused whole, never partly made.

`StoreCreditAccount` is the aggregate; the store-credit repository loads it with its
open lots and seals each new entry into the customer's hash chain when it saves it.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from returnflow.domain.events import DomainEvent
from returnflow.domain.money import Money
from returnflow.domain.text import DomainError, Text


class EntryKind(StrEnum):
    GRANT = "grant"
    BONUS = "bonus"
    SPEND = "spend"
    EXPIRE = "expire"

    @property
    def label(self) -> Text:
        return _KIND_LABELS[self]


@dataclass(slots=True)
class CreditLot:
    lot_id: int  # a new lot's id is replaced by the stored one when it is saved
    amount: Money
    remaining: Money
    granted_at: datetime
    expires_at: datetime
    source: str = ""  # what granted it, e.g. "refund:<rma>"

    def open_at(self, now: datetime) -> bool:
        return self.remaining.cents > 0 and now < self.expires_at


@dataclass(frozen=True, slots=True)
class CreditEntry:
    kind: EntryKind
    amount: Money  # signed: + grant/bonus, - spend/expire
    balance_after: Money
    at: datetime
    key: str
    rma_no: str = ""
    reference: str = ""
    actor: str = ""


def bonus_for(amount: Money, percent: float) -> Money:
    """The bonus on a credit refund, rounded half up to the cent."""
    if percent <= 0 or amount.cents <= 0:
        return Money.zero(amount.currency)
    basis_points = round(percent * 100)
    return Money((amount.cents * basis_points + 5000) // 10000, amount.currency)


def add_months(moment: datetime, months: int) -> datetime:
    """Same day-of-month `months` later, clamped to the month's last day."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def insufficient(balance: Money, wanted: Money) -> DomainError:
    return DomainError(
        "store_credit_insufficient",
        Text(
            "购物金余额 {bal} 不足以支付 {want}",
            "The store credit balance {bal} does not cover {want}",
        ).format(bal=str(balance), want=str(wanted)),
        field="amount",
    )


def positive(amount: Money) -> None:
    if amount.cents <= 0:
        raise DomainError(
            "amount_not_positive",
            Text("金额必须大于零", "The amount must be more than zero"),
            field="amount",
        )


@dataclass
class StoreCreditAccount:
    """One customer's credit, changed only through these methods.

    `lots` are the lots with credit left (a loaded account holds every one of them, so
    `balance` is the account's balance); `entries` are the entries made since loading,
    which the store-credit repository seals into the customer's hash chain; `events`
    are what follows for the unit of work to hand on.
    """

    customer_id: str
    currency: str
    lots: list[CreditLot] = field(default_factory=list)
    entries: list[CreditEntry] = field(default_factory=list)
    events: list[DomainEvent] = field(default_factory=list, repr=False)

    @property
    def balance(self) -> Money:
        return Money(sum(lot.remaining.cents for lot in self.lots), self.currency)

    def available(self, now: datetime) -> Money:
        """What a spend may use now: lapsed lots not yet swept do not count."""
        return Money(sum(lot.remaining.cents for lot in self._usable(now)), self.currency)

    def grant(
        self,
        amount: Money,
        now: datetime,
        expires_at: datetime,
        key: str,
        kind: EntryKind,
        *,
        source: str = "",
        actor: str = "",
        rma_no: str = "",
        reference: str = "",
    ) -> CreditLot:
        """A new lot (a refund taken as credit, its bonus, goodwill) with its own expiry."""
        positive(amount)
        lot_id = max((lot.lot_id for lot in self.lots), default=0) + 1
        lot = CreditLot(lot_id, amount, amount, now, expires_at, source)
        self.lots.append(lot)
        self._enter(kind, amount, now, key, actor=actor, rma_no=rma_no, reference=reference)
        return lot

    def spend(
        self, amount: Money, now: datetime, key: str, *, actor: str = "", reference: str = ""
    ) -> list[tuple[CreditLot, Money]]:
        """Take `amount` from the soonest-expiring open lots; all of it or nothing."""
        positive(amount)
        usable = self._usable(now)
        available = Money(sum(lot.remaining.cents for lot in usable), self.currency)
        if amount > available:
            raise insufficient(available, amount)
        taken: list[tuple[CreditLot, Money]] = []
        left = amount.cents
        for lot in usable:
            if left == 0:
                break
            part = min(left, lot.remaining.cents)
            lot.remaining = Money(lot.remaining.cents - part, self.currency)
            left -= part
            taken.append((lot, Money(part, self.currency)))
        self._enter(EntryKind.SPEND, -amount, now, key, actor=actor, reference=reference)
        return taken

    def expire(self, now: datetime) -> list[tuple[CreditLot, Money]]:
        """Lapsed lots lose what is left of them, one entry each."""
        lapsed: list[tuple[CreditLot, Money]] = []
        for lot in list(self.lots):
            left = self.expire_lot(lot.lot_id, now)
            if left is not None:
                lapsed.append((lot, left))
        return lapsed

    def expire_lot(self, lot_id: int, now: datetime) -> Money | None:
        """One lapsed lot: what is left of it leaves the balance; None if nothing lapsed."""
        lot = next((lot for lot in self.lots if lot.lot_id == lot_id), None)
        if lot is None or lot.remaining.cents <= 0 or now < lot.expires_at:
            return None
        left = lot.remaining
        lot.remaining = Money.zero(self.currency)
        key = f"expire:{lot.lot_id}"
        self._enter(EntryKind.EXPIRE, -left, now, key, actor="system", reference=lot.source)
        return left

    def _usable(self, now: datetime) -> list[CreditLot]:
        return sorted(
            (lot for lot in self.lots if lot.open_at(now)),
            key=lambda lot: (lot.expires_at, lot.lot_id),
        )

    def _enter(
        self,
        kind: EntryKind,
        amount: Money,
        now: datetime,
        key: str,
        *,
        actor: str,
        rma_no: str = "",
        reference: str = "",
    ) -> None:
        balance = self.balance
        self.entries.append(CreditEntry(kind, amount, balance, now, key, rma_no, reference, actor))
        self.events.append(
            DomainEvent(
                f"store_credit.{kind.value}",
                now,
                {
                    "customer_id": self.customer_id,
                    "amount": amount.cents,
                    "balance": balance.cents,
                    "currency": self.currency,
                    "rma_no": rma_no,
                    "key": key,
                },
            )
        )


_KIND_LABELS = {
    EntryKind.GRANT: Text("退款转购物金", "refund as store credit"),
    EntryKind.BONUS: Text("购物金奖励", "store credit bonus"),
    EntryKind.SPEND: Text("消费", "spent"),
    EntryKind.EXPIRE: Text("过期", "expired"),
}
