"""Filing a request and performing its steps, on the in-memory unit of work (R1.3, R3)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from returnflow.domain.access import Principal, Role
from returnflow.domain.kinds import Channel, Outcome, Reason, RequestType
from returnflow.domain.lifecycle import Action, Status
from returnflow.domain.returns import ReturnLine
from returnflow.domain.text import DomainError
from returnflow.services import returns as return_service
from returnflow.services.errors import NotFound
from returnflow.services.unit_of_work import ConcurrentUpdate
from tests.domain.builders import DELIVERED_AT, make_line, make_order
from tests.services.conftest import NOW, Shop

FAULT = (ReturnLine(1, 1, Reason.QUALITY, "屏幕有坏点"),)


@pytest.fixture
def shop_with_order(shop: Shop) -> Shop:
    shop.add_orders(make_order(make_line(quantity=2, category="electronics")))
    return shop


# --- filing --------------------------------------------------------------------------


def test_a_clear_request_is_approved_at_once_with_an_rma_number(shop_with_order: Shop) -> None:
    filed = shop_with_order.file("SO-1")
    assert filed.rma_no == "RMA202603030000001"  # local date + the global sequence
    stored = shop_with_order.stored(filed.rma_no)
    assert stored.status is Status.APPROVED
    assert stored.decision is not None and stored.decision.decided_by == "auto"
    assert stored.ship_by == NOW + timedelta(days=7)
    assert stored.estimate.total.cents == 10_000


def test_each_filing_takes_the_next_number(shop_with_order: Shop) -> None:
    first = shop_with_order.file("SO-1")
    second = shop_with_order.file("SO-1")
    assert int(second.rma_no[-7:]) == int(first.rma_no[-7:]) + 1


def test_filing_puts_one_created_event_in_the_outbox_and_on_the_bus(shop_with_order: Shop) -> None:
    filed = shop_with_order.file("SO-1")
    assert shop_with_order.db.topics() == ["return.created"]
    [event] = shop_with_order.db.published
    assert (event.name, event.data["rma_no"], event.data["outcome"]) == (
        "return.created",
        filed.rma_no,
        "approved",
    )


def test_a_policy_refusal_is_recorded_with_its_reasons(shop_with_order: Shop) -> None:
    late = DELIVERED_AT + timedelta(days=10)
    filed = shop_with_order.file("SO-1", now=late)
    stored = shop_with_order.stored(filed.rma_no)
    assert stored.status is Status.REJECTED
    assert stored.decision is not None
    assert [r.code for r in stored.decision.reasons] == ["window_expired"]


def test_a_fault_without_photos_waits_for_a_person_with_a_deadline(shop_with_order: Shop) -> None:
    filed = shop_with_order.file("SO-1", FAULT)
    stored = shop_with_order.stored(filed.rma_no)
    assert stored.status is Status.PENDING_REVIEW
    assert stored.review_due_at == NOW + timedelta(hours=24)
    assert stored.decision is not None
    assert "evidence_missing" in [r.code for r in stored.decision.reasons]


def test_units_are_limited_across_requests(shop_with_order: Shop) -> None:
    shop_with_order.file("SO-1", [ReturnLine(1, 2, Reason.NO_REASON)])
    second = shop_with_order.file("SO-1", [ReturnLine(1, 1, Reason.NO_REASON)])
    stored = shop_with_order.stored(second.rma_no)
    assert stored.status is Status.REJECTED
    assert stored.decision is not None
    assert [r.code for r in stored.decision.reasons] == ["quantity_exceeded"]


def test_a_request_on_an_unknown_order_stores_nothing(shop: Shop) -> None:
    with pytest.raises(NotFound) as refused:
        shop.file("NOPE")
    assert refused.value.code == "order_not_found"
    assert (shop.db.returns, shop.db.outbox, shop.db.counters) == ({}, [], {})


def test_a_line_the_order_does_not_have_is_refused(shop_with_order: Shop) -> None:
    with pytest.raises(DomainError) as refused:
        shop_with_order.file("SO-1", [ReturnLine(9, 1, Reason.NO_REASON)])
    assert refused.value.code == "unknown_line"
    assert shop_with_order.db.returns == {}


def test_the_contact_defaults_to_the_orders_customer(shop_with_order: Shop) -> None:
    default = shop_with_order.file("SO-1")
    own = shop_with_order.file("SO-1", contact={"phone": "13900139000"})
    assert shop_with_order.stored(default.rma_no).contact == {
        "name": "王小明",
        "phone": "13800138000",
        "email": "xiaoming@example.com",
    }
    assert shop_with_order.stored(own.rma_no).contact == {"phone": "13900139000"}


def test_a_filing_left_uncommitted_keeps_nothing(shop_with_order: Shop) -> None:
    new = return_service.NewReturn(
        "SO-1", RequestType.REFUND, Channel.APP, (ReturnLine(1, 1, Reason.NO_REASON),)
    )
    with shop_with_order.uow() as uow:
        filed = return_service.file_return(uow, new, NOW, "c-1")
        assert uow.returns.get(filed.rma_no) is filed  # seen inside its own unit of work
    assert (shop_with_order.db.returns, shop_with_order.db.outbox) == ({}, [])


PHOTO = "a" * 32 + ".jpg"


def test_a_fault_with_fresh_photos_is_approved_at_once(shop_with_order: Shop) -> None:
    filed = shop_with_order.file("SO-1", FAULT, photos=(PHOTO,))
    stored = shop_with_order.stored(filed.rma_no)
    assert stored.status is Status.APPROVED
    assert stored.photos == (PHOTO,)


def test_a_photo_from_another_customers_request_is_refused(shop: Shop) -> None:
    shop.add_orders(make_order(order_no="SO-1"), make_order(order_no="SO-2", merchant_id="m-2"))
    shop.file("SO-1", FAULT, photos=(PHOTO,))
    with pytest.raises(DomainError) as refused:
        shop.file("SO-2", FAULT, photos=(PHOTO,))
    assert (refused.value.code, refused.value.field) == ("photo_not_found", "photos")
    again = shop.file("SO-1", FAULT, photos=(PHOTO,))  # the same customer and merchant may
    assert shop.stored(again.rma_no).photos == (PHOTO,)


def test_a_made_up_photo_name_is_refused(shop_with_order: Shop) -> None:
    with pytest.raises(DomainError) as refused:
        shop_with_order.file("SO-1", FAULT, photos=("../etc/passwd",))
    assert refused.value.code == "photo_not_found"
    assert shop_with_order.db.returns == {}


# --- steps ---------------------------------------------------------------------------


def test_a_person_approves_a_request_waiting_for_review(shop_with_order: Shop) -> None:
    filed = shop_with_order.file("SO-1", FAULT)
    later = NOW + timedelta(hours=3)
    approved = shop_with_order.step(filed.rma_no, Action.APPROVE, now=later, note="照片清楚")
    stored = shop_with_order.stored(filed.rma_no)
    assert approved.status is stored.status is Status.APPROVED
    assert stored.ship_by == later + timedelta(days=7)
    assert stored.decision is not None
    assert (stored.decision.outcome, stored.decision.decided_by) == (Outcome.APPROVED, "agent:li")
    assert stored.history[-1].note == "照片清楚"
    assert shop_with_order.db.topics()[-1] == "return.approved"


def test_a_rejection_keeps_its_reason_for_the_customer(shop_with_order: Shop) -> None:
    filed = shop_with_order.file("SO-1", FAULT)
    shop_with_order.step(filed.rma_no, Action.REJECT, note="照片显示商品完好")
    stored = shop_with_order.stored(filed.rma_no)
    assert stored.status is Status.REJECTED
    assert stored.decision is not None
    assert stored.decision.reasons[0].message.zh == "照片显示商品完好"
    assert shop_with_order.db.published[-1].name == "return.rejected"


def test_a_rejection_without_a_reason_is_refused(shop_with_order: Shop) -> None:
    filed = shop_with_order.file("SO-1", FAULT)
    with pytest.raises(DomainError) as refused:
        shop_with_order.step(filed.rma_no, Action.REJECT, note="  ")
    assert refused.value.code == "reason_required"
    assert shop_with_order.stored(filed.rma_no).status is Status.PENDING_REVIEW


def test_shipping_records_the_parcel(shop_with_order: Shop) -> None:
    filed = shop_with_order.file("SO-1")
    shop_with_order.step(filed.rma_no, Action.SHIP, carrier="SF", tracking_no="SF1234567890")
    stored = shop_with_order.stored(filed.rma_no)
    assert stored.status is Status.IN_TRANSIT
    assert stored.shipment is not None
    assert (stored.shipment.carrier, stored.shipment.tracking_no) == ("SF", "SF1234567890")


def test_a_cancelled_request_tells_the_bus(shop_with_order: Shop) -> None:
    filed = shop_with_order.file("SO-1")
    shop_with_order.step(filed.rma_no, Action.CANCEL, note="不想退了")
    assert shop_with_order.stored(filed.rma_no).status is Status.CANCELLED
    cancelled = shop_with_order.db.published[-1]
    assert (cancelled.name, cancelled.data["rma_no"]) == ("return.cancelled", filed.rma_no)


def test_an_exchange_runs_its_whole_course(shop_with_order: Shop) -> None:
    filed = shop_with_order.file(
        "SO-1", [ReturnLine(1, 1, Reason.NO_REASON)], request_type=RequestType.EXCHANGE
    )
    rma_no = filed.rma_no
    shop_with_order.step(rma_no, Action.SHIP, carrier="SF", tracking_no="SF1")
    for action in (Action.RECEIVE, Action.INSPECT_PASS, Action.EXCHANGE, Action.COMPLETE):
        shop_with_order.step(rma_no, action)
    completed = shop_with_order.stored(rma_no)
    assert completed.status is Status.COMPLETED
    assert completed.confirm_by == NOW + timedelta(days=7)
    shop_with_order.step(rma_no, Action.CONFIRM)
    assert shop_with_order.stored(rma_no).status is Status.CONFIRMED
    assert [change.to_status for change in shop_with_order.stored(rma_no).history][-3:] == [
        Status.EXCHANGED,
        Status.COMPLETED,
        Status.CONFIRMED,
    ]


def test_a_failed_inspection_needs_its_reason(shop_with_order: Shop) -> None:
    filed = shop_with_order.file("SO-1")
    shop_with_order.step(filed.rma_no, Action.SHIP, carrier="SF", tracking_no="SF1")
    shop_with_order.step(filed.rma_no, Action.RECEIVE)
    with pytest.raises(DomainError) as refused:
        shop_with_order.step(filed.rma_no, Action.INSPECT_FAIL)
    assert refused.value.code == "reason_required"
    shop_with_order.step(filed.rma_no, Action.INSPECT_FAIL, note="有使用痕迹")
    stored = shop_with_order.stored(filed.rma_no)
    assert stored.status is Status.INSPECTION_FAILED
    assert stored.inspection is not None and stored.inspection.passed is False


def test_a_step_the_state_does_not_allow_is_refused_and_changes_nothing(
    shop_with_order: Shop,
) -> None:
    filed = shop_with_order.file("SO-1")  # approved at once
    before = len(shop_with_order.db.outbox)
    with pytest.raises(DomainError) as refused:
        shop_with_order.step(filed.rma_no, Action.APPROVE)
    assert refused.value.code == "transition_not_allowed"
    with pytest.raises(DomainError):
        shop_with_order.step(filed.rma_no, Action.RECEIVE)  # not shipped yet
    stored = shop_with_order.stored(filed.rma_no)
    assert stored.status is Status.APPROVED
    assert len(stored.history) == 2
    assert len(shop_with_order.db.outbox) == before


def test_a_cancelled_request_cannot_be_shipped(shop_with_order: Shop) -> None:
    filed = shop_with_order.file("SO-1")
    shop_with_order.step(filed.rma_no, Action.CANCEL)
    with pytest.raises(DomainError) as refused:
        shop_with_order.step(filed.rma_no, Action.SHIP, carrier="SF", tracking_no="SF1")
    assert refused.value.code == "transition_not_allowed"


def test_money_never_moves_through_a_plain_step(shop_with_order: Shop) -> None:
    filed = shop_with_order.file("SO-1")
    with pytest.raises(ValueError, match="not a manual step"):
        shop_with_order.step(filed.rma_no, Action.REFUND)
    assert shop_with_order.stored(filed.rma_no).refund is None


def test_another_merchant_cannot_act_on_a_request(shop_with_order: Shop) -> None:
    filed = shop_with_order.file("SO-1", FAULT)
    with pytest.raises(NotFound) as refused:
        shop_with_order.step(filed.rma_no, Action.APPROVE, merchant_scope="m-other")
    assert refused.value.code == "return_not_found"
    assert shop_with_order.stored(filed.rma_no).status is Status.PENDING_REVIEW
    shop_with_order.step(filed.rma_no, Action.APPROVE, merchant_scope="m-1")
    assert shop_with_order.stored(filed.rma_no).status is Status.APPROVED


def test_an_unknown_request_is_not_found(shop: Shop) -> None:
    with shop.uow() as uow, pytest.raises(NotFound) as refused:
        return_service.get_return(uow, "RMA-NOPE")
    assert refused.value.code == "return_not_found"


def test_two_people_acting_at_once_one_loses_the_race(shop_with_order: Shop) -> None:
    filed = shop_with_order.file("SO-1", FAULT)
    with shop_with_order.uow() as first, shop_with_order.uow() as second:
        return_service.perform(first, filed.rma_no, Action.APPROVE, "agent:li", NOW)
        return_service.perform(second, filed.rma_no, Action.REJECT, "agent:wang", NOW, note="不符")
        first.commit(NOW)
        with pytest.raises(ConcurrentUpdate):
            second.commit(NOW)
    assert shop_with_order.stored(filed.rma_no).status is Status.APPROVED
    assert shop_with_order.db.topics().count("return.rejected") == 0


# --- who sees the contact (R14.1) ----------------------------------------------------


def _principal(role: Role) -> Principal:
    return Principal(1, "li", "Li", role, merchant_id="m-1" if role is Role.MERCHANT else None)


def test_an_unmasked_look_at_the_contact_is_logged(shop_with_order: Shop) -> None:
    filed = shop_with_order.file("SO-1")
    request = shop_with_order.stored(filed.rma_no)
    agent = _principal(Role.AGENT)
    shown = shop_with_order.run(lambda uow: return_service.reveal_contact(uow, request, agent, NOW))
    assert shown is True
    [record] = shop_with_order.db.access_log
    assert (record.actor, record.subject, record.what) == ("agent:li", filed.rma_no, "contact")


def test_a_masked_contact_leaves_no_log(shop_with_order: Shop) -> None:
    filed = shop_with_order.file("SO-1")
    request = shop_with_order.stored(filed.rma_no)
    merchant = _principal(Role.MERCHANT)
    shown = shop_with_order.run(
        lambda uow: return_service.reveal_contact(uow, request, merchant, NOW)
    )
    assert shown is False
    assert shop_with_order.db.access_log == []
