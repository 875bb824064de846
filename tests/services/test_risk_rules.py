"""Risk thresholds from settings, the review's hook, and the in-memory unit of work
(issue 15, R10.3)."""

from __future__ import annotations

import pytest

from returnflow.config import Settings
from returnflow.domain.kinds import Outcome, ShippingPayer
from returnflow.domain.review import Assessment, with_risk
from returnflow.domain.risk import Filing, History, Level, RiskAction, Thresholds, score
from returnflow.services import risk as risk_service
from tests.support.fake_uow import FakeUnitOfWork


def test_thresholds_come_from_settings_per_action() -> None:
    settings = Settings(risk_medium=30, risk_high=60, risk_actions={"no_instant_refund": "medium"})
    rules = risk_service.thresholds_from(settings)
    assert (rules.medium, rules.high) == (30, 60)
    assert rules.actions_at(Level.MEDIUM) == {RiskAction.REVIEW, RiskAction.NO_INSTANT_REFUND}
    assert RiskAction.HOLD_REFUND in rules.actions_at(Level.HIGH)
    with pytest.raises(ValueError):
        risk_service.thresholds_from(Settings(risk_actions={"teleport": "high"}))
    assert risk_service.thresholds_from(Settings()) == Thresholds()


def _assessment(outcome: Outcome) -> Assessment:
    # with_risk reads only the outcome and reasons; the rest is carried over untouched
    return Assessment(outcome, (), (), ShippingPayer.CUSTOMER, None, 1)  # type: ignore[arg-type]


def test_with_risk_sends_an_approvable_request_to_a_person_and_keeps_refusals() -> None:
    scored = score(History(empty_boxes=1, serial_swaps=1), Filing(5_000, 2), Thresholds())
    reason = scored.review_reason
    assert reason is not None
    approved = _assessment(Outcome.APPROVED)
    moved = with_risk(approved, reason)
    assert (moved.outcome, [r.code for r in moved.reasons]) == (
        Outcome.PENDING_REVIEW,
        ["risk_review"],
    )
    rejected = _assessment(Outcome.REJECTED)
    assert with_risk(rejected, reason) is rejected
    assert with_risk(approved, None) is approved
    low = score(History(), Filing(5_000, 2), Thresholds())
    assert risk_service.review_with(approved, low) is approved


def test_without_a_risk_store_nothing_is_scored_or_held() -> None:
    """The service tests' in-memory unit of work keeps no risk: filing works as before."""
    uow = FakeUnitOfWork()
    assert risk_service.holds(uow, "RMA1", RiskAction.NO_INSTANT_REFUND) is False
    assert risk_service.refuses_instant(uow, "RMA1") is False
    assert risk_service.risk_of(uow, "RMA1") is None
