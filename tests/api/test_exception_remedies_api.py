"""Resolving logistics exceptions with a remedy, on SQLite and PostgreSQL (R4.4, issue 12).

A parcel the sweep presumes lost is refunded without its goods: paid once through the
gateway, the request settled (refunded → completed) and the carrier claimed against. A
parcel the carrier brought back gets a new label; compensation is store credit within
the agent's authority; bad input is a problem document in the caller's language.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.domain.ledger import Account, trial_balance_is_zero
from returnflow.domain.scans import TrackingEvent, TrackingProblem, TrackingStatus
from returnflow.jobs import tracking as tracking_jobs
from returnflow.jobs.worker import Worker
from returnflow.logistics.carriers import ManualCarrier
from returnflow.notify.mailer import FileMailer
from returnflow.payments.sandbox import SandboxGateway
from returnflow.services import tracking as tracking_service
from returnflow.storage.schema import LedgerEntryRow, ShipmentRow
from tests.support.booking_carrier import BookingCarrier
from tests.support.carrier_double import SignedPushCarrier
from tests.support.clock import FakeClock
from tests.support.pickups import deliver_outbox
from tests.support.shipments import add_shipment

TS = TrackingStatus
REQUEST = {
    "order_no": "SO-1001",
    "type": "refund",
    "lines": [{"line_no": 1, "quantity": 1, "reason_code": "no_reason"}],
}
REFUND = 8400  # line 1: 89.00 less its 5.00 share of the discount


@pytest.fixture
def booking(context: AppContext, clock: FakeClock) -> BookingCarrier:
    """The book's carrier ("simulated") books new parcels; "fastex" pushed the old one."""
    double = BookingCarrier()
    context.carriers = {
        "manual": ManualCarrier(),
        "simulated": double,
        "fastex": SignedPushCarrier(clock),
    }
    context.settings.instant_refund_enabled = False  # the first scan pays nothing here
    return double


@pytest.fixture
def rma(client: TestClient, order_payload: Callable[..., dict[str, Any]]) -> str:
    client.post("/api/v1/orders", json=order_payload())
    created = client.post("/api/v1/returns", json=REQUEST).json()
    assert created["status"] == "approved"
    return str(created["rma_no"])


@pytest.fixture
def agent(client: TestClient, tokens: Callable[..., str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens(Role.AGENT, username='li.na')}"}


def _scan(context: AppContext, clock: FakeClock, *events: TrackingEvent) -> None:
    tracking_service.record(
        context.uow,
        "fastex",
        "FX1000",
        events,
        clock.now,
        source="push",
        limits=tracking_service.thresholds(context.settings),
    )
    deliver_outbox(context)  # the worker puts a picked-up request in transit (issue 11)


def _task(client: TestClient, kind: str) -> int:
    items = client.get("/api/v1/logistics/exceptions", params={"kind": kind}).json()["items"]
    assert len(items) == 1, items
    return int(items[0]["id"])


def _lost(context: AppContext, clock: FakeClock, client: TestClient, rma: str) -> int:
    """Picked up, then silent for eight days: the sweep presumes the parcel lost."""
    add_shipment(context, rma, clock.now)
    _scan(context, clock, TrackingEvent(clock.now, TS.ACCEPTED, "揽收"))
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "in_transit"
    clock.advance(days=8)
    assert tracking_jobs.sweep_exceptions(context, clock.now) == 1
    return _task(client, "lost")


def _damaged(context: AppContext, clock: FakeClock, client: TestClient, rma: str) -> int:
    add_shipment(context, rma, clock.now)
    damaged = TrackingEvent(clock.now, TS.EXCEPTION, "外箱破损", "上海", TrackingProblem.DAMAGED)
    _scan(
        context, clock, TrackingEvent(clock.now - timedelta(hours=1), TS.ACCEPTED, "揽收"), damaged
    )
    return _task(client, "damaged")


def _resolve(client: TestClient, task: int, headers: dict[str, str], **body: Any) -> Any:
    return client.post(
        f"/api/v1/logistics/exceptions/{task}/resolve",
        json={"note": "carrier confirmed", **body},
        headers=headers,
    )


def _balances(context: AppContext) -> dict[str, int]:
    with context.uow() as uow:
        books = uow.ledger.balances()
        assert trial_balance_is_zero(uow.ledger.postings())
    return {a.value: books.of(a).cents for a in Account if books.of(a).cents}


def test_a_presumed_lost_parcel_is_refunded_once_and_claimed_from_the_carrier(
    client: TestClient,
    context: AppContext,
    clock: FakeClock,
    booking: BookingCarrier,
    rma: str,
    agent: dict[str, str],
    tmp_path: Any,
) -> None:
    sandbox = SandboxGateway(context.clock, settle_after=timedelta(seconds=30))
    context.gateway = sandbox
    task = _lost(context, clock, client, rma)
    resolved = _resolve(client, task, agent, remedy="refund_without_goods")
    assert resolved.status_code == 200, resolved.text
    body = resolved.json()
    assert body["resolved_by"] == "agent:li.na" and body["resolved_at"] is not None
    assert body["remedy"]["remedy"] == "refund_without_goods"
    assert body["remedy"]["amount"] == {"amount": REFUND, "currency": "CNY"}
    assert body["remedy"]["awaiting_approval"] is False
    assert body["refund"]["status"] == "requested"
    assert body["refund"]["trigger"] == "lost_in_transit"
    assert body["request_status"] == "in_transit"  # until the money is paid
    again = _resolve(client, task, agent, remedy="refund_without_goods")
    assert (again.status_code, again.json()["code"]) == (409, "exception_already_resolved")

    worker = Worker(context, FileMailer(tmp_path))
    worker.tick()  # submitted to the gateway
    clock.advance(seconds=31)
    worker.tick()  # the gateway's signed settlement arrives
    assert sandbox.refund_count == 1
    request = client.get(f"/api/v1/returns/{rma}").json()
    assert request["status"] == "completed"
    steps = [(step["action"], step["status"]) for step in request["timeline"]]
    assert ("settle", "refunded") in steps and ("complete", "completed") in steps
    paid = client.get(f"/api/v1/refunds/{rma}").json()
    assert (paid["status"], paid["amount"]["amount"]) == ("succeeded", REFUND)
    with context.uow() as uow:
        refund = uow.refunds.get(rma)
        assert refund is not None
        award = refund.workings["award"]
    with context.session_factory() as session:
        claim = session.scalars(
            select(LedgerEntryRow).where(LedgerEntryRow.key == f"liability:{rma}:exception:{task}")
        ).one_or_none()
    assert (award["liable"], award["party"], award["source"]) == (
        "carrier",
        "fastex",
        "lost_in_transit",
    )
    assert award["reference"] == f"exception:{task}"
    # helper "liability" books the claim on payment: the carrier owes what was paid
    assert claim is not None
    assert _balances(context) == {
        "carrier_claims": REFUND,
        "gateway_clearing": -REFUND,
    }
    # nothing left open for the parcel, and nothing paid twice on another tick
    assert client.get("/api/v1/logistics/exceptions").json()["items"] == []
    worker.tick()
    assert sandbox.refund_count == 1


def test_over_the_agents_limit_the_refund_waits_and_the_task_closes(
    client: TestClient,
    context: AppContext,
    clock: FakeClock,
    booking: BookingCarrier,
    rma: str,
    agent: dict[str, str],
) -> None:
    context.settings.authority_limits = {"agent": 5000}  # 50.00: below the 84.00 refund
    task = _damaged(context, clock, client, rma)
    resolved = _resolve(client, task, agent, remedy="refund_without_goods")
    assert resolved.status_code == 200, resolved.text
    body = resolved.json()
    assert body["refund"]["status"] == "awaiting_approval"
    assert body["remedy"]["awaiting_approval"] is True and body["resolved_at"] is not None
    queue = client.get("/api/v1/finance/approvals").json()
    assert [(a["subject"], a["amount"]["amount"]) for a in queue] == [(rma, REFUND)]


def test_a_parcel_back_with_the_sender_gets_a_new_label(
    client: TestClient,
    context: AppContext,
    clock: FakeClock,
    booking: BookingCarrier,
    rma: str,
    agent: dict[str, str],
    tmp_path: Any,
) -> None:
    old = add_shipment(context, rma, clock.now)
    _scan(
        context,
        clock,
        TrackingEvent(clock.now, TS.ACCEPTED, "揽收"),
        TrackingEvent(clock.now + timedelta(hours=30), TS.RETURNED_TO_SENDER, "拒收退回"),
    )
    task = _task(client, "returned_to_sender")
    wrong = _resolve(client, task, agent, remedy="refund_without_goods")
    assert (wrong.status_code, wrong.json()["code"]) == (409, "remedy_not_offered")
    resolved = _resolve(client, task, agent, remedy="new_label")
    assert resolved.status_code == 200, resolved.text
    body = resolved.json()
    parcel = body["new_parcel"]
    assert (parcel["method"], parcel["carrier"], parcel["status"]) == (
        "pickup",
        "simulated",
        "requested",
    )
    assert body["remedy"]["shipment_id"] == parcel["shipment_id"] != old
    assert body["request_status"] == "in_transit"  # shipped in time: no ship-by clock
    Worker(context, FileMailer(tmp_path)).dispatcher.run_once(clock.now)  # the carrier is asked
    assert len(booking.waybills) == 1 and len(booking.pickups) == 1
    with context.session_factory() as session:
        rows = session.scalars(select(ShipmentRow).where(ShipmentRow.rma_no == rma)).all()
        shipments = {row.id: (row.status, row.waybill_no) for row in rows}
    assert shipments[old] == ("returned_to_sender", "FX1000")
    assert shipments[parcel["shipment_id"]] == ("arranged", "SIM0000000001")
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "in_transit"


def test_compensation_is_store_credit_within_the_agents_authority(
    client: TestClient,
    context: AppContext,
    clock: FakeClock,
    booking: BookingCarrier,
    rma: str,
    agent: dict[str, str],
    tokens: Callable[..., str],
) -> None:
    context.settings.authority_limits = {"agent": 1000}  # 10.00
    task = _damaged(context, clock, client, rma)
    too_much = _resolve(client, task, agent, remedy="compensation", compensation_cents=REFUND + 1)
    assert (too_much.status_code, too_much.json()["code"]) == (422, "compensation_too_high")
    over = _resolve(client, task, agent, remedy="compensation", compensation_cents=2000)
    assert (over.status_code, over.json()["code"]) == (403, "authority_exceeded")
    assert client.get("/api/v1/logistics/exceptions").json()["items"][0]["id"] == task  # open
    manager = {"Authorization": f"Bearer {tokens(Role.MANAGER, username='mona')}"}
    granted = _resolve(client, task, manager, remedy="compensation", compensation_cents=2000)
    assert granted.status_code == 200, granted.text
    body = granted.json()
    assert body["credit"] == {"amount": 2000, "currency": "CNY"}
    assert body["remedy"]["amount"] == {"amount": 2000, "currency": "CNY"}
    assert body["refund"] is None and body["request_status"] == "in_transit"
    with context.uow() as uow:
        assert uow.store_credit.balance("c-1").cents == 2000
        assert uow.refunds.get(rma) is None  # the request's one refund is untouched
    assert _balances(context) == {"compensation": 2000, "store_credit": 2000}  # owed to her


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"remedy": "teleport"}, 422, "validation_error"),
        ({"remedy": "compensation", "compensation_cents": 0}, 422, "validation_error"),
        ({"remedy": "compensation", "compensation_cents": 10**14}, 422, "validation_error"),
        ({"remedy": "compensation"}, 422, "compensation_required"),
        ({"remedy": "new_label"}, 409, "remedy_not_offered"),
        ({"remedy": "close", "note": ""}, 422, "validation_error"),
        ({"remedy": "close", "note": "   "}, 422, "note_required"),
    ],
)
def test_bad_input_is_a_problem_document(
    client: TestClient,
    context: AppContext,
    clock: FakeClock,
    booking: BookingCarrier,
    rma: str,
    agent: dict[str, str],
    body: dict[str, Any],
    status: int,
    code: str,
) -> None:
    task = _damaged(context, clock, client, rma)
    answer = _resolve(client, task, agent, **body)
    assert (answer.status_code, answer.json()["code"]) == (status, code)
    assert answer.headers["content-type"] == "application/problem+json"
    assert client.get("/api/v1/logistics/exceptions").json()["items"][0]["id"] == task


def test_refusals_speak_both_languages_and_close_keeps_the_note(
    client: TestClient,
    context: AppContext,
    clock: FakeClock,
    booking: BookingCarrier,
    rma: str,
    agent: dict[str, str],
) -> None:
    task = _damaged(context, clock, client, rma)
    zh = _resolve(client, task, {**agent, "Accept-Language": "zh-CN"}, remedy="new_label")
    en = _resolve(client, task, {**agent, "Accept-Language": "en"}, remedy="new_label")
    assert "不能用“重新安排寄回”处理" in zh.json()["detail"]
    assert "“New return label” is not a remedy" in en.json()["detail"]
    closed = _resolve(client, task, agent, remedy="close", note="customer keeps it")
    assert closed.status_code == 200
    assert closed.json()["remedy"]["label"] == {"zh": "仅记录处理结果", "en": "Close with a note"}
    listed = client.get("/api/v1/logistics/exceptions", params={"state": "resolved"}).json()
    assert [(i["resolution_note"], i["remedy"]["remedy"]) for i in listed["items"]] == [
        ("customer keeps it", "close")
    ]
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "in_transit"


def test_an_instant_refund_already_owed_is_not_paid_twice(
    client: TestClient,
    context: AppContext,
    clock: FakeClock,
    booking: BookingCarrier,
    rma: str,
    agent: dict[str, str],
) -> None:
    context.settings.instant_refund_enabled = True  # the first scan owes the refund at once
    task = _damaged(context, clock, client, rma)
    assert client.get(f"/api/v1/refunds/{rma}").json()["trigger"] == "instant"
    answer = _resolve(client, task, agent, remedy="refund_without_goods")
    assert (answer.status_code, answer.json()["code"]) == (409, "refund_exists")
    assert client.get("/api/v1/logistics/exceptions").json()["items"][0]["id"] == task
