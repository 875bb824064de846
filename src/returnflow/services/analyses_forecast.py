"""The 14-day forecast of incoming returns, and the inspectors it needs (issue 14, R9.2).

History: requests filed per local day over the `HISTORY_DAYS` days before today (today
is not over yet). The forecast (analyze/forecast.py) starts today. Parcels are taken as
the requests expected to be filed: a filed request's parcel reaches the warehouse a few
days later, so the staffing line reads as "the load of a day like this one".

The pace of one inspector comes from the warehouse's own inspections of the last 28
days (inspections ÷ inspector-days, and the usual roster: the median number of
inspectors at work on a day); with fewer than `MIN_MEASURED` inspections the default
pace (`domain/analyses.py`, 120 a day) stands in and the roster is unknown (0).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from returnflow.domain import analyses as rules
from returnflow.domain.text import Text
from returnflow.services.liability_queries import ZONE
from returnflow.services.unit_of_work import UnitOfWork

HISTORY_DAYS = 84  # twelve weeks
HORIZON = 14
PACE_DAYS = 28
MIN_MEASURED = 20
WEEKDAYS = (
    Text("周一", "Monday"),
    Text("周二", "Tuesday"),
    Text("周三", "Wednesday"),
    Text("周四", "Thursday"),
    Text("周五", "Friday"),
    Text("周六", "Saturday"),
    Text("周日", "Sunday"),
)


@dataclass(frozen=True)
class DayCount:
    day: date
    count: int


@dataclass(frozen=True)
class ForecastDay:
    day: date
    expected: int
    low: int
    high: int
    inspectors: int  # needed for the expected parcels at the measured pace
    more_inspectors: int  # beyond the usual roster (0 when the roster is unknown)


@dataclass(frozen=True)
class ReturnsForecast:
    history: tuple[DayCount, ...]
    days: tuple[ForecastDay, ...]
    level: float  # of the prediction interval
    per_inspector_day: float
    measured: bool  # the pace comes from the warehouse's own inspections
    roster: int
    headline: Text  # the busiest day of the next week, in words


def _local_day(at: datetime) -> date:
    return at.astimezone(ZONE).date()


def daily_history(uow: UnitOfWork, today: date, merchant_scope: str | None) -> list[DayCount]:
    first = today - timedelta(days=HISTORY_DAYS)
    since = datetime.combine(first, time.min, tzinfo=ZONE)
    until = datetime.combine(today, time.min, tzinfo=ZONE)
    counts: dict[date, int] = {}
    for at in uow.analysis.filed_times(since, until, merchant_scope):
        counts[_local_day(at)] = counts.get(_local_day(at), 0) + 1
    return [
        DayCount(first + timedelta(days=i), counts.get(first + timedelta(days=i), 0))
        for i in range(HISTORY_DAYS)
    ]


def measured_pace(uow: UnitOfWork, today: date) -> tuple[float, int, bool]:
    since = datetime.combine(today - timedelta(days=PACE_DAYS), time.min, tzinfo=ZONE)
    until = datetime.combine(today, time.min, tzinfo=ZONE)
    done = [(who, _local_day(at).isoformat()) for who, at in uow.analysis.inspections(since, until)]
    if len(done) < MIN_MEASURED:
        return float(rules.DEFAULT_INSPECTIONS_PER_DAY), 0, False
    per_day, roster = rules.pace(done)
    return per_day, roster, True


def incoming_forecast(
    uow: UnitOfWork, now: datetime, *, merchant_scope: str | None = None
) -> ReturnsForecast:
    today = _local_day(now)
    history = daily_history(uow, today, merchant_scope)
    from returnflow.analyze import forecast as forecasting  # numpy: on first use (issue 11)

    predicted = forecasting.forecast([d.count for d in history], HORIZON)
    per_day, roster, measured = measured_pace(uow, today)
    days = []
    for i, p in enumerate(predicted):
        expected = round(p.expected)
        needed = rules.inspectors_needed(expected, per_day)
        more = max(0, needed - roster) if roster else 0
        days.append(
            ForecastDay(
                today + timedelta(days=i), expected, round(p.low), round(p.high), needed, more
            )
        )
    return ReturnsForecast(
        tuple(history), tuple(days), 0.95, per_day, measured, roster, _headline(days, roster)
    )


def _headline(days: list[ForecastDay], roster: int) -> Text:
    if not days:
        return Text("", "")
    peak = max(days[:7], key=lambda d: (d.expected, -d.day.toordinal()))
    weekday = WEEKDAYS[peak.day.weekday()]
    when = Text(f"{peak.day:%m-%d}（{weekday.zh}）", f"{weekday.en} {peak.day:%d %b}")
    parcels = Text(
        f"预计{when.zh}到件 {peak.expected:,} 件",
        f"Expected {peak.expected:,} parcels on {when.en}",
    )
    if roster and peak.more_inspectors:
        staff = Text(
            f"需增加 {peak.more_inspectors} 名质检员（共需 {peak.inspectors} 名）",
            f"{_inspectors(peak.more_inspectors, 'more ')} needed ({peak.inspectors} in all)",
        )
    elif roster:
        staff = Text(f"现有 {roster} 名质检员足够", f"the usual {_inspectors(roster)} enough")
    else:
        staff = Text(f"需 {peak.inspectors} 名质检员", f"{_inspectors(peak.inspectors)} needed")
    return Text(f"{parcels.zh}，{staff.zh}", f"{parcels.en}, {staff.en}")


def _inspectors(count: int, more: str = "") -> str:
    return f"{count} {more}inspector{'' if count == 1 else 's'}"
