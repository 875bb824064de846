"""The staff notifications' safety net (issue 13, jobs/staff_notices.recover) on both databases.

A notification is made by a bus handler right after the commit. When that handler fails,
or the process dies between the commit and the handler, the worker's pass over the
events of the last `LOOKBACK` makes it: on the next pass, exactly once, never for an
event its handler may still be working on (`SETTLE`), at most every `RECOVER_EVERY`,
and reading only what is recent (one lookup when nothing is).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from sqlalchemy import event

from returnflow.app_context import AppContext
from returnflow.domain.access import Principal, Role
from returnflow.domain.events import DomainEvent
from returnflow.domain.staff_notices import Audience, Draft
from returnflow.jobs import staff_notices as jobs
from returnflow.services import accounts
from returnflow.services import staff_notice_handlers as handlers
from returnflow.services import staff_notices as service
from returnflow.storage.staff_notices import StaffNoticeStore
from tests.support.clock import FakeClock

OrderPayload = Callable[..., dict[str, Any]]
TICK = timedelta(microseconds=1)


class _NoMail:
    def send(self, message: EmailMessage) -> None:
        raise AssertionError("no mail expected")


def _principal(context: AppContext, username: str, role: Role, merchant: str | None) -> Principal:
    now = context.clock()
    with context.uow() as uow:
        principal = accounts.add_user(
            uow,
            username=username,
            display_name=username,
            password="correct horse battery",
            role=role,
            now=now,
            merchant_id=merchant,
        )
        uow.commit(now)
    return principal


def _kinds(context: AppContext, principal: Principal) -> list[str]:
    with context.uow() as uow:
        found = service.notices_for(uow, principal)
    return [notice.kind.value for notice in found.notices]


def _crash_left(context: AppContext, topic: str, at: datetime, **data: Any) -> None:
    """An event stored with its change whose handler never ran (the process died)."""
    with context.uow() as uow:
        uow.outbox.put(topic, {**data, "occurred_at": at.isoformat()}, at)
        uow.commit(at)


@pytest.fixture
def failing_once(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The store's first `add` raises, as a database hiccup in the handler would."""
    original, failed = StaffNoticeStore.add, list[str]()

    def add(self: StaffNoticeStore, draft: Draft, now: datetime) -> int | None:
        if not failed:
            failed.append(draft.dedupe_key)
            raise RuntimeError("connection reset by peer")
        return original(self, draft, now)

    monkeypatch.setattr(StaffNoticeStore, "add", add)
    return failed


def test_a_dispute_whose_handler_failed_reaches_the_merchant_on_the_next_pass_once(
    context: AppContext, clock: FakeClock, failing_once: list[str]
) -> None:
    """A handler that fails (here the store's first `add`) leaves its notification to the
    next pass. (A filing's own notification is written with the filing: services/returns.py;
    a request stored without one, as the demo's past is, is recovered the same way.)"""
    merchant = _principal(context, "babycare-ops", Role.MERCHANT, "m-babycare")
    at = clock.now
    data = {"dispute_no": "DS-1", "rma_no": "RMA-1", "merchant_id": "m-babycare"}
    event = DomainEvent("dispute.opened", at, data)
    with context.uow() as uow, pytest.raises(RuntimeError):
        handlers.notify_staff(uow, event, at)  # as the bus runs it: the failure is logged
    assert failing_once and _kinds(context, merchant) == []
    _crash_left(context, "dispute.opened", at, **data)  # the event, stored with its change
    assert jobs.recover(context, at + jobs.SETTLE - TICK) == 0  # the handler's turn
    assert jobs.recover(context, at + jobs.SETTLE) == 1
    assert _kinds(context, merchant) == ["dispute_opened"]
    for later in (timedelta(minutes=5), timedelta(minutes=10), jobs.LOOKBACK):
        assert jobs.recover(context, at + later) == 0  # once


def test_a_filed_request_without_its_notification_is_recovered_once(
    context: AppContext, clock: FakeClock
) -> None:
    merchant = _principal(context, "babycare-ops", Role.MERCHANT, "m-babycare")
    at, rma = clock.now, "RMA202611200000001"
    data = {"rma_no": rma, "order_no": "SO-1001", "merchant_id": "m-babycare"}
    _crash_left(context, "return.created", at, **data, status="pending_review")
    assert jobs.recover(context, at + jobs.SETTLE) == 1
    assert jobs.recover(context, at + jobs.LOOKBACK) == 0  # once
    with context.uow() as uow:
        [notice] = service.notices_for(uow, merchant).notices
    assert (
        notice.rma_no == rma
        and notice.subject.en == f"New request {rma} is waiting for your review"
    )
    assert notice.subject.zh == f"新退货申请 {rma} 待您审核"


def test_an_event_left_by_a_crash_is_recovered_within_the_lookback_only(
    context: AppContext, clock: FakeClock
) -> None:
    _principal(context, "wang-min", Role.MANAGER, None)
    at = clock.now
    _crash_left(context, "complaint.breached", at, complaint_no="CP-20261120-0001")
    assert jobs.recover(context, at + jobs.LOOKBACK + TICK) == 0  # too old: out of the window
    assert jobs.recover(context, at + jobs.LOOKBACK) == 1  # the window's first instant
    assert jobs.recover(context, at + jobs.LOOKBACK) == 0
    with context.uow() as uow:
        made = uow.staff_notices.by_key(
            f"complaint_escalated:CP-20261120-0001@{at.isoformat()}|role:manager"
        )
    assert made is not None and made[2] == Audience.role(Role.MANAGER)
    assert made[1].subject.en == "Complaint CP-20261120-0001 breached its deadline"


def test_events_no_rule_names_and_mail_topics_make_nothing(
    context: AppContext, clock: FakeClock
) -> None:
    at = clock.now
    _crash_left(context, "return.approved", at, rma_no="R1", merchant_id="m-babycare")
    _crash_left(context, service.MAIL_TOPIC, at, dedupe_key="x", merchant_id="m-babycare")
    _crash_left(context, "conversation.posted", at, author_kind="system", rma_no="R1")
    assert jobs.recover(context, at + timedelta(minutes=2)) == 0


def test_history_committed_in_one_go_is_not_news(context: AppContext, clock: FakeClock) -> None:
    """The demo commits months of events at once: they are not announced as new."""
    at = clock.now
    with context.uow() as uow:
        happened = (at - jobs.LOOKBACK - TICK).isoformat()
        uow.outbox.put("appeal.filed", {"rma_no": "R-OLD", "occurred_at": happened}, at)
        uow.commit(at)
    assert jobs.recover(context, at + timedelta(minutes=2)) == 0
    _crash_left(context, "appeal.filed", at - jobs.LOOKBACK, rma_no="R-EDGE", subject="x")
    assert jobs.recover(context, at) == 1  # happened (and stored) at the window's first instant


def test_the_worker_passes_at_most_every_five_minutes(
    context: AppContext, clock: FakeClock
) -> None:
    worker = jobs.StaffNoticeJobs(context, _NoMail())
    start = clock.now
    assert worker.tick(start) == 0  # first pass: nothing to recover
    _crash_left(context, "appeal.filed", start, rma_no="R-1", subject="rejection")
    assert worker.tick(start + jobs.RECOVER_EVERY - TICK) == 0  # not yet its turn
    assert worker.tick(start + jobs.RECOVER_EVERY) == 1
    assert worker.tick(start + 2 * jobs.RECOVER_EVERY) == 0


@pytest.fixture
def statements(context: AppContext) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(str(args[2]))

    event.listen(context.engine, "before_cursor_execute", count)
    yield seen
    event.remove(context.engine, "before_cursor_execute", count)


def test_an_idle_pass_is_one_lookup_and_a_busy_one_reads_only_the_newest_rows(
    context: AppContext,
    clock: FakeClock,
    statements: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    at = clock.now
    _crash_left(context, "appeal.filed", at, rma_no="R-1", subject="rejection")
    statements.clear()
    assert jobs.recover(context, at + jobs.LOOKBACK + TICK) == 0
    reads = [s for s in statements if "outbox" in s]
    assert len(reads) == 1 and "ORDER BY outbox.id DESC" in reads[0]
    assert not [s for s in statements if "staff_notices" in s]
    monkeypatch.setattr(jobs, "SCAN", 1)  # only the newest row is read
    _crash_left(context, "appeal.filed", at, rma_no="R-2", subject="rejection")
    assert jobs.recover(context, at + timedelta(minutes=2)) == 1
    with context.uow() as uow:
        assert uow.staff_notices.by_key(f"appeal_filed:R-1@{at.isoformat()}|role:agent") is None
        assert uow.staff_notices.by_key(f"appeal_filed:R-2@{at.isoformat()}|role:agent")


def test_the_deadline_sweep_runs_once_a_minute_not_every_tick(
    context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Idle cost (issue 11): the sweep re-reads waiting requests at most every minute."""
    calls: list[datetime] = []

    def counted(_context: AppContext, now: datetime) -> int:
        calls.append(now)
        return 0

    monkeypatch.setattr(jobs, "sweep", counted)
    worker = jobs.StaffNoticeJobs(context, _NoMail())
    start = context.clock()
    for seconds in (0, 2, 30, 59):
        worker.tick(start + timedelta(seconds=seconds))
    worker.tick(start + jobs.SWEEP_EVERY)
    assert calls == [start, start + jobs.SWEEP_EVERY]
