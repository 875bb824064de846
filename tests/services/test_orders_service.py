"""Importing orders and the eligibility view, on the in-memory unit of work (R2.1, R2.5)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from returnflow.domain.catalog import ItemFlag
from returnflow.domain.kinds import Outcome, Reason, RequestType
from returnflow.domain.lifecycle import Action
from returnflow.domain.policy import Terms
from returnflow.domain.returns import ReturnLine
from returnflow.services import orders as order_service
from returnflow.services import policies
from returnflow.services.errors import NotFound
from tests.domain.builders import DELIVERED_AT, PLACED_AT, make_line, make_order
from tests.services.conftest import NOW, Shop
from tests.support.fake_uow import FakeUnitOfWork


def test_importing_a_new_order_stores_it_on_commit(shop: Shop) -> None:
    order = make_order(order_no="SO-1")
    with shop.uow() as uow:
        assert order_service.import_order(uow, order, NOW) is True
        assert shop.db.orders == {}  # nothing is stored before the commit
        uow.commit(NOW)
    assert shop.db.orders == {"SO-1": order}


def test_importing_again_updates_and_never_duplicates(shop: Shop) -> None:
    shop.add_orders(make_order(order_no="SO-1", shipping_fee=800))
    updated = make_order(order_no="SO-1", shipping_fee=1200)
    created = shop.run(lambda uow: order_service.import_order(uow, updated, NOW))
    assert created is False
    assert list(shop.db.orders) == ["SO-1"]
    assert shop.db.orders["SO-1"].shipping_fee.cents == 1200


def test_an_import_left_uncommitted_keeps_nothing(shop: Shop) -> None:
    with shop.uow() as uow:
        order_service.import_order(uow, make_order(order_no="SO-9"), NOW)
    assert shop.db.orders == {}


def test_an_unknown_order_is_not_found(shop: Shop) -> None:
    with shop.uow() as uow, pytest.raises(NotFound) as refused:
        order_service.get_order(uow, "NOPE")
    assert refused.value.code == "order_not_found"


def test_another_merchants_order_is_as_unknown_as_a_missing_one(shop: Shop) -> None:
    shop.add_orders(make_order(order_no="SO-1", merchant_id="m-1"))
    with shop.uow() as uow:
        assert order_service.get_order(uow, "SO-1", merchant_scope="m-1").order_no == "SO-1"
        with pytest.raises(NotFound):
            order_service.get_order(uow, "SO-1", merchant_scope="m-2")
        with pytest.raises(NotFound):
            order_service.eligibility(uow, "SO-1", NOW, merchant_scope="m-2")


def test_a_delivered_order_may_be_returned_without_reason_in_its_first_week(shop: Shop) -> None:
    shop.add_orders(make_order(make_line(quantity=2)))
    with shop.uow() as uow:
        order, policy, lines = order_service.eligibility(uow, "SO-1", NOW)
    assert (order.order_no, policy.version) == ("SO-1", 1)
    [line] = lines
    assert line.requestable_quantity == 2
    assert line.allowed_types == [
        RequestType.REFUND,
        RequestType.EXCHANGE,
        RequestType.REPAIR,
        RequestType.REISSUE,
        RequestType.REFUND_ONLY,  # delivered goods kept: a person decides
    ]
    no_reason = line.options[0]
    assert (no_reason.request_type, no_reason.reason) == (RequestType.REFUND, Reason.NO_REASON)
    assert no_reason.verdict.outcome is Outcome.APPROVED
    assert no_reason.verdict.last_day == (DELIVERED_AT + timedelta(days=7)).date()


def test_units_in_a_live_request_are_no_longer_requestable(shop: Shop) -> None:
    shop.add_orders(make_order(make_line(quantity=3)))
    shop.file("SO-1", [ReturnLine(1, 2, Reason.NO_REASON)])
    with shop.uow() as uow:
        _, _, [line] = order_service.eligibility(uow, "SO-1", NOW)
    assert line.requestable_quantity == 1


def test_units_of_a_cancelled_request_are_requestable_again(shop: Shop) -> None:
    shop.add_orders(make_order(make_line(quantity=2)))
    filed = shop.file("SO-1", [ReturnLine(1, 2, Reason.NO_REASON)])
    shop.step(filed.rma_no, Action.CANCEL)
    with shop.uow() as uow:
        _, _, [line] = order_service.eligibility(uow, "SO-1", NOW)
    assert line.requestable_quantity == 2


def test_an_undelivered_order_offers_only_a_refund_without_return(shop: Shop) -> None:
    shop.add_orders(make_order(delivered_at=None))
    with shop.uow() as uow:
        _, _, [line] = order_service.eligibility(uow, "SO-1", NOW)
    assert line.allowed_types == [RequestType.REFUND_ONLY]
    offered = [o for o in line.options if o.verdict.outcome is not Outcome.REJECTED]
    assert [(o.request_type, o.reason) for o in offered] == [
        (RequestType.REFUND_ONLY, Reason.NOT_DELIVERED)
    ]


def test_opened_hygiene_goods_are_offered_only_while_sealed(shop: Shop) -> None:
    shop.add_orders(make_order(make_line(flags=[ItemFlag.HYGIENE_SEALED])))
    with shop.uow() as uow:
        _, _, [line] = order_service.eligibility(uow, "SO-1", NOW)
    codes = [r.code for r in line.options[0].verdict.results]
    assert "sealed_only" in codes


def test_an_order_keeps_the_terms_of_the_day_it_was_placed(shop: Shop) -> None:
    generous = policies.PolicyDraft(
        effective_from=PLACED_AT + timedelta(days=1), baseline=Terms(no_reason_days=15)
    )
    shop.run(lambda uow: policies.publish_version(uow, generous, NOW, "admin:root"))
    before = make_order(order_no="OLD")
    after = make_order(order_no="NEW", placed_at=PLACED_AT + timedelta(days=2))
    shop.add_orders(before, after)
    with shop.uow() as uow:
        _, old_policy, [old] = order_service.eligibility(uow, "OLD", NOW)
        _, new_policy, [new] = order_service.eligibility(uow, "NEW", NOW)
    assert (old_policy.version, new_policy.version) == (1, 2)
    assert old.options[0].verdict.last_day == (DELIVERED_AT + timedelta(days=7)).date()
    assert new.options[0].verdict.last_day == (DELIVERED_AT + timedelta(days=15)).date()


def test_after_the_no_reason_week_only_fault_claims_remain(shop: Shop) -> None:
    shop.add_orders(make_order())
    late = DELIVERED_AT + timedelta(days=9)
    with FakeUnitOfWork(shop.db) as uow:
        _, _, [line] = order_service.eligibility(uow, "SO-1", late)
    outcomes = {(o.request_type, o.reason): o.verdict.outcome for o in line.options}
    assert outcomes[RequestType.REFUND, Reason.NO_REASON] is Outcome.REJECTED
    assert outcomes[RequestType.EXCHANGE, Reason.QUALITY] is Outcome.APPROVED


def test_an_updated_order_is_judged_as_it_now_is(shop: Shop) -> None:
    shop.add_orders(make_order(make_line(quantity=1)))
    shop.add_orders(make_order(make_line(quantity=4)))
    with shop.uow() as uow:
        _, _, [line] = order_service.eligibility(uow, "SO-1", NOW)
    assert line.requestable_quantity == 4
