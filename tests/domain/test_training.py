"""Training (issue 17): answers computed by the rules, reproducible draws, scoring and
certificate boundaries."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from returnflow.domain.money import Money
from returnflow.domain.policy import DEFAULT_POLICY, Terms
from returnflow.domain.text import DomainError
from returnflow.domain.training import (
    GRACE_DAYS,
    REFRESHER_DAYS,
    Certificate,
    Skill,
    Standing,
    certify,
    draw,
    lessons,
    passes,
    score,
    standing_of,
    waive,
)
from returnflow.domain.training_questions import no_reason_last_day, refund_amount
from returnflow.notify.money_words import money_text, money_words

TODAY = date(2026, 12, 7)
NOW = datetime(2026, 12, 7, 4, tzinfo=UTC)


def test_last_day_is_the_engines_and_moves_with_the_policy() -> None:
    question = no_reason_last_day(random.Random(3), DEFAULT_POLICY, TODAY, money_words)
    right = question.choices[question.answer]
    assert isinstance(right, date)
    generous = replace(DEFAULT_POLICY, version=2, baseline=Terms(no_reason_days=10), categories={})
    changed = no_reason_last_day(random.Random(3), generous, TODAY, money_words)
    moved = changed.choices[changed.answer]
    assert isinstance(moved, date)
    assert moved - right == timedelta(days=3)  # same delivery, 10 days instead of 7
    assert "2" in changed.prompt.en and len(set(changed.choices)) == len(changed.choices)


def test_refund_amount_is_the_calculators() -> None:
    question = refund_amount(random.Random(11), DEFAULT_POLICY, TODAY, money_words)
    right = question.choices[question.answer]
    assert isinstance(right, Money) and right.cents > 0
    wrong = [c for i, c in enumerate(question.choices) if i != question.answer]
    assert wrong and right not in wrong
    assert money_text(right, "en") in question.explanation.en
    assert money_text(right, "zh") in question.explanation.zh


def test_a_draw_is_reproducible_from_its_seed() -> None:
    first = draw(Skill.INSPECTION, 1234, DEFAULT_POLICY, TODAY, money_words)
    again = draw(Skill.INSPECTION, 1234, DEFAULT_POLICY, TODAY, money_words)
    other = draw(Skill.INSPECTION, 1235, DEFAULT_POLICY, TODAY, money_words)
    assert first == again and first != other and len(first) == 5


@pytest.mark.parametrize(
    ("correct", "total", "passed"), [(80, 100, True), (79, 100, False), (4, 5, True), (3, 5, False)]
)
def test_pass_mark_boundaries(correct: int, total: int, passed: bool) -> None:
    assert passes(correct, total) is passed


def test_scoring_marks_each_question_with_its_explanation() -> None:
    questions = draw(Skill.REFUND, 7, DEFAULT_POLICY, TODAY, money_words)
    right = [q.answer for q in questions]
    assert score(questions, right).passed and score(questions, right).percent == 100
    four = [*right[:4], (right[4] + 1) % len(questions[4].choices)]
    assert score(questions, four).passed  # 80 %
    three = [None, *four[1:]]
    marked = score(questions, three)
    assert not marked.passed and marked.correct == 3 and not marked.marked[0].correct
    with pytest.raises(DomainError, match="exactly"):
        score(questions, right[:2])


def test_certificate_standing_at_its_boundaries() -> None:
    cert = certify("wang", Skill.INSPECTION, 1, NOW)
    expiry = cert.expires_at
    assert cert.standing(NOW) is Standing.VALID
    assert cert.standing(expiry - timedelta(days=REFRESHER_DAYS, seconds=1)) is Standing.VALID
    assert cert.standing(expiry - timedelta(days=REFRESHER_DAYS)) is Standing.REFRESHER_DUE
    assert cert.standing(expiry) is Standing.GRACE  # expired: works on, asks for a refresher
    late = expiry + timedelta(days=GRACE_DAYS)
    assert cert.standing(late - timedelta(seconds=1)) is Standing.GRACE
    assert cert.standing(late) is Standing.EXPIRED and not Standing.EXPIRED.allows_work
    assert standing_of([], NOW) is Standing.MISSING
    old = Certificate(
        "wang", Skill.INSPECTION, NOW - timedelta(days=800), NOW - timedelta(days=400)
    )
    assert standing_of([old, cert], NOW) is Standing.VALID


def test_a_waiver_needs_a_reason_and_names_who_gave_it() -> None:
    with pytest.raises(DomainError, match="reason"):
        waive("wang", Skill.INSPECTION, "admin:root", " ", NOW)
    waived = waive("wang", Skill.INSPECTION, "admin:root", "new hire, course on Monday", NOW)
    assert waived.waived_by == "admin:root" and waived.standing(NOW) is Standing.REFRESHER_DUE


def test_lessons_carry_live_examples_in_both_languages() -> None:
    found = lessons(Skill.REVIEW, DEFAULT_POLICY, TODAY, money_words)
    assert found and all(lesson.example.explanation.zh for lesson in found)
    assert all(lesson.title.en and lesson.title.zh != lesson.title.en for lesson in found)
