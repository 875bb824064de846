"""One rule for a period asked of a report, export or analysis (issue 14): both ends counted,
at most a year, never reversed; the same codes everywhere."""

from __future__ import annotations

from datetime import date

import pytest

from returnflow.domain.input_bounds import MAX_PERIOD_DAYS, required_days, within_days
from returnflow.domain.text import DomainError


def test_a_year_of_days_is_allowed_and_one_more_is_not() -> None:
    first = date(2024, 1, 1)
    last = date.fromordinal(first.toordinal() + MAX_PERIOD_DAYS - 1)  # 366 days, leap year
    assert within_days(first, last) == (first, last)
    with pytest.raises(DomainError) as refused:
        within_days(first, date.fromordinal(last.toordinal() + 1))
    assert refused.value.code == "date_range_too_long" and refused.value.field == "to"


def test_both_days_are_required_and_in_order() -> None:
    assert required_days("2026-11-01", "2026-11-30") == (date(2026, 11, 1), date(2026, 11, 30))
    assert required_days("2026-11-30", "2026-11-30") == (date(2026, 11, 30),) * 2
    for given, code in [
        (("", "2026-11-30"), "date_invalid"),
        (("2026-12-01", "2026-11-30"), "date_range_reversed"),
        (("2026-01-01", "2026-01-08"), None),
    ]:
        if code is None:
            assert required_days(*given, days=8) == (date(2026, 1, 1), date(2026, 1, 8))
            continue
        with pytest.raises(DomainError) as refused:
            required_days(*given)
        assert refused.value.code == code
    with pytest.raises(DomainError):
        required_days("2026-01-01", "2026-01-08", days=7)
