"""Polling, the exception rules with a controllable clock, alert mail through a real SMTP
server, and closing unshipped requests around booked pickups (R4.3, R4.4, R1.5)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from email.message import Message
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from returnflow.app_context import AppContext
from returnflow.config import Settings
from returnflow.domain.scans import TrackingEvent, TrackingProblem, TrackingStatus
from returnflow.jobs import tracking as tracking_jobs
from returnflow.jobs.worker import Worker
from returnflow.notify.mailer import SmtpMailer
from returnflow.services import tracking as tracking_service
from returnflow.storage.schema import OutboxRow, ShipmentExceptionRow
from tests.support.carrier_double import SignedPushCarrier
from tests.support.clock import FakeClock
from tests.support.pickups import deliver_outbox
from tests.support.shipments import add_shipment, shipment_status
from tests.support.smtp import SmtpSink

TS = TrackingStatus
REQUEST = {
    "order_no": "SO-1001",
    "type": "refund",
    "lines": [{"line_no": 1, "quantity": 1, "reason_code": "no_reason"}],
}


@pytest.fixture
def carrier(context: AppContext, clock: FakeClock) -> SignedPushCarrier:
    double = SignedPushCarrier(clock)
    context.carriers = {"fastex": double}
    return double


@pytest.fixture
def rma(client: TestClient, order_payload: Callable[..., dict[str, Any]]) -> str:
    client.post("/api/v1/orders", json=order_payload())
    return str(client.post("/api/v1/returns", json=REQUEST).json()["rma_no"])


def _tasks(context: AppContext) -> list[tuple[str, bool]]:
    with context.session_factory() as session:
        rows = session.scalars(select(ShipmentExceptionRow).order_by(ShipmentExceptionRow.id))
        return [(row.kind, row.resolved_at is None) for row in rows]


def _push(context: AppContext, clock: FakeClock, *events: TrackingEvent) -> None:
    tracking_service.record(
        context.uow,
        "fastex",
        "FX1000",
        events,
        clock.now,
        source="push",
        limits=tracking_service.thresholds(context.settings),
    )


# --- polling ---------------------------------------------------------------------------


def test_polling_fetches_silent_shipments_through_the_pipeline(
    client: TestClient, context: AppContext, carrier: SignedPushCarrier, rma: str, clock: FakeClock
) -> None:
    shipment = add_shipment(context, rma, clock.now)
    carrier.feed["FX1000"] = [TrackingEvent(clock.now + timedelta(minutes=30), TS.ACCEPTED, "揽收")]
    clock.advance(minutes=59)
    assert tracking_jobs.poll(context, clock.now) == 0  # not silent long enough yet
    clock.advance(minutes=1)
    assert tracking_jobs.poll(context, clock.now) == 1
    assert carrier.fetched == ["FX1000"]
    assert shipment_status(context, shipment) == "accepted"
    deliver_outbox(context)  # a polled scan sets off the same follow-up as a push
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "in_transit"
    # asked just now and heard of within the hour: not asked again yet
    clock.advance(minutes=30)
    assert tracking_jobs.poll(context, clock.now) == 0
    clock.advance(minutes=31)
    assert tracking_jobs.poll(context, clock.now) == 1
    assert len(carrier.fetched) == 2


def test_a_failing_carrier_does_not_stop_the_poll(
    context: AppContext, carrier: SignedPushCarrier, rma: str, clock: FakeClock
) -> None:
    add_shipment(context, rma, clock.now)

    def broken(waybill_no: str) -> list[TrackingEvent]:
        raise ConnectionError("carrier down")

    carrier.fetch_tracking = broken  # type: ignore[method-assign]
    clock.advance(hours=2)
    assert tracking_jobs.poll(context, clock.now) == 0
    assert tracking_jobs.poll(context, clock.now) == 0  # marked polled; not hammered


def test_the_worker_tick_polls_and_sweeps(
    context: AppContext, carrier: SignedPushCarrier, rma: str, clock: FakeClock, tmp_path: Any
) -> None:
    add_shipment(context, rma, clock.now)
    from returnflow.notify.mailer import FileMailer

    worker = Worker(context, FileMailer(tmp_path))
    clock.advance(hours=48)
    worker.tick()
    assert carrier.fetched == ["FX1000"]
    assert _tasks(context) == [("no_first_scan", True)]


# --- the exception rules -------------------------------------------------------------


def test_no_first_scan_is_raised_once_and_resolving_keeps_it_quiet(
    context: AppContext, carrier: SignedPushCarrier, rma: str, clock: FakeClock
) -> None:
    add_shipment(context, rma, clock.now)
    clock.advance(hours=47)
    assert tracking_jobs.sweep_exceptions(context, clock.now) == 0
    clock.advance(hours=1)
    assert tracking_jobs.sweep_exceptions(context, clock.now) == 1
    clock.advance(hours=5)
    assert tracking_jobs.sweep_exceptions(context, clock.now) == 0
    assert _tasks(context) == [("no_first_scan", True)]
    with context.uow() as uow:
        task = uow.tracking.tasks()[0]
        tracking_service.resolve_task(uow, task.id, "agent:li.na", "called the carrier", clock.now)
        uow.commit(clock.now)
    clock.advance(hours=5)
    assert tracking_jobs.sweep_exceptions(context, clock.now) == 0
    assert _tasks(context) == [("no_first_scan", False)]


def test_stalled_then_lost_after_silence(
    context: AppContext, carrier: SignedPushCarrier, rma: str, clock: FakeClock
) -> None:
    add_shipment(context, rma, clock.now)
    _push(context, clock, TrackingEvent(clock.now, TS.ACCEPTED, "揽收"))
    clock.advance(hours=71)
    assert tracking_jobs.sweep_exceptions(context, clock.now) == 0
    clock.advance(hours=2)
    assert tracking_jobs.sweep_exceptions(context, clock.now) == 1
    clock.advance(days=5)
    assert tracking_jobs.sweep_exceptions(context, clock.now) == 1
    assert tracking_jobs.sweep_exceptions(context, clock.now) == 0
    assert _tasks(context) == [("stalled", True), ("lost", True)]


def test_late_against_the_promised_time(
    context: AppContext, carrier: SignedPushCarrier, rma: str, clock: FakeClock
) -> None:
    add_shipment(context, rma, clock.now, promised_by=clock.now + timedelta(hours=24))
    _push(context, clock, TrackingEvent(clock.now, TS.ACCEPTED, "揽收"))
    clock.advance(hours=23)
    assert tracking_jobs.sweep_exceptions(context, clock.now) == 0
    clock.advance(hours=2)
    assert tracking_jobs.sweep_exceptions(context, clock.now) == 1
    assert tracking_jobs.sweep_exceptions(context, clock.now) == 0
    assert _tasks(context) == [("late", True)]


@pytest.mark.parametrize(
    ("event", "kind"),
    [
        ((TS.EXCEPTION, "包裹遗失", TrackingProblem.LOST), "lost"),
        ((TS.EXCEPTION, "外箱破损", TrackingProblem.DAMAGED), "damaged"),
        ((TS.RETURNED_TO_SENDER, "退回寄件人", None), "returned_to_sender"),
    ],
)
def test_carrier_reported_trouble_is_raised_at_once(
    context: AppContext,
    carrier: SignedPushCarrier,
    rma: str,
    clock: FakeClock,
    event: tuple[TrackingStatus, str, TrackingProblem | None],
    kind: str,
) -> None:
    add_shipment(context, rma, clock.now)
    status, text, problem = event
    _push(
        context,
        clock,
        TrackingEvent(clock.now, TS.ACCEPTED, "揽收"),
        TrackingEvent(clock.now + timedelta(hours=1), status, text, problem=problem),
    )
    assert _tasks(context) == [(kind, True)]
    assert tracking_jobs.sweep_exceptions(context, clock.now + timedelta(hours=2)) == 0
    assert _tasks(context) == [(kind, True)]


def _body(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(message.get_content_charset() or "utf-8")


def test_alerts_reach_the_ops_address_and_the_customer_by_smtp(
    context: AppContext,
    carrier: SignedPushCarrier,
    rma: str,
    clock: FakeClock,
    smtp_server: SmtpSink,
) -> None:
    settings = context.settings.model_copy(update={"ops_alert_email": "ops@shop.example"})
    context.settings = settings
    add_shipment(context, rma, clock.now)
    worker = Worker(context, SmtpMailer(smtp_server.host, smtp_server.port))
    worker.tick()  # the filing notices
    smtp_server.messages.clear()
    _push(
        context,
        clock,
        TrackingEvent(clock.now, TS.ACCEPTED, "揽收"),
        TrackingEvent(clock.now, TS.EXCEPTION, "外箱破损", "上海", TrackingProblem.DAMAGED),
    )
    worker.tick()
    by_address = {str(m["To"]): m for m in smtp_server.messages}
    staff = by_address["ops@shop.example"]
    assert rma in str(staff["Subject"]) and "运输途中损坏" in str(staff["Subject"])
    assert "damaged in transit" in str(staff["Subject"])
    assert "外箱破损" in _body(staff) and "/staff/exceptions" in _body(staff)
    # the customer hears of the first scan (in transit) and of the damage, one mail each
    mine = [m for m in smtp_server.messages if m["To"] == "xiaoming@example.com"]
    body = next(_body(m) for m in mine if "物流提醒" in str(m["Subject"]))
    assert "运输途中受损" in body and "damaged in transit" in body
    # delivered once
    worker.tick()
    assert len([m for m in smtp_server.messages if m["To"] == "ops@shop.example"]) == 1


# --- R1.5 around booked pickups ---------------------------------------------------------


def test_a_booked_pickup_holds_off_the_auto_close_then_is_cancelled(
    client: TestClient,
    context: AppContext,
    carrier: SignedPushCarrier,
    rma: str,
    clock: FakeClock,
    smtp_server: SmtpSink,
) -> None:
    ship_by = clock.now + timedelta(days=7)
    shipment = add_shipment(
        context,
        rma,
        clock.now,
        pickup_id="PU-77",
        pickup_start=ship_by - timedelta(hours=2),
        pickup_end=ship_by + timedelta(hours=2),
    )
    worker = Worker(context, SmtpMailer(smtp_server.host, smtp_server.port))
    clock.advance(days=7, hours=1)
    assert worker.tick().closed == 0  # the carrier may still come
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "approved"
    clock.advance(hours=2 + 24)  # window over and the grace passed, still no scan
    assert worker.tick().closed == 1
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "closed"
    worker.tick()  # the outbox delivers the pickup cancellation
    assert shipment_status(context, shipment) == "cancelled"
    assert carrier.cancelled == ["PU-77"]
    assert any("已关闭" in str(m["Subject"]) for m in smtp_server.messages)


def test_without_a_pickup_the_request_closes_on_time(
    client: TestClient, context: AppContext, carrier: SignedPushCarrier, rma: str, clock: FakeClock
) -> None:
    add_shipment(context, rma, clock.now, method="dropoff")
    clock.advance(days=7)
    from returnflow.jobs import sweeps

    assert sweeps.close_unshipped(context, clock.now) == 1
    with context.session_factory() as session:
        topics = set(session.scalars(select(OutboxRow.topic)))
    assert "return.closed" in topics


def test_settings_feed_the_thresholds() -> None:
    limits = tracking_service.thresholds(
        Settings(alert_first_scan_hours=6, alert_next_scan_hours=12, alert_presumed_lost_days=2)
    )
    assert limits.first_scan_within == timedelta(hours=6)
    assert limits.next_scan_within == timedelta(hours=12)
    assert limits.presumed_lost_after == timedelta(days=2)
