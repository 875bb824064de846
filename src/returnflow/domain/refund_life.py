"""A refund's life, from the moment it is owed until the money is confirmed paid (R6.4).

    awaiting_approval ─approve→ requested ─submitted→ submitted ─succeeded→ succeeded
           │decline                 │                     │failed / unavailable
           ▼                        ▼                     ▼
        declined            retrying (backoff) ──…──→ escalated (finance decides)

The states are a table, like the return lifecycle, so no code path can pay twice or
skip a step. The gateway's idempotency key never changes across retries: a retry
after a crash or timeout finds the refund the first attempt made. Only a refund the
gateway refused or failed for good gets a new key, and only by finance's decision.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from returnflow.domain.text import DomainError, Text


class RefundState(StrEnum):
    AWAITING_APPROVAL = "awaiting_approval"  # over the requester's authority (R12.3)
    REQUESTED = "requested"  # owed; a submission waits in the outbox
    SUBMITTED = "submitted"  # the gateway accepted it and has not settled it yet
    RETRYING = "retrying"  # the last attempt failed; the next one is scheduled
    ESCALATED = "escalated"  # retries used up, or a final refusal: finance decides
    SUCCEEDED = "succeeded"  # the money has been paid
    DECLINED = "declined"  # the manager said no; nothing is paid

    @property
    def label(self) -> Text:
        return _LABELS[self]

    @property
    def is_open(self) -> bool:
        """Money still owed and not yet confirmed paid."""
        return self not in (RefundState.SUCCEEDED, RefundState.DECLINED)


S = RefundState
_MOVES: dict[str, tuple[frozenset[RefundState], RefundState | None]] = {
    "approve": (frozenset({S.AWAITING_APPROVAL}), S.REQUESTED),
    "decline": (frozenset({S.AWAITING_APPROVAL}), S.DECLINED),
    "submitted": (frozenset({S.REQUESTED, S.RETRYING, S.SUBMITTED}), S.SUBMITTED),
    "succeeded": (frozenset({S.REQUESTED, S.SUBMITTED, S.RETRYING, S.ESCALATED}), S.SUCCEEDED),
    "failed": (frozenset({S.REQUESTED, S.SUBMITTED, S.RETRYING}), None),  # target decided below
    "resubmit": (frozenset({S.RETRYING}), S.REQUESTED),
    "reopen": (frozenset({S.ESCALATED}), S.REQUESTED),
}


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often a failed submission is tried again before finance hears of it."""

    max_attempts: int = 5
    base: timedelta = timedelta(minutes=1)
    cap: timedelta = timedelta(hours=6)

    def delay(self, attempts: int) -> timedelta:
        """1, 2, 4, 8 … minutes after the n-th failure, never more than the cap."""
        delay: timedelta = self.base * 2 ** max(attempts - 1, 0)
        return min(delay, self.cap)


@dataclass(frozen=True, slots=True)
class RefundLife:
    state: RefundState
    attempts: int = 0  # failed submissions so far
    next_attempt_at: datetime | None = None
    last_error: str | None = None
    escalated_at: datetime | None = None
    key_group: int = 0  # bumped only when finance re-opens a refund the gateway refused

    def approve(self) -> RefundLife:
        return self._to("approve")

    def decline(self) -> RefundLife:
        return self._to("decline")

    def submitted(self) -> RefundLife:
        return self._to("submitted")

    def succeeded(self) -> RefundLife:
        return replace(self._to("succeeded"), next_attempt_at=None, last_error=None)

    def failed(
        self, now: datetime, error: str, policy: RetryPolicy, *, final: bool = False
    ) -> RefundLife:
        """One attempt failed. `final`: the gateway refused or failed it for good."""
        self._check("failed")
        attempts = self.attempts + 1
        if final or attempts >= policy.max_attempts:
            return replace(
                self,
                state=S.ESCALATED,
                attempts=attempts,
                next_attempt_at=None,
                last_error=error,
                escalated_at=now,
            )
        return replace(
            self,
            state=S.RETRYING,
            attempts=attempts,
            next_attempt_at=now + policy.delay(attempts),
            last_error=error,
        )

    def due(self, now: datetime) -> bool:
        return (
            self.state is S.RETRYING
            and self.next_attempt_at is not None
            and now >= self.next_attempt_at
        )

    def resubmit(self) -> RefundLife:
        return replace(self._to("resubmit"), next_attempt_at=None)

    def reopen(self, *, new_key: bool) -> RefundLife:
        """Finance sends an escalated refund again, counting attempts from zero.

        `new_key` only when the gateway's answer was final (no money moved): reusing
        the key would only replay the refusal. After an outage the key stays, so a
        refund that did reach the gateway is found rather than paid again.
        """
        moved = self._to("reopen")
        return replace(
            moved,
            attempts=0,
            next_attempt_at=None,
            escalated_at=None,
            key_group=self.key_group + (1 if new_key else 0),
        )

    def _check(self, move: str) -> None:
        sources, _ = _MOVES[move]
        if self.state not in sources:
            raise DomainError(
                "refund_transition_not_allowed",
                Text(
                    "退款当前状态“{state_zh}”下不能执行“{move}”",
                    "“{move}” is not possible while the refund is {state_en}",
                ).format(move=move, state_zh=self.state.label.zh, state_en=self.state.label.en),
            )

    def _to(self, move: str) -> RefundLife:
        self._check(move)
        target = _MOVES[move][1]
        assert target is not None
        return replace(self, state=target)


def is_breached(due_by: datetime | None, paid_at: datetime | None, now: datetime) -> bool:
    """R6.1: the committed deadline passed before the money was paid."""
    if due_by is None:
        return False
    return (paid_at or now) > due_by


def is_at_risk(due_by: datetime | None, now: datetime, warning: timedelta) -> bool:
    """Still within the deadline, but less than `warning` of it is left."""
    return due_by is not None and now <= due_by < now + warning


_LABELS = {
    S.AWAITING_APPROVAL: Text("待主管审批", "awaiting a manager's approval"),
    S.REQUESTED: Text("已发起，待提交", "requested"),
    S.SUBMITTED: Text("已提交支付渠道，处理中", "submitted, the payment provider is processing"),
    S.RETRYING: Text("提交失败，稍后重试", "failed, will retry"),
    S.ESCALATED: Text("已转财务处理", "escalated to finance"),
    S.SUCCEEDED: Text("已退款到账", "paid"),
    S.DECLINED: Text("审批未通过", "declined"),
}
