"""Repairs and reissues on the in-memory unit of work (R6.3): diagnose, the customer
accepts or declines the cost, repaired, shipped back; steps out of order are refused."""

from __future__ import annotations

import pytest

from returnflow.domain.kinds import Reason, RequestType
from returnflow.domain.lifecycle import Action, Status
from returnflow.domain.repairs import RepairOrder, RepairStatus
from returnflow.domain.returns import ReturnLine
from returnflow.domain.text import DomainError
from returnflow.services import repairs
from returnflow.services.errors import NotFound
from returnflow.services.shipment_requests import PAYMENT_TOPIC, mark_shipped
from tests.domain.builders import cny, day_after_delivery, make_line, make_order
from tests.support.fake_resolutions import ResolutionShop, movements

NOW = day_after_delivery(2)
FAULT = (ReturnLine(1, 1, Reason.QUALITY, "屏幕不亮"),)
MISSING = (ReturnLine(1, 1, Reason.MISSING_PARTS, "缺充电器"),)
DESK = "warehouse:zhao"


@pytest.fixture
def shop() -> ResolutionShop:
    shop = ResolutionShop()
    shop.add_orders(make_order(make_line(quantity=2, category="electronics")), now=NOW)
    return shop


def filed(shop: ResolutionShop, request_type: RequestType = RequestType.REPAIR) -> str:
    lines = MISSING if request_type is RequestType.REISSUE else FAULT
    rma_no = shop.file("SO-1", lines, request_type, NOW)
    if shop.stored(rma_no).status is Status.PENDING_REVIEW:
        shop.step(rma_no, Action.APPROVE, NOW, note="照片清楚")
    assert shop.stored(rma_no).status is Status.APPROVED
    return rma_no


def opened(shop: ResolutionShop) -> str:
    rma_no = filed(shop)
    shop.inspect(rma_no, NOW)
    shop.run(lambda uow: repairs.open_repair(uow, rma_no, DESK, NOW), NOW)
    return rma_no


def step(
    shop: ResolutionShop,
    rma_no: str,
    name: str,
    *,
    note: str = "",
    cost: int = 0,
    approved: bool = False,
) -> RepairOrder:
    return shop.run(
        lambda uow: repairs.step(
            uow, rma_no, name, DESK, NOW, note=note, cost=cost, approved=approved
        ),
        NOW,
    )


def payments(shop: ResolutionShop) -> list[tuple[str, int]]:
    return [
        (m.payload["key"], m.payload["amount"]) for m in shop.db.outbox if m.topic == PAYMENT_TOPIC
    ]


def refused(shop: ResolutionShop, rma_no: str, name: str, *, cost: int = 0) -> str:
    before = shop.state.repairs[rma_no].status
    with pytest.raises(DomainError) as caught:
        step(shop, rma_no, name, note="检测", cost=cost)
    assert shop.state.repairs[rma_no].status is before  # nothing kept
    return caught.value.code


# --- the course of a repair ----------------------------------------------------------


def test_a_repair_order_opens_once_the_goods_passed_inspection(shop: ResolutionShop) -> None:
    rma_no = filed(shop)
    with pytest.raises(DomainError) as early:
        shop.run(lambda uow: repairs.open_repair(uow, rma_no, DESK, NOW), NOW)
    assert early.value.code == "repair_not_open"
    shop.inspect(rma_no, NOW)
    order = shop.run(lambda uow: repairs.open_repair(uow, rma_no, DESK, NOW), NOW)
    assert (order.status, order.currency) == (RepairStatus.RECEIVED, "CNY")
    assert shop.db.topics()[-1] == "repair.received"
    with pytest.raises(DomainError) as twice:
        shop.run(lambda uow: repairs.open_repair(uow, rma_no, DESK, NOW), NOW)
    assert twice.value.code == "repair_exists"


def test_an_accepted_cost_is_charged_and_the_repair_goes_back(shop: ResolutionShop) -> None:
    rma_no = opened(shop)
    diagnosed = step(shop, rma_no, "diagnose", note="主板故障", cost=3_000)
    assert (diagnosed.status, diagnosed.cost) == (RepairStatus.AWAITING_APPROVAL, cny(3_000))
    assert shop.db.topics()[-1] == "repair.cost_proposed"
    assert step(shop, rma_no, "answer_cost", approved=True).status is RepairStatus.DIAGNOSED
    assert movements(shop.db.posted(f"repair:{rma_no}:cost")) == {
        "customer_receivable/c-1": 3_000,
        "sales_returns": -3_000,
    }
    assert payments(shop) == [(f"repair_cost:{rma_no}", 3_000)]
    assert step(shop, rma_no, "repaired", note="换主板").status is RepairStatus.REPAIRED
    assert step(shop, rma_no, "ship_back").status is RepairStatus.AWAITING_SHIPMENT
    [outbound] = shop.state.shipment_requests.values()
    assert (outbound.purpose.value, outbound.price, outbound.items) == (
        "repair",
        cny(0),
        ({"line_no": 1, "quantity": 1},),
    )
    shop.run(
        lambda uow: mark_shipped(uow, outbound.request_id, "SF", "SF42", "integration:oms", NOW),
        NOW,
    )
    repair = shop.state.repairs[rma_no]
    assert repair.status is RepairStatus.SHIPPED_BACK
    assert [s.step for s in repair.steps] == [
        "received",
        "awaiting_approval",
        "diagnosed",
        "repaired",
        "awaiting_shipment",
        "shipped_back",
    ]
    assert all(s.actor == DESK for s in repair.steps[:-1])
    assert shop.stored(rma_no).status is Status.REPAIRED


def test_a_declined_cost_sends_the_goods_back_unrepaired(shop: ResolutionShop) -> None:
    rma_no = opened(shop)
    step(shop, rma_no, "diagnose", note="主板故障", cost=3_000)
    declined = step(shop, rma_no, "answer_cost", approved=False)
    assert (declined.status, declined.cost_approved) == (RepairStatus.DECLINED, False)
    assert shop.state.ledger == [] and payments(shop) == []
    assert refused(shop, rma_no, "repaired") == "repair_step_not_allowed"
    assert step(shop, rma_no, "ship_back").status is RepairStatus.AWAITING_SHIPMENT


def test_a_free_repair_needs_no_answer(shop: ResolutionShop) -> None:
    rma_no = opened(shop)
    assert step(shop, rma_no, "diagnose", note="接触不良").status is RepairStatus.DIAGNOSED
    assert refused(shop, rma_no, "answer_cost") == "repair_step_not_allowed"
    assert shop.state.ledger == [] and payments(shop) == []


# --- refusals ------------------------------------------------------------------------


def test_steps_out_of_order_are_refused(shop: ResolutionShop) -> None:
    rma_no = opened(shop)
    assert refused(shop, rma_no, "repaired") == "repair_step_not_allowed"
    assert refused(shop, rma_no, "ship_back") == "repair_step_not_allowed"
    assert refused(shop, rma_no, "answer_cost") == "repair_step_not_allowed"
    assert refused(shop, rma_no, "polish") == "repair_step_unknown"
    assert shop.state.shipment_requests == {}


@pytest.mark.parametrize("cost", [-1, 10_001])
def test_the_cost_stays_between_zero_and_what_was_paid(shop: ResolutionShop, cost: int) -> None:
    rma_no = opened(shop)
    assert refused(shop, rma_no, "diagnose", cost=cost) == "repair_cost_out_of_range"


def test_the_whole_price_paid_may_be_charged(shop: ResolutionShop) -> None:
    rma_no = opened(shop)
    assert step(shop, rma_no, "diagnose", note="x", cost=10_000).cost == cny(10_000)


def test_a_diagnosis_must_say_what_was_found(shop: ResolutionShop) -> None:
    rma_no = opened(shop)
    with pytest.raises(DomainError) as caught:
        step(shop, rma_no, "diagnose", note="  ", cost=100)
    assert (caught.value.code, caught.value.field) == ("diagnosis_required", "note")


def test_a_step_without_a_repair_order_is_not_found(shop: ResolutionShop) -> None:
    rma_no = filed(shop)
    with pytest.raises(NotFound) as caught:
        step(shop, rma_no, "diagnose", note="x")
    assert caught.value.code == "repair_not_found"


# --- reissue -------------------------------------------------------------------------


def test_missing_parts_are_reissued_once_and_the_waybill_resolves(shop: ResolutionShop) -> None:
    rma_no = filed(shop, RequestType.REISSUE)
    parts = [{"line_no": 1, "quantity": 1, "note": "充电器"}]
    sent = shop.run(lambda uow: repairs.reissue(uow, rma_no, parts, DESK, NOW), NOW)
    assert (sent.purpose.value, sent.price, sent.items) == ("reissue", cny(0), tuple(parts))
    with pytest.raises(DomainError) as twice:
        shop.run(lambda uow: repairs.reissue(uow, rma_no, parts, DESK, NOW), NOW)
    assert twice.value.code == "reissue_exists"
    [request_id] = shop.state.shipment_requests
    shop.run(lambda uow: mark_shipped(uow, request_id, "SF", "SF7", "integration:oms", NOW), NOW)
    assert shop.stored(rma_no).status is Status.REISSUED


def test_a_reissue_is_refused_for_another_request_type(shop: ResolutionShop) -> None:
    rma_no = filed(shop)
    with pytest.raises(DomainError) as caught:
        shop.run(lambda uow: repairs.reissue(uow, rma_no, [], DESK, NOW), NOW)
    assert caught.value.code == "reissue_not_open"
