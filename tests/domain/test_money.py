"""Money: integer minor units, exact largest-remainder allocation, no mixed currencies."""

from __future__ import annotations

import pytest

from returnflow.domain.money import CurrencyMismatch, Money, allocate_evenly, total


def cents(parts: list[Money]) -> list[int]:
    return [part.cents for part in parts]


@pytest.mark.parametrize(
    ("amount", "weights", "expected"),
    [
        (100, [1, 1, 1], [34, 33, 33]),
        (1000, [1, 1, 1], [334, 333, 333]),
        (10, [3, 3, 4], [3, 3, 4]),
        # exact shares 3.33 and 6.67: the larger remainder (the second part) gets the cent
        (10, [1, 2], [3, 7]),
        # 5 cents over 6 equal parts: one cent each to the first five
        (5, [1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 0]),
        (1, [1, 1, 1], [1, 0, 0]),
        (0, [2, 5], [0, 0]),
        (101, [50, 25, 25], [51, 25, 25]),
        (2900, [1], [2900]),
    ],
)
def test_allocate_largest_remainder(amount: int, weights: list[int], expected: list[int]) -> None:
    parts = Money(amount).allocate(weights)
    assert cents(parts) == expected
    assert sum(cents(parts)) == amount
    assert all(part.currency == "CNY" for part in parts)


@pytest.mark.parametrize(
    ("amount", "weights", "expected"),
    [
        (-100, [1, 1, 1], [-34, -33, -33]),
        (-10, [1, 2], [-3, -7]),
        (-1, [1, 1], [-1, 0]),
    ],
)
def test_allocate_negative_amounts_sum_exactly(
    amount: int, weights: list[int], expected: list[int]
) -> None:
    parts = Money(amount, "USD").allocate(weights)
    assert cents(parts) == expected
    assert sum(cents(parts)) == amount
    assert {part.currency for part in parts} == {"USD"}


def test_allocate_with_all_zero_weights_splits_evenly() -> None:
    assert cents(Money(10).allocate([0, 0, 0])) == [4, 3, 3]


def test_allocate_gives_nothing_to_a_zero_weight() -> None:
    assert cents(Money(999).allocate([0, 3, 0, 1])) == [0, 749, 0, 250]


def test_allocate_is_deterministic() -> None:
    weights = [7, 3, 3, 11, 5]
    first = Money(12_345).allocate(weights)
    assert all(Money(12_345).allocate(weights) == first for _ in range(20))
    # ties between equal remainders go to the earlier part
    assert cents(Money(2).allocate([1, 1, 1])) == [1, 1, 0]


def test_allocate_refuses_no_weights_and_negative_weights() -> None:
    with pytest.raises(ValueError, match="at least one weight"):
        Money(100).allocate([])
    with pytest.raises(ValueError, match="negative"):
        Money(100).allocate([1, -1])


def test_allocate_evenly_puts_the_larger_parts_first() -> None:
    assert cents(allocate_evenly(Money(2900), 3)) == [967, 967, 966]
    assert cents(allocate_evenly(Money(-7), 2)) == [-4, -3]
    assert cents(allocate_evenly(Money(5), 1)) == [5]


@pytest.mark.parametrize("parts", [0, -1])
def test_allocate_evenly_needs_positive_parts(parts: int) -> None:
    with pytest.raises(ValueError, match="positive"):
        allocate_evenly(Money(100), parts)


def test_arithmetic_keeps_the_currency() -> None:
    assert Money(250, "USD") + Money(50, "USD") == Money(300, "USD")
    assert Money(250, "USD") - Money(300, "USD") == Money(-50, "USD")
    assert Money(125, "EUR") * 3 == Money(375, "EUR")
    assert -Money(125, "EUR") == Money(-125, "EUR")
    assert Money.zero("USD") == Money(0, "USD")
    assert Money.zero().currency == "CNY"
    assert Money(0).is_zero
    assert not Money(1).is_zero


@pytest.mark.parametrize("operation", ["add", "sub"])
def test_currency_mismatch_raises(operation: str) -> None:
    yuan, dollars = Money(100, "CNY"), Money(100, "USD")
    with pytest.raises(CurrencyMismatch, match="CNY vs USD"):
        result = yuan + dollars if operation == "add" else yuan - dollars
        pytest.fail(f"combined two currencies into {result}")


def test_currency_mismatch_is_a_value_error() -> None:
    assert issubclass(CurrencyMismatch, ValueError)


def test_total_of_nothing_is_zero_in_the_given_currency() -> None:
    assert total([], "USD") == Money(0, "USD")
    assert total([Money(1, "USD"), Money(2, "USD")], "USD") == Money(3, "USD")
    with pytest.raises(CurrencyMismatch):
        total([Money(1, "CNY")], "USD")


@pytest.mark.parametrize(
    ("amount", "text"),
    [(12345, "123.45 CNY"), (5, "0.05 CNY"), (-105, "-1.05 CNY"), (0, "0.00 CNY")],
)
def test_str_shows_major_units(amount: int, text: str) -> None:
    assert str(Money(amount)) == text
