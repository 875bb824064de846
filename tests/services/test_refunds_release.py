"""A manager's decision releases the refund it held: once, and only the latest decision.

The bus hands "approval.decided" to `refund_handlers.release_after_decision`; the
worker's safety net calls the same `refunds.release_decided`. Both may come, so the
second delivery must change nothing. On small in-memory repositories: no database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest

from returnflow.domain.approvals import AmountApproval
from returnflow.domain.authority import check_authority
from returnflow.domain.events import DomainEvent
from returnflow.domain.ledger import JournalEntry
from returnflow.domain.money import Money
from returnflow.domain.refund import Refund, RefundTerms
from returnflow.domain.refund_life import RefundState
from returnflow.services import approvals as approval_service
from returnflow.services import refund_handlers
from returnflow.services.refunds import RefundRules, release_decided
from returnflow.services.unit_of_work import UnitOfWork

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
RMA = "RMA202611200000001"


@dataclass
class _Request:
    rma_no: str = RMA


class _Refunds:
    def __init__(self) -> None:
        self.by_rma: dict[str, Refund] = {}

    def get(self, rma_no: str, *, for_update: bool = False) -> Refund | None:
        return self.by_rma.get(rma_no)

    def add(self, refund: Refund) -> None:
        refund.id = len(self.by_rma) + 1
        self.by_rma[refund.rma_no] = refund


class _Approvals:
    def __init__(self) -> None:
        self.by_id: dict[int, AmountApproval] = {}

    def add(self, approval: AmountApproval) -> None:
        approval.id = len(self.by_id) + 1
        self.by_id[approval.id] = approval

    def get(self, approval_id: int, *, for_update: bool = False) -> AmountApproval | None:
        return self.by_id.get(approval_id)

    def latest_for(self, kind: str, subject: str) -> AmountApproval | None:
        mine = [a for a in self.by_id.values() if (a.kind, a.subject) == (kind, subject)]
        return max(mine, key=lambda a: a.id or 0, default=None)


class _Ledger:
    def __init__(self) -> None:
        self.keys: list[str] = []

    def post(self, entry: JournalEntry) -> bool:
        if entry.key in self.keys:
            return False
        self.keys.append(entry.key)
        return True


class _Returns:
    def get(self, rma_no: str, *, for_update: bool = False) -> _Request:
        return _Request(rma_no)


class _Outbox:
    def __init__(self) -> None:
        self.topics: list[str] = []

    def put(self, topic: str, payload: dict[str, Any], now: datetime) -> None:
        self.topics.append(topic)


class _Intents:
    def __init__(self) -> None:
        self.declined_for: list[str] = []

    def declined(self, rma_no: str) -> None:
        self.declined_for.append(rma_no)


@dataclass
class _Work:
    refunds: _Refunds = field(default_factory=_Refunds)
    approvals: _Approvals = field(default_factory=_Approvals)
    ledger: _Ledger = field(default_factory=_Ledger)
    returns: _Returns = field(default_factory=_Returns)
    outbox: _Outbox = field(default_factory=_Outbox)
    refund_intents: _Intents = field(default_factory=_Intents)

    @property
    def uow(self) -> UnitOfWork:
        return cast(UnitOfWork, self)


def _terms(trigger: str = "approval", key: str = f"rf-{RMA}-refund") -> RefundTerms:
    """An 84.00 refund over agent alice's 50.00 limit."""
    return RefundTerms(
        amount=Money(8400),
        method="alipay",
        reference="2026112022001",
        gateway="sandbox",
        idempotency_key=key,
        trigger=trigger,
        requested_by="agent:alice",
        due_by=NOW + timedelta(hours=24),
        workings={},
        needs_approval=True,
    )


def _ask(work: _Work) -> AmountApproval:
    authority = check_authority("agent:alice", Money(8400), {"agent": 5000})
    return approval_service.ask(work.uow, "refund", RMA, Money(8400), "agent:alice", authority, NOW)


def _waiting(work: _Work, *, trigger: str = "approval") -> AmountApproval:
    work.refunds.add(Refund.owe(RMA, _terms(trigger), NOW))
    return _ask(work)


def _decided(work: _Work, approval: AmountApproval, approve: bool) -> DomainEvent:
    assert approval.id is not None
    approval_service.decide(work.uow, approval.id, approve, "manager:mona", NOW, "照片不足")
    return approval.events[-1]


def _deliver(work: _Work, event: DomainEvent) -> None:
    refund_handlers.release_after_decision(work.uow, event, NOW, RefundRules())


def test_deciding_only_records_the_decision() -> None:
    work = _Work()
    event = _decided(work, _waiting(work), True)
    assert event.name == "approval.decided" and event.data["approved"] is True
    assert work.refunds.by_rma[RMA].status is RefundState.AWAITING_APPROVAL
    assert work.outbox.topics == [] and work.ledger.keys == []


def test_an_approval_releases_the_refund_once() -> None:
    work = _Work()
    event = _decided(work, _waiting(work), True)
    _deliver(work, event)
    refund = work.refunds.by_rma[RMA]
    assert (refund.status, refund.approved_by) == (RefundState.REQUESTED, "manager:mona")
    assert work.outbox.topics == ["refund.submit"]
    _deliver(work, event)  # the bus and the worker's safety net both deliver it
    assert not release_decided(work.uow, int(event.data["approval_id"]), NOW)
    assert work.outbox.topics == ["refund.submit"]
    assert work.ledger.keys == [f"refund:{RMA}:rf-{RMA}-refund:accepted"]


def test_a_decline_is_kept_with_its_reason_and_nothing_is_paid() -> None:
    work = _Work()
    event = _decided(work, _waiting(work, trigger="exchange_gap"), False)
    _deliver(work, event)
    _deliver(work, event)
    refund = work.refunds.by_rma[RMA]
    assert refund.status is RefundState.DECLINED
    assert refund.last_error == "declined by manager:mona: 照片不足"
    assert work.outbox.topics == []
    assert work.refund_intents.declined_for == [RMA]  # an exchange gap is owed no more
    assert work.ledger.keys == [f"exchange:{RMA}:gap_owed_declined"]


@pytest.mark.parametrize("kind", ["compensation", None])
def test_other_kinds_and_pending_approvals_release_nothing(kind: str | None) -> None:
    work = _Work()
    approval = _waiting(work)
    data = {"approval_id": approval.id, "kind": kind or "refund", "subject": RMA}
    _deliver(work, DomainEvent("approval.decided", NOW, data))  # still pending, or not ours
    assert work.refunds.by_rma[RMA].status is RefundState.AWAITING_APPROVAL


def test_an_older_decision_never_touches_a_refund_asked_for_again() -> None:
    work = _Work()
    first = _waiting(work)
    old = _decided(work, first, False)
    _deliver(work, old)
    refund = work.refunds.by_rma[RMA]
    refund.owe_again(_terms(key=f"rf-{RMA}-refund1"), NOW)  # asked for again: waits again
    _ask(work)
    _deliver(work, old)  # the first decision, delivered late
    assert refund.status is RefundState.AWAITING_APPROVAL
