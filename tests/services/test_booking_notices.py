"""The customer hears the way back is booked (issue 13): a drop-off's label with its code,
or a door pickup with its window, once the carrier answered (services/shipping_carrier.py)."""

from __future__ import annotations

from returnflow.domain.shipping import ReturnMethod
from returnflow.notify.notices import render_notice
from returnflow.services import shipping
from returnflow.services.shipping import Choice
from returnflow.services.unit_of_work import UnitOfWork
from tests.domain.builders import make_order
from tests.services.conftest import NOW
from tests.support.fake_shipping import ShippingShop

CUSTOMER_FIELDS = ("rma_no", "order_no", "customer_id", "email")


def _arranged(method: ReturnMethod) -> tuple[ShippingShop, str, int]:
    shop = ShippingShop()
    shop.add_orders(make_order())
    rma = shop.file("SO-1").rma_no

    def choose(uow: UnitOfWork) -> int:
        slots = shipping.options(uow, rma, NOW, shop.carriers).slots
        choice = Choice(method, slot=slots[0].key if method is ReturnMethod.PICKUP else "")
        return shipping.choose(uow, rma, choice, NOW, "c-1", shop.carriers).id

    shipment_id = shop.work(choose)
    while shop.work(lambda uow: shipping.arrange_step(uow, shipment_id, NOW, shop.carriers)):
        pass
    return shop, rma, shipment_id


def _told(shop: ShippingShop, topic: str) -> list[dict[str, object]]:
    return [message.payload for message in shop.db.outbox if message.topic == topic]


def test_a_booked_pickup_tells_the_customer_its_window_once() -> None:
    shop, rma, shipment_id = _arranged(ReturnMethod.PICKUP)
    [told] = _told(shop, "return.pickup_booked")
    assert _told(shop, "return.label_ready") == []
    assert all(told[field] for field in CUSTOMER_FIELDS) and told["rma_no"] == rma
    assert told["waybill_no"] == "SIM0000000001" and told["pickup_start"] and told["pickup_end"]
    words = render_notice("return.pickup_booked", told)
    assert words is not None
    subject, body = words
    assert "上门取件" in subject.zh and "pickup booked" in subject.en
    assert "SIM0000000001" in body.zh and "Pickup:" in body.en
    # a repeated carrier message finds nothing to do, and says nothing again
    shop.work(lambda uow: shipping.arrange_step(uow, shipment_id, NOW, shop.carriers))
    assert len(_told(shop, "return.pickup_booked")) == 1


def test_a_dropoff_label_tells_the_waybill_and_the_ship_by() -> None:
    shop, rma, _ = _arranged(ReturnMethod.DROPOFF)
    [told] = _told(shop, "return.label_ready")
    assert told["rma_no"] == rma and told["ship_by"] and told["email"]
    words = render_notice("return.label_ready", told)
    assert words is not None
    assert "运单号：SIM0000000001" in words[1].zh and "send the goods back by" in words[1].en
