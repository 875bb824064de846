"""Double-entry bookkeeping for money the after-sales operation moves (R6, issue 5).

Every movement is a `JournalEntry` whose debits equal its credits, per currency, so the
books balance by construction: a refund owed, paid through the gateway, turned into
store credit or compensation is always two sides of one entry. Finance reconciles the
gateway clearing account against the gateway's settlement records.

Debit-normal accounts (expenses, contra revenue, receivables, clearing) grow with
debits; credit-normal ones (liabilities) grow with credits. `balance` reports each
account on its normal side, so a customer's store credit reads as a positive amount.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from returnflow.domain.money import Money


class Account(StrEnum):
    SALES_RETURNS = "sales_returns"  # contra revenue: what returned goods give back
    REFUNDS_PAYABLE = "refunds_payable"  # liability: refunds accepted, not yet paid out
    GATEWAY_CLEARING = "gateway_clearing"  # money sent through the gateway, awaiting settlement
    STORE_CREDIT = "store_credit"  # liability: customers' credit balances
    COMPENSATION = "compensation"  # expense: goodwill, credit bonuses, fees we bear
    CUSTOMER_RECEIVABLE = "customer_receivable"  # owed by customers: price gaps, recoveries
    EXPIRED_CREDIT = "expired_credit"  # income: store credit that lapsed
    CASH = "cash"  # our money at the bank: gateway settlements draw on it
    # issue 12 (R8.4): who bears a ruling's or a lost parcel's money, party = merchant id
    # or carrier code. Merchants' charges are deducted from their next settlement.
    MERCHANT_RECEIVABLE = "merchant_receivable"
    CARRIER_CLAIMS = "carrier_claims"  # claims against carriers for lost or damaged parcels

    @property
    def debit_normal(self) -> bool:
        return self in _DEBIT_NORMAL


_DEBIT_NORMAL = frozenset(
    {
        Account.SALES_RETURNS,
        Account.GATEWAY_CLEARING,
        Account.COMPENSATION,
        Account.CUSTOMER_RECEIVABLE,
        Account.CASH,
        Account.MERCHANT_RECEIVABLE,
        Account.CARRIER_CLAIMS,
    }
)


class Unbalanced(ValueError):
    """An entry whose debits and credits differ: it is never posted."""


@dataclass(frozen=True, slots=True)
class Posting:
    account: Account
    debit: Money
    credit: Money
    party: str = ""  # a customer id for store credit and receivables, else empty


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One business event in the books; `key` makes posting it twice impossible."""

    key: str  # unique, e.g. "refund:RMA...:paid"
    at: datetime
    memo: str
    postings: tuple[Posting, ...]
    rma_no: str = ""

    def __post_init__(self) -> None:
        if len(self.postings) < 2:
            raise Unbalanced(f"{self.key}: an entry needs at least two postings")
        debits: dict[str, int] = defaultdict(int)
        credits: dict[str, int] = defaultdict(int)
        for posting in self.postings:
            if posting.debit.cents < 0 or posting.credit.cents < 0:
                raise Unbalanced(f"{self.key}: negative amount on {posting.account}")
            debits[posting.debit.currency] += posting.debit.cents
            credits[posting.credit.currency] += posting.credit.cents
        currencies = set(debits) | set(credits)
        if any(debits[c] != credits[c] for c in currencies):
            raise Unbalanced(f"{self.key}: debits {dict(debits)} != credits {dict(credits)}")


def transfer(
    key: str,
    at: datetime,
    memo: str,
    *,
    debit: Account,
    credit: Account,
    amount: Money,
    rma_no: str = "",
    debit_party: str = "",
    credit_party: str = "",
) -> JournalEntry:
    """The common two-line entry: `amount` from `credit` into `debit`."""
    zero = Money.zero(amount.currency)
    return JournalEntry(
        key,
        at,
        memo,
        (
            Posting(debit, amount, zero, debit_party),
            Posting(credit, zero, amount, credit_party),
        ),
        rma_no,
    )


@dataclass
class Balances:
    """Account balances on their normal side, per currency (and per party if asked)."""

    amounts: dict[tuple[Account, str, str], int] = field(default_factory=dict)

    def of(self, account: Account, currency: str = "CNY", party: str = "") -> Money:
        return Money(self.amounts.get((account, currency, party), 0), currency)


def balances(postings: Iterable[Posting], *, by_party: bool = False) -> Balances:
    totals: dict[tuple[Account, str, str], int] = defaultdict(int)
    for p in postings:
        signed = p.debit.cents - p.credit.cents
        if not p.account.debit_normal:
            signed = -signed
        currency = p.debit.currency
        totals[(p.account, currency, p.party if by_party else "")] += signed
    return Balances(dict(totals))


def trial_balance_is_zero(postings: Iterable[Posting]) -> bool:
    """Debits equal credits over the whole book, per currency."""
    net: dict[str, int] = defaultdict(int)
    for p in postings:
        net[p.debit.currency] += p.debit.cents - p.credit.cents
    return all(v == 0 for v in net.values())
