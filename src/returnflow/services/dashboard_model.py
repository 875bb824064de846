"""The dashboards' chart model (issue 14, R9.3): filters, columns, rows, time buckets.

A chart is a title, a unit, columns and rows (cells: numbers, days, `Text` labels), so
the page draws it, lists it as a table and hands it out as CSV/XLSX from one source.
A period longer than 62 days is drawn per week (Monday to Sunday, cut to the period).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Protocol

from returnflow.domain.text import Text
from returnflow.services.analytics import Period
from returnflow.storage.analytics_series import SeriesScope

DAILY_UP_TO = 62  # longer periods are drawn per week
Cell = str | int | float | Text | None
ALL = "all"  # the row key of every category together


class SlaSettings(Protocol):
    review_auto_approve_days: float
    inspection_due_days: float
    complaint_first_response_ordinary_hours: float


@dataclass(frozen=True, slots=True)
class SlaTargets:
    """The service levels the SLA chart measures against, in hours (config.py's timers:
    a review before approval by silence, an inspection before it is overdue, a complaint's
    ordinary first response)."""

    review_hours: float = 5 * 24
    inspection_hours: float = 2 * 24
    first_response_hours: float = 24

    @classmethod
    def from_settings(cls, settings: SlaSettings) -> SlaTargets:
        return cls(
            settings.review_auto_approve_days * 24,
            settings.inspection_due_days * 24,
            settings.complaint_first_response_ordinary_hours,
        )


@dataclass(frozen=True, slots=True)
class Filters:
    period: Period
    merchant: str | None = None
    category: str | None = None
    carrier: str | None = None
    targets: SlaTargets = field(default_factory=SlaTargets)  # not a filter: the SLA chart's

    def scope(self, start: date | None = None, end: date | None = None) -> SeriesScope:
        return SeriesScope(
            start or self.period.start,
            end or self.period.end,
            self.merchant,
            self.category,
            self.carrier,
        )

    def query(self, **extra: str | None) -> dict[str, str]:
        """The filters as query parameters (for links), with `extra` on top."""
        values: dict[str, str | None] = {
            "from": self.period.start.isoformat(),
            "to": self.period.end.isoformat(),
            "merchant": self.merchant,
            "category": self.category,
            "carrier": self.carrier,
            **extra,
        }
        return {k: v for k, v in values.items() if v}


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    title: Text
    kind: str  # day, label, count, ratio, percent, hours, fen, score


@dataclass(frozen=True, slots=True)
class Row:
    key: str  # the series it belongs to (a category, "all", a reason …)
    cells: dict[str, Cell]
    drill: dict[str, str] | None = None  # the drill-down's query for this point


@dataclass(frozen=True, slots=True)
class Chart:
    name: str
    title: Text
    unit: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    ignored: tuple[str, ...] = ()  # filters that do not apply to this chart
    note: Text | None = None
    weekly: bool = False


def buckets(when: Period) -> list[tuple[date, date]]:
    """The points of a time chart: each day, or weeks (Monday to Sunday, cut to the period)."""
    if (when.end - when.start).days + 1 <= DAILY_UP_TO:
        count = (when.end - when.start).days + 1
        return [
            (when.start + timedelta(days=i), when.start + timedelta(days=i)) for i in range(count)
        ]
    found = []
    start = when.start
    while start <= when.end:
        end = min(when.end, start + timedelta(days=6 - start.weekday()))
        found.append((start, end))
        start = end + timedelta(days=1)
    return found


def bucket_of(points: list[tuple[date, date]]) -> Callable[[date], tuple[date, date]]:
    index = {
        start + timedelta(days=i): (start, end)
        for start, end in points
        for i in range((end - start).days + 1)
    }
    return index.__getitem__


def day_text(start: date, end: date) -> str:
    return start.isoformat() if start == end else f"{start.isoformat()}/{end.isoformat()}"


DAY = Column("day", Text("日期", "Day"), "day")
