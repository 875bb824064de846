"""The worker's carrier calls for a chosen return, and calling a pickup off (R4.1–R4.2),
on the in-memory unit of work with a recording carrier double: each call is made once."""

from __future__ import annotations

import pytest

from returnflow.domain.events import DomainEvent
from returnflow.domain.lifecycle import Action
from returnflow.domain.shipment import CANCEL_TOPIC
from returnflow.domain.shipping import ReturnMethod
from returnflow.services import shipping
from returnflow.services.errors import Conflict, NotFound
from returnflow.services.shipping import Choice
from returnflow.services.shipping_handlers import call_off_pickup
from returnflow.services.unit_of_work import UnitOfWork
from tests.domain.builders import make_order
from tests.services.conftest import NOW
from tests.support.booking_carrier import refusal
from tests.support.fake_shipping import ShippingShop


def _chosen(method: ReturnMethod) -> tuple[ShippingShop, str, int]:
    shop = ShippingShop()
    shop.add_orders(make_order())
    rma = shop.file("SO-1").rma_no

    def choose(uow: UnitOfWork) -> int:
        slots = shipping.options(uow, rma, NOW, shop.carriers).slots
        choice = Choice(method, slot=slots[0].key if method is ReturnMethod.PICKUP else "")
        return shipping.choose(uow, rma, choice, NOW, "c-1", shop.carriers).id

    return shop, rma, shop.work(choose)


def _step(shop: ShippingShop, shipment_id: int) -> bool:
    return shop.work(lambda uow: shipping.arrange_step(uow, shipment_id, NOW, shop.carriers))


def _booked_pickup() -> tuple[ShippingShop, str, int]:
    shop, rma, shipment_id = _chosen(ReturnMethod.PICKUP)
    assert _step(shop, shipment_id) is True
    assert _step(shop, shipment_id) is False
    return shop, rma, shipment_id


def test_a_pickup_takes_two_calls_each_stored_before_the_next() -> None:
    shop, rma, shipment_id = _chosen(ReturnMethod.PICKUP)
    assert _step(shop, shipment_id) is True  # the waybill; the pickup still to book
    halfway = shop.shipment(shipment_id)
    assert (halfway.status, halfway.waybill_no, halfway.next_call) == (
        "requested",
        "SIM0000000001",
        "pickup",
    )
    assert rma not in shop.db.shown
    assert _step(shop, shipment_id) is False
    done = shop.shipment(shipment_id)
    assert (done.status, done.pickup_id, done.next_call) == ("arranged", "PK1", None)
    assert shop.db.shown[rma] == ("模拟快递", "SIM0000000001")
    [pickup] = shop.carrier.pickups
    assert (pickup.window_start, pickup.window_end) == (done.pickup_start, done.pickup_end)
    assert shop.carrier.waybills[0].sender.name == "王小明"  # the customer, no ship-to given


def test_a_repeated_message_calls_the_carrier_no_more() -> None:
    shop, _, shipment_id = _booked_pickup()
    assert _step(shop, shipment_id) is False
    assert (len(shop.carrier.waybills), len(shop.carrier.pickups)) == (1, 1)


def test_a_dropoff_is_arranged_with_its_waybill_alone() -> None:
    shop, rma, shipment_id = _chosen(ReturnMethod.DROPOFF)
    assert _step(shop, shipment_id) is False
    assert shop.shipment(shipment_id).status == "arranged"
    assert shop.carrier.pickups == [] and shop.db.shown[rma][1] == "SIM0000000001"


def test_a_failed_call_keeps_what_was_answered_before() -> None:
    shop, _, shipment_id = _chosen(ReturnMethod.PICKUP)
    _step(shop, shipment_id)
    shop.carrier.fail_next = TimeoutError("carrier down")
    with pytest.raises(TimeoutError):
        _step(shop, shipment_id)
    assert shop.shipment(shipment_id).next_call == "pickup"  # the retry books the pickup only
    assert _step(shop, shipment_id) is False
    assert len(shop.carrier.waybills) == 1 and shop.shipment(shipment_id).status == "arranged"


def test_a_refusal_fails_the_shipment_and_the_customer_may_choose_again() -> None:
    shop, rma, shipment_id = _chosen(ReturnMethod.DROPOFF)
    shop.work(lambda uow: shipping.refuse(uow, shipment_id, NOW, refusal()))
    failed = shop.shipment(shipment_id)
    assert failed.status == "failed" and failed.last_error is not None
    assert failed.last_error.startswith("address_not_served: ")
    found = shop.work(lambda uow: shipping.options(uow, rma, NOW, shop.carriers))
    assert found.can_choose and found.last_failed is not None and found.current is None
    assert _step(shop, shipment_id) is False and shop.carrier.waybills == []


def test_cancelling_a_booked_pickup_tells_the_carrier_once_through_the_outbox() -> None:
    shop, rma, shipment_id = _booked_pickup()
    shop.work(lambda uow: shipping.cancel_pickup(uow, rma, shipment_id, NOW))
    assert shop.shipment(shipment_id).status == "cancelling"
    assert shop.db.shown[rma] == (None, None)
    [message] = [m for m in shop.db.outbox if m.topic == CANCEL_TOPIC]
    assert message.payload["shipment_id"] == shipment_id
    assert shop.carrier.cancelled == []  # the worker tells the carrier
    shop.work(lambda uow: shipping.cancel_step(uow, shipment_id, NOW, shop.carriers))
    shop.work(lambda uow: shipping.cancel_step(uow, shipment_id, NOW, shop.carriers))
    assert shop.carrier.cancelled == ["PK1"]
    assert shop.shipment(shipment_id).status == "cancelled"


def test_a_pickup_not_booked_yet_is_cancelled_without_the_carrier() -> None:
    shop, rma, shipment_id = _chosen(ReturnMethod.PICKUP)
    shop.work(lambda uow: shipping.cancel_pickup(uow, rma, shipment_id, NOW))
    assert shop.shipment(shipment_id).status == "cancelled"
    assert CANCEL_TOPIC not in shop.topics()
    assert _step(shop, shipment_id) is False and shop.carrier.waybills == []


def test_a_dropoff_cannot_be_cancelled_as_a_pickup() -> None:
    shop, rma, shipment_id = _chosen(ReturnMethod.DROPOFF)
    with pytest.raises(Conflict) as refused:
        shop.work(lambda uow: shipping.cancel_pickup(uow, rma, shipment_id, NOW))
    assert refused.value.code == "pickup_not_cancellable"
    assert shop.shipment(shipment_id).status == "requested"


def test_a_shipment_of_another_request_is_not_found() -> None:
    shop, rma, shipment_id = _chosen(ReturnMethod.PICKUP)
    with pytest.raises(NotFound) as refused:
        shop.work(lambda uow: shipping.cancel_pickup(uow, rma, shipment_id + 1, NOW))
    assert refused.value.code == "shipment_not_found"


def test_a_cancelled_request_calls_its_booked_pickup_off_through_the_bus_handler() -> None:
    shop, rma, shipment_id = _booked_pickup()
    shop.step(rma, Action.CANCEL, actor="c-1")
    event = DomainEvent("return.cancelled", NOW, {"rma_no": rma})
    shop.work(lambda uow: call_off_pickup(uow, event, NOW))
    shop.work(lambda uow: call_off_pickup(uow, event, NOW))  # redelivered
    assert shop.shipment(shipment_id).status == "cancelling"
    assert shop.topics().count(CANCEL_TOPIC) == 1


def test_the_waybill_of_an_arranged_parcel_given_as_tracking_ships_that_parcel() -> None:
    shop, rma, _ = _booked_pickup()
    shop.work(
        lambda uow: shipping.record_tracking(
            uow, rma, "sf", "sim0000000001", NOW, "c-1", shop.carriers
        )
    )
    assert len(shop.db.shipments) == 1
    request = shop.stored(rma)
    assert request.status.value == "in_transit"
    assert request.shipment is not None and request.shipment.tracking_no == "SIM0000000001"
