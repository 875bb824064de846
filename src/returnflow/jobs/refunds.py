"""The refund part of a worker tick, and the outbox consumer that submits refunds.

The clock's moves live here: retries after their backoff, polls of a silent gateway,
deadline breaches, the sandbox's late settlements. What follows a change (a refund
asked for at inspection or approval, an instant refund at the first scan, a refund
released by a manager's decision) runs on the message bus (services/refund_handlers.py);
the polls below for those are safety nets that call the same functions, so a failed
handler or a crash between commit and handler loses nothing.

Each refund moves in its own transaction, so one conflict never holds up the rest.
The consumer commits the gateway's answer with the refund; if the process dies after
the gateway accepted but before that commit, the outbox message is still pending and
the retry submits with the same idempotency key, so the gateway hands back the refund
it already made instead of paying again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from returnflow.app_context import AppContext
from returnflow.domain.lifecycle import Status
from returnflow.domain.text import DomainError
from returnflow.payments.gateway import GatewayError
from returnflow.payments.sandbox import SandboxGateway
from returnflow.services import exchange_gaps, refund_gateway, refund_handlers, refund_recoveries
from returnflow.services import refunds as refund_service
from returnflow.services.refunds import SUBMIT_TOPIC
from returnflow.services.unit_of_work import ConcurrentUpdate, UnitOfWork

log = logging.getLogger("returnflow.refunds")

T = TypeVar("T")
POLL_AFTER = timedelta(minutes=10)  # a gateway silent this long is asked directly


@dataclass(frozen=True)
class RefundReport:
    requested: int = 0
    instant: int = 0
    moved: int = 0
    recoveries: int = 0
    retried: int = 0
    notified: int = 0
    polled: int = 0
    breached: int = 0
    gaps: int = 0  # exchange price gaps put on their way
    released: int = 0  # decided approvals whose refund a crash left waiting


class RefundJobs:
    def __init__(self, context: AppContext) -> None:
        self.context = context

    @property
    def rules(self) -> refund_service.RefundRules:
        return refund_service.RefundRules.from_settings(self.context.settings)

    def consumers(self) -> dict[str, Any]:
        """Only the submissions: "refund.paid" and the refund's other events pass by."""
        return {SUBMIT_TOPIC: self.submit}

    def submit(self, topic: str, payload: dict[str, Any]) -> None:
        """Submit one refund; an unexpected error leaves the message for the outbox to retry."""
        now = self.context.clock()
        gateway = self.context.payment_gateway()
        with self.context.uow() as uow:
            refund_gateway.submit(uow, int(payload["refund_id"]), gateway, now, self.rules)
            uow.commit(now)

    def tick(self, now: datetime) -> RefundReport:
        """The clock's moves (retries, deadlines, polls) and the bus's safety nets."""
        rules = self.rules
        requested = instant = 0
        if rules.auto_request:
            due = {
                "refund": (Status.INSPECTED.value, Status.INSPECTION_FAILED.value),
                "refund_only": (Status.APPROVED.value,),
            }
            with self.context.uow() as uow:
                waiting = uow.refunds.without_refund(due)
            requested = self._each(waiting, now, self._request)
        if rules.instant_enabled:
            with self.context.uow() as uow:
                shipped = uow.refunds.without_refund(
                    {"refund": (Status.IN_TRANSIT.value,)}, max_total=rules.instant_max_amount
                )
            instant = self._each(shipped, now, self._instant)
        with self.context.uow() as uow:
            decided = uow.refunds.decided_but_waiting()
            paid_first = uow.refunds.paid_before_status()
            failed = uow.refunds.instant_paid_then_failed()
            retries = uow.refunds.due_retries(now)
            silent = uow.refunds.submitted_since(now - POLL_AFTER)
            breaches = uow.refunds.newly_breached(now)
        released = self._each(decided, now, refund_service.release_decided)
        moved = self._each(paid_first, now, refund_recoveries.settle_request_status)
        recoveries = self._each(failed, now, refund_recoveries.open_recovery)
        retried = self._each(retries, now, refund_gateway.resubmit_due)
        notified = self._sandbox_notifications(now)
        polled = self._each(silent, now, self._poll)
        breached = self._each(breaches, now, refund_gateway.flag_breach)
        with self.context.uow() as uow:
            owed_gaps = exchange_gaps.payable_gaps(uow)
        gaps = self._each(owed_gaps, now, self._gap)
        return RefundReport(
            requested,
            instant,
            moved,
            recoveries,
            retried,
            notified,
            polled,
            breached,
            gaps,
            released,
        )

    # --- one item each -------------------------------------------------------------

    def _request(self, uow: UnitOfWork, rma_no: str, now: datetime) -> bool:
        return refund_handlers.request_when_due(uow, rma_no, now, self.rules)

    def _instant(self, uow: UnitOfWork, rma_no: str, now: datetime) -> bool:
        return refund_handlers.pay_instantly(uow, rma_no, now, self.rules)

    def _gap(self, uow: UnitOfWork, intent_key: str, now: datetime) -> bool:
        return exchange_gaps.pay_exchange_gap(uow, intent_key, now, self.rules)

    def _poll(self, uow: UnitOfWork, refund_id: int, now: datetime) -> bool:
        refund_gateway.poll(uow, refund_id, self.context.payment_gateway(), now, self.rules)
        return True

    def _sandbox_notifications(self, now: datetime) -> int:
        """The sandbox settles later and says so in signed notifications: hear them."""
        gateway = self.context.payment_gateway()
        if not isinstance(gateway, SandboxGateway):
            return 0
        heard = 0
        for body, headers in gateway.due_notifications():
            try:
                with self.context.uow() as uow:
                    refund_gateway.handle_notification(uow, gateway, body, headers, now, self.rules)
                    uow.commit(now)
                heard += 1
            except (ConcurrentUpdate, DomainError, GatewayError):
                log.exception("sandbox notification not applied; polling will catch up")
        return heard

    def _each(
        self, items: list[T], now: datetime, act: Callable[[UnitOfWork, T, datetime], bool]
    ) -> int:
        done = 0
        for item in items:
            try:
                with self.context.uow() as uow:
                    if act(uow, item, now):
                        uow.commit(now)
                        done += 1
            except (ConcurrentUpdate, DomainError):
                continue  # someone acted on it meanwhile, or it no longer applies
        return done
