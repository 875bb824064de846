"""Carrier scans merged into a return parcel (R4.3) on the in-memory unit of work:
repeats dropped, any order, delivered never undone, the first scan ships the request
(in the worker, from the "shipment.picked_up" message the push leaves: issue 11)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from returnflow.domain.lifecycle import Action, Status
from returnflow.domain.scans import TrackingEvent, TrackingProblem, TrackingStatus
from returnflow.domain.shipment import STAFF_ALERT_TOPIC
from returnflow.domain.shipment_alerts import Thresholds
from returnflow.domain.shipping import ReturnMethod
from returnflow.services import shipping, tracking, tracking_sweeps
from returnflow.services.shipping import Choice
from returnflow.services.tracking import IngestResult
from returnflow.services.unit_of_work import UnitOfWork
from tests.domain.builders import make_order
from tests.services.conftest import NOW
from tests.support.fake_shipping import ShippingShop

LIMITS = Thresholds()
WAYBILL = "SIM0000000001"
TS = TrackingStatus


def scan(
    hours: float,
    status: TrackingStatus,
    text: str = "",
    *,
    problem: TrackingProblem | None = None,
) -> TrackingEvent:
    return TrackingEvent(
        NOW + timedelta(hours=hours), status, text or status.value, "上海", problem
    )


def _dropoff(shop: ShippingShop | None = None) -> tuple[ShippingShop, str, int]:
    """A request with an arranged drop-off whose waybill is WAYBILL."""
    shop = shop or ShippingShop()
    shop.add_orders(make_order())
    rma = shop.file("SO-1").rma_no

    def arrange(uow: UnitOfWork) -> int:
        chosen = shipping.choose(uow, rma, Choice(ReturnMethod.DROPOFF), NOW, "c-1", shop.carriers)
        shipping.arrange_step(uow, chosen.id, NOW, shop.carriers)
        return chosen.id

    return shop, rma, shop.work(arrange)


def _push(
    shop: ShippingShop,
    events: Sequence[TrackingEvent],
    *,
    at: datetime = NOW,
    waybill: str = WAYBILL,
) -> IngestResult:
    return shop.work(
        lambda uow: tracking.ingest(
            uow, "simulated", waybill, events, at, source="push", limits=LIMITS
        ),
        at,
    )


def test_the_first_scan_ships_the_approved_request() -> None:
    shop, rma, shipment_id = _dropoff()
    result = _push(shop, [scan(1, TS.ACCEPTED)], at=NOW + timedelta(hours=1))
    assert (result.stored, result.parked, result.shipped, result.raised) == (1, False, True, 0)
    assert shop.shipment(shipment_id).status == "accepted"
    assert shop.stored(rma).status is Status.APPROVED  # the push leaves it to the worker
    assert shop.topics()[-1] == tracking.PICKED_UP_TOPIC
    assert shop.follow_pickups(NOW + timedelta(hours=2)) == 1
    request = shop.stored(rma)
    assert request.status is Status.IN_TRANSIT
    assert request.shipment is not None and request.shipment.tracking_no == WAYBILL
    assert request.shipment.shipped_at == NOW + timedelta(hours=1)  # when the scan was heard
    assert shop.topics()[-1] == "return.in_transit"
    assert shop.follow_pickups(NOW + timedelta(hours=3)) == 0  # delivered again: nothing
    assert shop.topics().count("return.in_transit") == 1


def test_a_repeated_push_stores_nothing_and_changes_nothing() -> None:
    shop, _, shipment_id = _dropoff()
    batch = [scan(1, TS.ACCEPTED), scan(5, TS.IN_TRANSIT, "到达转运中心")]
    assert _push(shop, batch).stored == 2
    outbox = len(shop.db.outbox)
    again = _push(shop, list(reversed(batch)))
    assert (again.stored, again.shipped, again.raised) == (0, False, 0)
    assert len(shop.db.scans) == 2 and len(shop.db.outbox) == outbox
    assert shop.shipment(shipment_id).status == "in_transit"


def test_scans_arriving_out_of_order_end_in_the_same_state() -> None:
    shop, rma, shipment_id = _dropoff()
    _push(shop, [scan(30, TS.OUT_FOR_DELIVERY)])
    _push(shop, [scan(1, TS.ACCEPTED), scan(10, TS.IN_TRANSIT)])
    stored = shop.shipment(shipment_id)
    assert stored.status == "out_for_delivery"
    assert stored.last_event_at == NOW + timedelta(hours=30)
    entries = shop.work(lambda uow: tracking.timeline(uow, rma))
    assert [e.status for e in entries] == [TS.OUT_FOR_DELIVERY, TS.IN_TRANSIT, TS.ACCEPTED]
    assert entries[-1].label.en == "picked up by the carrier"


def test_delivered_is_never_undone_by_a_later_scan() -> None:
    shop, _, shipment_id = _dropoff()
    _push(shop, [scan(1, TS.ACCEPTED), scan(40, TS.DELIVERED)])
    result = _push(shop, [scan(50, TS.IN_TRANSIT, "迟到的扫描")])
    assert result.stored == 1
    assert shop.shipment(shipment_id).status == "delivered"


def test_a_request_already_in_transit_is_not_shipped_twice() -> None:
    shop, rma, _ = _dropoff()
    _push(shop, [scan(1, TS.ACCEPTED)])
    assert shop.follow_pickups() == 1
    version = shop.stored(rma).version
    result = _push(shop, [scan(5, TS.IN_TRANSIT)])
    assert shop.follow_pickups() == 0
    assert result.shipped is False and shop.stored(rma).version == version
    assert shop.topics().count(tracking.PICKED_UP_TOPIC) == 1


def test_scans_of_an_unknown_waybill_are_parked_then_adopted() -> None:
    shop = ShippingShop()
    early = _push(shop, [scan(1, TS.ACCEPTED), scan(1, TS.ACCEPTED)])
    assert (early.parked, early.stored) == (True, 1)
    assert shop.work(
        lambda uow: tracking.adopt_parked(uow, "simulated", WAYBILL, NOW, LIMITS)
    ).parked
    shop, rma, shipment_id = _dropoff(shop)
    found = shop.work(tracking_sweeps.adoptable)
    assert found == [("simulated", WAYBILL)]
    adopted = shop.work(lambda uow: tracking.adopt_parked(uow, "simulated", WAYBILL, NOW, LIMITS))
    assert (adopted.stored, adopted.parked, adopted.shipped) == (1, False, True)
    assert shop.shipment(shipment_id).status == "accepted"
    assert shop.follow_pickups() == 1
    assert shop.stored(rma).status is Status.IN_TRANSIT
    assert [row.shipment_id for row in shop.db.scans] == [shipment_id]


def test_a_damage_scan_opens_a_task_and_tells_staff_and_the_customer() -> None:
    shop, rma, shipment_id = _dropoff()
    damaged = scan(20, TS.EXCEPTION, "外包装破损", problem=TrackingProblem.DAMAGED)
    result = _push(shop, [scan(1, TS.ACCEPTED), damaged], at=NOW + timedelta(hours=21))
    assert (result.shipped, result.raised) == (True, 1)
    assert shop.shipment(shipment_id).status == "exception"
    [task] = shop.shipment(shipment_id).exceptions
    assert task.kind.value == "damaged" and task.is_open
    topics = shop.topics()
    assert STAFF_ALERT_TOPIC in topics and "tracking.notice.damaged" in topics
    [notice] = [m for m in shop.db.outbox if m.topic == "tracking.notice.damaged"]
    assert notice.payload["email"] == "xiaoming@example.com"
    assert notice.payload["order_no"] == "SO-1" and notice.payload["rma_no"] == rma
    again = _push(shop, [damaged], at=NOW + timedelta(hours=22))
    assert again.raised == 0 and topics == shop.topics()


def test_scans_of_a_cancelled_parcel_are_kept_but_change_nothing() -> None:
    shop, rma, shipment_id = _dropoff()
    shop.step(rma, Action.CANCEL, actor="c-1")
    shop.work(lambda uow: shipping.call_off(uow, rma, NOW))
    assert shop.shipment(shipment_id).status == "cancelled"
    result = _push(shop, [scan(1, TS.ACCEPTED)])
    assert (result.stored, result.shipped, result.raised) == (1, False, 0)
    assert shop.shipment(shipment_id).status == "cancelled"
    assert shop.stored(rma).status is Status.CANCELLED
