"""Outbox consumer for "carrier." messages: the only place a carrier is called for returns.

Every call runs in its own unit of work against the shipment it is about, so a message
delivered twice, or retried after a carrier timeout, finds the earlier answer stored
and does not ask again. A carrier's final refusal (a `DomainError`, e.g. an address it
does not serve) marks the shipment failed instead of being retried for hours.
"""

from __future__ import annotations

from typing import Any

from returnflow.app_context import AppContext
from returnflow.domain.text import DomainError
from returnflow.jobs.outbox import Consumer
from returnflow.services import shipping_carrier as shipping

_MAX_STEPS = 4  # waybill, then pickup: never more than a few calls per message


def carrier_consumer(context: AppContext) -> Consumer:
    def consume(topic: str, payload: dict[str, Any]) -> None:
        shipment_id = int(payload["shipment_id"])
        if topic == "carrier.arrange":
            _arrange(context, shipment_id)
        elif topic == "carrier.cancel_pickup":
            _cancel(context, shipment_id)

    return consume


def _arrange(context: AppContext, shipment_id: int) -> None:
    carriers = context.carrier_registry()
    for _ in range(_MAX_STEPS):
        now = context.clock()
        with context.uow() as uow:
            try:
                more = shipping.arrange_step(uow, shipment_id, now, carriers)
            except DomainError as error:
                uow.rollback()
                shipping.refuse(uow, shipment_id, now, error)
                uow.commit(now)
                return
            uow.commit(now)
        if not more:
            return


def _cancel(context: AppContext, shipment_id: int) -> None:
    now = context.clock()
    with context.uow() as uow:
        shipping.cancel_step(uow, shipment_id, now, context.carrier_registry())
        uow.commit(now)
