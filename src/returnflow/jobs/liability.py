"""The safety net for liability bookings (R8.4): paid refunds the bus left unbooked.

The message bus books who bears a paid refund right after "refund.paid" (and after
"return.inspected", for a refund paid before the goods were judged) in
`services/liability.book_liability`; this finds what a failed handler or a crash
between commit and handler left, and calls the same function. The entry's key makes a
second booking impossible, so the bus and the net never book twice.
"""

from __future__ import annotations

from datetime import datetime

from returnflow.app_context import AppContext
from returnflow.domain.text import DomainError
from returnflow.services import liability
from returnflow.services.unit_of_work import ConcurrentUpdate


def book_left_unbooked(context: AppContext, now: datetime) -> int:
    """Book each candidate in its own transaction; the number booked now."""
    with context.uow() as uow:
        due = liability.left_unbooked(uow, now)
    booked = 0
    for rma_no in due:
        try:
            with context.uow() as uow:
                if liability.book_for(uow, rma_no, now):
                    uow.commit(now)
                    booked += 1
        except (ConcurrentUpdate, DomainError):
            continue  # someone booked it meanwhile; the next tick looks again
    return booked
