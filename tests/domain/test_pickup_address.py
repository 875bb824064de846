"""Issue 16: the address a door pickup comes to — checked once, kept with the parcel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from returnflow.domain.kinds import ShippingPayer
from returnflow.domain.orders import Address
from returnflow.domain.pickup_address import LIMITS, PickupAddress, pickup_address
from returnflow.domain.shipment import Shipment
from returnflow.domain.shipping import DEFAULT_BOOK, ReturnMethod, Slot, quote
from returnflow.domain.text import DomainError

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
TYPED = {
    "name": " 李四 ",
    "phone": "+86 139-0000-1111",
    "province": "广东省",
    "city": "深圳市",
    "district": "南山区",
    "detail": "科技园路  1 号\n2 栋 301",
}


def _refusal(**changes: str) -> DomainError:
    with pytest.raises(DomainError) as refused:
        pickup_address(**{**TYPED, **changes})
    return refused.value


def test_a_typed_address_is_cleaned() -> None:
    address = pickup_address(**TYPED)
    assert address == PickupAddress(
        "李四", "13900001111", "广东省", "深圳市", "南山区", "科技园路 1 号 2 栋 301"
    )
    assert address.lines == ("广东省深圳市南山区", "科技园路 1 号 2 栋 301")
    # a district is optional (some cities have none); a landline keeps its area code
    no_district = pickup_address(**{**TYPED, "district": "", "phone": "0769 2288 1234"})
    assert (no_district.district, no_district.phone) == ("", "076922881234")
    assert pickup_address(**{**TYPED, "phone": "010-62345678"}).phone == "010-62345678"


@pytest.mark.parametrize(
    "phone",
    ["", "12345", "12800001111", "1390000111", "139000011112", "+1 415 555 0100", "0１39"],
)
def test_the_phone_must_be_a_mainland_number_the_courier_can_call(phone: str) -> None:
    refused = _refusal(phone=phone)
    code = "pickup_address_incomplete" if not phone else "pickup_phone_invalid"
    assert (refused.code, refused.field) == (code, "phone")
    if phone:
        assert "中国大陆手机号" in refused.message.zh and "mainland China" in refused.message.en


@pytest.mark.parametrize("part", ["name", "province", "city", "detail"])
def test_every_line_but_the_district_is_required(part: str) -> None:
    refused = _refusal(**{part: "   "})
    assert (refused.code, refused.field) == ("pickup_address_incomplete", part)
    assert refused.message.zh.startswith("请填写")


@pytest.mark.parametrize("part", sorted(LIMITS))
def test_each_part_is_bounded(part: str) -> None:
    longest = "路" * LIMITS[part]
    if part != "phone":
        assert getattr(pickup_address(**{**TYPED, part: longest}), part) == longest
    refused = _refusal(**{part: longest + "路"})
    assert (refused.code, refused.field) == ("pickup_address_too_long", part)
    assert str(LIMITS[part]) in refused.message.en


def test_control_characters_are_refused() -> None:
    refused = _refusal(detail="科技园路\x001 号")
    assert (refused.code, refused.field) == ("pickup_address_invalid", "detail")


@given(st.dictionaries(st.sampled_from(sorted(TYPED)), st.text(max_size=200)))
def test_whatever_is_typed_is_refused_or_bounded(changes: dict[str, str]) -> None:
    try:
        address = pickup_address(**{**TYPED, **changes})
    except DomainError as refused:
        assert refused.code.startswith("pickup_") and refused.field in LIMITS
        return
    for part, limit in LIMITS.items():
        value = getattr(address, part)
        assert len(value) <= limit and value == value.strip()


def test_staff_without_contact_rights_see_the_region_only() -> None:
    masked = pickup_address(**TYPED).masked
    assert masked == PickupAddress("李四", "139****1111", "广东省", "深圳市", "", "")


def _choose(method: ReturnMethod, to: PickupAddress | None) -> Shipment:
    terms = DEFAULT_BOOK.terms(method)
    assert terms is not None
    slot = Slot(NOW + timedelta(hours=4), NOW + timedelta(hours=6))
    return Shipment.choose(
        "RMA1",
        quote(terms, ShippingPayer.CUSTOMER, False, "CNY"),
        "模拟快递",
        DEFAULT_BOOK.warehouse,
        NOW,
        "customer:c-1",
        slot=slot if method is ReturnMethod.PICKUP else None,
        pickup_to=to,
    )


def test_the_parcel_keeps_the_pickup_address_and_only_a_pickup_has_one() -> None:
    chosen = pickup_address(**TYPED)
    pickup = _choose(ReturnMethod.PICKUP, chosen)
    assert pickup.pickup_to == chosen and pickup.view().pickup_to == chosen
    assert _choose(ReturnMethod.DROPOFF, chosen).pickup_to is None
    kept = PickupAddress.of(Address("王小明", "13800138000", "四川省", "成都市", "武侯区", "1 号"))
    assert _choose(ReturnMethod.PICKUP, kept).view().pickup_to == kept
