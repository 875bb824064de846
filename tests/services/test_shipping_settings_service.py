"""The return-method book per merchant and province (R4.1) on the in-memory unit of
work: adjustments change what is offered and quoted, and can be removed again."""

from __future__ import annotations

import pytest

from returnflow.domain.shipping import ANY, Adjustment, MethodChange, PickupHours, ReturnMethod
from returnflow.domain.text import DomainError
from returnflow.services import shipping, shipping_settings
from returnflow.services.errors import NotFound
from returnflow.services.shipping import Choice
from tests.domain.builders import make_order
from tests.services.conftest import NOW
from tests.support.fake_shipping import ShippingShop

CHEAPER_PICKUP = Adjustment("m-1", ANY, {ReturnMethod.PICKUP: MethodChange(fee=900)})
NO_DROPOFF = Adjustment(ANY, ANY, {ReturnMethod.DROPOFF: MethodChange(enabled=False)})


def _put(shop: ShippingShop, adjustment: Adjustment) -> shipping_settings.BookView:
    return shop.work(lambda uow: shipping_settings.put_methods(uow, adjustment, "ops:wu", NOW))


def test_an_adjustment_changes_the_fee_quoted_and_stored() -> None:
    shop = ShippingShop()
    shop.add_orders(make_order())
    rma = shop.file("SO-1").rma_no
    view = _put(shop, CHEAPER_PICKUP)
    assert view.book.terms(ReturnMethod.PICKUP) is not None
    assert view.documents == [
        {"merchant_id": "m-1", "province": ANY, "methods": {"pickup": {"fee": 900}}}
    ]
    found = shop.work(lambda uow: shipping.options(uow, rma, NOW, shop.carriers))
    assert [q.customer_fee.cents for q in found.quotes] == [900, 1000, 1200]
    choice = Choice(ReturnMethod.PICKUP, slot=found.slots[0].key)
    shipment = shop.work(lambda uow: shipping.choose(uow, rma, choice, NOW, "c-1", shop.carriers))
    assert shipment.customer_fee == 900


def test_a_disabled_method_is_not_offered_nor_accepted() -> None:
    shop = ShippingShop()
    shop.add_orders(make_order())
    rma = shop.file("SO-1").rma_no
    _put(shop, NO_DROPOFF)
    found = shop.work(lambda uow: shipping.options(uow, rma, NOW, shop.carriers))
    assert [q.method for q in found.quotes] == [ReturnMethod.PICKUP, ReturnMethod.SELF_SHIP]
    with pytest.raises(DomainError) as refused:
        shop.work(
            lambda uow: shipping.choose(
                uow, rma, Choice(ReturnMethod.DROPOFF), NOW, "c-1", shop.carriers
            )
        )
    assert (refused.value.code, refused.value.field) == ("method_not_offered", "method")


def test_the_merchant_specific_adjustment_wins_over_the_platform_one() -> None:
    shop = ShippingShop()
    _put(shop, Adjustment(ANY, ANY, {ReturnMethod.PICKUP: MethodChange(fee=2000)}))
    _put(shop, CHEAPER_PICKUP)
    mine = shop.work(lambda uow: shipping_settings.method_book(uow, "m-1", "浙江省"))
    other = shop.work(lambda uow: shipping_settings.method_book(uow, "m-2", "浙江省"))
    assert [_pickup_fee(view) for view in (mine, other)] == [900, 2000]


def _pickup_fee(view: shipping_settings.BookView) -> int:
    terms = view.book.terms(ReturnMethod.PICKUP)
    assert terms is not None
    return terms.fee


def test_a_merchant_sees_only_its_own_and_the_general_adjustments() -> None:
    shop = ShippingShop()
    _put(shop, NO_DROPOFF)
    _put(shop, CHEAPER_PICKUP)
    _put(shop, Adjustment("m-2", ANY, {ReturnMethod.PICKUP: MethodChange(fee=1)}))
    seen = shop.work(
        lambda uow: shipping_settings.method_book(uow, "m-2", ANY, merchant_scope="m-1")
    )
    assert seen.merchant_id == "m-1"
    assert {(a.merchant_id, a.province) for a in seen.adjustments} == {(ANY, ANY), ("m-1", ANY)}


def test_bad_settings_are_refused_and_nothing_is_stored() -> None:
    shop = ShippingShop()
    too_dear = Adjustment("m-1", ANY, {ReturnMethod.PICKUP: MethodChange(fee=-1)})
    upside_down = Adjustment("m-1", ANY, pickup_hours=PickupHours(first_hour=19, last_hour=9))
    for bad in (too_dear, upside_down):
        with pytest.raises(DomainError) as refused:
            _put(shop, bad)
        assert refused.value.code == "shipping_config_invalid"
    assert shop.db.adjustments == {}


def test_an_adjustment_is_removed_once() -> None:
    shop = ShippingShop()
    _put(shop, CHEAPER_PICKUP)
    shop.work(lambda uow: shipping_settings.remove_methods(uow, "m-1", ANY))
    assert shop.db.adjustments == {}
    with pytest.raises(NotFound) as refused:
        shop.work(lambda uow: shipping_settings.remove_methods(uow, "m-1", ANY))
    assert refused.value.code == "adjustment_not_found"
