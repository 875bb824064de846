"""Moves the clock makes: closing unshipped requests (R1.5), auto-confirming (R7.1), and
forgetting quiet sign-in / look-up counters so the throttle table stays small; and the
safety net that completes a delivered request the message bus left behind.

Each request moves in its own transaction, so one conflict never holds up the rest.
These are the clock's own moves, not safety nets: no event announces that time passed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from returnflow.app_context import AppContext
from returnflow.domain.lifecycle import Status
from returnflow.domain.returns import ReturnRequest
from returnflow.domain.text import DomainError
from returnflow.jobs.tracking import pending_pickups
from returnflow.services import journey, timers
from returnflow.services.unit_of_work import ConcurrentUpdate, UnitOfWork


def close_unshipped(context: AppContext, now: datetime) -> int:
    with context.uow() as uow:
        due = uow.returns.due_for_auto_close(now)
    waiting = pending_pickups(context, due, now)  # a booked pickup may still come (R1.5)
    due = [rma for rma in due if rma not in waiting]
    return _apply(context, due, now, lambda request: request.auto_close_if_unshipped(now))


def confirm_due(context: AppContext, now: datetime) -> int:
    with context.uow() as uow:
        due = uow.returns.due_for_auto_confirm(now)
    return _apply(context, due, now, lambda request: request.auto_confirm_if_due(now))


def complete_delivered(context: AppContext, now: datetime) -> int:
    """Safety net: requests whose outcome was delivered but that the bus did not complete.

    The message bus completes them right after the refund, replacement, repair or parts
    went out (services/journey.py); this finds what a failed handler or a crash left.
    """
    with context.uow() as uow:
        due = journey.left_delivered(uow, now)
    moved = 0
    for rma_no in due:
        try:
            with context.uow() as uow:
                if journey.complete_if_delivered(uow, rma_no, now, "completed by the worker"):
                    uow.commit(now)
                    moved += 1
        except (ConcurrentUpdate, DomainError):
            continue  # someone acted on it meanwhile; the next sweep looks again
    return moved


def run_timers(context: AppContext, now: datetime) -> int:
    """Issue 13's deadlines (services/timers.py): review, inspection due, inspection timeout,
    and the customer's reminders before ship-by and confirm-by."""
    rules = timers.TimerRules.from_settings(context.settings)
    moved = 0
    for status, days, step in (
        (Status.PENDING_REVIEW, rules.review_days, timers.approve_if_unreviewed),
        (Status.RECEIVED, rules.inspection_due_days, timers.flag_overdue_inspection),
        (Status.RECEIVED, rules.inspection_timeout_days, timers.pass_uninspected),
    ):
        # entered the status at or before now - days (the history's last step is updated_at)
        cutoff = now - timedelta(days=days) + timedelta(microseconds=1)
        with context.uow() as uow:
            due = uow.journeys.resting_since([status], cutoff)
        for rma_no in due:
            try:
                with context.uow() as uow:
                    if step(uow, rma_no, rules, now):
                        uow.commit(now)
                        moved += 1
            except (ConcurrentUpdate, DomainError):
                continue  # someone acted on it meanwhile; the next sweep looks again
    return moved + send_reminders(context, now)


def send_reminders(context: AppContext, now: datetime) -> int:
    """One reminder per request before its ship-by and confirm-by (issue 13); how many."""
    lead = timedelta(hours=context.settings.reminder_hours)
    sent = 0
    for kind, status in timers.REMINDED.items():
        with context.uow() as uow:
            due = uow.notices.reminder_candidates(kind, status.value, now, now + lead)
        for rma_no in due:
            try:
                with context.uow() as uow:
                    if timers.remind(uow, rma_no, kind, lead, now):
                        uow.commit(now)
                        sent += 1
            except ConcurrentUpdate:
                continue  # another worker sent it a moment ago (the unique key)
    return sent


THROTTLE_IDLE = timedelta(days=1)


def forget_quiet_counters(context: AppContext, now: datetime) -> int:
    """Throttle counters idle for a day and blocking nobody (issue 9) are deleted."""
    with context.uow() as uow:
        forgotten = uow.attempts.prune(now, THROTTLE_IDLE)
        uow.commit(now)
    return forgotten


def _apply(
    context: AppContext,
    rma_numbers: list[str],
    now: datetime,
    move: Callable[[ReturnRequest], bool],
) -> int:
    moved = 0
    for rma_no in rma_numbers:
        try:
            with context.uow() as uow:
                if _move_one(uow, rma_no, move):
                    uow.commit(now)
                    moved += 1
        except ConcurrentUpdate:
            continue  # someone acted on it meanwhile; the next sweep looks again
    return moved


def _move_one(uow: UnitOfWork, rma_no: str, move: Callable[[ReturnRequest], bool]) -> bool:
    request = uow.returns.get(rma_no, for_update=True)
    return request is not None and move(request)
