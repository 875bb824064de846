"""Pickups let go when their request ended unshipped (R1.5) on the in-memory unit of work:
the safety net of `tracking_sweeps` and the pickup windows that keep a request open."""

from __future__ import annotations

from datetime import timedelta

from returnflow.domain.lifecycle import Action, Status
from returnflow.domain.shipment import CANCEL_TOPIC, RELEASE_TOPIC
from returnflow.domain.shipping import ReturnMethod
from returnflow.services import shipping, tracking_sweeps
from returnflow.services.shipping import Choice
from returnflow.services.unit_of_work import UnitOfWork
from tests.domain.builders import make_order
from tests.services.conftest import NOW
from tests.support.fake_shipping import ShippingShop
from tests.support.fake_uow import FakeUnitOfWork


def _booked_pickup(shop: ShippingShop, order_no: str) -> tuple[str, int]:
    shop.add_orders(make_order(order_no=order_no))
    rma = shop.file(order_no).rma_no

    def arrange(uow: UnitOfWork) -> int:
        slot = shipping.options(uow, rma, NOW, shop.carriers).slots[0]
        choice = Choice(ReturnMethod.PICKUP, slot=slot.key)
        chosen = shipping.choose(uow, rma, choice, NOW, "c-1", shop.carriers)
        while shipping.arrange_step(uow, chosen.id, NOW, shop.carriers):
            pass
        return chosen.id

    return rma, shop.work(arrange)


def _close_unshipped(shop: ShippingShop, rma: str) -> None:
    def close(uow: FakeUnitOfWork) -> None:
        request = uow.returns.get(rma, for_update=True)
        assert request is not None and request.ship_by is not None
        assert request.auto_close_if_unshipped(request.ship_by)

    shop.run(close)


def test_the_safety_net_lets_go_of_pickups_of_closed_and_cancelled_requests() -> None:
    shop = ShippingShop()
    closed, closed_id = _booked_pickup(shop, "SO-1")
    cancelled, cancelled_id = _booked_pickup(shop, "SO-2")
    _, live_id = _booked_pickup(shop, "SO-3")
    _close_unshipped(shop, closed)
    shop.step(cancelled, Action.CANCEL, actor="c-1")
    assert shop.stored(closed).status is Status.CLOSED
    assert shop.work(lambda uow: tracking_sweeps.release_pickups(uow, NOW)) == 2
    assert [shop.shipment(i).status for i in (closed_id, cancelled_id, live_id)] == [
        "cancelled",
        "cancelling",
        "arranged",
    ]
    [release] = [m for m in shop.db.outbox if m.topic == RELEASE_TOPIC]
    assert (release.payload["rma_no"], release.payload["pickup_id"]) == (closed, "PK1")
    [cancel] = [m for m in shop.db.outbox if m.topic == CANCEL_TOPIC]
    assert cancel.payload["shipment_id"] == cancelled_id
    assert shop.work(lambda uow: tracking_sweeps.release_pickups(uow, NOW)) == 0


def test_a_request_whose_pickup_window_has_not_passed_is_pending() -> None:
    shop = ShippingShop()
    rma, shipment_id = _booked_pickup(shop, "SO-1")
    end = shop.shipment(shipment_id).pickup_end
    assert end is not None
    grace = timedelta(hours=1)

    def pending(at_offset: timedelta) -> set[str]:
        return shop.work(
            lambda uow: tracking_sweeps.pending_pickups(uow, [rma, "RMA-X"], end + at_offset, grace)
        )

    assert pending(timedelta(minutes=59)) == {rma}
    assert pending(timedelta(hours=1)) == set()
