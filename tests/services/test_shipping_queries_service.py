"""What pages read of a request's parcels (R4.1–R4.2) on the in-memory unit of work."""

from __future__ import annotations

import pytest

from returnflow.domain.shipping import ReturnMethod
from returnflow.services import shipping, shipping_queries
from returnflow.services.errors import NotFound
from returnflow.services.shipping import Choice
from returnflow.services.unit_of_work import UnitOfWork
from tests.domain.builders import make_order
from tests.services.conftest import NOW
from tests.support.fake_shipping import ShippingShop


def _dropoff() -> tuple[ShippingShop, str, int]:
    shop = ShippingShop()
    shop.add_orders(make_order(merchant_id="m-1"))
    rma = shop.file("SO-1").rma_no

    def choose(uow: UnitOfWork) -> int:
        choice = Choice(ReturnMethod.DROPOFF)
        return shipping.choose(uow, rma, choice, NOW, "c-1", shop.carriers).id

    return shop, rma, shop.work(choose)


def test_the_shipments_of_a_request_show_fee_and_costs() -> None:
    shop, rma, shipment_id = _dropoff()
    [view] = shop.work(lambda uow: shipping_queries.shipments_of(uow, rma))
    assert (view.id, view.method, view.status) == (shipment_id, "dropoff", "requested")
    assert (view.fee.cents, view.carrier_cost.cents, view.can_cancel) == (1000, 800, False)


def test_another_merchant_does_not_see_the_request() -> None:
    shop, rma, _ = _dropoff()
    with pytest.raises(NotFound):
        shop.work(lambda uow: shipping_queries.shipments_of(uow, rma, merchant_scope="m-2"))


def test_the_label_waits_for_the_carrier_waybill() -> None:
    shop, rma, shipment_id = _dropoff()
    with pytest.raises(NotFound) as refused:
        shop.work(lambda uow: shipping_queries.label_for(uow, rma))
    assert refused.value.code == "label_not_ready"
    shop.work(lambda uow: shipping.arrange_step(uow, shipment_id, NOW, shop.carriers))
    label = shop.work(lambda uow: shipping_queries.label_for(uow, rma))
    assert (label.rma_no, label.waybill_no) == (rma, "SIM0000000001")
