"""The `Refund` aggregate: one request's money on its way back, from owed to paid (R6.4).

It wraps the state table of `refund_life.py` together with what the payment needs (the
amount, the original payment, the idempotency key, the gateway's own id) and who asked
and who approved (R12.3). Its methods are the only way to change a refund; each checks
the state table and appends a `DomainEvent`, so "a refund is paid exactly once" is one
class's invariant rather than a convention spread over services.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from returnflow.domain.events import DomainEvent
from returnflow.domain.money import Money
from returnflow.domain.refund_life import RefundLife, RefundState, RetryPolicy
from returnflow.domain.text import DomainError, Text

GAP_TRIGGER = "exchange_gap"  # the refund of an exchange whose replacement costs less
_GATEWAY_PENDING = "pending"
_GATEWAY_PAID = "succeeded"
_GATEWAY_FAILED = ("failed", "cancelled")


@dataclass(frozen=True, slots=True)
class RefundTerms:
    """What is owed and to whom it goes: everything fixed when a refund is asked for."""

    amount: Money
    method: str
    reference: str  # the original payment's transaction: the money goes back to it
    gateway: str
    idempotency_key: str
    trigger: str  # manual | inspection | approval | instant | exchange_gap
    requested_by: str
    due_by: datetime
    workings: dict[str, Any]
    needs_approval: bool = False  # over the requester's authority (R12.3)

    @property
    def instant(self) -> bool:
        return self.trigger == "instant"


@dataclass
class Refund:
    rma_no: str
    amount: Money
    method: str
    reference: str
    trigger: str
    life: RefundLife
    idempotency_key: str | None = None
    gateway: str | None = None
    gateway_refund_id: str | None = None
    requested_at: datetime | None = None
    requested_by: str | None = None
    approved_by: str | None = None
    due_by: datetime | None = None
    breached_at: datetime | None = None
    paid_at: datetime | None = None
    instant: bool = False
    workings: dict[str, Any] = field(default_factory=dict)
    id: int | None = None  # given by storage when the refund is first saved
    events: list[DomainEvent] = field(default_factory=list, repr=False)

    # --- asking for it ------------------------------------------------------------

    @classmethod
    def owe(cls, rma_no: str, terms: RefundTerms, now: datetime) -> Refund:
        """A new refund; over the requester's authority it waits for a manager."""
        life = RefundLife(RefundState.REQUESTED)
        refund = cls(rma_no, terms.amount, terms.method, terms.reference, terms.trigger, life)
        refund._take(terms, now, key_group=0)
        return refund

    def owe_again(self, terms: RefundTerms, now: datetime) -> None:
        """A declined refund asked for again: it pays under a new key (the old paid nothing)."""
        if self.status is not RefundState.DECLINED:
            raise DomainError(
                "refund_exists",
                Text("该申请已发起退款，不能重复退款", "A refund for this request already exists"),
            )
        self._take(terms, now, key_group=self.key_group + 1)

    def _take(self, terms: RefundTerms, now: datetime, *, key_group: int) -> None:
        state = RefundState.AWAITING_APPROVAL if terms.needs_approval else RefundState.REQUESTED
        self.life = RefundLife(state, key_group=key_group)
        self.amount, self.method, self.reference = terms.amount, terms.method, terms.reference
        self.trigger, self.gateway = terms.trigger, terms.gateway
        self.idempotency_key, self.gateway_refund_id = terms.idempotency_key, None
        self.requested_at, self.requested_by, self.approved_by = now, terms.requested_by, None
        self.due_by, self.breached_at, self.paid_at = terms.due_by, None, None
        self.instant, self.workings = terms.instant, dict(terms.workings)
        self._record(
            "refund.requested",
            now,
            status=state.value,
            trigger=terms.trigger,
            requested_by=terms.requested_by,
        )

    # --- a manager's decision (R12.3) ----------------------------------------------

    def approve(self, decider: str, now: datetime) -> None:
        self.life = self.life.approve()
        self.approved_by = decider
        self._record("refund.approved", now, decider=decider)

    def decline(self, decider: str, note: str, now: datetime) -> None:
        self.life = replace(
            self.life.decline(), last_error=f"declined by {decider}: {note}".strip()
        )
        self.approved_by = decider
        self._record("refund.declined", now, decider=decider)

    # --- paying ---------------------------------------------------------------------

    def settle_nothing(self, now: datetime) -> None:
        """Everything was deducted: nothing to send, the refund is settled as it is."""
        self.life = self.life.succeeded()
        self.paid_at = now
        self._paid(now)

    def hear(
        self,
        status: str,
        gateway_refund_id: str,
        failure_reason: str | None,
        now: datetime,
        policy: RetryPolicy,
    ) -> bool:
        """The gateway's answer ("pending", "succeeded", "failed", "cancelled").

        Repeated answers change nothing; True only when this answer made it paid.
        """
        if self.status in (RefundState.SUCCEEDED, RefundState.DECLINED):
            return False
        if status == _GATEWAY_PENDING:
            moves = self.status not in (RefundState.SUBMITTED, RefundState.ESCALATED)
            if moves:
                self.life = self.life.submitted()
            self._note_gateway_id(gateway_refund_id)
            if moves:
                self._record("refund.submitted", now, gateway_refund_id=self.gateway_refund_id)
            return False
        if status == _GATEWAY_PAID:
            self.life = self.life.succeeded()
            self._note_gateway_id(gateway_refund_id)
            self.paid_at = now
            if self.due_by is not None and now > self.due_by and self.breached_at is None:
                self.breached_at = now
            self._paid(now)
            return True
        if status in _GATEWAY_FAILED and self.status is not RefundState.ESCALATED:
            self.fail(now, f"gateway: {failure_reason or status}", policy, final=True)
        self._note_gateway_id(gateway_refund_id)
        return False

    def _note_gateway_id(self, gateway_refund_id: str) -> None:
        """The gateway's own id, kept from its first answer on."""
        if self.gateway_refund_id is None:
            self.gateway_refund_id = gateway_refund_id

    def fail(self, now: datetime, error: str, policy: RetryPolicy, *, final: bool = False) -> None:
        """One attempt failed: retried later, or (final, or retries used up) escalated."""
        self.life = self.life.failed(now, error, policy, final=final)
        self._record("refund.failed", now, status=self.status.value, error=error)

    @property
    def may_exist_at_gateway(self) -> bool:
        """A retry or a re-opening: the gateway may already have made this refund."""
        return bool(self.life.attempts or self.gateway_refund_id or self.life.last_error)

    def resubmit(self, now: datetime) -> bool:
        """A failed submission whose backoff has run out goes out again (same key)."""
        if not self.life.due(now):
            return False
        self.life = self.life.resubmit()
        self._record("refund.resubmitted", now)
        return True

    def ensure_reopenable(self) -> None:
        """Refuses anything but an escalated refund, before the gateway is asked."""
        self.life.reopen(new_key=False)

    def reopen(self, actor: str, now: datetime, *, new_key: str | None) -> None:
        """Finance sends an escalated refund again; `new_key` only after a final failure."""
        self.life = replace(
            self.life.reopen(new_key=new_key is not None), last_error=f"re-opened by {actor}"
        )
        if new_key is not None:
            self.idempotency_key, self.gateway_refund_id = new_key, None
        self._record("refund.reopened", now, actor=actor, new_key=new_key is not None)

    # --- the deadline (R6.1) -------------------------------------------------------

    def flag_breach(self, now: datetime) -> bool:
        if self.breached_at is not None or self.due_by is None or now <= self.due_by:
            return False
        if not self.status.is_open:
            return False
        self.breached_at = now
        self._record("refund.breached", now, due_by=self.due_by.isoformat())
        return True

    def is_breached(self, now: datetime) -> bool:
        """Flagged, or still open past its deadline."""
        late = self.status.is_open and self.due_by is not None and now > self.due_by
        return self.breached_at is not None or late

    # --- reading ---------------------------------------------------------------------

    @property
    def status(self) -> RefundState:
        return self.life.state

    @property
    def currency(self) -> str:
        return self.amount.currency

    @property
    def attempts(self) -> int:
        return self.life.attempts

    @property
    def next_attempt_at(self) -> datetime | None:
        return self.life.next_attempt_at

    @property
    def last_error(self) -> str | None:
        return self.life.last_error

    @property
    def escalated_at(self) -> datetime | None:
        return self.life.escalated_at

    @property
    def key_group(self) -> int:
        return self.life.key_group

    @property
    def is_gap(self) -> bool:
        return self.trigger == GAP_TRIGGER

    def audit_note(self) -> str:
        """Both names (R12.3): who asked for the refund and who approved it, if anyone."""
        note = f"{self.amount}; requested by {self.requested_by or 'system'}"
        if self.approved_by:
            note += f"; approved by {self.approved_by}"
        return note

    def _paid(self, now: datetime) -> None:
        self._record(
            "refund.paid",
            now,
            amount=self.amount.cents,
            currency=self.amount.currency,
        )

    def _record(self, name: str, now: datetime, **data: Any) -> None:
        """Every refund event says which refund, how much, and the state it is in now."""
        payload = {
            "rma_no": self.rma_no,
            "refund_id": self.id,
            "amount": self.amount.cents,
            "currency": self.amount.currency,
            "method": self.method,
            "status": self.status.value,
            **data,
        }
        self.events.append(DomainEvent(name, now, payload))
