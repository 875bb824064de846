"""The read side of store credit: a customer's balance and history, and who has credit.

The balance is the stored account's; the history its hash-chained entries, newest
first, so the balance is always the sum of the history (`audit verify` checks the chain).
"""

from __future__ import annotations

from dataclasses import dataclass

from returnflow.domain.money import Money
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.storage.store_credit import CreditAccountView as CreditAccountView
from returnflow.storage.store_credit import CreditEntryView as CreditEntryView


@dataclass(frozen=True)
class CreditHistory:
    customer_id: str
    balance: Money
    entries: list[CreditEntryView]


def history(uow: UnitOfWork, customer_id: str, limit: int = 200) -> CreditHistory:
    """One customer's balance and entries, newest first."""
    return CreditHistory(
        customer_id,
        uow.store_credit.balance(customer_id),
        uow.store_credit.entries(customer_id, limit),
    )


def accounts(uow: UnitOfWork, limit: int = 200) -> list[CreditAccountView]:
    """Customers with store credit, most recently changed first."""
    return uow.store_credit.customers(limit)


def accounts_page(uow: UnitOfWork, page: int, size: int) -> tuple[list[CreditAccountView], int]:
    """One page of `accounts` for the console's pager (issue 16), and how many there are."""
    return uow.store_credit.customers_page((page - 1) * size, size)
