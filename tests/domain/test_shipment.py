"""The Shipment aggregate: arranging, calling a pickup off, tracking, exception tasks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from returnflow.domain.kinds import ShippingPayer
from returnflow.domain.scans import TrackingEvent, TrackingProblem, TrackingStatus
from returnflow.domain.shipment import (
    ARRANGE_TOPIC,
    CANCEL_TOPIC,
    RELEASE_TOPIC,
    STAFF_ALERT_TOPIC,
    Shipment,
)
from returnflow.domain.shipment_alerts import AlertKind, Finding, Thresholds
from returnflow.domain.shipping import DEFAULT_BOOK, ReturnMethod, Slot, quote
from returnflow.domain.text import DomainError, Text

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
TS = TrackingStatus
WAREHOUSE = DEFAULT_BOOK.warehouse
SLOT = Slot(NOW + timedelta(hours=4), NOW + timedelta(hours=6))


def _chosen(method: ReturnMethod, *, stored: bool = True) -> Shipment:
    terms = DEFAULT_BOOK.terms(method)
    assert terms is not None
    offer = quote(terms, ShippingPayer.CUSTOMER, False, "CNY")
    shipment = Shipment.choose(
        "RMA1",
        offer,
        "模拟快递",
        WAREHOUSE,
        NOW,
        "customer:c-1",
        slot=SLOT if method is ReturnMethod.PICKUP else None,
        dropoff_code="D-1234" if method is ReturnMethod.DROPOFF else None,
    )
    if stored:
        shipment.stored_as(7)
    return shipment


def _arranged_pickup() -> Shipment:
    shipment = _chosen(ReturnMethod.PICKUP)
    shipment.waybill_booked("SIM1", "模拟快递", NOW)
    shipment.pickup_booked("PU-1", NOW)
    shipment.events.clear()
    return shipment


def _scan(
    status: TrackingStatus, hours: int, problem: TrackingProblem | None = None
) -> TrackingEvent:
    return TrackingEvent(
        NOW + timedelta(hours=hours), status, f"{status.value} {hours}", "", problem
    )


def test_a_chosen_pickup_asks_the_carrier_once_its_id_is_known() -> None:
    shipment = _chosen(ReturnMethod.PICKUP, stored=False)
    assert (shipment.status, shipment.next_call) == ("requested", "waybill")
    assert shipment.pickup_start == SLOT.start and shipment.dropoff_code is None
    terms = DEFAULT_BOOK.terms(ReturnMethod.PICKUP)
    assert terms is not None and shipment.promised_by == SLOT.end + timedelta(
        days=terms.expected_days
    )
    shipment.stored_as(7)
    [event] = shipment.events
    assert (event.name, event.data) == (ARRANGE_TOPIC, {"shipment_id": 7, "rma_no": "RMA1"})


def test_a_pickup_takes_a_waybill_then_a_booking_a_dropoff_only_the_waybill() -> None:
    pickup = _chosen(ReturnMethod.PICKUP)
    pickup.waybill_booked("SIM1", "", NOW)
    assert (pickup.status, pickup.next_call, pickup.carrier_name) == (
        "requested",
        "pickup",
        "模拟快递",
    )
    pickup.pickup_booked("PU-1", NOW)
    assert (pickup.status, pickup.next_call, pickup.pickup_id) == ("arranged", None, "PU-1")
    with pytest.raises(DomainError):
        pickup.pickup_booked("PU-2", NOW)  # a repeated answer changes nothing

    dropoff = _chosen(ReturnMethod.DROPOFF)
    assert dropoff.dropoff_code == "D-1234"
    dropoff.waybill_booked("SIM2", "模拟快递", NOW)
    assert (dropoff.status, dropoff.next_call) == ("arranged", None)


def test_self_ship_needs_no_carrier_call() -> None:
    shipment = _chosen(ReturnMethod.SELF_SHIP)
    assert shipment.events == []
    shipment.self_shipped("sf", "顺丰速运", "SF1234567890", NOW)
    assert (shipment.status, shipment.brand, shipment.waybill_no) == (
        "in_transit",
        "sf",
        "SF1234567890",
    )


def test_a_carrier_refusal_fails_only_a_waiting_shipment() -> None:
    shipment = _chosen(ReturnMethod.DROPOFF)
    assert shipment.refused("area_not_served: 不服务 / not served", NOW)
    assert (shipment.status, shipment.last_error) == (
        "failed",
        "area_not_served: 不服务 / not served",
    )
    assert not shipment.refused("again", NOW)
    assert not shipment.is_live


def test_cancelling_a_booked_pickup_tells_the_carrier_once() -> None:
    shipment = _arranged_pickup()
    assert shipment.can_cancel
    assert shipment.cancel_pickup(NOW) is True
    assert shipment.status == "cancelling" and shipment.awaits_cancellation
    assert [(e.name, e.data) for e in shipment.events] == [
        (CANCEL_TOPIC, {"shipment_id": 7, "rma_no": "RMA1"})
    ]
    with pytest.raises(DomainError) as refused:
        shipment.cancel_pickup(NOW)
    assert refused.value.code == "pickup_not_cancellable"
    shipment.pickup_called_off(NOW)
    assert shipment.status == "cancelled" and not shipment.awaits_cancellation


def test_a_pickup_not_booked_yet_is_cancelled_without_the_carrier() -> None:
    shipment = _chosen(ReturnMethod.PICKUP)
    shipment.events.clear()
    assert shipment.cancel_pickup(NOW) is False
    assert shipment.status == "cancelled" and shipment.events == []


def test_calling_off_for_a_cancelled_request_is_idempotent() -> None:
    shipment = _arranged_pickup()
    assert shipment.call_off(NOW) is True
    assert shipment.call_off(NOW) is False  # a redelivered event finds nothing to do
    assert [e.name for e in shipment.events] == [CANCEL_TOPIC]

    travelling = _arranged_pickup()
    travelling.record_scans([_scan(TS.ACCEPTED, 1)], NOW)
    assert travelling.call_off(NOW) is False and travelling.status == "accepted"


def test_a_closed_request_releases_its_arranged_pickup() -> None:
    shipment = _arranged_pickup()
    assert shipment.release(NOW) is True
    [event] = shipment.events
    assert event.name == RELEASE_TOPIC
    assert event.data == {
        "carrier": "simulated",
        "pickup_id": "PU-1",
        "rma_no": "RMA1",
        "waybill_no": "SIM1",
    }
    assert shipment.release(NOW) is False


def test_scans_move_the_status_whatever_their_order_and_repeats() -> None:
    shipment = _arranged_pickup()
    late, early = _scan(TS.IN_TRANSIT, 5), _scan(TS.ACCEPTED, 1)
    merged = shipment.record_scans([late, early, late], NOW)
    assert len(merged.added) == 2 and merged.first_pickup
    assert (shipment.status, shipment.last_event_at) == ("in_transit", late.at)
    assert shipment.record_scans([early], NOW).added == ()
    assert shipment.unsaved_scans == [late, early]
    assert shipment.events == []  # nobody acts on a scan through the shipment's events


def test_a_cancelled_shipment_keeps_its_scans_but_does_not_move() -> None:
    shipment = _arranged_pickup()
    shipment.release(NOW)
    shipment.record_scans([_scan(TS.ACCEPTED, 1)], NOW)
    assert shipment.status == "cancelled" and len(shipment.scans) == 1


def test_one_open_task_per_kind_and_quiet_after_a_resolution_until_news() -> None:
    shipment = _arranged_pickup()
    shipment.record_scans([_scan(TS.EXCEPTION, 1, TrackingProblem.DAMAGED)], NOW)
    [finding] = shipment.findings(NOW + timedelta(hours=2), Thresholds())
    assert finding.kind is AlertKind.DAMAGED
    since = NOW + timedelta(hours=1)
    assert shipment.may_raise(finding, since)
    task = shipment.exception_opened(11, finding, NOW)
    assert (task.id, task.shipment_id, task.carrier, task.waybill_no) == (
        11,
        7,
        "simulated",
        "SIM1",
    )
    [alert] = shipment.events
    assert alert.name == STAFF_ALERT_TOPIC
    assert alert.data["task_id"] == 11 and alert.data["carrier"] == "模拟快递"
    assert not shipment.may_raise(finding, since)
    with pytest.raises(DomainError):
        shipment.exception_opened(12, finding, NOW)

    later = NOW + timedelta(hours=2)
    resolved = shipment.resolve_exception(11, "agent:li.na", "called the carrier", later)
    assert (resolved.resolved_by, resolved.is_open) == ("agent:li.na", False)
    assert not shipment.may_raise(finding, since)  # resolved after the last scan
    assert shipment.may_raise(finding, NOW + timedelta(hours=3))  # news since
    with pytest.raises(DomainError) as again:
        shipment.resolve_exception(11, "agent:li.na", "twice", NOW)
    assert again.value.code == "exception_already_resolved"


def test_a_self_shipped_parcel_is_never_chased_for_a_first_scan() -> None:
    shipment = _chosen(ReturnMethod.SELF_SHIP)
    assert shipment.carrier == "manual"
    shipment.self_shipped("other", "小快递", "X1234", NOW)
    assert shipment.findings(NOW + timedelta(days=3), Thresholds()) == []
    other = Finding(AlertKind.LATE, Text("迟了", "late"))
    assert shipment.may_raise(other, NOW)
