"""Scoring at filing on the in-memory unit of work (issue 15, R10.3): the service tests'
twin of the risk store (tests/support/fake_risk.py) keeps identifiers and scores, so
`services/risk.py` is typed against `RiskRecords` instead of checked at run time."""

from __future__ import annotations

from dataclasses import replace

from returnflow.domain.risk import RiskAction
from returnflow.services import risk
from tests.domain.builders import CUSTOMER, make_order
from tests.services.conftest import Shop


def test_a_shared_phone_links_two_accounts_and_the_score_is_kept(shop: Shop) -> None:
    other = replace(make_order(order_no="SO-2"), customer=replace(CUSTOMER, id="c-2"))
    shop.add_orders(make_order(), other)
    first = shop.file("SO-2")
    second = shop.file("SO-1")
    with shop.uow() as uow:
        alone = risk.risk_of(uow, first.rma_no)
        linked = risk.risk_of(uow, second.rma_no)
        held = risk.holds(uow, second.rma_no, RiskAction.NO_INSTANT_REFUND)
    assert alone is not None and "linked_accounts" not in {s.code for s in alone.signals}
    assert linked is not None and ("linked_accounts", 25) in {
        (s.code, s.points) for s in linked.signals
    }
    assert not held  # 25 points: low, nothing held
