"""The refund's state table, its backoff, authority limits, and the ledger's balance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from returnflow.domain.authority import check_authority
from returnflow.domain.ledger import Account, Posting, transfer, trial_balance_is_zero
from returnflow.domain.money import Money
from returnflow.domain.refund_life import (
    RefundLife,
    RefundState,
    RetryPolicy,
    is_at_risk,
    is_breached,
)
from returnflow.domain.text import DomainError

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
S = RefundState


def test_happy_path_and_no_second_payment() -> None:
    life = RefundLife(S.REQUESTED).submitted().succeeded()
    assert life.state is S.SUCCEEDED
    with pytest.raises(DomainError):
        life.submitted()
    with pytest.raises(DomainError):
        life.failed(NOW, "x", RetryPolicy())


def test_backoff_doubles_then_escalates() -> None:
    policy = RetryPolicy(max_attempts=4, base=timedelta(minutes=1))
    life = RefundLife(S.REQUESTED)
    delays = []
    for _ in range(3):
        life = life.failed(NOW, "timeout", policy)
        assert life.state is S.RETRYING and life.next_attempt_at is not None
        delays.append(life.next_attempt_at - NOW)
        assert not life.due(NOW) and life.due(life.next_attempt_at)
        life = life.resubmit()
    assert delays == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]
    life = life.failed(NOW, "timeout", policy)
    assert (life.state, life.attempts, life.escalated_at) == (S.ESCALATED, 4, NOW)


def test_final_refusal_escalates_at_once_and_reopens_with_a_new_key() -> None:
    life = RefundLife(S.REQUESTED).failed(NOW, "rejected", RetryPolicy(), final=True)
    assert life.state is S.ESCALATED
    again = life.reopen(new_key=True)
    assert (again.state, again.attempts, again.key_group) == (S.REQUESTED, 0, 1)
    assert life.reopen(new_key=False).key_group == 0


def test_approval_gate() -> None:
    waiting = RefundLife(S.AWAITING_APPROVAL)
    with pytest.raises(DomainError):
        waiting.submitted()
    assert waiting.approve().state is S.REQUESTED
    assert waiting.decline().state is S.DECLINED


def test_deadline_flags() -> None:
    due = NOW + timedelta(hours=24)
    assert not is_breached(due, None, NOW)
    assert is_breached(due, None, due + timedelta(seconds=1))
    assert not is_breached(due, due - timedelta(hours=1), due + timedelta(days=3))
    assert is_at_risk(due, due - timedelta(hours=1), timedelta(hours=4))
    assert not is_at_risk(due, NOW, timedelta(hours=4))


@pytest.mark.parametrize(
    ("actor", "cents", "waits"),
    [
        ("agent:a", 50_000, False),
        ("agent:a", 50_001, True),
        ("finance:f", 500_001, True),
        ("manager:m", 10**9, False),
        ("system", 10**9, False),
        ("stranger:x", 1, True),
    ],
)
def test_authority_limits(actor: str, cents: int, waits: bool) -> None:
    assert check_authority(actor, Money(cents, "CNY")).needs_approval is waits


_EVENTS = st.sampled_from(["accept", "pay", "settle", "recover", "resolve", "credit"])


@given(st.lists(st.tuples(_EVENTS, st.integers(min_value=0, max_value=10**7)), max_size=40))
def test_ledger_trial_balance_is_zero_after_any_sequence(events: list[tuple[str, int]]) -> None:
    pairs = {
        "accept": (Account.SALES_RETURNS, Account.REFUNDS_PAYABLE),
        "pay": (Account.REFUNDS_PAYABLE, Account.GATEWAY_CLEARING),
        "settle": (Account.GATEWAY_CLEARING, Account.CASH),
        "recover": (Account.CUSTOMER_RECEIVABLE, Account.SALES_RETURNS),
        "resolve": (Account.CASH, Account.CUSTOMER_RECEIVABLE),
        "credit": (Account.COMPENSATION, Account.STORE_CREDIT),
    }
    postings: list[Posting] = []
    for n, (kind, cents) in enumerate(events):
        debit, credit = pairs[kind]
        entry = transfer(f"{kind}:{n}", NOW, kind, debit=debit, credit=credit, amount=Money(cents))
        postings.extend(entry.postings)
    assert trial_balance_is_zero(postings)
