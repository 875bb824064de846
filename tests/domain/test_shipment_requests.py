"""Outbound parcels: the waybill report is idempotent, a different one is refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from returnflow.domain.money import Money
from returnflow.domain.shipment_requests import SHIPPED, Purpose, ShipmentRequest, tracking
from returnflow.domain.text import DomainError

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def _parcel() -> ShipmentRequest:
    return ShipmentRequest(
        rma_no="RMA1",
        purpose=Purpose.REISSUE,
        merchant_id="m-1",
        customer_id="c-1",
        order_no="SO-1",
        items=({"sku": "NIPPLE-M", "quantity": 2},),
        price=Money(0),
        created_at=NOW,
        request_id=7,
    )


def test_the_same_report_twice_changes_nothing_and_another_is_refused() -> None:
    parcel = _parcel()
    assert not parcel.repeats("SF", "SF1")
    parcel.shipped("SF", "SF1", "integration:oms", NOW)
    assert (parcel.status, parcel.shipped_by) == (SHIPPED, "integration:oms")
    assert parcel.repeats("SF", "SF1")
    parcel.shipped("SF", "SF1", "integration:oms", NOW)
    assert [event.name for event in parcel.events] == ["outbound.shipped"]
    assert parcel.events[0].data["purpose"] == "reissue"
    with pytest.raises(DomainError) as refused:
        parcel.repeats("SF", "SF2")
    assert refused.value.code == "shipment_request_shipped"


def test_carrier_and_waybill_are_both_required() -> None:
    assert tracking(" SF ", " SF1 ") == ("SF", "SF1")
    with pytest.raises(DomainError) as refused:
        tracking("SF", "  ")
    assert (refused.value.code, refused.value.field) == ("tracking_required", "waybill_no")
