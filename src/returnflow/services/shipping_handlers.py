"""What shipping does when something happens elsewhere (the message bus calls these).

The bus (`bootstrap.py`) runs each handler after the change that raised the event was
committed, in a unit of work of its own; anything that touches a carrier leaves through
the outbox. Every handler is idempotent: a redelivered event finds nothing left to do.
The worker's `release_pickups` poll remains as the safety net for a crash in between.
"""

from __future__ import annotations

from datetime import datetime

from returnflow.domain.events import DomainEvent
from returnflow.services.shipping import call_off
from returnflow.services.unit_of_work import UnitOfWork


def call_off_pickup(uow: UnitOfWork, event: DomainEvent, now: datetime) -> None:
    """ "return.cancelled": the courier should not come, the waybill is not needed.

    A booked pickup is cancelled with the carrier through the outbox
    ("carrier.cancel_pickup"); a shipment not yet booked is simply marked cancelled.
    Already cancelling, cancelled or collected: nothing to do.
    """
    rma_no = event.data.get("rma_no")
    if not isinstance(rma_no, str) or not rma_no:
        return
    call_off(uow, rma_no, now)
