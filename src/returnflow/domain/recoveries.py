"""Money to get back: an instant refund paid for goods that then failed inspection.

A case is opened once per request and resolved once: the customer paid it back
("recovered") or we bear it ("written_off"). A write-off is compensation, money the
customer keeps at our cost, so it is bounded by the actor's authority like a refund
(R12.3): over it, a manager writes it off.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from returnflow.domain.access import Forbidden
from returnflow.domain.authority import check_authority
from returnflow.domain.events import DomainEvent
from returnflow.domain.money import Money
from returnflow.domain.text import DomainError, Text

OPEN = "open"
OUTCOMES = ("recovered", "written_off")


def check_outcome(outcome: str) -> None:
    if outcome not in OUTCOMES:
        raise DomainError(
            "outcome_invalid", Text("处理结果无效", "Unknown outcome"), field="outcome"
        )


@dataclass
class RefundRecovery:
    rma_no: str
    customer_id: str
    amount: Money
    reason: str
    opened_at: datetime
    status: str = OPEN
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    id: int | None = None  # given by storage when first saved
    events: list[DomainEvent] = field(default_factory=list, repr=False)

    @classmethod
    def open(
        cls, rma_no: str, customer_id: str, amount: Money, reason: str, now: datetime
    ) -> RefundRecovery:
        recovery = cls(rma_no, customer_id, amount, reason, now)
        recovery._record("recovery.opened", now, amount=amount.cents, currency=amount.currency)
        return recovery

    @property
    def is_open(self) -> bool:
        return self.status == OPEN

    def resolve(
        self, outcome: str, actor: str, now: datetime, limits: Mapping[str, int | None]
    ) -> None:
        check_outcome(outcome)
        if not self.is_open:
            raise DomainError(
                "recovery_not_open", Text("该追回已处理", "This recovery is not open")
            )
        if outcome == "written_off":
            authority = check_authority(actor, self.amount, limits)
            if authority.needs_approval:
                raise Forbidden(
                    "authority_exceeded",
                    Text(
                        "核销金额超出您的权限 {limit}，请由主管办理",
                        "Writing this off is over your limit of {limit}: a manager must do it",
                    ).format(limit=str(authority.limit)),
                )
        self.status, self.resolved_at, self.resolved_by = outcome, now, actor
        self._record("recovery.resolved", now, outcome=outcome, actor=actor)

    def _record(self, name: str, now: datetime, **data: Any) -> None:
        payload = {"rma_no": self.rma_no, "customer_id": self.customer_id, **data}
        self.events.append(DomainEvent(name, now, payload))
