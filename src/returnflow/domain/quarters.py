"""Calendar quarters in China time (issue 17, R16.11: the quarterly process review).

A quarter is named `2026-Q4` and covers local days (Asia/Shanghai) 1 Oct – 31 Dec; an
instant belongs to the quarter of its local day, so 2026-12-31 23:30 +08:00 is 2026-Q4
and 2027-01-01 00:10 +08:00 is 2027-Q1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from returnflow.domain.text import DomainError, Text

ZONE = ZoneInfo("Asia/Shanghai")
_NAME = re.compile(r"^(\d{4})-Q([1-4])$")


@dataclass(frozen=True, slots=True, order=True)
class Quarter:
    year: int
    number: int  # 1–4

    @classmethod
    def parse(cls, name: str) -> Quarter:
        found = _NAME.match(name.strip().upper())
        if found is None or not 2000 <= int(found.group(1)) <= 2100:
            raise DomainError("quarter_invalid", _INVALID, field="quarter")
        return cls(int(found.group(1)), int(found.group(2)))

    @classmethod
    def of(cls, at: datetime) -> Quarter:
        day = at.astimezone(ZONE).date()
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def name(self) -> str:
        return f"{self.year}-Q{self.number}"

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def last_day(self) -> date:
        return self.next().first_day - timedelta(days=1)

    @property
    def start(self) -> datetime:
        """The first instant, in UTC (local midnight of the first day)."""
        return datetime.combine(self.first_day, time.min, tzinfo=ZONE).astimezone(UTC)

    @property
    def end(self) -> datetime:
        """The first instant after the quarter, in UTC."""
        return self.next().start

    def previous(self) -> Quarter:
        return (
            Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)
        )

    def next(self) -> Quarter:
        return (
            Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)
        )

    def contains(self, at: datetime) -> bool:
        return self.start <= at < self.end


_INVALID = Text("季度格式应为“2026-Q4”。", "A quarter is written like “2026-Q4”.")
