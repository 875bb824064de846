"""The on-call rules (issue 14, R13.1): start inclusive, end exclusive, overlaps, the week."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from returnflow.domain.on_call import (
    Member,
    Shift,
    check_shift,
    on_call_at,
    people,
    week_of,
    week_view,
)
from returnflow.domain.text import DomainError

T0 = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)  # Monday 09:00 in Shanghai
ANN = Member(1, "ann", "Ann", "manager")
BO = Member(2, "bo", "Bo", "admin")


def shift(n: int, member: Member, start: datetime, hours: float) -> Shift:
    return Shift(n, member, start, start + timedelta(hours=hours), "manager:x", T0)


def test_start_is_inclusive_and_end_exclusive() -> None:
    s = shift(1, ANN, T0, 8)
    assert on_call_at([s], T0) == [s]
    assert on_call_at([s], T0 - timedelta(microseconds=1)) == []
    assert on_call_at([s], s.ends_at - timedelta(microseconds=1)) == [s]
    assert on_call_at([s], s.ends_at) == []


def test_overlapping_shifts_put_several_on_call_earliest_start_first() -> None:
    late = shift(1, BO, T0 + timedelta(hours=2), 8)
    early = shift(2, ANN, T0, 8)
    again = shift(3, ANN, T0 + timedelta(hours=1), 2)
    found = on_call_at([late, again, early], T0 + timedelta(hours=2, minutes=30))
    assert [s.id for s in found] == [2, 3, 1]
    assert [m.username for m in people(found)] == ["ann", "bo"]


@pytest.mark.parametrize(
    ("start", "end", "code"),
    [
        (T0, T0, "shift_ends_before_start"),
        (T0, T0 - timedelta(hours=1), "shift_ends_before_start"),
        (T0, T0 + timedelta(days=31, seconds=1), "shift_too_long"),
        (T0 - timedelta(days=2), T0 - timedelta(days=1), "shift_in_past"),
        (T0.replace(tzinfo=None), T0 + timedelta(hours=1), "shift_time_zone"),
    ],
)
def test_bad_shifts_are_refused(start: datetime, end: datetime, code: str) -> None:
    with pytest.raises(DomainError) as refused:
        check_shift(start, end, T0)
    assert refused.value.code == code


def test_a_shift_of_exactly_31_days_is_allowed() -> None:
    check_shift(T0, T0 + timedelta(days=31), T0)


def test_the_week_cuts_shifts_at_local_midnight() -> None:
    # Monday 20:00 → Tuesday 08:00 Shanghai time (12:00 → 00:00 UTC)
    night = shift(1, ANN, T0 + timedelta(hours=11), 12)
    days = week_view([night], week_of(date(2026, 12, 9)), T0)
    assert days[0].day == date(2026, 12, 7) and days[0].today
    assert [(p.starts, p.ends) for p in days[0].pieces] == [("20:00", "24:00")]
    assert [(p.starts, p.ends) for p in days[1].pieces] == [("00:00", "08:00")]
    assert all(not d.pieces for d in days[2:])
    assert days[6].weekday.en == "Sun" and days[0].weekday.zh == "周一"
