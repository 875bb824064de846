"""The repair order: the desk's steps in order, each recorded; what follows each."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from returnflow.domain.money import Money
from returnflow.domain.repairs import STEP_NAMES, STEPS_OPEN, RepairOrder, RepairStatus
from returnflow.domain.text import DomainError

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def test_a_chargeable_repair_waits_for_the_customer_then_ships_back() -> None:
    order = RepairOrder.receive("RMA1", "c-1", "CNY", NOW, "agent:li")
    assert list(order.steps_open) == ["diagnose"]  # a list: mypy keeps the property unnarrowed
    with pytest.raises(DomainError) as refused:
        order.repaired(NOW, "agent:li")
    assert refused.value.code == "repair_step_not_allowed"
    order.diagnose(NOW, "agent:li", "换主板", Money(2000))
    assert (order.status, order.steps_open) == (RepairStatus.AWAITING_APPROVAL, ("answer_cost",))
    assert order.answer_cost(NOW, "agent:li", approved=True) == Money(2000)
    order.repaired(NOW, "agent:li", "done")
    order.request_shipment(NOW, "agent:li")
    order.shipped_back(NOW, "order-system", "SF 1")
    assert order.status is RepairStatus.SHIPPED_BACK
    assert order.steps_open == ()
    assert [event.name for event in order.events] == [
        "repair.received",
        "repair.cost_proposed",
        "repair.cost_accepted",
        "repair.shipment_requested",
        "repair.shipped_back",
    ]
    assert [step.step for step in order.steps] == [
        "received", "awaiting_approval", "diagnosed", "repaired", "awaiting_shipment",
        "shipped_back",
    ]  # fmt: skip


def test_a_declined_cost_goes_back_unrepaired_and_owes_nothing() -> None:
    order = RepairOrder.receive("RMA1", "c-1", "CNY", NOW, "agent:li")
    order.diagnose(NOW, "agent:li", "屏幕坏了", Money(5000))
    assert order.answer_cost(NOW, "agent:li", approved=False) is None
    assert order.status is RepairStatus.DECLINED
    assert order.steps_open == ("ship_back",)
    assert order.charge is None


def test_every_open_step_is_a_known_step() -> None:
    assert {step for steps in STEPS_OPEN.values() for step in steps} <= set(STEP_NAMES)
