"""Carriers: the normalised statuses and the self-ship carrier's number checks."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from returnflow.domain.scans import TrackingStatus
from returnflow.domain.text import DomainError
from returnflow.logistics.carriers import (
    Carrier,
    ManualCarrier,
    Party,
    PickupRequest,
    WaybillRequest,
    normalise_tracking_no,
)

CUSTOMER = Party("张三", "13812348000", ("上海市浦东新区世纪大道 100 号",))
WAREHOUSE = Party("ReturnFlow 华东退货仓", "0571-88886666", ("浙江省杭州市余杭区文一西路 969 号",))


def request(carrier_code: str, tracking_no: str, carrier_name: str = "") -> WaybillRequest:
    return WaybillRequest(
        rma_no="RMA-20261120-0042",
        sender=CUSTOMER,
        receiver=WAREHOUSE,
        carrier_code=carrier_code,
        tracking_no=tracking_no,
        carrier_name=carrier_name,
    )


def test_tracking_statuses_are_the_stable_six() -> None:
    assert [s.value for s in TrackingStatus] == [
        "accepted",
        "in_transit",
        "out_for_delivery",
        "delivered",
        "exception",
        "returned_to_sender",
    ]


def test_manual_carrier_satisfies_the_carrier_interface() -> None:
    carrier = ManualCarrier()
    assert isinstance(carrier, Carrier)
    assert carrier.code == "manual"
    assert carrier.name.zh and carrier.name.en


@pytest.mark.parametrize(
    ("carrier_code", "tracking_no"),
    [
        ("sf", "SF123456789012"),
        ("sf", "SF123456789012345"),
        ("zto", "123456789012"),
        ("zto", "123456789012345"),
        ("yto", "YT1234567890123"),
        ("jd", "JDVA000123456789"),
        ("jd", "JD0123456789012"),
        ("other", "EMS-1234"),
        ("other", "a" * 40),
    ],
)
def test_well_formed_numbers_are_accepted(carrier_code: str, tracking_no: str) -> None:
    assert normalise_tracking_no(carrier_code, tracking_no) == tracking_no


@pytest.mark.parametrize(
    ("carrier_code", "tracking_no"),
    [
        ("sf", "SF12345678901"),  # 11 digits
        ("sf", "SF1234567890123456"),  # 16 digits
        ("sf", "123456789012"),  # no prefix
        ("sf", "SF12345678901A"),
        ("zto", "12345678901"),
        ("zto", "1234567890123456"),
        ("zto", "ZT1234567890123"),
        ("yto", "YT123456789012"),  # 12 digits
        ("yto", "YT12345678901234"),  # 14 digits
        ("yto", "1234567890123"),
        ("jd", "JD012345678901"),  # 12 after the prefix
        ("jd", "JD0123456789012345"),  # 16 after the prefix
        ("jd", "JD01234567890-12"),
        ("other", "ABC12"),  # 5
        ("other", "a" * 41),
        ("other", "AB_123456"),
        ("other", "顺丰123456"),
        ("sf", ""),
    ],
)
def test_malformed_numbers_are_refused_on_the_field(carrier_code: str, tracking_no: str) -> None:
    with pytest.raises(DomainError) as caught:
        ManualCarrier().create_waybill(request(carrier_code, tracking_no, "EMS"))
    assert caught.value.code == "tracking_no_invalid"
    assert caught.value.field == "tracking_no"
    assert caught.value.message.zh and caught.value.message.en


def test_refusal_says_what_the_number_should_look_like() -> None:
    with pytest.raises(DomainError) as caught:
        normalise_tracking_no("yto", "YT1")
    assert "YT" in caught.value.message.en and "13" in caught.value.message.en
    assert "圆通" in caught.value.message.zh


def test_pasted_spaces_and_lower_case_are_forgiven_for_known_brands() -> None:
    assert normalise_tracking_no("sf", " sf 1234 5678 9012 ") == "SF123456789012"
    assert normalise_tracking_no("jd", "jdva000123456789") == "JDVA000123456789"


def test_other_carriers_keep_the_customers_case() -> None:
    assert normalise_tracking_no("other", "ab-12cd") == "ab-12cd"


@given(st.text(alphabet="0123456789", min_size=1, max_size=20))
def test_zto_accepts_exactly_12_to_15_digits(digits: str) -> None:
    if 12 <= len(digits) <= 15:
        assert normalise_tracking_no("zto", digits) == digits
    else:
        with pytest.raises(DomainError):
            normalise_tracking_no("zto", digits)


def test_unknown_carrier_is_refused_on_the_carrier_field() -> None:
    with pytest.raises(DomainError) as caught:
        ManualCarrier().create_waybill(request("dhl", "1234567890"))
    assert (caught.value.code, caught.value.field) == ("carrier_unknown", "carrier")


def test_waybill_for_a_known_brand_is_local_only() -> None:
    waybill = ManualCarrier().create_waybill(request("sf", "sf123456789012"))
    assert waybill.waybill_no == "SF123456789012"
    assert waybill.carrier_code == "sf"
    assert waybill.carrier_name == "顺丰速运"
    assert waybill.rma_no == "RMA-20261120-0042"
    assert waybill.registered_with_carrier is False


def test_other_carrier_needs_its_name() -> None:
    with pytest.raises(DomainError) as caught:
        ManualCarrier().create_waybill(request("other", "EMS-1234", "  "))
    assert (caught.value.code, caught.value.field) == ("carrier_required", "carrier")
    waybill = ManualCarrier().create_waybill(request("other", "EMS-1234", " 中国邮政 "))
    assert waybill.carrier_name == "中国邮政"


def test_manual_carrier_has_no_tracking_feed() -> None:
    assert ManualCarrier().fetch_tracking("SF123456789012") == []


def test_manual_carrier_offers_no_pickup() -> None:
    carrier = ManualCarrier()
    start = datetime(2026, 11, 21, 1, 0, tzinfo=UTC)
    pickup = PickupRequest("RMA-20261120-0042", "SF123456789012", CUSTOMER, start, start)
    with pytest.raises(DomainError) as booked:
        carrier.book_pickup(pickup)
    assert booked.value.code == "pickup_not_offered"
    with pytest.raises(DomainError) as cancelled:
        carrier.cancel_pickup("P-1")
    assert cancelled.value.code == "pickup_not_offered"
