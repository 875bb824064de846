"""Bounded authority (R12.3): how much a role may refund or compensate on its own.

Above its limit an action is not refused, it waits for someone holding the approval
permission; both names then stay on the record. Automatic decisions made by policy
(the system) are bounded by policy itself, so they have no limit here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from returnflow.domain.access import Role
from returnflow.domain.money import Money

SYSTEM = "system"

# cents of the platform currency; None: no limit
DEFAULT_LIMITS: Mapping[str, int | None] = {
    Role.AGENT.value: 50_000,  # 500.00
    Role.MERCHANT.value: 50_000,
    Role.WAREHOUSE.value: 0,
    Role.FINANCE.value: 500_000,  # 5,000.00
    Role.INTEGRATION.value: 500_000,
    Role.MEDIATOR.value: 200_000,  # 2,000.00: a ruling above it waits for a manager
    # 200.00 (issue 16): a lost parcel's refund or a delay's store credit from the
    # exceptions queue; the role takes no refund course, and 200.00 is the most a refund
    # may be without a refund certificate (certified_refund_above_fen's default), so
    # above it a manager approves (refund) or grants (store credit)
    Role.LOGISTICS.value: 20_000,
    Role.MANAGER.value: None,
    Role.ADMIN.value: None,
    SYSTEM: None,
}


@dataclass(frozen=True, slots=True)
class AuthorityCheck:
    actor: str
    role: str
    limit: Money | None  # None: unlimited
    amount: Money

    @property
    def needs_approval(self) -> bool:
        return self.limit is not None and self.amount > self.limit


def role_of(actor: str) -> str:
    """Actors are written "role:username" (or "system"); the role decides the limit."""
    role, sep, _ = actor.partition(":")
    return role if sep else SYSTEM if actor in ("", SYSTEM, "auto") else actor


def check_authority(
    actor: str, amount: Money, overrides: Mapping[str, int | None] | None = None
) -> AuthorityCheck:
    """Whether `actor` may move `amount` alone. An unknown role may move nothing alone."""
    limits = {**DEFAULT_LIMITS, **(overrides or {})}
    role = role_of(actor)
    cents = limits.get(role, 0)
    limit = None if cents is None or cents < 0 else Money(cents, amount.currency)
    return AuthorityCheck(actor, role, limit, amount)
