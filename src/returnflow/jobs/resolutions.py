"""The clock's moves for resolutions: unreturned fast exchanges become charges, fast
replacements finish once inspection decides, and lapsed store credit expires.

Each item moves in its own transaction, so one conflict never holds up the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from returnflow.app_context import AppContext
from returnflow.domain.text import DomainError
from returnflow.integrations.webhooks import WebhookSender
from returnflow.jobs.outbox import Consumer
from returnflow.services import fast_exchanges
from returnflow.services import store_credit as credit_service
from returnflow.services.unit_of_work import ConcurrentUpdate, UnitOfWork

K = TypeVar("K")


@dataclass(frozen=True)
class ResolutionSweep:
    charged: int
    settled: int
    expired: int


def consumers(context: AppContext) -> dict[str, Consumer]:
    """Outbox consumers: shipment and payment requests go to the order system."""
    settings = context.settings
    sender = WebhookSender(
        settings.order_system_webhook_url,
        settings.order_system_webhook_secret,
        context.clock,
        settings.order_system_webhook_timeout,
    )
    return {"integration.": sender}


def sweep(context: AppContext, now: datetime) -> ResolutionSweep:
    with context.uow() as uow:
        overdue = fast_exchanges.overdue(uow, now)
        inspected = fast_exchanges.awaiting_settlement(uow)
        lapsed = credit_service.lapsed_lots(uow, now)
    charged = _each(
        context, overdue, now, lambda uow, rma: fast_exchanges.charge_if_unreturned(uow, rma, now)
    )
    settled = _each(
        context, inspected, now, lambda uow, rma: fast_exchanges.settle_fast(uow, rma, now)
    )
    expired = _each(context, lapsed, now, lambda uow, lot: credit_service.expire_lot(uow, lot, now))
    return ResolutionSweep(charged, settled, expired)


def _each(
    context: AppContext,
    keys: list[K],
    now: datetime,
    move: Callable[[UnitOfWork, K], object],
) -> int:
    moved = 0
    for key in keys:
        try:
            with context.uow() as uow:
                if move(uow, key):
                    uow.commit(now)
                    moved += 1
        except (ConcurrentUpdate, DomainError):
            continue  # someone acted on it meanwhile; the next sweep looks again
    return moved
