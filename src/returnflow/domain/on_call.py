"""Who is on call for incidents (issue 14, R13.1): shifts, the rule of an instant, a week.

A shift puts one account on call from `starts_at` (inclusive) to `ends_at` (exclusive),
both UTC. Shifts may overlap: everyone whose shift covers an instant is on call then,
the earliest-starting first (the default owner of an incident opened at that instant).
A shift ends after it starts and lasts at most `MAX_SHIFT`; only accounts that may work
incidents (`incidents.manage`: managers, admins) can be put on call, so the person who
hears an incident can open its page. The week view is drawn in local time (China
Standard Time): a shift is cut at local midnight into one piece per day it touches.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from returnflow.domain.staff_notices import LOCAL_ZONE
from returnflow.domain.text import DomainError, Text

MAX_SHIFT = timedelta(days=31)
AHEAD = timedelta(days=14)  # "the next 14 days" of the rota page and API
WEEK = 7


@dataclass(frozen=True, slots=True)
class Member:
    """An account that can be put on call."""

    user_id: int
    username: str
    display_name: str
    role: str

    @property
    def actor(self) -> str:
        """As an incident's owner and timelines name the account."""
        return f"{self.role}:{self.username}"


@dataclass(frozen=True, slots=True)
class Shift:
    id: int
    member: Member
    starts_at: datetime
    ends_at: datetime
    created_by: str
    created_at: datetime

    def covers(self, at: datetime) -> bool:
        """Start inclusive, end exclusive."""
        return self.starts_at <= at < self.ends_at

    def overlaps(self, since: datetime, until: datetime) -> bool:
        return self.starts_at < until and self.ends_at > since


def check_shift(starts_at: datetime, ends_at: datetime, now: datetime) -> None:
    """A shift's times: aware, end after start, at most `MAX_SHIFT`, not all in the past."""
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise DomainError(
            "shift_time_zone",
            Text("时间须带时区", "Give the times with their time zone"),
            field="starts_at",
        )
    if ends_at <= starts_at:
        raise DomainError(
            "shift_ends_before_start",
            Text("值班结束时间须晚于开始时间", "A shift ends after it starts"),
            field="ends_at",
        )
    if ends_at - starts_at > MAX_SHIFT:
        raise DomainError(
            "shift_too_long",
            Text("一次值班最长 {n} 天", "A shift lasts at most {n} days").format(n=MAX_SHIFT.days),
            field="ends_at",
        )
    if ends_at <= now:
        raise DomainError(
            "shift_in_past",
            Text("值班已经结束，无需排班", "That shift is over already"),
            field="ends_at",
        )


def on_call_at(shifts: Iterable[Shift], at: datetime) -> list[Shift]:
    """The shifts covering `at`, earliest start first (then the shift added first)."""
    return sorted((s for s in shifts if s.covers(at)), key=lambda s: (s.starts_at, s.id))


def people(shifts: Sequence[Shift]) -> list[Member]:
    """Each member once, in the shifts' order."""
    seen: dict[int, Member] = {}
    for shift in shifts:
        seen.setdefault(shift.member.user_id, shift.member)
    return list(seen.values())


@dataclass(frozen=True, slots=True)
class Piece:
    """The part of a shift that falls on one local day, as "HH:MM" local times."""

    shift: Shift
    starts: str
    ends: str  # "24:00" when it runs past midnight
    now: bool  # the shift covers the moment the page is drawn


@dataclass(frozen=True, slots=True)
class Day:
    day: date
    pieces: tuple[Piece, ...]
    today: bool

    @property
    def weekday(self) -> Text:
        return WEEKDAYS[self.day.weekday()]


WEEKDAYS = (
    Text("周一", "Mon"),
    Text("周二", "Tue"),
    Text("周三", "Wed"),
    Text("周四", "Thu"),
    Text("周五", "Fri"),
    Text("周六", "Sat"),
    Text("周日", "Sun"),
)


def week_of(day: date) -> date:
    """The Monday of the week holding `day`."""
    return day - timedelta(days=day.weekday())


def local_day(at: datetime) -> date:
    return at.astimezone(LOCAL_ZONE).date()


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """A local day as a UTC-comparable half-open span."""
    start = datetime.combine(day, time(0), tzinfo=LOCAL_ZONE)
    return start, datetime.combine(day + timedelta(days=1), time(0), tzinfo=LOCAL_ZONE)


def week_view(shifts: Sequence[Shift], monday: date, now: datetime) -> tuple[Day, ...]:
    """Seven local days from `monday`, each with the pieces of the shifts that touch it."""
    days = []
    for offset in range(WEEK):
        day = monday + timedelta(days=offset)
        start, end = day_bounds(day)
        pieces = tuple(
            Piece(
                shift,
                _clock(max(shift.starts_at, start), start),
                _clock(min(shift.ends_at, end), start),
                shift.covers(now),
            )
            for shift in sorted(shifts, key=lambda s: (s.starts_at, s.id))
            if shift.overlaps(start, end)
        )
        days.append(Day(day, pieces, day == local_day(now)))
    return tuple(days)


def _clock(at: datetime, day_start: datetime) -> str:
    if at - day_start >= timedelta(days=1):
        return "24:00"
    return at.astimezone(LOCAL_ZONE).strftime("%H:%M")
