"""The demo's complaints, appeals, disputes and liability (issue 12) on both databases.

A 1,000-order history (about two weeks) is the smallest with enough rejected requests
for every dispute case; each database kind gets one run the tests read (cached), and
the two runs agree. Everything is read back through the services.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from tempfile import TemporaryDirectory

import pytest

from returnflow.app_context import AppContext
from returnflow.config import Settings
from returnflow.demo.generator import generate
from returnflow.domain.ledger import Account, trial_balance_is_zero
from returnflow.domain.refund_life import RefundState
from returnflow.services import appeal_queries, complaint_queries, dispute_queries
from returnflow.storage.scratch import scratch_database

# one worker builds this module's demo once (xdist would build it on both)
pytestmark = pytest.mark.xdist_group("demo_grievances")

KINDS = ("sqlite", "postgresql")
NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
ORDERS = 1_000
SEED = 9


@dataclass(frozen=True)
class Complaint:
    number: str
    channel: str
    category: str
    status: str
    breached: bool
    score: int | None
    team: str
    flag: str | None
    time_left: timedelta | None


@dataclass(frozen=True)
class Dispute:
    number: str
    status: str
    outcome: str | None
    evidence_due_at: datetime
    refund: tuple[str, str, int] | None  # (trigger, status, cents) of the request's refund


@dataclass(frozen=True)
class Grievances:
    complaints: tuple[Complaint, ...]
    appeals: tuple[tuple[str, str, str], ...]  # (rma_no, subject, status)
    disputes: tuple[Dispute, ...]
    receivable: int
    claims: int
    by_merchant: int
    balanced: bool
    corrections: int


def _read(context: AppContext) -> Grievances:
    with context.uow() as uow:
        found = complaint_queries.queue(uow, NOW, per_page=200)
        assert found.total <= 200
        complaints = tuple(
            Complaint(c.complaint_no, c.channel, c.category, c.status, c.breached,
                      c.satisfaction_score, c.team, c.flag, c.time_left)
            for c in found.items
        )  # fmt: skip
        appeals = tuple(
            (a.rma_no, a.subject.value, a.status.value)
            for a in appeal_queries.queue(uow, None, 1, 500).items
        )
        disputes = []
        for d in dispute_queries.queue(uow, None, 1, 200, None).items:
            refund = uow.refunds.get(d.rma_no)
            money = (refund.trigger, refund.status.value, refund.amount.cents) if refund else None
            outcome = d.outcome.value if d.outcome else None
            disputes.append(
                Dispute(d.dispute_no, d.status.value, outcome, d.evidence_due_at, money)
            )
        ledger = uow.ledger
        return Grievances(
            complaints,
            appeals,
            tuple(disputes),
            ledger.balance(Account.MERCHANT_RECEIVABLE).cents,
            ledger.balance(Account.CARRIER_CLAIMS).cents,
            len(ledger.parties(Account.MERCHANT_RECEIVABLE)),
            trial_balance_is_zero(ledger.postings()),
            len(uow.complaints.corrections()),
        )


def _run(kind: str, seed: int) -> Grievances:
    with scratch_database(kind) as url, TemporaryDirectory() as uploads:
        settings = Settings(database_url=url, upload_dir=uploads)  # no photos left behind
        context = AppContext.from_settings(settings)
        try:
            generate(context, orders=ORDERS, seed=seed, now=NOW)
            return _read(context)
        finally:
            context.engine.dispose()


_first_run = cache(_run)


@pytest.fixture(scope="module", params=KINDS)
def demo(request: pytest.FixtureRequest) -> Grievances:
    return _first_run(request.param, SEED)


def test_complaints_come_from_every_channel_in_every_category(demo: Grievances) -> None:
    assert {c.channel for c in demo.complaints} == {"portal", "app", "hotline", "email"}
    assert len({c.category for c in demo.complaints}) >= 6
    assert demo.corrections >= 1  # agents corrected some of the classifier's suggestions


def test_complaints_are_resolved_rated_breached_flagged_and_still_running(
    demo: Grievances,
) -> None:
    statuses = Counter(c.status for c in demo.complaints)
    assert statuses["resolved"] > len(demo.complaints) / 2
    assert any(c.status == "resolved" and c.score is not None for c in demo.complaints)
    breached = {c.status for c in demo.complaints if c.breached}
    assert "resolved" in breached  # answered late, then resolved
    assert statuses["escalated"] >= 1
    assert any(c.team == "key_accounts" for c in demo.complaints)
    assert {c.flag for c in demo.complaints if c.flag} <= {
        "suspected_malicious_review",
        "abnormal_order",
    }
    assert sum(c.flag is not None for c in demo.complaints) >= 2
    running = [c for c in demo.complaints if c.status == "open" and not c.breached]
    assert running and all(c.time_left and c.time_left > timedelta(0) for c in running)


def test_appeals_are_upheld_and_overturned(demo: Grievances) -> None:
    statuses = Counter(status for _, _, status in demo.appeals)
    assert statuses["upheld"] >= 1 and statuses["overturned"] >= 1


def test_disputes_stand_in_several_states_and_rulings_are_paid_once(demo: Grievances) -> None:
    by_status = Counter(d.status for d in demo.disputes)
    assert by_status["ruled"] >= 2 and by_status["open"] >= 1 and by_status["under_review"] >= 1
    waiting = [d for d in demo.disputes if d.status == "open"]
    assert all(d.evidence_due_at > NOW for d in waiting)  # the merchant's evidence is due
    ruled = [d for d in demo.disputes if d.status == "ruled" and d.outcome != "merchant"]
    paid = RefundState.SUCCEEDED.value
    assert ruled and all(d.refund and d.refund[:2] == ("ruling", paid) for d in ruled)
    assert {"customer", "split"} <= {d.outcome for d in ruled}
    for d in demo.disputes:
        if d.status in ("open", "under_review"):
            assert d.refund is None  # nothing is paid before the ruling


def test_rulings_and_the_lost_parcel_are_booked_and_the_ledger_balances(
    demo: Grievances,
) -> None:
    assert demo.receivable > 0 and demo.by_merchant >= 1
    assert demo.claims > 0
    assert demo.balanced


def test_both_databases_hold_the_same_grievances() -> None:
    """Two independent runs of one seed (one per database) agree: the demo is deterministic."""
    sqlite, postgresql = (_first_run(kind, SEED) for kind in KINDS)
    assert sqlite.complaints == postgresql.complaints
    assert sqlite.disputes == postgresql.disputes
