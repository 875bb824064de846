"""Choosing how a return travels (R4.1–R4.2) on the in-memory unit of work: who pays,
the fees, insurance, pickup slots, and what is refused. No database, no carrier call."""

from __future__ import annotations

from datetime import timedelta

import pytest

from returnflow.domain.kinds import Reason, ShippingPayer
from returnflow.domain.lifecycle import Action, Status
from returnflow.domain.returns import ReturnLine
from returnflow.domain.shipment import ARRANGE_TOPIC, Shipment
from returnflow.domain.shipping import ReturnMethod
from returnflow.domain.text import DomainError
from returnflow.services import shipping
from returnflow.services.errors import Conflict
from returnflow.services.shipping import Choice, Options
from tests.domain.builders import make_line, make_order
from tests.services.conftest import NOW
from tests.support.fake_shipping import ShippingShop

FAULT = (ReturnLine(1, 1, Reason.QUALITY, "屏幕有坏点"),)


def _shop(*, insurance: bool = False) -> ShippingShop:
    shop = ShippingShop()
    shop.add_orders(make_order(make_line(quantity=2, category="electronics"), insurance=insurance))
    return shop


def _options(shop: ShippingShop, rma_no: str) -> Options:
    return shop.work(lambda uow: shipping.options(uow, rma_no, NOW, shop.carriers))


def _choose(shop: ShippingShop, rma_no: str, choice: Choice) -> Shipment:
    return shop.work(lambda uow: shipping.choose(uow, rma_no, choice, NOW, "c-1", shop.carriers))


def _first_slot(shop: ShippingShop, rma_no: str) -> str:
    return _options(shop, rma_no).slots[0].key


def test_a_change_of_mind_is_quoted_to_the_customer_for_every_method() -> None:
    shop = _shop()
    rma = shop.file("SO-1").rma_no
    found = _options(shop, rma)
    assert found.can_choose and found.active is None
    assert [
        (q.method, q.payer, q.customer_fee.cents, q.merchant_pays.cents) for q in found.quotes
    ] == [
        (ReturnMethod.PICKUP, ShippingPayer.CUSTOMER, 1500, 0),
        (ReturnMethod.DROPOFF, ShippingPayer.CUSTOMER, 1000, 0),
        (ReturnMethod.SELF_SHIP, ShippingPayer.CUSTOMER, 1200, 0),
    ]
    # windows of two hours, at least two hours ahead, today and the next two days
    assert found.slots and all(s.end - s.start == timedelta(hours=2) for s in found.slots)
    assert found.slots[0].start >= NOW + timedelta(hours=2)


def test_return_shipping_insurance_pays_instead_of_the_customer() -> None:
    shop = _shop(insurance=True)
    rma = shop.file("SO-1").rma_no
    pickup = _options(shop, rma).quotes[0]
    assert pickup.payer is ShippingPayer.INSURANCE
    assert (pickup.customer_fee.cents, pickup.insurance_covers.cents) == (0, 1500)
    shipment = _choose(shop, rma, Choice(ReturnMethod.PICKUP, slot=_first_slot(shop, rma)))
    assert shipment.insured and shipment.customer_fee == 0 and shipment.insurance_cost == 1500


def test_the_merchant_pays_for_a_fault() -> None:
    shop = _shop()
    rma = shop.file("SO-1", FAULT).rma_no
    shop.step(rma, Action.APPROVE, note="确认故障")
    quotes = _options(shop, rma).quotes
    assert {(q.payer, q.customer_fee.cents) for q in quotes} == {(ShippingPayer.MERCHANT, 0)}
    assert [q.merchant_pays.cents for q in quotes] == [1500, 1000, 1200]


def test_choosing_a_pickup_stores_the_costs_and_asks_the_carrier_through_the_outbox() -> None:
    shop = _shop()
    rma = shop.file("SO-1").rma_no
    slot = _options(shop, rma).slots[1]
    shipment = _choose(shop, rma, Choice(ReturnMethod.PICKUP, slot=slot.key))
    stored = shop.shipment(shipment.id)
    assert stored.status == "requested" and stored.next_call == "waybill"
    assert (stored.customer_fee, stored.label_cost, stored.pickup_cost) == (1500, 800, 400)
    assert (stored.pickup_start, stored.pickup_end) == (slot.start, slot.end)
    assert stored.promised_by == slot.end + timedelta(days=3)
    [arrange] = [m for m in shop.db.outbox if m.topic == ARRANGE_TOPIC]
    assert arrange.payload["shipment_id"] == shipment.id and arrange.payload["rma_no"] == rma
    assert shop.carrier.waybills == []  # the worker calls the carrier, not the click
    assert shop.stored(rma).status is Status.APPROVED


def test_a_dropoff_gets_a_counter_code_and_no_pickup_cost() -> None:
    shop = _shop()
    rma = shop.file("SO-1").rma_no
    shipment = _choose(shop, rma, Choice(ReturnMethod.DROPOFF))
    assert shipment.dropoff_code and shipment.pickup_start is None
    assert (shipment.customer_fee, shipment.pickup_cost) == (1000, 0)
    assert shipment.promised_by == NOW + timedelta(days=3)
    assert shop.topics().count(ARRANGE_TOPIC) == 1


def test_a_second_choice_is_refused_while_one_is_arranged() -> None:
    shop = _shop()
    rma = shop.file("SO-1").rma_no
    _choose(shop, rma, Choice(ReturnMethod.DROPOFF))
    with pytest.raises(Conflict) as refused:
        _choose(shop, rma, Choice(ReturnMethod.PICKUP, slot=_first_slot(shop, rma)))
    assert refused.value.code == "shipment_already_arranged"
    assert len(shop.db.shipments) == 1 and shop.topics().count(ARRANGE_TOPIC) == 1
    assert _options(shop, rma).can_choose is False


def test_a_window_not_offered_is_refused() -> None:
    shop = _shop()
    rma = shop.file("SO-1").rma_no
    past = (NOW - timedelta(days=1)).isoformat()
    with pytest.raises(DomainError) as refused:
        _choose(shop, rma, Choice(ReturnMethod.PICKUP, slot=past))
    assert (refused.value.code, refused.value.field) == ("slot_unavailable", "slot")
    assert shop.db.shipments == {}


def test_a_method_whose_carrier_is_not_reachable_is_neither_offered_nor_accepted() -> None:
    shop = _shop()
    del shop.carriers["simulated"]
    rma = shop.file("SO-1").rma_no
    found = _options(shop, rma)
    assert [q.method for q in found.quotes] == [ReturnMethod.SELF_SHIP] and found.slots == []
    with pytest.raises(DomainError) as refused:
        _choose(shop, rma, Choice(ReturnMethod.DROPOFF))
    assert refused.value.code == "method_not_offered"


def test_self_ship_ships_the_request_at_once_without_the_carrier() -> None:
    shop = _shop()
    rma = shop.file("SO-1").rma_no
    choice = Choice(ReturnMethod.SELF_SHIP, brand="sf", tracking_no="sf 1234 5678 9012")
    shipment = _choose(shop, rma, choice)
    stored = shop.shipment(shipment.id)
    assert (stored.status, stored.carrier, stored.waybill_no) == (
        "in_transit",
        "manual",
        "SF123456789012",
    )
    assert stored.carrier_name == "顺丰速运" and stored.customer_fee == 1200
    request = shop.stored(rma)
    assert request.status is Status.IN_TRANSIT
    assert request.shipment is not None and request.shipment.tracking_no == "SF123456789012"
    assert shop.topics() == ["return.created", "return.in_transit"]  # no carrier.arrange


def test_a_self_ship_number_of_the_wrong_format_keeps_nothing() -> None:
    shop = _shop()
    rma = shop.file("SO-1").rma_no
    with pytest.raises(DomainError) as refused:
        _choose(shop, rma, Choice(ReturnMethod.SELF_SHIP, brand="sf", tracking_no="12345"))
    assert refused.value.code == "tracking_no_invalid"
    assert shop.db.shipments == {} and shop.stored(rma).status is Status.APPROVED


def test_a_self_ship_number_already_on_another_request_is_refused() -> None:
    shop = _shop()
    shop.add_orders(make_order(order_no="SO-2"))
    first = shop.file("SO-1").rma_no
    second = shop.file("SO-2").rma_no
    choice = Choice(ReturnMethod.SELF_SHIP, brand="sf", tracking_no="SF123456789012")
    _choose(shop, first, choice)
    with pytest.raises(Conflict) as refused:
        _choose(shop, second, choice)
    assert refused.value.code == "waybill_in_use" and first in refused.value.message.en
    assert shop.stored(second).status is Status.APPROVED


def test_a_request_not_approved_cannot_choose() -> None:
    shop = _shop()
    rma = shop.file("SO-1", FAULT).rma_no  # waits for a person
    assert shop.stored(rma).status is Status.PENDING_REVIEW
    assert _options(shop, rma).can_choose is False
    with pytest.raises(DomainError):
        _choose(shop, rma, Choice(ReturnMethod.DROPOFF))
    assert shop.db.shipments == {}
