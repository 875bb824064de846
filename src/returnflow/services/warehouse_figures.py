"""Warehouse figures (issue 4): dock-to-stock time and inspections per hour per person.

Dock-to-stock is the time from the parcel's arrival (the receipt, or the request's
RECEIVE step before receipts existed) to its put-away into a bin, grouped by the local
day of the put-away: median and 90th percentile (nearest rank) in minutes.

Inspections per hour per person: for each inspector and local day, the inspections done
divided by the clock hours in which they inspected anything (an hour with at least one
inspection counts as worked), so a person who inspected 12 parcels between 09:00 and
10:59 scores 6 an hour however long their shift was.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from returnflow.domain.input_bounds import day_range
from returnflow.services.unit_of_work import UnitOfWork

ZONE = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class DockToStockDay:
    day: date
    count: int
    median_minutes: float
    p90_minutes: float


@dataclass(frozen=True)
class InspectorDay:
    day: date
    inspector: str
    inspections: int
    hours_worked: int

    @property
    def per_hour(self) -> float:
        return round(self.inspections / self.hours_worked, 2)


@dataclass(frozen=True)
class Figures:
    start: date
    end: date  # inclusive
    dock_to_stock: list[DockToStockDay]
    inspectors: list[InspectorDay]


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile: the smallest value with at least `share` of values at or below."""
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def figures_around(uow: UnitOfWork, start: date | None, end: date | None, now: datetime) -> Figures:
    """The figures for the days asked, or for the week up to today (local days)."""
    today = now.astimezone(ZONE).date()
    first, last = day_range(start, end, today, 7)
    return figures(uow, first, last)


def figures(uow: UnitOfWork, start: date, end: date) -> Figures:
    """The figures for local days start..end; days outside the sane range are refused."""
    start, end = day_range(start, end, end, 1)
    since = datetime.combine(start, time.min, tzinfo=ZONE)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=ZONE)
    put_aways = uow.warehouse.put_aways(since, until)
    received = uow.warehouse.received_times(sorted({rma for rma, _ in put_aways}))
    minutes: dict[date, list[float]] = defaultdict(list)
    for rma_no, at in put_aways:
        arrived = received.get(rma_no)
        if arrived is None:
            continue
        minutes[at.astimezone(ZONE).date()].append((at - arrived).total_seconds() / 60)
    dock = [
        DockToStockDay(
            day, len(values), round(median(values), 1), round(percentile(values, 0.9), 1)
        )
        for day, values in sorted(minutes.items())
    ]
    done: dict[tuple[date, str], list[datetime]] = defaultdict(list)
    for who, at in uow.warehouse.inspections_between(since, until):
        local = at.astimezone(ZONE)
        done[(local.date(), who)].append(local)
    inspectors = [
        InspectorDay(day, who, len(times), len({t.hour for t in times}))
        for (day, who), times in sorted(done.items())
    ]
    return Figures(start, end, dock, inspectors)
