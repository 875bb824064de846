"""What makes a staff or merchant notification (issue 13): bus handlers and the sweep's steps.

`notify_staff` is listed in bootstrap.EVENT_HANDLERS for every event
domain/staff_notice_words.RULES names but "return.created", whose notification the
filing writes in its own transaction (services/returns.py, through
staff_notices.notify_with_change); `notify_mediators_when_heard` tells the mediators when
a dispute's second side has been heard. The worker's sweep (jobs/staff_notices.py) asks
`warn_review_due` for each request waiting for review and `tell_mediators` for each
dispute whose evidence deadline passed. Each notification is made once (its dedupe key),
however often a handler or the sweep runs. `notify_missed` is the safety net behind
`notify_staff` (and behind a filing stored without its notification, as the demo's
past is): it makes from stored events what a failed handler left unmade.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from returnflow.domain.disputes import DisputeStatus
from returnflow.domain.events import DomainEvent
from returnflow.domain.staff_notice_words import (
    dispute_waiting,
    drafts_for,
    review_due_soon,
)
from returnflow.domain.staff_notices import review_warning_due
from returnflow.services import timers
from returnflow.services.staff_notices import notify
from returnflow.services.unit_of_work import UnitOfWork


def notify_staff(uow: UnitOfWork, event: DomainEvent, now: datetime) -> None:
    """The notifications the event makes (domain/staff_notice_words.py)."""
    data = {**event.data, "occurred_at": event.occurred_at.isoformat()}
    notify(uow, drafts_for(event.name, data), now)


def notify_missed(
    uow: UnitOfWork, events: Iterable[tuple[str, Mapping[str, Any]]], now: datetime
) -> int:
    """The safety net: what these stored events should have made and did not; how many.

    The outbox keeps each event's data as the handler got it (with `occurred_at`), so the
    same rules give the same dedupe keys: a notification already made is not made again.
    """
    drafts = [draft for name, data in events for draft in drafts_for(name, data)]
    missing = uow.staff_notices.missing(drafts) if drafts else []
    return len(notify(uow, missing, now))


def notify_mediators_when_heard(uow: UnitOfWork, event: DomainEvent, now: datetime) -> None:
    """Both sides heard: the dispute waits for a mediator."""
    tell_mediators(uow, str(event.data.get("dispute_no", "")), now)


def tell_mediators(uow: UnitOfWork, dispute_no: str, now: datetime) -> bool:
    dispute = uow.disputes.get(dispute_no) if dispute_no else None
    if dispute is None or dispute.status is not DisputeStatus.UNDER_REVIEW:
        return False
    return bool(notify(uow, [dispute_waiting(dispute.dispute_no, dispute.rma_no)], now))


def warn_review_due(uow: UnitOfWork, rma_no: str, rules: timers.TimerRules, now: datetime) -> bool:
    """From 24 h before a request is approved by silence: its merchant is told, once."""
    request = uow.returns.get(rma_no)
    due = timers.review_deadline(request, rules) if request is not None else None
    if request is None or due is None or not review_warning_due(due, now):
        return False
    entered = timers.entered_status_at(request)
    draft = review_due_soon(request.rma_no, request.merchant_id, entered, due)
    return bool(notify(uow, [draft], now))
