"""Money as integer minor units (fen, cents) with a currency.

Floats never hold money: every amount is an `int` of minor units, and splitting an
amount (discount shares, per-unit prices) uses largest-remainder allocation so the
parts always add up to the whole, to the cent.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from returnflow.domain.frozen import quick_init


class CurrencyMismatch(ValueError):
    """Raised when amounts of two currencies are combined."""


@quick_init
@dataclass(frozen=True, order=True, slots=True)
class Money:
    cents: int
    currency: str = "CNY"

    @classmethod
    def zero(cls, currency: str = "CNY") -> Money:
        return cls(0, currency)

    def _same(self, other: Money) -> None:
        if self.currency != other.currency:
            raise CurrencyMismatch(f"{self.currency} vs {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.cents + other.cents, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.cents - other.cents, self.currency)

    def __mul__(self, factor: int) -> Money:
        return Money(self.cents * factor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.cents, self.currency)

    @property
    def is_zero(self) -> bool:
        return self.cents == 0

    def allocate(self, weights: Sequence[int]) -> list[Money]:
        """Split into parts proportional to `weights`; the parts sum exactly to self.

        Largest-remainder method: each part gets the floor of its exact share, and
        the cents left over go one each to the parts with the largest remainders
        (earlier parts first on ties), so the split is deterministic.
        """
        if not weights:
            raise ValueError("allocate needs at least one weight")
        if any(w < 0 for w in weights):
            raise ValueError("weights must not be negative")
        total = sum(weights)
        if total == 0:
            return allocate_evenly(self, len(weights))
        sign = -1 if self.cents < 0 else 1
        amount = abs(self.cents)
        floors = [amount * w // total for w in weights]
        remainders = [amount * w % total for w in weights]
        left = amount - sum(floors)
        order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
        for i in order[:left]:
            floors[i] += 1
        return [Money(sign * f, self.currency) for f in floors]

    def __str__(self) -> str:
        sign = "-" if self.cents < 0 else ""
        whole, frac = divmod(abs(self.cents), 100)
        return f"{sign}{whole}.{frac:02d} {self.currency}"


def allocate_evenly(amount: Money, parts: int) -> list[Money]:
    """Split into `parts` near-equal amounts, the larger ones first."""
    if parts <= 0:
        raise ValueError("parts must be positive")
    return amount.allocate([1] * parts)


def total(amounts: Iterable[Money], currency: str) -> Money:
    """Sum that is well defined for an empty iterable."""
    result = Money.zero(currency)
    for amount in amounts:
        result = result + amount
    return result
