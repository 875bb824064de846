"""The clock's move for disputes (R8.3): a side silent past the evidence deadline loses.

Each tick lists the open disputes whose evidence deadline has come and settles each in
its own transaction (services/disputes.settle_overdue): the default ruling against the
silent side, its money through the refund life as the system, or the mediators' queue
when both sides (or neither) were heard. One conflict never holds up the rest.
"""

from __future__ import annotations

from datetime import datetime

from returnflow.app_context import AppContext
from returnflow.domain.text import DomainError
from returnflow.services import disputes as dispute_service
from returnflow.services.refunds import RefundRules
from returnflow.services.unit_of_work import ConcurrentUpdate


def rule_overdue(context: AppContext, now: datetime) -> int:
    """Settle every dispute past its evidence deadline; how many moved."""
    rules = RefundRules.from_settings(context.settings)
    with context.uow() as uow:
        due = dispute_service.overdue(uow, now)
    moved = 0
    for dispute_no in due:
        try:
            with context.uow() as uow:
                if dispute_service.settle_overdue(uow, dispute_no, now, rules):
                    uow.commit(now)
                    moved += 1
        except (ConcurrentUpdate, DomainError):
            continue  # someone acted on it meanwhile; the next tick looks again
    return moved
