"""A second inspector's grade (issue 17): who may give it, the match, the monthly share."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from returnflow.domain.access import Forbidden
from returnflow.domain.inspection import Grade
from returnflow.domain.training_grades import Inspected, second_grade
from returnflow.domain.training_records import Practice

NOW = datetime(2026, 11, 20, 2, tzinfo=UTC)
FIRST = Inspected("R-1", Grade.B, "warehouse:zhao", datetime(2026, 11, 3, tzinfo=UTC))


def test_another_inspector_or_a_manager_grades_and_the_match_is_exact() -> None:
    same = second_grade(FIRST, Grade.B, "warehouse:li.na", NOW)
    assert same.matches and same.original_grade is Grade.B and same.graded_by == "warehouse:li.na"
    assert not second_grade(FIRST, Grade.C, "manager:boss", NOW).matches
    assert second_grade(FIRST, Grade.A, "admin:root", NOW).original_by == "warehouse:zhao"


@pytest.mark.parametrize(
    ("actor", "code"),
    [
        ("warehouse:zhao", "second_grade_own_inspection"),
        ("manager:zhao", "second_grade_own_inspection"),  # the same person in another role
        ("agent:wang", "second_grade_not_allowed"),
        ("merchant:shop", "second_grade_not_allowed"),
        ("integration:erp", "second_grade_not_allowed"),
        ("system", "second_grade_not_allowed"),
    ],
)
def test_refused_to_the_first_inspector_and_to_other_roles(actor: str, code: str) -> None:
    with pytest.raises(Forbidden) as refused:
        second_grade(FIRST, Grade.B, actor, NOW)
    assert refused.value.code == code


def test_grade_accuracy_is_the_share_matched_and_goes_into_the_note() -> None:
    month = Practice("zhao", date(2026, 11, 1), date(2026, 12, 1), 4, 1, 0, 0, 3, 2)
    assert (month.grade_accuracy, month.inspection_accuracy) == (67, 75)
    assert "grade accuracy 67%" in month.note() and "复核 second grades 3" in month.note()
    none = Practice("zhao", date(2026, 11, 1), date(2026, 12, 1), 4, 0, 0, 0)
    assert none.grade_accuracy is None and "second grades" not in none.note()
