"""Issue 17's upkeep rules: which lessons a policy change makes stale, and the schedule
of periodic assessments at its boundaries (quarter starts, month ends, leap years)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from returnflow.domain.access import Role
from returnflow.domain.policy import DEFAULT_POLICY, MerchantTerms, Terms
from returnflow.domain.training_schedule import (
    AssessmentKind,
    DueState,
    next_due,
    schedule,
    state_on,
)
from returnflow.domain.training_stale import (
    EXCLUSIONS,
    FAULT_DAYS,
    NO_REASON_DAYS,
    SHIPPING_PAYER,
    changed_values,
    stale_lessons,
)

V1 = DEFAULT_POLICY
V2 = replace(V1, version=2)


def test_an_unchanged_policy_makes_nothing_stale() -> None:
    assert changed_values(V1, V2) == frozenset()
    assert stale_lessons(V1, V2) == []
    # a setting no lesson teaches changes nothing either
    assert stale_lessons(V1, replace(V2, review_hours=48)) == []


def test_no_reason_days_make_the_no_reason_lessons_stale() -> None:
    new = replace(V2, baseline=Terms(no_reason_days=10))
    assert changed_values(V1, new) == {NO_REASON_DAYS}
    found = {s.lesson: s.values for s in stale_lessons(V1, new)}
    assert found == {
        "review:no_reason_last_day": (NO_REASON_DAYS,),
        "complaints:shipping_payer": (NO_REASON_DAYS,),
    }


def test_a_category_excluded_and_a_merchant_paying_shipping() -> None:
    fresh = replace(V2, categories={**V1.categories, "toys": Terms(no_reason_days=0)})
    assert EXCLUSIONS in changed_values(V1, fresh)
    assert "review:excluded_goods" in {s.lesson for s in stale_lessons(V1, fresh)}
    better = MerchantTerms("m-1", None, {"merchant_pays_no_reason_shipping": True})
    paying = replace(V2, merchants=(better,))
    assert changed_values(V1, paying) == {SHIPPING_PAYER}
    assert [s.skill for s in stale_lessons(V1, paying)] == ["receiving", "complaints"]


def test_fault_days_of_one_category() -> None:
    categories = dict(V1.categories)
    name, terms = sorted(categories.items())[0]
    categories[name] = replace(terms, quality_refund_days=terms.quality_refund_days + 1)
    new = replace(V2, categories=categories)
    assert changed_values(V1, new) == {FAULT_DAYS}
    assert {s.lesson for s in stale_lessons(V1, new)} == {
        "refund:quality_last_day",
        "complaints:shipping_payer",
    }


# --- the schedule of periodic assessments -----------------------------------------------

K = AssessmentKind


def test_a_quarter_start_and_a_quarter_end() -> None:
    # done on the first day of Q2 covers Q2: the next is due by the end of Q3
    assert next_due(K.KNOWLEDGE_TEST, date(2026, 4, 1), date(2025, 1, 1)) == date(2026, 9, 30)
    # done on the last day of Q1 covers Q1: due by the end of Q2
    assert next_due(K.KNOWLEDGE_TEST, date(2026, 3, 31), date(2025, 1, 1)) == date(2026, 6, 30)
    # Q4 rolls into the next year
    assert next_due(K.KNOWLEDGE_TEST, date(2026, 10, 1), date(2025, 1, 1)) == date(2027, 3, 31)
    # never done: a new account has the whole next quarter
    assert next_due(K.KNOWLEDGE_TEST, None, date(2026, 7, 1)) == date(2026, 12, 31)


def test_month_ends_and_leap_years() -> None:
    assert next_due(K.PRACTICAL, date(2026, 1, 31), date(2025, 1, 1)) == date(2026, 2, 28)
    assert next_due(K.PRACTICAL, date(2028, 1, 31), date(2025, 1, 1)) == date(2028, 2, 29)
    assert next_due(K.PRACTICAL, date(2028, 2, 29), date(2025, 1, 1)) == date(2028, 3, 31)
    assert next_due(K.PRACTICAL, date(2026, 12, 31), date(2025, 1, 1)) == date(2027, 1, 31)
    assert next_due(K.PRACTICAL, None, date(2100, 1, 15)) == date(2100, 2, 28)  # not leap
    assert next_due(K.SATISFACTION, date(2026, 6, 30), date(2025, 1, 1)) == date(2026, 12, 31)
    assert next_due(K.SATISFACTION, date(2026, 7, 1), date(2025, 1, 1)) == date(2027, 6, 30)
    assert next_due(K.APPRAISAL, date(2028, 2, 29), date(2025, 1, 1)) == date(2029, 12, 31)


def test_due_soon_and_overdue_at_their_edges() -> None:
    due = date(2026, 3, 31)
    assert state_on(due, date(2026, 3, 23)) is DueState.SCHEDULED  # 8 days before
    assert state_on(due, date(2026, 3, 24)) is DueState.DUE_SOON  # 7 days before
    assert state_on(due, due) is DueState.DUE_SOON
    assert state_on(due, date(2026, 4, 1)) is DueState.OVERDUE
    kinds = [d.kind for d in schedule(Role.WAREHOUSE, {}, date(2026, 1, 5), date(2026, 1, 6))]
    assert kinds == [K.KNOWLEDGE_TEST, K.PRACTICAL, K.APPRAISAL]
    assert schedule(Role.INTEGRATION, {}, date(2026, 1, 5), date(2026, 1, 6)) == []
