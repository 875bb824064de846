"""The money aggregates: `Refund`, `AmountApproval` and `RefundRecovery` guard themselves.

Each change goes through a method that checks the state and appends an event; a refund
is paid once, an approval decided once and never by its requester, a recovery resolved
once and written off only within the actor's authority.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from returnflow.domain.access import Forbidden
from returnflow.domain.approvals import AmountApproval
from returnflow.domain.money import Money
from returnflow.domain.recoveries import RefundRecovery
from returnflow.domain.refund import Refund, RefundTerms
from returnflow.domain.refund_life import RefundState, RetryPolicy
from returnflow.domain.text import DomainError

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
S = RefundState


def _terms(*, needs_approval: bool = False, key: str = "rf-R1-refund") -> RefundTerms:
    return RefundTerms(
        amount=Money(8400, "CNY"),
        method="alipay",
        reference="2026112022001",
        gateway="sandbox",
        idempotency_key=key,
        trigger="manual",
        requested_by="finance:fay",
        due_by=NOW + timedelta(hours=24),
        workings={"total": 8400, "currency": "CNY"},
        needs_approval=needs_approval,
    )


def _names(refund: Refund) -> list[str]:
    return [event.name for event in refund.events]


def test_a_refund_is_paid_once_and_says_so_once() -> None:
    refund = Refund.owe("R1", _terms(), NOW)
    refund.id = 7
    assert refund.status is S.REQUESTED
    assert not refund.hear("pending", "re_1", None, NOW, RetryPolicy())
    assert refund.hear("succeeded", "re_1", None, NOW, RetryPolicy())
    assert not refund.hear("succeeded", "re_1", None, NOW, RetryPolicy())  # a repeat
    assert not refund.hear("failed", "re_1", "late", NOW, RetryPolicy())  # too late to fail
    paid = [e for e in refund.events if e.name == "refund.paid"]
    assert len(paid) == 1
    assert paid[0].data == {
        "rma_no": "R1",
        "refund_id": 7,
        "amount": 8400,
        "currency": "CNY",
        "method": "alipay",
        "status": "succeeded",
    }
    assert (refund.status, refund.paid_at, refund.gateway_refund_id) == (S.SUCCEEDED, NOW, "re_1")


def test_paid_after_the_deadline_is_flagged_breached() -> None:
    refund = Refund.owe("R1", _terms(), NOW)
    late = NOW + timedelta(hours=25)
    refund.hear("succeeded", "re_1", None, late, RetryPolicy())
    assert refund.breached_at == late and refund.is_breached(late)


def test_over_the_limit_waits_and_a_decline_keeps_the_reason() -> None:
    refund = Refund.owe("R1", _terms(needs_approval=True), NOW)
    assert refund.status is S.AWAITING_APPROVAL
    with pytest.raises(DomainError):
        refund.hear("succeeded", "re_1", None, NOW, RetryPolicy())  # nothing may be paid yet
    with pytest.raises(DomainError):
        refund.fail(NOW, "x", RetryPolicy())
    refund.decline("manager:mona", "照片不足", NOW)
    assert (refund.status, refund.approved_by) == (S.DECLINED, "manager:mona")
    assert refund.last_error == "declined by manager:mona: 照片不足"
    with pytest.raises(DomainError):
        refund.approve("manager:mona", NOW)
    assert _names(refund) == ["refund.requested", "refund.declined"]


def test_asking_again_after_a_decline_pays_under_a_new_key_only() -> None:
    refund = Refund.owe("R1", _terms(needs_approval=True), NOW)
    with pytest.raises(DomainError):
        refund.owe_again(_terms(key="rf-R1-refund1"), NOW)  # still waiting: not again
    refund.decline("manager:mona", "no", NOW)
    refund.owe_again(_terms(key="rf-R1-refund1"), NOW)
    assert (refund.status, refund.key_group, refund.idempotency_key) == (
        S.REQUESTED,
        1,
        "rf-R1-refund1",
    )
    assert refund.approved_by is None and refund.last_error is None


def test_failures_back_off_then_escalate_and_reopen_with_a_new_key() -> None:
    refund = Refund.owe("R1", _terms(), NOW)
    policy = RetryPolicy(max_attempts=2)
    refund.fail(NOW, "unavailable", policy)
    assert (refund.status, refund.may_exist_at_gateway) == (S.RETRYING, True)
    assert not refund.resubmit(NOW)  # not due yet
    assert refund.resubmit(NOW + timedelta(minutes=1))
    refund.fail(NOW, "unavailable", policy)
    assert refund.status is S.ESCALATED
    refund.ensure_reopenable()
    refund.reopen("finance:fay", NOW, new_key="rf-R1-refund1")
    assert (refund.status, refund.attempts, refund.key_group) == (S.REQUESTED, 0, 1)
    assert (refund.idempotency_key, refund.gateway_refund_id) == ("rf-R1-refund1", None)
    with pytest.raises(DomainError):
        refund.ensure_reopenable()


def test_nothing_left_after_deductions_is_settled_without_the_gateway() -> None:
    refund = Refund.owe("R1", _terms(), NOW)
    refund.settle_nothing(NOW)
    assert refund.status is S.SUCCEEDED and refund.paid_at == NOW
    assert _names(refund)[-1] == "refund.paid"


@given(st.lists(st.sampled_from(["pending", "succeeded", "failed", "cancelled"]), max_size=12))
def test_any_sequence_of_answers_pays_at_most_once(answers: list[str]) -> None:
    refund = Refund.owe("R1", _terms(), NOW)
    paid = sum(refund.hear(a, "re_1", None, NOW, RetryPolicy()) for a in answers)
    assert paid <= 1
    assert [e.name for e in refund.events].count("refund.paid") == paid


def _approval() -> AmountApproval:
    return AmountApproval.ask(
        "refund", "R1", Money(8400), "agent:alice", Money(5000), "agent limit 50.00", NOW
    )


def test_an_approval_is_decided_once_never_by_its_requester_and_a_decline_says_why() -> None:
    approval = _approval()
    approval.id = 3
    with pytest.raises(DomainError) as own:
        approval.decide(True, "agent:alice", NOW)
    assert own.value.code == "approve_own_request"
    with pytest.raises(DomainError) as silent:
        approval.decide(False, "manager:mona", NOW, "  ")
    assert silent.value.code == "reason_required"
    approval.decide(True, "manager:mona", NOW, "ok")
    assert approval.approved and approval.decided_by == "manager:mona"
    with pytest.raises(DomainError) as twice:
        approval.decide(False, "manager:mona", NOW, "changed my mind")
    assert twice.value.code == "approval_decided"
    decided = approval.events[-1]
    assert (decided.name, decided.data) == (
        "approval.decided",
        {
            "approval_id": 3,
            "kind": "refund",
            "subject": "R1",
            "approved": True,
            "decider": "manager:mona",
        },
    )


def test_a_recovery_is_resolved_once_and_written_off_within_authority() -> None:
    recovery = RefundRecovery.open("R1", "c-1", Money(800_000), "商品已使用", NOW)
    with pytest.raises(DomainError) as unknown:
        recovery.resolve("forgiven", "finance:fay", NOW, {})
    assert unknown.value.code == "outcome_invalid"
    with pytest.raises(Forbidden):
        recovery.resolve("written_off", "agent:alice", NOW, {})  # 8,000.00 over 500.00
    recovery.resolve("written_off", "manager:mona", NOW, {})
    assert (recovery.status, recovery.resolved_by) == ("written_off", "manager:mona")
    with pytest.raises(DomainError) as again:
        recovery.resolve("recovered", "manager:mona", NOW, {})
    assert again.value.code == "recovery_not_open"
    assert [e.name for e in recovery.events] == ["recovery.opened", "recovery.resolved"]
