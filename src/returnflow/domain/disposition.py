"""Where inspected goods go next (R5.4), by rules the operations team edits.

The rules are an ordered table: the first rule whose conditions (grades, categories,
responsibility, value range) all hold decides. A rule book must end with a rule that
has no conditions, so every item gets a suggestion. The book is a versioned document
(published through the API like the return policy), so a disposition records which
version and rule suggested it.

The same document holds the partial-refund switch (R5.3): for which grades and
responsibilities a failed inspection may offer the customer a partial refund, and the
value from which scrapping needs a manager's approval.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from returnflow.domain.inspection import Grade, Responsibility
from returnflow.domain.text import DomainError, Text


class Disposition(StrEnum):
    RESTOCK = "restock"
    SELL_DISCOUNTED = "sell_discounted"
    REFURBISH = "refurbish"
    RETURN_TO_VENDOR = "return_to_vendor"
    SCRAP = "scrap"

    @property
    def label(self) -> Text:
        return _LABELS[self]

    @property
    def goes_to_bin(self) -> bool:
        """Goods kept in the warehouse are put away to a bin; the others leave it."""
        return self in (Disposition.RESTOCK, Disposition.SELL_DISCOUNTED, Disposition.REFURBISH)

    @property
    def zone(self) -> str:
        """The bin zone this disposition's goods are put away in."""
        return _ZONES[self]


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    disposition: Disposition
    grades: frozenset[Grade] = frozenset()  # empty: any
    categories: frozenset[str] = frozenset()
    responsibilities: frozenset[Responsibility] = frozenset()
    min_value: int | None = None  # cents, inclusive
    max_value: int | None = None  # cents, exclusive

    @property
    def unconditional(self) -> bool:
        return not (
            self.grades
            or self.categories
            or self.responsibilities
            or self.min_value is not None
            or self.max_value is not None
        )

    def matches(self, item: Item) -> bool:
        return (
            (not self.grades or item.grade in self.grades)
            and (not self.categories or item.category in self.categories)
            and (not self.responsibilities or item.responsibility in self.responsibilities)
            and (self.min_value is None or item.value >= self.min_value)
            and (self.max_value is None or item.value < self.max_value)
        )


@dataclass(frozen=True, slots=True)
class Item:
    """What the rules look at for one returned line."""

    grade: Grade
    category: str
    value: int  # what the customer paid for these units, cents
    responsibility: Responsibility


@dataclass(frozen=True, slots=True)
class RuleBook:
    version: int
    rules: tuple[Rule, ...]
    # R5.3: a failed inspection may offer a partial refund for these
    partial_refund_grades: frozenset[Grade] = frozenset({Grade.B, Grade.C})
    partial_refund_responsibilities: frozenset[Responsibility] = frozenset(
        {Responsibility.CUSTOMER}
    )
    # scrapping goods worth this much or more needs a manager's approval
    scrap_approval_value: int = 50_000

    def __post_init__(self) -> None:
        if not self.rules or not self.rules[-1].unconditional:
            raise DomainError(
                "rules_incomplete",
                Text(
                    "最后一条规则必须不带条件，保证每件商品都有去向",
                    "The last rule must have no conditions, so every item has a destination",
                ),
                field="rules",
            )
        ids = [rule.id for rule in self.rules]
        if len(set(ids)) != len(ids):
            raise DomainError(
                "rule_ids_repeated", Text("规则编号重复", "Rule ids repeat"), field="rules"
            )

    def offers_partial_refund(self, grade: Grade, responsibility: Responsibility) -> bool:
        return (
            grade in self.partial_refund_grades
            and responsibility in self.partial_refund_responsibilities
        )

    def scrap_needs_approval(self, item: Item) -> bool:
        return item.value >= self.scrap_approval_value


@dataclass(frozen=True, slots=True)
class Suggestion:
    disposition: Disposition
    rule_id: str  # the administrator's key for the rule (APIs and records)
    version: int
    number: int = 0  # the rule's place in its book, from 1: what pages show (issue 16)


def suggest(book: RuleBook, item: Item) -> Suggestion:
    """The first matching rule's disposition; the last rule always matches."""
    for number, rule in enumerate(book.rules, start=1):
        if rule.matches(item):
            return Suggestion(rule.disposition, rule.id, book.version, number)
    raise AssertionError("a rule book always ends with an unconditional rule")


G = Grade
R = Responsibility
DEFAULT_RULES: tuple[Rule, ...] = (
    Rule("a-restock", Disposition.RESTOCK, grades=frozenset({G.A})),
    Rule("b-discount", Disposition.SELL_DISCOUNTED, grades=frozenset({G.B})),
    Rule(
        "c-merchant-rtv",
        Disposition.RETURN_TO_VENDOR,
        grades=frozenset({G.C}),
        responsibilities=frozenset({R.MERCHANT}),
    ),
    Rule("c-refurbish", Disposition.REFURBISH, grades=frozenset({G.C})),
    Rule(
        "d-merchant-rtv",
        Disposition.RETURN_TO_VENDOR,
        grades=frozenset({G.D}),
        responsibilities=frozenset({R.MERCHANT}),
    ),
    # high-value electronics are worth a repair attempt before anyone scraps them
    Rule(
        "d-electronics-refurbish",
        Disposition.REFURBISH,
        grades=frozenset({G.D}),
        categories=frozenset({"electronics"}),
        min_value=50_000,
    ),
    Rule("otherwise-scrap", Disposition.SCRAP),
)
DEFAULT_BOOK = RuleBook(0, DEFAULT_RULES)


def book_to_json(book: RuleBook) -> dict[str, Any]:
    return {
        "version": book.version,
        "rules": [
            {
                "id": rule.id,
                "disposition": rule.disposition.value,
                "grades": sorted(g.value for g in rule.grades),
                "categories": sorted(rule.categories),
                "responsibilities": sorted(r.value for r in rule.responsibilities),
                "min_value": rule.min_value,
                "max_value": rule.max_value,
            }
            for rule in book.rules
        ],
        "partial_refund_grades": sorted(g.value for g in book.partial_refund_grades),
        "partial_refund_responsibilities": sorted(
            r.value for r in book.partial_refund_responsibilities
        ),
        "scrap_approval_value": book.scrap_approval_value,
    }


def book_from_json(data: Mapping[str, Any]) -> RuleBook:
    return RuleBook(
        version=int(data["version"]),
        rules=tuple(
            Rule(
                id=str(rule["id"]),
                disposition=Disposition(rule["disposition"]),
                grades=frozenset(Grade(g) for g in rule.get("grades", ())),
                categories=frozenset(rule.get("categories", ())),
                responsibilities=frozenset(
                    Responsibility(r) for r in rule.get("responsibilities", ())
                ),
                min_value=rule.get("min_value"),
                max_value=rule.get("max_value"),
            )
            for rule in data["rules"]
        ),
        partial_refund_grades=frozenset(Grade(g) for g in data.get("partial_refund_grades", ())),
        partial_refund_responsibilities=frozenset(
            Responsibility(r) for r in data.get("partial_refund_responsibilities", ())
        ),
        scrap_approval_value=int(data.get("scrap_approval_value", 50_000)),
    )


_LABELS = {
    Disposition.RESTOCK: Text("重新上架", "restock"),
    Disposition.SELL_DISCOUNTED: Text("折价销售", "sell at a discount"),
    Disposition.REFURBISH: Text("翻新维修", "refurbish"),
    Disposition.RETURN_TO_VENDOR: Text("退回供应商", "return to vendor"),
    Disposition.SCRAP: Text("报废", "scrap"),
}
_ZONES = {
    Disposition.RESTOCK: "A",
    Disposition.SELL_DISCOUNTED: "B",
    Disposition.REFURBISH: "R",
    Disposition.RETURN_TO_VENDOR: "V",
    Disposition.SCRAP: "X",
}
