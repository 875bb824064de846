"""Inspection verdicts and disposition rules, pure (R5.2–R5.4)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from returnflow.domain.catalog import ItemFlag
from returnflow.domain.disposition import (
    DEFAULT_BOOK,
    Disposition,
    Item,
    Rule,
    RuleBook,
    book_from_json,
    book_to_json,
    suggest,
)
from returnflow.domain.inspection import (
    Check,
    CheckResult,
    Findings,
    Grade,
    Mark,
    Responsibility,
    checklist_for,
    checklist_for_items,
    judge,
)
from returnflow.domain.text import DomainError


def _all(checks: tuple[Check, ...], mark: Mark = Mark.PASS) -> tuple[CheckResult, ...]:
    return tuple(CheckResult(c, mark) for c in checks)


def test_checklists_follow_the_category() -> None:
    assert Check.SERIAL_NUMBER in checklist_for("electronics")
    assert Check.HYGIENE_SEAL in checklist_for("cosmetics")
    assert Check.HYGIENE_SEAL not in checklist_for("home")
    assert Check.HYGIENE_SEAL in checklist_for("home", {ItemFlag.HYGIENE_SEALED})
    parcel = checklist_for_items([("apparel", ()), ("electronics", ())])
    assert parcel == (
        Check.APPEARANCE,
        Check.FUNCTION,
        Check.ACCESSORIES,
        Check.PACKAGING,
        Check.SERIAL_NUMBER,
    )


def test_all_passed_and_nobody_responsible_passes() -> None:
    checks = checklist_for("baby")
    verdict = judge(checks, Findings(_all(checks), Grade.A, Responsibility.NONE))
    assert verdict.passed
    assert verdict.reasons[0].en == "Every check passed"


def test_customer_damage_fails_with_every_reason() -> None:
    checks = checklist_for("apparel")
    results = (
        CheckResult(Check.APPEARANCE, Mark.FAIL, "stain on the sleeve"),
        CheckResult(Check.ACCESSORIES, Mark.FAIL, "tag removed"),
        CheckResult(Check.PACKAGING, Mark.PASS),
    )
    verdict = judge(checks, Findings(results, Grade.C, Responsibility.CUSTOMER))
    assert not verdict.passed
    text = verdict.summary("en")
    assert "stain on the sleeve" in text and "tag removed" in text and "Grade C" in text
    assert "外观" in verdict.summary("zh")


def test_merchant_fault_passes_even_when_broken() -> None:
    checks = checklist_for("home")
    results = (*_all(checks[:-1]), CheckResult(checks[-1], Mark.FAIL, "cracked"))
    verdict = judge(checks, Findings(results, Grade.D, Responsibility.MERCHANT))
    assert verdict.passed


def test_serial_mismatch_fails_whoever_is_blamed() -> None:
    checks = checklist_for("electronics")
    findings = Findings(
        _all(checks), Grade.A, Responsibility.MERCHANT, serial_no="sn-2", expected_serial="SN-1"
    )
    verdict = judge(checks, findings)
    assert not verdict.passed and verdict.serial_matches is False
    same = Findings(_all(checks), Grade.A, Responsibility.NONE, "sn-1", "SN-1")
    assert judge(checks, same).serial_matches is True


@pytest.mark.parametrize(
    ("findings", "code"),
    [
        (Findings((), Grade.A, Responsibility.NONE), "checklist_incomplete"),
        (
            Findings(_all(checklist_for("home"), Mark.FAIL), Grade.B, Responsibility.CUSTOMER),
            "check_note_required",
        ),
        (
            Findings(
                tuple(CheckResult(c, Mark.FAIL, "x") for c in checklist_for("home")),
                Grade.B,
                Responsibility.NONE,
            ),
            "responsibility_required",
        ),
    ],
)
def test_incomplete_or_contradictory_findings_are_refused(findings: Findings, code: str) -> None:
    with pytest.raises(DomainError) as refused:
        judge(checklist_for("home"), findings)
    assert refused.value.code == code


def test_electronics_need_a_serial_unless_marked_not_applicable() -> None:
    checks = checklist_for("electronics")
    with pytest.raises(DomainError, match="serial"):
        judge(checks, Findings(_all(checks), Grade.A, Responsibility.NONE))
    marked = tuple(
        CheckResult(c, Mark.NOT_APPLICABLE if c is Check.SERIAL_NUMBER else Mark.PASS)
        for c in checks
    )
    assert judge(checks, Findings(marked, Grade.A, Responsibility.NONE)).passed


# --- disposition rules -----------------------------------------------------------------


def _item(grade: Grade, category: str = "home", value: int = 10_000, who: str = "none") -> Item:
    return Item(grade, category, value, Responsibility(who))


def test_default_rules() -> None:
    d = DEFAULT_BOOK
    assert suggest(d, _item(Grade.A)).disposition is Disposition.RESTOCK
    assert suggest(d, _item(Grade.B)).disposition is Disposition.SELL_DISCOUNTED
    assert suggest(d, _item(Grade.C)).disposition is Disposition.REFURBISH
    assert suggest(d, _item(Grade.C, who="merchant")).disposition is Disposition.RETURN_TO_VENDOR
    assert suggest(d, _item(Grade.D)).disposition is Disposition.SCRAP
    high = _item(Grade.D, "electronics", 80_000)
    assert suggest(d, high).disposition is Disposition.REFURBISH
    assert suggest(d, high).rule_id == "d-electronics-refurbish"
    assert suggest(d, _item(Grade.D, "electronics", 1_000)).disposition is Disposition.SCRAP


def test_a_book_must_end_with_an_unconditional_rule() -> None:
    with pytest.raises(DomainError) as refused:
        RuleBook(1, (Rule("a", Disposition.RESTOCK, grades=frozenset({Grade.A})),))
    assert refused.value.code == "rules_incomplete"


def test_books_round_trip_through_json() -> None:
    assert book_from_json(book_to_json(DEFAULT_BOOK)) == DEFAULT_BOOK


def test_partial_refund_switch_defaults_to_b_and_c_by_the_customer() -> None:
    book = DEFAULT_BOOK
    assert book.offers_partial_refund(Grade.B, Responsibility.CUSTOMER)
    assert book.offers_partial_refund(Grade.C, Responsibility.CUSTOMER)
    assert not book.offers_partial_refund(Grade.D, Responsibility.CUSTOMER)
    assert not book.offers_partial_refund(Grade.B, Responsibility.MERCHANT)


rules = st.builds(
    Rule,
    id=st.uuids().map(str),
    disposition=st.sampled_from(Disposition),
    grades=st.frozensets(st.sampled_from(Grade)),
    categories=st.frozensets(st.sampled_from(["home", "electronics", "baby"])),
    responsibilities=st.frozensets(st.sampled_from(Responsibility)),
    min_value=st.none() | st.integers(0, 100_000),
    max_value=st.none() | st.integers(0, 100_000),
)
items = st.builds(
    Item,
    grade=st.sampled_from(Grade),
    category=st.sampled_from(["home", "electronics", "baby", "toys"]),
    value=st.integers(0, 200_000),
    responsibility=st.sampled_from(Responsibility),
)


@given(st.lists(rules, max_size=6), st.sampled_from(Disposition), items)
def test_rules_are_total_and_the_first_match_wins(
    head: list[Rule], fallback: Disposition, item: Item
) -> None:
    book = RuleBook(1, (*head, Rule("fallback", fallback)))
    chosen = suggest(book, item)
    first = next(rule for rule in book.rules if rule.matches(item))
    assert (chosen.rule_id, chosen.disposition) == (first.id, first.disposition)
