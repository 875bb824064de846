"""When the demo's people act: Shanghai time, and each one's waking or working hours.

Shared by the planning (`orders_plan.py`, `returns_plan.py`) and the stories
(`stories.py`), so a customer never files at 4 a.m. and a warehouse never receives
on a Sunday night by accident of which module drew the moment.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
Hours = tuple[int, int]  # local opening and closing hour

# people act in their own waking or working hours, Shanghai time
CUSTOMER_HOURS: Hours = (8, 23)
AGENT_HOURS: Hours = (9, 22)
WAREHOUSE_HOURS: Hours = (9, 18)
FINANCE_HOURS: Hours = (9, 18)


def shanghai_moment(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute, second), SHANGHAI).astimezone(UTC)


def open_hours(moment: datetime, rng: random.Random, hours: Hours) -> datetime:
    """The moment, or the next opening time (plus a little queue) if it falls outside."""
    opens, closes = hours
    local = moment.astimezone(SHANGHAI)
    if opens <= local.hour < closes:
        return moment
    day = local.date() if local.hour < opens else local.date() + timedelta(days=1)
    return shanghai_moment(day, opens) + timedelta(seconds=rng.randint(0, 5_400))


def digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choices("0123456789", k=count))
