"""The demo carrier: its own waybill numbers and a journey that moves with the clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from returnflow.config import Settings
from returnflow.domain.scans import TrackingProblem, TrackingStatus
from returnflow.logistics.carriers import (
    Carrier,
    CarrierRejected,
    ManualCarrier,
    Party,
    PickupRequest,
    PushFeed,
    WaybillRequest,
)
from returnflow.logistics.easypost import EasyPostCarrier
from returnflow.logistics.kuaidi100 import Kuaidi100Carrier
from returnflow.logistics.registry import carriers_from_settings
from returnflow.logistics.simulated import SimulatedCarrier
from tests.support.clock import FakeClock

NOW = datetime(2026, 11, 20, 2, 0, 30, tzinfo=UTC)
CUSTOMER = Party("张三", "13812348000", ("上海市浦东新区世纪大道 100 号",))
WAREHOUSE = Party("华东退货仓", "057188886666", ("浙江省杭州市余杭区文一西路 969 号",))
TS, TP = TrackingStatus, TrackingProblem


def _request(rma_no: str) -> WaybillRequest:
    return WaybillRequest(rma_no, CUSTOMER, WAREHOUSE, carrier_code="simulated")


def _carrier(clock: FakeClock, exception_every: int = 0) -> SimulatedCarrier:
    return SimulatedCarrier(clock=clock, journey_hours=48, exception_every=exception_every)


def test_waybill_numbers_carry_the_creation_minute_and_are_stable() -> None:
    clock = FakeClock(NOW)
    carrier = _carrier(clock)
    waybill = carrier.create_waybill(_request("RMA-20261120-0042"))

    assert isinstance(carrier, Carrier) and not isinstance(carrier, PushFeed)
    assert waybill.waybill_no.startswith("RF2611200200")
    assert len(waybill.waybill_no) == 17 and waybill.waybill_no[2:].isdigit()
    assert carrier.create_waybill(_request("RMA-20261120-0042")) == waybill
    assert carrier.create_waybill(_request("RMA-20261120-0043")).waybill_no != waybill.waybill_no


def test_journey_advances_with_time_since_creation() -> None:
    clock = FakeClock(NOW)
    carrier = _carrier(clock)
    waybill_no = carrier.create_waybill(_request("RMA-20261120-0042")).waybill_no
    created = NOW.replace(second=0)

    def statuses() -> list[TrackingStatus]:
        return [e.status for e in carrier.fetch_tracking(waybill_no)]

    assert statuses() == []
    clock.advance(hours=3)
    assert statuses() == [TS.ACCEPTED]
    clock.advance(hours=10)
    assert statuses() == [TS.ACCEPTED, TS.IN_TRANSIT]
    clock.now = created + timedelta(hours=41)
    assert statuses()[-1] is TS.OUT_FOR_DELIVERY
    clock.now = created + timedelta(hours=48)
    events = carrier.fetch_tracking(waybill_no)
    assert [e.status for e in events] == [
        TS.ACCEPTED,
        TS.IN_TRANSIT,
        TS.IN_TRANSIT,
        TS.OUT_FOR_DELIVERY,
        TS.DELIVERED,
    ]
    assert events[-1].at == created + timedelta(hours=48)


def test_another_process_reads_the_same_journey_from_the_number_alone() -> None:
    waybill_no = _carrier(FakeClock(NOW)).create_waybill(_request("RMA-1")).waybill_no
    later = FakeClock(NOW + timedelta(days=3))
    assert [e.status for e in _carrier(later).fetch_tracking(waybill_no)][-1] is TS.DELIVERED


def test_some_parcels_run_into_each_kind_of_trouble() -> None:
    clock = FakeClock(NOW)
    carrier = _carrier(clock, exception_every=3)
    waybills = [carrier.create_waybill(_request(f"RMA-{n:04d}")).waybill_no for n in range(60)]
    clock.advance(days=5)

    finals = [carrier.fetch_tracking(w)[-1] for w in waybills]
    troubled = [e for e in finals if e.status is TS.EXCEPTION]
    assert 5 < len(troubled) < 40
    assert {e.problem for e in troubled} == {TP.DELAYED, TP.DAMAGED, TP.LOST}
    assert all(e.status is TS.DELIVERED for e in finals if e not in troubled)
    assert _carrier(clock, exception_every=0).fetch_tracking(waybills[0])[-1].status is TS.DELIVERED


@pytest.mark.parametrize("waybill_no", ["", "RF123", "SF1234567890123", "RF26112002004821" + "0"])
def test_numbers_it_did_not_issue_are_rejected(waybill_no: str) -> None:
    carrier = _carrier(FakeClock(NOW))
    good = carrier.create_waybill(_request("RMA-1")).waybill_no
    assert waybill_no != good
    with pytest.raises(CarrierRejected) as caught:
        carrier.fetch_tracking(waybill_no)
    assert caught.value.code == "waybill_unknown"


def test_pickups_are_booked_and_cancelled() -> None:
    clock = FakeClock(NOW)
    carrier = _carrier(clock)
    waybill_no = carrier.create_waybill(_request("RMA-1")).waybill_no
    start, end = NOW + timedelta(hours=20), NOW + timedelta(hours=22)

    pickup = carrier.book_pickup(PickupRequest("RMA-1", waybill_no, CUSTOMER, start, end))
    assert (pickup.waybill_no, pickup.window_start, pickup.window_end) == (waybill_no, start, end)
    carrier.cancel_pickup(pickup.pickup_id)

    with pytest.raises(CarrierRejected):
        carrier.cancel_pickup("P-nothing")
    with pytest.raises(CarrierRejected):  # a window already gone
        carrier.book_pickup(
            PickupRequest("RMA-1", waybill_no, CUSTOMER, NOW - timedelta(hours=3), NOW)
        )


def test_registry_builds_manual_and_simulated_always_and_real_ones_with_keys() -> None:
    bare = carriers_from_settings(Settings())
    assert set(bare) == {"manual", "simulated"}
    assert isinstance(bare["manual"], ManualCarrier)

    full = carriers_from_settings(
        Settings(
            kuaidi100_customer="C",
            kuaidi100_key="K",
            kuaidi100_secret="S",
            kuaidi100_salt="salt",
            easypost_api_key="EZ",
            easypost_webhook_secret="whsec",
        )
    )
    assert isinstance(full["kuaidi100"], Kuaidi100Carrier)
    assert isinstance(full["easypost"], EasyPostCarrier)

    only_easypost = carriers_from_settings(
        Settings(
            carriers_enabled=["easypost"],
            kuaidi100_customer="C",
            kuaidi100_key="K",
            easypost_api_key="EZ",
            easypost_webhook_secret="whsec",
        )
    )
    assert set(only_easypost) == {"manual", "simulated", "easypost"}
