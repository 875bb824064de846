"""The exception sweep and the exceptions queue (R4.4) on the in-memory unit of work:
no first scan, stalled, presumed lost, late; each raised once, resolved with a note."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from returnflow.domain.scans import TrackingEvent, TrackingStatus
from returnflow.domain.shipment import STAFF_ALERT_TOPIC
from returnflow.domain.shipment_alerts import Thresholds
from returnflow.domain.shipping import ReturnMethod
from returnflow.domain.text import DomainError
from returnflow.services import shipping, tracking, tracking_sweeps
from returnflow.services.errors import Conflict, NotFound
from returnflow.services.shipping import Choice
from returnflow.services.tracking_sweeps import Sweep
from returnflow.services.unit_of_work import UnitOfWork
from tests.domain.builders import make_order
from tests.services.conftest import NOW
from tests.support.fake_shipping import ShippingShop

LIMITS = Thresholds()  # first scan within 48 h, next within 72 h, lost after 7 days
WAYBILL = "SIM0000000001"


def _dropoff() -> tuple[ShippingShop, str, int]:
    shop = ShippingShop()
    shop.add_orders(make_order())
    rma = shop.file("SO-1").rma_no

    def arrange(uow: UnitOfWork) -> int:
        chosen = shipping.choose(uow, rma, Choice(ReturnMethod.DROPOFF), NOW, "c-1", shop.carriers)
        shipping.arrange_step(uow, chosen.id, NOW, shop.carriers)
        return chosen.id

    return shop, rma, shop.work(arrange)


def _sweep(shop: ShippingShop, at: datetime, limits: Thresholds = LIMITS) -> Sweep:
    return shop.work(
        lambda uow: tracking_sweeps.sweep_batch(uow, at, limits, after_id=0, batch=50), at
    )


def _scan(shop: ShippingShop, hours: int, status: TrackingStatus) -> None:
    at = NOW + timedelta(hours=hours)
    event = TrackingEvent(at, status, status.value)
    shop.work(
        lambda uow: tracking.ingest(
            uow, "simulated", WAYBILL, [event], at, source="poll", limits=LIMITS
        ),
        at,
    )


def _kinds(shop: ShippingShop, shipment_id: int) -> list[str]:
    return [task.kind.value for task in shop.shipment(shipment_id).exceptions]


def test_nothing_is_raised_while_the_first_scan_may_still_come() -> None:
    shop, _, shipment_id = _dropoff()
    assert _sweep(shop, NOW + timedelta(hours=47)) == Sweep(1, shipment_id, 0)
    assert _kinds(shop, shipment_id) == [] and STAFF_ALERT_TOPIC not in shop.topics()


def test_no_first_scan_is_raised_once_with_an_alert_and_a_customer_notice() -> None:
    shop, rma, shipment_id = _dropoff()
    assert _sweep(shop, NOW + timedelta(hours=49)).raised == 1
    assert _sweep(shop, NOW + timedelta(hours=50)).raised == 0  # still open: not again
    assert _kinds(shop, shipment_id) == ["no_first_scan"]
    [alert] = [m for m in shop.db.outbox if m.topic == STAFF_ALERT_TOPIC]
    assert alert.payload["rma_no"] == rma and alert.payload["waybill_no"] == WAYBILL
    assert "49 hours" in alert.payload["detail"]["en"]
    assert shop.topics().count("tracking.notice.no_first_scan") == 1


def test_silence_after_a_scan_is_stalled_then_presumed_lost() -> None:
    shop, _, shipment_id = _dropoff()
    _scan(shop, 1, TrackingStatus.ACCEPTED)
    never_late = Thresholds(late_grace=timedelta(days=60))  # the silence rules alone
    assert _sweep(shop, NOW + timedelta(hours=1 + 71), never_late).raised == 0
    assert _sweep(shop, NOW + timedelta(hours=1 + 72), never_late).raised == 1
    assert _sweep(shop, NOW + timedelta(days=7, hours=1), never_late).raised == 1
    assert _kinds(shop, shipment_id) == ["stalled", "lost"]


def test_a_parcel_past_its_promised_time_is_late() -> None:
    shop, _, shipment_id = _dropoff()
    promised = shop.shipment(shipment_id).promised_by
    assert promised == NOW + timedelta(days=3)
    _scan(shop, 70, TrackingStatus.IN_TRANSIT)  # news recently: not stalled
    assert _sweep(shop, promised + timedelta(hours=5)).raised == 1
    assert _kinds(shop, shipment_id) == ["late"]
    [task] = shop.work(lambda uow: tracking.exceptions(uow, kind="late"))
    assert task.detail.en == "5 hours past the promised delivery time"


def test_a_delivered_parcel_is_no_longer_swept() -> None:
    shop, _, shipment_id = _dropoff()
    _scan(shop, 1, TrackingStatus.ACCEPTED)
    _scan(shop, 30, TrackingStatus.DELIVERED)
    assert _sweep(shop, NOW + timedelta(days=30)) == Sweep(0, 0, 0)
    assert _kinds(shop, shipment_id) == []


def test_a_self_shipped_parcel_is_never_missing_a_scan_but_can_be_late() -> None:
    shop = ShippingShop()
    shop.add_orders(make_order())
    rma = shop.file("SO-1").rma_no
    choice = Choice(ReturnMethod.SELF_SHIP, brand="sf", tracking_no="SF123456789012")
    shipment = shop.work(lambda uow: shipping.choose(uow, rma, choice, NOW, "c-1", shop.carriers))
    assert _sweep(shop, NOW + timedelta(days=3)).raised == 0  # untracked: no silence rule
    assert _sweep(shop, NOW + timedelta(days=4)).raised == 1  # four days promised
    assert _kinds(shop, shipment.id) == ["late"]


def test_a_task_is_resolved_with_a_note_and_not_raised_again_without_news() -> None:
    shop, rma, _ = _dropoff()
    _sweep(shop, NOW + timedelta(hours=49))
    [task] = shop.work(lambda uow: tracking.exceptions(uow))
    with pytest.raises(DomainError) as refused:
        shop.work(lambda uow: tracking.resolve_task(uow, task.id, "agent:li", "  ", NOW))
    assert refused.value.code == "note_required"
    later = NOW + timedelta(hours=50)
    resolved = shop.work(
        lambda uow: tracking.resolve_task(uow, task.id, "agent:li", " 已催促快递 ", later)
    )
    assert (resolved.resolved_by, resolved.resolution_note) == ("agent:li", "已催促快递")
    assert shop.work(lambda uow: tracking.exceptions(uow)) == []
    assert [t.id for t in shop.work(lambda uow: tracking.exceptions(uow, state="resolved"))] == [
        task.id
    ]
    assert _sweep(shop, NOW + timedelta(hours=60)).raised == 0  # nothing new since
    with pytest.raises(Conflict) as again:
        shop.work(lambda uow: tracking.resolve_task(uow, task.id, "agent:li", "再次", later))
    assert again.value.code == "exception_already_resolved"
    panel = shop.work(lambda uow: tracking.panel_in(uow, rma))
    assert [t.resolved_at for t in panel.exceptions] == [later]


def test_resolving_an_unknown_task_is_not_found() -> None:
    shop, _, _ = _dropoff()
    with pytest.raises(NotFound) as refused:
        shop.work(lambda uow: tracking.resolve_task(uow, 99, "agent:li", "done", NOW))
    assert refused.value.code == "exception_not_found"


def test_a_parcel_silent_and_unasked_is_due_for_a_poll_until_polled() -> None:
    shop, _, shipment_id = _dropoff()
    every = timedelta(hours=6)
    at = NOW + timedelta(hours=7)
    due = shop.work(lambda uow: tracking_sweeps.due_for_poll(uow, at, every, ["simulated"]))
    assert [(t.id, t.carrier, t.waybill_no) for t in due] == [(shipment_id, "simulated", WAYBILL)]
    assert shop.work(lambda uow: tracking_sweeps.due_for_poll(uow, at, every, ["fastex"])) == []
    shop.work(lambda uow: tracking_sweeps.mark_polled(uow, shipment_id, at, None))
    assert shop.work(lambda uow: tracking_sweeps.due_for_poll(uow, at, every, ["simulated"])) == []
