"""The refund part of a worker tick, and the outbox consumer that submits refunds.

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
from returnflow.domain.authority import SYSTEM
from returnflow.domain.lifecycle import Status
from returnflow.domain.text import DomainError
from returnflow.payments.gateway import GatewayError
from returnflow.payments.sandbox import SandboxGateway
from returnflow.services import exchange_gaps, refund_gateway, refund_recoveries
from returnflow.services import refunds as refund_service
from returnflow.storage.refunds import RefundStore
from returnflow.storage.uow import ConcurrentUpdate, UnitOfWork

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


class RefundJobs:
    def __init__(self, context: AppContext) -> None:
        self.context = context

    @property
    def rules(self) -> refund_service.RefundRules:
        return refund_service.RefundRules.from_settings(self.context.settings)

    def consumers(self) -> dict[str, Any]:
        return {"refund.": self.submit}

    def submit(self, topic: str, payload: dict[str, Any]) -> None:
        """Submit one refund; an unexpected error leaves the message for the outbox to retry."""
        now = self.context.clock()
        gateway = self.context.payment_gateway()
        with self.context.uow() as uow:
            refund_gateway.submit(uow, int(payload["refund_id"]), gateway, now, self.rules)
            uow.commit(now)

    def tick(self, now: datetime) -> RefundReport:
        rules = self.rules
        requested = instant = 0
        if rules.auto_request:
            due = {
                "refund": (Status.INSPECTED.value, Status.INSPECTION_FAILED.value),
                "refund_only": (Status.APPROVED.value,),
            }
            with self.context.uow() as uow:
                waiting = RefundStore(uow.session).without_refund(due)
            requested = self._each(waiting, now, self._auto_request)
        if rules.instant_enabled:
            with self.context.uow() as uow:
                shipped = RefundStore(uow.session).without_refund(
                    {"refund": (Status.IN_TRANSIT.value,)}
                )
            instant = self._each(shipped, now, self._instant)
        with self.context.uow() as uow:
            store = RefundStore(uow.session)
            paid_first = store.paid_before_status()
            failed = store.instant_paid_then_failed()
            retries = store.due_retries(now)
            silent = store.submitted_since(now - POLL_AFTER)
            breaches = store.newly_breached(now)
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
            requested, instant, moved, recoveries, retried, notified, polled, breached, gaps
        )

    # --- one item each -------------------------------------------------------------

    def _auto_request(self, uow: UnitOfWork, rma_no: str, now: datetime) -> bool:
        request = uow.returns.get(rma_no)
        if request is None:
            return False
        approver = _approver(request.history) if request.status is Status.APPROVED else SYSTEM
        trigger = "approval" if request.status is Status.APPROVED else "inspection"
        refund_service.request_refund(uow, rma_no, approver, now, self.rules, trigger=trigger)
        return True

    def _instant(self, uow: UnitOfWork, rma_no: str, now: datetime) -> bool:
        request = uow.returns.get(rma_no)
        if request is None or not refund_recoveries.instant_allowed(uow, request, self.rules):
            return False
        refund_service.request_refund(uow, rma_no, SYSTEM, now, self.rules, trigger="instant")
        return True

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


def _approver(history: list[Any]) -> str:
    """Who approved a refund-only request: their authority bounds its refund (R12.3)."""
    for change in reversed(history):
        if change.action.value in ("approve", "auto_approve"):
            return SYSTEM if change.action.value == "auto_approve" else str(change.actor)
    return SYSTEM
