"""When each step of a demo appeal or dispute happened (issue 12): pure, no I/O.

A case starts at the decision appealed (a rejection) and runs appeal → decision on the
appeal → dispute → the merchant's evidence → the ruling. Cases that end in the past
run forward from the rejection; the ones still waiting at `now` (evidence due, under
review) are anchored near `now`. Gaps too long for the time there was are shortened;
a case that cannot fit is not given to that request.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from returnflow.demo.timing import AGENT_HOURS, CUSTOMER_HOURS, Hours, open_hours

EVIDENCE_WINDOW = timedelta(days=3)  # settings.dispute_evidence_days' default
APPEAL_WINDOW = timedelta(days=15)  # settings.appeal_window_days' default
TICK = timedelta(seconds=40)  # the worker's sweep comes a few seconds after a deadline


class Case(StrEnum):
    """What becomes of an upheld appeal's dispute."""

    RULED = "ruled"  # for the customer, the merchant liable, the refund paid
    DEFAULTED = "defaulted"  # the merchant stayed silent: the sweep ruled at the deadline
    SPLIT = "split"  # part of the refund and compensation, the merchant liable
    UNDER_REVIEW = "under_review"  # both sides heard, the mediator still to rule
    EVIDENCE_DUE = "evidence_due"  # opened; the merchant's evidence is still due
    FOR_MERCHANT = "for_merchant"  # the merchant's evidence holds: nothing paid
    AGREED = "agreed"  # the mediator records an agreement


# always tried first (a small demo has few candidates), then more as the demo grows
FIRST = (Case.RULED, Case.DEFAULTED, Case.SPLIT, Case.UNDER_REVIEW, Case.EVIDENCE_DUE)
MORE = (Case.FOR_MERCHANT, Case.AGREED, Case.RULED, Case.SPLIT, Case.RULED, Case.FOR_MERCHANT)
RECENT = frozenset({Case.UNDER_REVIEW, Case.EVIDENCE_DUE})


@dataclass(frozen=True, slots=True)
class Timeline:
    appeal: datetime
    decided: datetime
    opened: datetime | None = None
    heard: datetime | None = None  # the merchant's evidence
    ruled: datetime | None = None  # the ruling, or the sweep at the deadline

    @property
    def key(self) -> datetime:
        """Disputes are written in opening order, so their numbers rise with dates."""
        return self.opened or self.appeal


def appeal_only(rng: random.Random, rejected: datetime, now: datetime) -> Timeline | None:
    """An appeal and its decision (the decision may still be to come at `now`)."""
    appeal = open_hours(rejected + _hours(rng, 3, 40), rng, CUSTOMER_HOURS)
    if appeal > now or appeal - rejected > APPEAL_WINDOW:
        return None
    return Timeline(appeal, open_hours(appeal + _hours(rng, 2, 20), rng, AGENT_HOURS))


def dispute(rng: random.Random, case: Case, rejected: datetime, now: datetime) -> Timeline | None:
    """The case's moments after `rejected`, or None if it does not fit before `now`."""
    if case in RECENT:
        return _recent(rng, case, rejected, now)
    gaps = [_hours(rng, 3, 40), _hours(rng, 2, 20), _hours(rng, 2, 30)]
    if case is Case.DEFAULTED:
        room = now - rejected - EVIDENCE_WINDOW - timedelta(minutes=10)
        moments = _fit(rng, rejected, gaps, room, (CUSTOMER_HOURS, AGENT_HOURS, CUSTOMER_HOURS))
        if moments is None:
            return None
        appeal, decided, opened = moments
        return Timeline(appeal, decided, opened, None, opened + EVIDENCE_WINDOW + TICK)
    gaps += [_hours(rng, 3, 40), _hours(rng, 4, 30)]
    hours = (CUSTOMER_HOURS, AGENT_HOURS, CUSTOMER_HOURS, AGENT_HOURS, AGENT_HOURS)
    moments = _fit(rng, rejected, gaps, now - rejected - timedelta(minutes=10), hours)
    if moments is None or moments[3] - moments[2] >= EVIDENCE_WINDOW:
        return None
    return Timeline(*moments)


def _recent(rng: random.Random, case: Case, rejected: datetime, now: datetime) -> Timeline | None:
    """Opened in the last day or two: the evidence window is still running at `now`."""
    if case is Case.EVIDENCE_DUE:
        opened = (now - _hours(rng, 4, 40)).replace(microsecond=0)
        heard = None
    else:
        opened = (now - _hours(rng, 30, 60)).replace(microsecond=0)
        heard = opened + _hours(rng, 3, 20)
    gaps = [_hours(rng, 3, 40), _hours(rng, 2, 20)]
    moments = _fit(rng, rejected, gaps, opened - rejected - timedelta(hours=1), None)
    if moments is None or moments[0] - rejected > APPEAL_WINDOW:
        return None
    appeal, decided = moments
    return Timeline(appeal, decided, opened, heard)


def _fit(
    rng: random.Random,
    start: datetime,
    gaps: list[timedelta],
    room: timedelta,
    hours: tuple[Hours, ...] | None,
) -> list[datetime] | None:
    """Moments `gaps` apart after `start`, shortened to fit `room`; in the actors' hours
    when that still fits. None when even shortened they would not (under 20 minutes)."""
    total = sum(gaps, timedelta())
    if room <= timedelta(0):
        return None
    if total > room:
        share = room / total * rng.uniform(0.6, 0.95)
        gaps = [timedelta(seconds=int((gap * share).total_seconds())) for gap in gaps]
        hours = None  # shortened: no waiting for opening hours
    if min(gaps) < timedelta(minutes=20):
        return None
    moments, at = [], start.replace(microsecond=0)
    for gap in gaps:
        at += gap
        moments.append(at)
    if hours is None:
        return moments
    timed, at = [], start
    for moment, opening in zip(moments, hours, strict=True):
        at = open_hours(max(moment, at + timedelta(minutes=20)), rng, opening)
        timed.append(at)
    return timed if timed[-1] <= start + room else moments


def _hours(rng: random.Random, low: float, high: float) -> timedelta:
    return timedelta(seconds=rng.randint(int(low * 3_600), int(high * 3_600)))
