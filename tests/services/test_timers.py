"""Issue 13's deadlines at their boundary, on the in-memory unit of work.

One microsecond before a deadline nothing happens; at the instant, its outcome does.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from returnflow.domain.kinds import Reason
from returnflow.domain.lifecycle import Action, Status
from returnflow.domain.returns import ReturnLine
from returnflow.services import timers
from returnflow.services.timers import TimerRules
from tests.domain.builders import make_line, make_order
from tests.services.conftest import NOW, Shop
from tests.support.fake_uow import FakeUnitOfWork

FAULT = (ReturnLine(1, 1, Reason.QUALITY, "屏幕有坏点"),)
RULES = TimerRules(review_days=5, inspection_due_days=2, inspection_timeout_days=10)
TICK = timedelta(microseconds=1)


@pytest.fixture
def shop_with_order(shop: Shop) -> Shop:
    shop.add_orders(make_order(make_line(quantity=2, category="electronics")))
    return shop


def _referred(shop: Shop) -> str:
    rma = shop.file("SO-1", FAULT).rma_no
    assert shop.stored(rma).status is Status.PENDING_REVIEW
    return rma


def _received(shop: Shop, at: datetime) -> str:
    rma = shop.file("SO-1").rma_no
    shop.step(rma, Action.SHIP, carrier="SF", tracking_no="SF1234567890", now=at)
    shop.step(rma, Action.RECEIVE, now=at, actor="warehouse:w-1")
    assert shop.stored(rma).status is Status.RECEIVED
    return rma


def _run(shop: Shop, step: timers.Step, rma: str, now: datetime) -> bool:
    with shop.uow() as uow:
        moved = step(uow, rma, RULES, now)
        uow.commit(now)
    return moved


def test_a_request_left_unreviewed_is_approved_by_the_system_at_the_deadline(
    shop_with_order: Shop,
) -> None:
    shop = shop_with_order
    rma = _referred(shop)
    due = NOW + timedelta(days=5)
    assert timers.countdowns(shop.stored(rma), RULES).auto_approve_at == due
    assert not _run(shop, timers.approve_if_unreviewed, rma, due - TICK)
    assert shop.stored(rma).status is Status.PENDING_REVIEW
    assert _run(shop, timers.approve_if_unreviewed, rma, due)
    request = shop.stored(rma)
    assert request.status is Status.APPROVED
    last = request.history[-1]
    assert (last.action, last.actor, last.note) == (
        Action.APPROVE,
        "system",
        timers.REVIEW_TIMEOUT_NOTE,
    )
    assert request.decision is not None and request.decision.decided_by == "system"
    assert [r.code for r in request.decision.reasons] == ["review_timeout"]
    assert request.decision.reasons[0].message.zh.startswith("商家未在审核期限内处理")
    assert request.ship_by == due + timedelta(days=7)  # the shipping clock starts
    assert shop.db.topics()[-1] == "return.approved"
    # already moved: a second run does nothing
    assert not _run(shop, timers.approve_if_unreviewed, rma, due + timedelta(days=1))


def test_an_appealed_request_is_not_approved_by_silence(shop_with_order: Shop) -> None:
    shop = shop_with_order
    rma = _referred(shop)
    shop.step(rma, Action.REJECT, note="no fault found")

    def appeal(uow: FakeUnitOfWork) -> None:
        stored = uow.returns.get(rma, for_update=True)
        assert stored is not None
        stored.appeal("customer:c-1", NOW, "please look again", NOW + timedelta(days=3))

    shop.run(appeal)
    request = shop.stored(rma)
    assert request.status is Status.PENDING_REVIEW and timers.appealed(request)
    assert timers.countdowns(request, RULES).auto_approve_at is None
    assert not _run(shop, timers.approve_if_unreviewed, rma, NOW + timedelta(days=30))
    assert shop.stored(rma).status is Status.PENDING_REVIEW


def test_an_uninspected_return_is_flagged_once_at_its_inspection_deadline(
    shop_with_order: Shop,
) -> None:
    shop = shop_with_order
    received_at = NOW + timedelta(days=1)
    rma = _received(shop, received_at)
    due = received_at + timedelta(days=2)
    assert timers.countdowns(shop.stored(rma), RULES).inspect_by == due
    assert not _run(shop, timers.flag_overdue_inspection, rma, due - TICK)
    assert timers.OVERDUE_TOPIC not in shop.db.topics()
    assert _run(shop, timers.flag_overdue_inspection, rma, due)
    assert shop.db.topics().count(timers.OVERDUE_TOPIC) == 1
    assert shop.stored(rma).status is Status.RECEIVED  # no status change
    # flagged once: later runs say nothing more
    assert not _run(shop, timers.flag_overdue_inspection, rma, due + timedelta(days=1))
    assert shop.db.topics().count(timers.OVERDUE_TOPIC) == 1


def test_a_return_left_uninspected_passes_at_the_timeout_so_the_refund_follows(
    shop_with_order: Shop,
) -> None:
    shop = shop_with_order
    received_at = NOW + timedelta(days=1)
    rma = _received(shop, received_at)
    due = received_at + timedelta(days=10)
    assert timers.countdowns(shop.stored(rma), RULES).inspection_timeout_at == due
    assert not _run(shop, timers.pass_uninspected, rma, due - TICK)
    assert shop.stored(rma).status is Status.RECEIVED
    assert _run(shop, timers.pass_uninspected, rma, due)
    request = shop.stored(rma)
    assert request.status is Status.INSPECTED
    assert request.inspection is not None
    assert (request.inspection.passed, request.inspection.inspected_by) == (True, "system")
    assert request.inspection.notes == timers.INSPECTION_TIMEOUT_NOTE
    assert shop.db.topics()[-1] == "return.inspected"  # the bus asks for the refund


def test_countdowns_show_only_the_clock_that_runs(shop_with_order: Shop) -> None:
    shop = shop_with_order
    approved = shop.stored(shop.file("SO-1").rma_no)
    shown = timers.countdowns(approved, RULES)
    assert shown.ship_by == approved.ship_by is not None
    assert (shown.auto_approve_at, shown.inspect_by, shown.confirm_by) == (None, None, None)
