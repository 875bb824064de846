"""The end of a request's journey: once its outcome is delivered, it is completed.

The refund is paid, the replacement shipped, the repair sent back or the missing parts
sent: nothing is left for staff to do, so the request moves to `completed` as the
system and the customer's confirmation window starts (R7.1). The message bus calls
this after the change that delivered the outcome was committed (bootstrap.py).

A failed inspection is not an outcome: it waits for the customer's answer to a
partial-refund offer or for the goods to go back, and a person completes it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from returnflow.domain.authority import SYSTEM
from returnflow.domain.events import DomainEvent
from returnflow.domain.lifecycle import Action, Status, allowed_actions
from returnflow.services.returns import policy_for
from returnflow.services.unit_of_work import UnitOfWork

# the statuses that say the outcome reached the customer
DELIVERED = frozenset({Status.REFUNDED, Status.EXCHANGED, Status.REPAIRED, Status.REISSUED})
# how long the bus has to complete a delivered request before the worker's sweep does
GRACE = timedelta(minutes=10)


def complete_request(uow: UnitOfWork, event: DomainEvent, now: datetime) -> None:
    """The bus's handler: the request of `event` is completed if its outcome is delivered."""
    rma_no = event.data.get("rma_no")
    if isinstance(rma_no, str) and rma_no:
        complete_if_delivered(uow, rma_no, now, f"after {event.name}")


def complete_if_delivered(uow: UnitOfWork, rma_no: str, now: datetime, note: str) -> bool:
    """Complete the request as the system if its outcome is delivered; True if it moved.

    Idempotent: a request already completed (by the bus, by staff, or by an earlier
    delivery of the same fact) or not yet delivered is left as it is.
    """
    request = uow.returns.get(rma_no, for_update=True)
    if request is None or request.status not in DELIVERED:
        return False
    if Action.COMPLETE not in allowed_actions(request.status, request.request_type):
        return False
    _, policy = policy_for(uow, request)
    request.complete(SYSTEM, now, policy, note=note)
    return True


def left_delivered(uow: UnitOfWork, now: datetime) -> list[str]:
    """The safety net's list: delivered for longer than `GRACE` and still not completed.

    The bus completes a request right after its outcome is stored; one still waiting
    after `GRACE` was left by a failed handler or a crash in between.
    """
    return uow.journeys.resting_since(DELIVERED, now - GRACE)
