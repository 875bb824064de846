"""Store credit: never negative, always the sum of its entries, soonest-expiring first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from returnflow.domain.money import Money
from returnflow.domain.store_credit import CreditBook, EntryKind, add_months, bonus_for
from returnflow.domain.text import DomainError

START = datetime(2026, 1, 31, 2, 0, tzinfo=UTC)

operations = st.lists(
    st.tuples(
        st.sampled_from(["grant", "spend", "wait"]),
        st.integers(1, 100_000),
        st.integers(0, 400),  # days: lot lifetime or time passing
    ),
    max_size=40,
)


@given(operations)
def test_balance_never_negative_and_equals_the_sum_of_its_entries(
    ops: list[tuple[str, int, int]],
) -> None:
    book = CreditBook("c-1", "CNY")
    now = START
    for index, (kind, amount, days) in enumerate(ops):
        if kind == "grant":
            book.grant(
                Money(amount), now, now + timedelta(days=days + 1), f"g{index}", EntryKind.GRANT
            )
        elif kind == "spend":
            before = book.balance
            try:
                book.spend(Money(amount), now, f"s{index}")
            except DomainError as refused:
                assert refused.code == "store_credit_insufficient"
                assert book.balance == before  # a refused spend changes nothing
        else:
            now += timedelta(days=days)
            book.expire(now)
        assert book.balance.cents >= 0
        assert book.balance.cents == sum(entry.amount.cents for entry in book.entries)
        assert all(lot.remaining.cents >= 0 for lot in book.lots)


def test_spend_uses_the_soonest_expiring_credit_first() -> None:
    book = CreditBook("c-1", "CNY")
    late = book.grant(Money(500), START, START + timedelta(days=300), "a", EntryKind.GRANT)
    soon = book.grant(Money(300), START, START + timedelta(days=30), "b", EntryKind.BONUS)
    book.spend(Money(400), START, "s")
    assert (soon.remaining, late.remaining) == (Money(0), Money(400))
    with pytest.raises(DomainError):
        book.spend(Money(401), START, "t")
    book.expire(START + timedelta(days=300))
    assert book.balance == Money(0)
    assert [e.kind for e in book.entries][-1] is EntryKind.EXPIRE


def test_bonus_and_months() -> None:
    assert bonus_for(Money(8400), 5) == Money(420)
    assert bonus_for(Money(8410), 5) == Money(421)  # 420.5 rounds half up
    assert bonus_for(Money(8400), 0) == Money(0)
    assert add_months(START, 1) == datetime(2026, 2, 28, 2, 0, tzinfo=UTC)
    assert add_months(START, 12) == datetime(2027, 1, 31, 2, 0, tzinfo=UTC)
