"""Store credit: never negative, always the sum of its entries, soonest-expiring first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from returnflow.domain.money import Money
from returnflow.domain.store_credit import EntryKind, StoreCreditAccount, add_months, bonus_for
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
    book = StoreCreditAccount("c-1", "CNY")
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
    book = StoreCreditAccount("c-1", "CNY")
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


def test_expiring_one_lot_leaves_the_others_and_names_its_source() -> None:
    account = StoreCreditAccount("c-1", "CNY")
    soon = account.grant(
        Money(300), START, START + timedelta(days=30), "a", EntryKind.GRANT, source="refund:R1"
    )
    late = account.grant(Money(500), START, START + timedelta(days=300), "b", EntryKind.BONUS)
    assert late.lot_id > soon.lot_id  # a new lot numbers after every lot it was loaded with
    assert account.expire_lot(late.lot_id, START + timedelta(days=31)) is None  # not lapsed
    assert account.expire_lot(soon.lot_id, START + timedelta(days=31)) == Money(300)
    assert account.expire_lot(soon.lot_id, START + timedelta(days=31)) is None  # once only
    expired = account.entries[-1]
    assert (expired.kind, expired.key, expired.reference, expired.actor) == (
        EntryKind.EXPIRE,
        f"expire:{soon.lot_id}",
        "refund:R1",
        "system",
    )
    assert account.balance == Money(500)
    assert [event.name for event in account.events] == [
        "store_credit.grant",
        "store_credit.bonus",
        "store_credit.expire",
    ]


def test_a_spend_is_recorded_with_who_and_why() -> None:
    account = StoreCreditAccount("c-1", "CNY")
    account.grant(Money(1000), START, START + timedelta(days=30), "g", EntryKind.GRANT)
    account.spend(Money(400), START, "s", actor="integration:shop", reference="SO-2002")
    spent = account.entries[-1]
    assert (spent.amount, spent.balance_after, spent.actor, spent.reference) == (
        Money(-400),
        Money(600),
        "integration:shop",
        "SO-2002",
    )
    assert account.available(START + timedelta(days=30)) == Money(0)  # lapsed, not swept
    assert account.balance == Money(600)
