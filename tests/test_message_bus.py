"""The message bus: what follows a change runs after its commit, and only then.

The bus's own rules are checked with handlers written here, on a bus built beside the
app's (same database, the real unit of work); the last test goes through the API with
the app's own bus (bootstrap.py), as production runs it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from returnflow.app_context import AppContext
from returnflow.bootstrap import EVENT_HANDLERS
from returnflow.domain.events import DomainEvent
from returnflow.domain.lifecycle import Status
from returnflow.services.messagebus import Handler, MessageBus, OncePerRequest
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.storage.schema import OutboxRow
from returnflow.storage.uow import UnitOfWork as StoredUnitOfWork
from tests.support.clock import FakeClock

OrderPayload = Callable[..., dict[str, Any]]
REQUEST = {
    "order_no": "SO-1001",
    "type": "refund",
    "lines": [{"line_no": 1, "quantity": 1, "reason_code": "no_reason"}],
}
SHIP = {"carrier": "顺丰速运", "tracking_no": "SF1234567890"}


@pytest.fixture
def rma(client: TestClient, order_payload: OrderPayload) -> str:
    """An approved refund request, awaiting shipment."""
    assert client.post("/api/v1/orders", json=order_payload()).status_code < 300
    body = client.post("/api/v1/returns", json=REQUEST).json()
    assert body["status"] == "approved"
    return str(body["rma_no"])


class Bench:
    """A bus with the handlers a test gives it, and units of work that publish to it."""

    def __init__(self, context: AppContext, clock: FakeClock) -> None:
        self.context = context
        self.handlers: dict[str, list[Handler]] = {}
        self.bus = MessageBus(self.uow, self.handlers, clock)
        self.calls: list[str] = []

    def uow(self) -> UnitOfWork:
        return StoredUnitOfWork(self.context.session_factory, self.bus.publish)

    def on(self, name: str, handler: Handler) -> None:
        self.handlers.setdefault(name, []).append(handler)

    def status(self, rma_no: str) -> Status:
        with self.context.uow(publish=False) as uow:
            request = uow.returns.get(rma_no)
            assert request is not None
            return request.status


@pytest.fixture
def bench(context: AppContext, clock: FakeClock) -> Iterator[Bench]:
    yield Bench(context, clock)


def _cancel(bench: Bench, rma_no: str, now: datetime) -> None:
    with bench.uow() as uow:
        request = uow.returns.get(rma_no, for_update=True)
        assert request is not None
        request.cancel("customer:c-1", now, "changed my mind")
        uow.commit(now)


def test_handlers_run_after_the_commit_and_see_it(bench: Bench, rma: str, clock: FakeClock) -> None:
    seen: list[tuple[Status, str]] = []

    def look(uow: UnitOfWork, event: DomainEvent, now: datetime) -> None:
        # the handler's own transaction reads what the first one stored
        request = uow.returns.get(str(event.data["rma_no"]))
        assert request is not None
        seen.append((request.status, event.name))

    bench.on("return.cancelled", look)
    with bench.uow() as uow:
        request = uow.returns.get(rma, for_update=True)
        assert request is not None
        request.cancel("customer:c-1", clock.now, "changed my mind")
        assert seen == []  # nothing runs while the change is being made
        uow.commit(clock.now)
        assert seen == [(Status.CANCELLED, "return.cancelled")]  # ran inside commit, after it


def test_a_failing_handler_undoes_nothing_and_stops_no_one(
    bench: Bench, rma: str, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    def fail(uow: UnitOfWork, event: DomainEvent, now: datetime) -> None:
        uow.outbox.put("test.half_done", {"rma_no": event.data["rma_no"]}, now)
        raise RuntimeError("the handler broke")

    def record(uow: UnitOfWork, event: DomainEvent, now: datetime) -> None:
        bench.calls.append(event.name)

    bench.on("return.cancelled", fail)
    bench.on("return.cancelled", record)
    _cancel(bench, rma, clock.now)  # does not raise
    assert bench.status(rma) is Status.CANCELLED  # the change stands
    assert bench.calls == ["return.cancelled"]  # the next handler still ran
    with bench.context.session_factory() as session:
        topics = set(session.scalars(select(OutboxRow.topic)))
    assert "return.cancelled" in topics and "test.half_done" not in topics  # its own undone
    assert "handler" in caplog.text and "return.cancelled" in caplog.text


def test_events_raised_by_handlers_are_handled_in_the_same_loop(
    bench: Bench, rma: str, clock: FakeClock
) -> None:
    def receive(uow: UnitOfWork, event: DomainEvent, now: datetime) -> None:
        bench.calls.append("receive: start")
        request = uow.returns.get(str(event.data["rma_no"]), for_update=True)
        assert request is not None
        request.receive("warehouse:w-1", now)
        bench.calls.append("receive: end")

    def also(uow: UnitOfWork, event: DomainEvent, now: datetime) -> None:
        bench.calls.append(f"also: {event.name}")

    def received(uow: UnitOfWork, event: DomainEvent, now: datetime) -> None:
        request = uow.returns.get(str(event.data["rma_no"]))
        assert request is not None
        bench.calls.append(f"received: {request.status.value}")

    bench.on("return.in_transit", receive)
    bench.on("return.in_transit", also)
    bench.on("return.received", received)
    with bench.uow() as uow:
        request = uow.returns.get(rma, for_update=True)
        assert request is not None
        request.ship("customer:c-1", clock.now, "顺丰速运", "SF1234567890")
        uow.commit(clock.now)
    # the nested event waits for the current one's handlers: a queue, not recursion
    assert bench.calls == [
        "receive: start",
        "receive: end",
        "also: return.in_transit",
        "received: received",
    ]
    assert bench.status(rma) is Status.RECEIVED


def test_work_that_is_not_committed_publishes_nothing(
    bench: Bench, rma: str, clock: FakeClock
) -> None:
    def record(uow: UnitOfWork, event: DomainEvent, now: datetime) -> None:
        bench.calls.append(event.name)

    bench.on("return.cancelled", record)
    with bench.uow() as uow:
        request = uow.returns.get(rma, for_update=True)
        assert request is not None
        request.cancel("customer:c-1", clock.now, "changed my mind")
        uow.rollback()
        uow.commit(clock.now)  # after a rollback nothing is left to store or announce
    with pytest.raises(RuntimeError), bench.uow() as uow:
        request = uow.returns.get(rma, for_update=True)
        assert request is not None
        request.cancel("customer:c-1", clock.now, "changed my mind")
        raise RuntimeError("the caller gave up before commit")
    assert bench.calls == []
    assert bench.status(rma) is Status.APPROVED


def test_the_table_says_what_follows_what(context: AppContext) -> None:
    """The follow-ons issues 10, 12 and 13 list, as the app's bus runs them."""
    names = {
        name: [handler.__qualname__ for handler in handlers]
        for name, handlers in context.bus.handlers.items()
    }
    assert names == {
        "return.inspected": ["request_after_inspection", "book_liability"],
        "return.inspection_failed": ["request_after_inspection"],
        "return.approved": ["request_after_approval", "decide_after_review"],
        "return.rejected": ["decide_after_review"],
        "return.in_transit": ["instant_after_first_scan"],
        "approval.decided": ["release_after_decision"],
        "return.cancelled": ["call_off_pickup"],
        "refund.paid": ["complete_request", "book_liability"],
        "return.refunded": ["complete_request"],
        "return.exchanged": ["complete_request"],
        "return.repaired": ["complete_request"],
        "return.reissued": ["complete_request"],
        "return.completed": ["invite_after_completion"],
        # issue 13: staff and merchants hear in their console (and merchants by mail)
        # (a new request's merchant is told in the filing's transaction: services/returns.py)
        "dispute.opened": ["notify_staff"],
        "complaint.filed": ["notify_staff"],
        "complaint.breached": ["notify_staff"],
        "complaint.escalated": ["notify_staff"],
        "complaint.flagged": ["notify_staff"],
        "appeal.filed": ["notify_staff"],
        "approval.requested": ["notify_staff"],
        "conversation.posted": ["notify_staff"],
        "merchant_application.submitted": ["notify_staff"],  # issue 15: the reviewers
        "merchant_application.resubmitted": ["notify_staff"],
        "dispute.evidence_added": ["notify_mediators_when_heard"],
        "incident.opened": ["notify_on_call"],  # issue 14: the people on call, else managers
        "incident.assigned": ["notify_on_call"],  # its owner hears the assignment
        "policy.published": ["mark_stale"],  # issue 17: lessons to re-read
    }
    assert set(EVENT_HANDLERS) == set(names)


def test_inspection_passed_asks_for_the_refund_without_a_worker(
    client: TestClient, context: AppContext, rma: str
) -> None:
    """Through the API with the app's own bus: no worker tick between inspection and refund."""
    assert context.settings.refund_auto_request
    context.settings.instant_refund_enabled = False  # else the first scan pays it first
    assert client.post(f"/api/v1/returns/{rma}/ship", json=SHIP).status_code == 200
    assert client.post(f"/api/v1/returns/{rma}/receive").status_code == 200
    assert client.get(f"/api/v1/refunds/{rma}").status_code == 404  # nothing owed yet
    inspected = client.post(f"/api/v1/returns/{rma}/inspect", json={"passed": True})
    assert inspected.status_code == 200
    refund = client.get(f"/api/v1/refunds/{rma}")
    assert refund.status_code == 200, refund.text
    assert (refund.json()["trigger"], refund.json()["requested_by"]) == ("inspection", "system")
    assert refund.json()["amount"] == {"amount": 8400, "currency": "CNY"}


def test_a_once_per_request_handler_runs_once_for_two_events_of_one_commit(
    bench: Bench, rma: str, clock: FakeClock
) -> None:
    """Issue 11: a paid refund's commit raises "refund.paid" and "return.refunded"; the
    request's completion ran for each. Marked once per request, it runs for the first;
    a plain handler on the same events still runs for each, and a later commit runs it
    again."""

    def complete(uow: UnitOfWork, event: DomainEvent, now: datetime) -> None:
        bench.calls.append(f"once: {event.name}")

    def record(uow: UnitOfWork, event: DomainEvent, now: datetime) -> None:
        bench.calls.append(f"each: {event.name}")

    once = OncePerRequest(complete)
    assert once.__qualname__.endswith("complete")  # the table names the handler itself
    for name in ("test.first", "test.second"):
        bench.on(name, once)
        bench.on(name, record)
    first = DomainEvent("test.first", clock.now, {"rma_no": rma})
    second = DomainEvent("test.second", clock.now, {"rma_no": rma})
    other = DomainEvent("test.second", clock.now, {"rma_no": "RMA-OTHER"})
    bench.bus.publish([first, second, other])
    assert bench.calls == [
        "once: test.first",
        "each: test.first",
        "each: test.second",
        "once: test.second",  # another request's event of the same commit
        "each: test.second",
    ]
    bench.calls.clear()
    bench.bus.publish([second])  # the next commit
    assert bench.calls == ["once: test.second", "each: test.second"]
