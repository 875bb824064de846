"""Inspection verdicts and disposition rules, pure (R5.2–R5.4)."""

from __future__ import annotations

from datetime import UTC, datetime

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
from returnflow.domain.disposition_record import DisposableLine, LineDisposition
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
from returnflow.domain.inspection_record import Goods, Inspection, PartialRefundOffer
from returnflow.domain.inventory import (
    CUSTOMER,
    INSPECTION_AREA,
    SCRAPPED,
    VENDOR,
    MovementKind,
    Stock,
)
from returnflow.domain.money import Money
from returnflow.domain.rtv import BatchStatus, RtvBatch, rtv_location
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


# --- the inspection, disposition and return-to-vendor aggregates ---------------------------

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
BOTTLES = (Goods(1, "BOTTLE-240", 2),)


def _inspected(
    grade: Grade = Grade.A, who: Responsibility = Responsibility.NONE, *, booked: bool = False
) -> Inspection:
    checks = checklist_for("baby")
    results = _all(checks)
    if who is Responsibility.CUSTOMER:
        results = (CheckResult(checks[0], Mark.FAIL, " scratched "), *results[1:])
    return Inspection.record(
        rma_no="RMA1",
        merchant_id="m-1",
        required=checks,
        findings=Findings(results, grade, who, notes=" ok "),
        goods=BOTTLES,
        arrival_booked=booked,
        actor="warehouse:wang",
        now=NOW,
    )


def test_an_inspection_books_the_goods_in_graded_and_says_what_it_found() -> None:
    passed = _inspected()
    assert passed.passed and passed.keeps_goods
    assert [m.kind for m in passed.moves] == [MovementKind.RECEIVE, MovementKind.GRADE]
    assert (passed.moves[1].to_location, passed.moves[1].to_grade) == (INSPECTION_AREA, "A")
    assert passed.findings.notes == "ok" and passed.summary.endswith("— ok")
    assert [e.name for e in passed.events] == ["inspection.recorded"]
    booked = _inspected(booked=True)  # receiving booked the arrival already
    assert [m.kind for m in booked.moves] == [MovementKind.GRADE]
    assert Stock.of(passed.moves).on_hand("BOTTLE-240", INSPECTION_AREA, "A") == 2


def _offer(inspection: Inspection, cents: int, reason: str = "划痕") -> PartialRefundOffer:
    return inspection.offer_partial_refund(
        Money(cents, "CNY"),
        reason,
        book=DEFAULT_BOOK,
        for_refund=True,
        refund_total=Money(8400, "CNY"),
        actor="warehouse:wang",
        now=NOW,
    )


@pytest.mark.parametrize(
    ("grade", "who", "cents", "code"),
    [
        (Grade.A, Responsibility.NONE, 2000, "deduction_needs_failure"),
        (Grade.D, Responsibility.CUSTOMER, 2000, "partial_refund_not_allowed"),
        (Grade.B, Responsibility.CUSTOMER, 8400, "deduction_out_of_range"),
    ],
)
def test_a_partial_refund_only_after_a_failure_where_the_rules_allow(
    grade: Grade, who: Responsibility, cents: int, code: str
) -> None:
    with pytest.raises(DomainError) as refused:
        _offer(_inspected(grade, who), cents)
    assert refused.value.code == code


def test_an_offer_is_answered_once_and_an_accepted_one_keeps_the_goods() -> None:
    failed = _inspected(Grade.B, Responsibility.CUSTOMER)
    made = _offer(failed, 2000, " 划痕 ")
    assert made.is_open and made.deduction.reason.zh == "划痕" and not failed.keeps_goods
    failed.answer_offer(True, NOW)
    assert failed.keeps_goods and made.accepted and made.answered_at == NOW
    with pytest.raises(DomainError) as twice:
        failed.answer_offer(False, NOW)
    assert twice.value.code == "offer_not_open"


def test_failed_goods_go_back_once_and_are_no_longer_kept() -> None:
    failed = _inspected(Grade.C, Responsibility.CUSTOMER)
    failed.send_back(BOTTLES, "damaged", currency="CNY", actor="warehouse:wang", now=NOW)
    assert failed.sent_back and failed.send_back_order is not None
    assert failed.moves[-1].kind is MovementKind.SEND_BACK
    assert (failed.moves[-1].from_grade, failed.moves[-1].to_location) == ("C", CUSTOMER)
    assert Stock.of(failed.moves).levels == {}  # in, graded, out again
    with pytest.raises(DomainError):
        failed.send_back(BOTTLES, "again", currency="CNY", actor="warehouse:wang", now=NOW)
    with pytest.raises(DomainError):
        _inspected().send_back(BOTTLES, "passed", currency="CNY", actor="x", now=NOW)


def _line(grade: Grade, value: int = 10_000, category: str = "home") -> DisposableLine:
    item = _item(grade, category, value)
    return DisposableLine(1, "LAMP-1", category, 1, item, suggest(DEFAULT_BOOK, item))


def _decide(line: DisposableLine, chosen: Disposition | None = None, **kw: bool) -> LineDisposition:
    return LineDisposition.decide(
        rma_no="RMA1",
        merchant_id="m-1",
        line=line,
        book=DEFAULT_BOOK,
        chosen=chosen,
        may_approve=kw.get("may_approve", False),
        actor="warehouse:wang",
        now=NOW,
    )


def test_kept_goods_are_put_away_once_into_their_zone() -> None:
    decided = _decide(_line(Grade.A))
    assert decided.chosen is Disposition.RESTOCK and decided.waits_for_bin and not decided.moves
    with pytest.raises(DomainError) as wrong:
        decided.put_away("B-01-01", "warehouse:wang", NOW)
    assert wrong.value.code == "bin_wrong_zone"
    decided.put_away("a-01-02", "warehouse:wang", NOW)
    assert (decided.bin, decided.moves[0].to_location) == ("A-01-02", "A-01-02")
    with pytest.raises(DomainError) as twice:
        decided.put_away("A-01-03", "warehouse:wang", NOW)
    assert twice.value.code == "nothing_to_put_away"


def test_scrapping_valuable_goods_needs_someone_who_may_approve_it() -> None:
    valuable = _line(Grade.D, 80_000)
    with pytest.raises(DomainError) as refused:
        _decide(valuable, Disposition.SCRAP)
    assert refused.value.code == "scrap_needs_approval"
    scrapped = _decide(valuable, Disposition.SCRAP, may_approve=True)
    assert scrapped.approved_by == "warehouse:wang"
    assert [(m.kind, m.to_location) for m in scrapped.moves] == [(MovementKind.SCRAP, SCRAPPED)]
    assert _decide(_line(Grade.D, 1_000)).approved_by is None  # cheap: no approval needed


def test_goods_for_the_vendor_go_into_the_open_batch_which_ships_once() -> None:
    batch = RtvBatch(7, "m-1", NOW)
    with pytest.raises(DomainError) as empty:
        batch.ship("warehouse:zhou", NOW)
    assert empty.value.code == "batch_empty"
    decided = _decide(_line(Grade.C), Disposition.RETURN_TO_VENDOR)
    assert decided.waits_for_batch
    decided.pick_for_vendor(batch, "warehouse:wang", NOW)
    assert decided.rtv_batch_id == 7 and decided.moves[0].to_location == rtv_location(7)
    assert (batch.units, batch.value, len(batch.added)) == (1, 10_000, 1)
    batch.ship("warehouse:zhou", NOW, carrier=" 德邦 ", waybill_no="DPK1")
    assert (batch.status, batch.carrier) == (BatchStatus.SHIPPED, "德邦")
    assert [(m.kind, m.to_location) for m in batch.moves] == [(MovementKind.TO_VENDOR, VENDOR)]
    with pytest.raises(DomainError) as again:
        batch.ship("warehouse:zhou", NOW)
    assert again.value.code == "batch_already_shipped"
    with pytest.raises(DomainError):
        _decide(_line(Grade.C), Disposition.RETURN_TO_VENDOR).pick_for_vendor(batch, "x", NOW)
