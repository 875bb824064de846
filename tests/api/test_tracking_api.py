"""The carrier webhook and the exceptions API, on SQLite and PostgreSQL (R4.3, R4.4).

Pushes are signed by a carrier double with a real HMAC check: valid, forged, stale,
duplicate, out-of-order and concurrent pushes, unknown waybills and unknown carriers.
A push stores scans and the shipment's state; the request moves when the worker's
outbox round takes the "shipment.picked_up" message (issue 11, `deliver_outbox`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.domain.scans import TrackingEvent, TrackingStatus
from returnflow.services import tracking as tracking_service
from returnflow.storage.schema import OutboxRow, TrackingEventRow
from tests.support.carrier_double import SignedPushCarrier, push_signed, scan
from tests.support.clock import FakeClock
from tests.support.pickups import approved_rma, deliver_outbox
from tests.support.shipments import add_shipment, shipment_status

WEBHOOK = "/api/v1/carriers/fastex/webhook"


@pytest.fixture
def carrier(context: AppContext, clock: FakeClock) -> SignedPushCarrier:
    double = SignedPushCarrier(clock)
    context.carriers = {"fastex": double}
    return double


@pytest.fixture
def rma(client: TestClient, order_payload: Callable[..., dict[str, Any]]) -> str:
    return approved_rma(client, order_payload)


def _stored(context: AppContext) -> int:
    with context.session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(TrackingEventRow)) or 0)


def test_a_valid_push_ships_the_approved_request(
    client: TestClient, context: AppContext, carrier: SignedPushCarrier, rma: str, clock: FakeClock
) -> None:
    shipment = add_shipment(context, rma, clock.now)
    clock.advance(hours=3)
    response = push_signed(
        client, carrier, scan(clock.now - timedelta(hours=1), "accepted", "揽收")
    )
    assert response.status_code == 200
    assert response.json() == {"result": True, "returnCode": "200"}
    # the push answers once the scan and the parcel's state are stored (issue 11)
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "approved"
    assert shipment_status(context, shipment) == "accepted"
    deliver_outbox(context)  # the worker puts the request in transit
    body = client.get(f"/api/v1/returns/{rma}").json()
    assert body["status"] == "in_transit"
    assert body["timeline"][-1]["actor"] == "carrier:fastex"
    assert shipment_status(context, shipment) == "accepted"
    tracking = client.get(f"/api/v1/returns/{rma}/tracking").json()
    assert [(t["status"], t["label"]["en"]) for t in tracking] == [
        ("accepted", "picked up by the carrier")
    ]


@pytest.mark.parametrize("forgery", ["signature", "stale", "missing"])
def test_forged_or_stale_pushes_are_401_and_store_nothing(
    client: TestClient,
    context: AppContext,
    carrier: SignedPushCarrier,
    rma: str,
    clock: FakeClock,
    forgery: str,
) -> None:
    add_shipment(context, rma, clock.now)
    body = carrier.body(scan(clock.now, "accepted"))
    headers = carrier.sign(body)
    if forgery == "signature":
        headers["X-Signature"] = SignedPushCarrier(clock, secret=b"guess").sign(body)["X-Signature"]
    elif forgery == "stale":
        headers = carrier.sign(body, timestamp=int(clock.now.timestamp()) - 3600)
    else:
        headers = {"Content-Type": "application/json"}
    response = client.post(WEBHOOK, content=body, headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "signature_invalid"
    assert _stored(context) == 0
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "approved"


def test_a_duplicate_push_changes_nothing(
    client: TestClient, context: AppContext, carrier: SignedPushCarrier, rma: str, clock: FakeClock
) -> None:
    add_shipment(context, rma, clock.now)
    events = [scan(clock.now, "accepted"), scan(clock.now + timedelta(hours=2), "in_transit")]
    assert push_signed(client, carrier, *events).status_code == 200
    deliver_outbox(context)
    assert push_signed(client, carrier, *reversed(events)).status_code == 200
    deliver_outbox(context)
    assert _stored(context) == 2
    timeline = client.get(f"/api/v1/returns/{rma}").json()["timeline"]
    assert [step["action"] for step in timeline].count("ship") == 1


def test_out_of_order_pushes_keep_delivered(
    client: TestClient, context: AppContext, carrier: SignedPushCarrier, rma: str, clock: FakeClock
) -> None:
    shipment = add_shipment(context, rma, clock.now)
    t = clock.now
    push_signed(client, carrier, scan(t + timedelta(hours=30), "delivered", "签收"))
    assert shipment_status(context, shipment) == "delivered"
    push_signed(client, carrier, scan(t + timedelta(hours=5), "in_transit", "转运"))
    push_signed(client, carrier, scan(t + timedelta(hours=1), "accepted", "揽收"))
    deliver_outbox(context)
    assert shipment_status(context, shipment) == "delivered"
    tracking = client.get(f"/api/v1/returns/{rma}/tracking").json()
    assert [t["status"] for t in tracking] == ["delivered", "in_transit", "accepted"]
    # delivered is the carrier's word; the warehouse's receiving scan moves the request on
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "in_transit"


def test_an_unknown_waybill_is_acknowledged_and_parked_until_its_shipment_appears(
    client: TestClient, context: AppContext, carrier: SignedPushCarrier, rma: str, clock: FakeClock
) -> None:
    response = push_signed(client, carrier, scan(clock.now, "accepted", waybill_no="FX-LATER"))
    assert response.status_code == 200
    with context.session_factory() as session:
        parked = session.scalars(select(TrackingEventRow)).all()
    assert [(p.waybill_no, p.shipment_id) for p in parked] == [("FX-LATER", None)]
    add_shipment(context, rma, clock.now, waybill_no="FX-LATER")
    from returnflow.jobs.tracking import adopt_parked

    assert adopt_parked(context, clock.now) == 1
    deliver_outbox(context)  # adopted scans set off the same follow-up as a push
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "in_transit"
    assert adopt_parked(context, clock.now) == 0


def test_an_unknown_carrier_is_404(client: TestClient, carrier: SignedPushCarrier) -> None:
    body = carrier.body()
    response = client.post(
        "/api/v1/carriers/nosuch/webhook", content=body, headers=carrier.sign(body)
    )
    assert response.status_code == 404
    assert response.json()["code"] == "carrier_not_found"
    # the manual carrier has no feed to push
    assert client.post("/api/v1/carriers/manual/webhook", content=b"{}").status_code == 404


def test_concurrent_twin_pushes_store_once(
    context: AppContext, rma: str, clock: FakeClock, client: TestClient
) -> None:
    add_shipment(context, rma, clock.now)
    events = [
        TrackingEvent(clock.now, TrackingStatus.ACCEPTED, "揽收"),
        TrackingEvent(clock.now + timedelta(hours=1), TrackingStatus.IN_TRANSIT, "转运"),
    ]
    parked = [TrackingEvent(clock.now, TrackingStatus.ACCEPTED, "unknown")]
    limits = tracking_service.thresholds(context.settings)
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def push(waybill: str, batch: list[TrackingEvent]) -> None:
        try:
            start.wait()
            tracking_service.record(
                context.uow, "fastex", waybill, batch, clock.now, source="push", limits=limits
            )
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=push, args=("FX1000", events)) for _ in range(3)]
    threads += [threading.Thread(target=push, args=("FX-NEW", parked)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert _stored(context) == 3
    deliver_outbox(context)
    deliver_outbox(context)  # a second round: the message is not delivered twice either
    timeline = client.get(f"/api/v1/returns/{rma}").json()["timeline"]
    assert [step["action"] for step in timeline].count("ship") == 1


def test_a_damage_push_opens_one_task_with_alert_and_notice(
    client: TestClient,
    context: AppContext,
    carrier: SignedPushCarrier,
    rma: str,
    clock: FakeClock,
    tokens: Callable[..., str],
) -> None:
    add_shipment(context, rma, clock.now)
    damaged = scan(clock.now, "exception", "外箱破损", "上海", problem="damaged")
    push_signed(client, carrier, scan(clock.now - timedelta(hours=1), "accepted"), damaged)
    push_signed(client, carrier, damaged)
    items = client.get("/api/v1/logistics/exceptions").json()["items"]
    assert [(i["rma_no"], i["kind"]) for i in items] == [(rma, "damaged")]
    assert "外箱破损" in items[0]["detail"]["zh"]
    with context.session_factory() as session:
        topics = sorted(session.scalars(select(OutboxRow.topic)))
    # the request's own events, and the instant refund its first scan may start, aside
    tracking_topics = [t for t in topics if not t.startswith(("return.", "refund."))]
    # the first pickup leaves its follow-up to the worker once (issue 11)
    assert tracking_topics == [
        "shipment.picked_up",
        "staff.alert.shipment",
        "tracking.notice.damaged",
    ]
    # filter by kind
    assert client.get("/api/v1/logistics/exceptions", params={"kind": "late"}).json() == {
        "items": []
    }
    # resolve: who and when are kept; a second resolve is a conflict
    agent = {"Authorization": f"Bearer {tokens(Role.AGENT, username='li.na')}"}
    clock.advance(hours=2)
    task = items[0]["id"]
    resolved = client.post(
        f"/api/v1/logistics/exceptions/{task}/resolve",
        json={"note": "carrier compensates; customer told"},
        headers=agent,
    )
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["resolved_by"] == "agent:li.na"
    assert resolved.json()["age_hours"] == 2.0
    again = client.post(
        f"/api/v1/logistics/exceptions/{task}/resolve", json={"note": "x"}, headers=agent
    )
    assert (again.status_code, again.json()["code"]) == (409, "exception_already_resolved")
    assert client.get("/api/v1/logistics/exceptions").json()["items"] == []
    done = client.get("/api/v1/logistics/exceptions", params={"state": "resolved"}).json()
    assert [i["resolution_note"] for i in done["items"]] == ["carrier compensates; customer told"]
    missing = client.post("/api/v1/logistics/exceptions/999999/resolve", json={"note": "x"})
    assert missing.status_code == 404
