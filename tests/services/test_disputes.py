"""Disputes on the in-memory unit of work: who may open, who adds what, the ruling and
the sweep's default ruling (R8.3, R8.4). The money itself (the refund life) is tested on
both databases in tests/api/test_disputes_api.py; here `pay_award` is recorded."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

import pytest

from returnflow.domain.access import Principal, Role
from returnflow.domain.appeals import Appeal, AppealStatus, AppealSubject
from returnflow.domain.awards import Award, Liable
from returnflow.domain.disputes import DisputeStatus, Outcome, Party, Side
from returnflow.domain.kinds import Reason
from returnflow.domain.lifecycle import Action
from returnflow.domain.money import Money
from returnflow.domain.returns import ReturnLine
from returnflow.domain.text import DomainError, Text
from returnflow.services import dispute_queries, liability
from returnflow.services import disputes as service
from returnflow.services.errors import Conflict, NotFound
from returnflow.services.refunds import RefundRules
from returnflow.services.unit_of_work import UnitOfWork
from tests.domain.builders import make_line, make_order
from tests.services.conftest import NOW, Shop
from tests.support.fake_appeals import committed as committed_appeals
from tests.support.fake_disputes import committed
from tests.support.fake_resolutions import NoRefunds
from tests.support.fake_uow import FakeUnitOfWork

RULES = service.DisputeRules(evidence_days=3)
DUE = NOW + timedelta(days=3)
CUSTOMER = service.customer_party("c-1")
MERCHANT = service.party_for(Principal(2, "acme", "Acme", Role.MERCHANT, merchant_id="m-1"))
OTHER_MERCHANT = service.party_for(Principal(3, "zeta", "Zeta", Role.MERCHANT, merchant_id="m-2"))
AGENT = service.party_for(Principal(4, "li", "Li", Role.AGENT))
MEDIATOR = service.party_for(Principal(5, "wu", "Wu", Role.MEDIATOR))


@dataclass
class Payments:
    awards: list[tuple[str, Award, str]] = field(default_factory=list)
    refuse: DomainError | None = None

    def pay(self, uow: UnitOfWork, rma_no: str, award: Award, actor: str, *_: Any) -> Any:
        if self.refuse is not None:
            raise self.refuse
        self.awards.append((rma_no, award, actor))
        return None


@pytest.fixture
def payments(monkeypatch: pytest.MonkeyPatch) -> Payments:
    recorded = Payments()
    monkeypatch.setattr(liability, "pay_award", recorded.pay)
    return recorded


def as_uow(uow: FakeUnitOfWork) -> UnitOfWork:
    return cast(UnitOfWork, uow)


def rejected(shop: Shop, appeal: AppealStatus | None = AppealStatus.UPHELD) -> str:
    """A rejected request whose appeal ended as `appeal` (None: never appealed)."""
    shop.add_orders(make_order(make_line(quantity=1, category="electronics")))
    rma_no = shop.file("SO-1", (ReturnLine(1, 1, Reason.QUALITY, "屏幕有坏点"),)).rma_no
    shop.step(rma_no, Action.REJECT, note="照片显示商品完好")
    if appeal is not None:
        committed_appeals(shop.db)[rma_no] = Appeal(
            rma_no, "m-1", "c-1", AppealSubject.REJECTION, "it is broken", (), "c", NOW, NOW, appeal
        )
    return rma_no


def open_by(shop: Shop, rma_no: str, party: Party, now: datetime = NOW) -> str:
    return shop.run(
        lambda uow: service.open_dispute(as_uow(uow), rma_no, "它是坏的", party, now, RULES), now
    ).dispute_no


def evidence(
    shop: Shop, no: str, party: Party, side: str | None = None, now: datetime = NOW
) -> None:
    kind = "carrier_record" if side == "carrier" else "statement"
    shop.run(
        lambda uow: service.add_evidence(as_uow(uow), no, side, kind, "我方说明", (), party, now),
        now,
    )


def rule(shop: Shop, no: str, values: service.RulingValues, now: datetime = NOW) -> Any:
    return shop.run(
        lambda uow: service.rule_dispute(as_uow(uow), no, values, MEDIATOR, now, RefundRules()),
        now,
    )


def sweep(shop: Shop, now: datetime) -> int:
    return shop.run(lambda uow: service.rule_overdue(as_uow(uow), now, RefundRules()), now)


# --- opening -----------------------------------------------------------------------------


def test_the_customer_opens_after_an_upheld_appeal(shop: Shop) -> None:
    rma_no = rejected(shop)
    no = open_by(shop, rma_no, CUSTOMER)
    assert no == "DP20260303-000001"
    stored = committed(shop.db)[no]
    assert (stored.opener, stored.status, stored.evidence_due_at) == (
        Side.CUSTOMER,
        DisputeStatus.OPEN,
        DUE,
    )
    assert stored.merchant_id == "m-1" and stored.opened_by == "customer:c-1"
    assert "dispute.opened" in shop.db.topics()


@pytest.mark.parametrize("appeal", [None, AppealStatus.OPEN, AppealStatus.OVERTURNED])
def test_the_customer_cannot_open_without_an_upheld_appeal(
    shop: Shop, appeal: AppealStatus | None
) -> None:
    rma_no = rejected(shop, appeal)
    with pytest.raises(Conflict) as refused:
        open_by(shop, rma_no, CUSTOMER)
    assert refused.value.code == "dispute_not_open_yet"
    assert committed(shop.db) == {}


def test_an_agent_opens_for_the_customer(shop: Shop) -> None:
    rma_no = rejected(shop)
    no = open_by(shop, rma_no, AGENT)
    assert committed(shop.db)[no].opener is Side.CUSTOMER


def test_the_merchant_opens_only_against_an_overturned_decision(shop: Shop) -> None:
    upheld = rejected(shop)
    with pytest.raises(Conflict):
        open_by(shop, upheld, MERCHANT)
    committed_appeals(shop.db)[upheld].status = AppealStatus.OVERTURNED
    no = open_by(shop, upheld, MERCHANT)
    assert committed(shop.db)[no].opener is Side.MERCHANT


def test_a_mediator_may_step_in_any_time(shop: Shop) -> None:
    rma_no = rejected(shop, None)
    no = open_by(shop, rma_no, MEDIATOR)
    assert committed(shop.db)[no].opener is Side.PLATFORM


def test_one_open_dispute_per_request(shop: Shop) -> None:
    rma_no = rejected(shop)
    open_by(shop, rma_no, CUSTOMER)
    with pytest.raises(Conflict) as twice:
        open_by(shop, rma_no, MEDIATOR)
    assert twice.value.code == "dispute_exists"


def test_others_cannot_open_on_a_request_they_do_not_own(shop: Shop) -> None:
    rma_no = rejected(shop)
    with pytest.raises(NotFound):
        open_by(shop, rma_no, service.customer_party("c-2"))
    committed_appeals(shop.db)[rma_no].status = AppealStatus.OVERTURNED
    with pytest.raises(NotFound):
        open_by(shop, rma_no, OTHER_MERCHANT)


# --- evidence ----------------------------------------------------------------------------


def test_each_side_adds_only_its_own_evidence(shop: Shop) -> None:
    no = open_by(shop, rejected(shop), CUSTOMER)
    with pytest.raises(DomainError) as wrong_side:
        evidence(shop, no, MERCHANT, "customer")
    assert wrong_side.value.code == "forbidden"
    with pytest.raises(NotFound):
        evidence(shop, no, OTHER_MERCHANT)
    with pytest.raises(DomainError):
        evidence(shop, no, CUSTOMER, "carrier")  # only staff add carrier records
    evidence(shop, no, AGENT, "carrier")
    evidence(shop, no, MERCHANT)
    stored = committed(shop.db)[no]
    assert [item.side for item in stored.evidence] == [Side.CUSTOMER, Side.CARRIER, Side.MERCHANT]
    assert stored.status is DisputeStatus.UNDER_REVIEW  # both sides heard


def test_evidence_at_the_deadline_is_late(shop: Shop) -> None:
    no = open_by(shop, rejected(shop), CUSTOMER)
    evidence(shop, no, MERCHANT, now=DUE - timedelta(seconds=1))
    with pytest.raises(Conflict) as late:
        evidence(shop, no, CUSTOMER, now=DUE)
    assert late.value.code == "evidence_late"


# --- ruling ------------------------------------------------------------------------------


def test_a_ruling_for_the_customer_pays_the_full_refund_once(
    shop: Shop, payments: Payments
) -> None:
    no = open_by(shop, rejected(shop), CUSTOMER)
    values = service.RulingValues("customer", "merchant", "商品确有质量问题", None, 500)
    rule(shop, no, values)
    [(_, award, actor)] = payments.awards
    assert (award.source, award.reference, award.liable, award.party) == (
        "ruling",
        no,
        Liable.MERCHANT,
        "m-1",
    )
    assert award.refund is None and award.compensation == Money(500, "CNY")
    assert actor == "mediator:wu"
    assert committed(shop.db)[no].status is DisputeStatus.RULED
    with pytest.raises(Conflict) as again:
        rule(shop, no, values)
    assert again.value.code == "dispute_closed"
    assert len(payments.awards) == 1


def test_a_ruling_for_the_merchant_moves_no_money(shop: Shop, payments: Payments) -> None:
    no = open_by(shop, rejected(shop), CUSTOMER)
    rule(shop, no, service.RulingValues("merchant", "customer", "商品完好"))
    assert payments.awards == []
    ruling = committed(shop.db)[no].ruling
    assert ruling is not None and ruling.outcome is Outcome.MERCHANT


def test_a_split_agreement_names_its_refund(shop: Shop, payments: Payments) -> None:
    no = open_by(shop, rejected(shop), CUSTOMER)
    with pytest.raises(DomainError) as unnamed:
        rule(shop, no, service.RulingValues("split", "merchant", "各退一步", agreement=True))
    assert unnamed.value.code == "split_needs_refund"
    rule(shop, no, service.RulingValues("split", "merchant", "各退一步", 4000, agreement=True))
    assert committed(shop.db)[no].status is DisputeStatus.AGREED
    assert payments.awards[0][1].refund == Money(4000, "CNY")


def test_a_refused_award_refuses_the_ruling(shop: Shop, payments: Payments) -> None:
    no = open_by(shop, rejected(shop), CUSTOMER)
    payments.refuse = Conflict("refund_exists", Text("已退款", "A refund exists"))
    with pytest.raises(Conflict):
        rule(shop, no, service.RulingValues("customer", "merchant", "质量问题"))
    assert committed(shop.db)[no].status is DisputeStatus.OPEN


def test_only_the_platform_rules(shop: Shop) -> None:
    no = open_by(shop, rejected(shop), CUSTOMER)
    with pytest.raises(DomainError) as refused:
        shop.run(
            lambda uow: service.rule_dispute(
                as_uow(uow),
                no,
                service.RulingValues("customer", "merchant", "x"),
                AGENT,
                NOW,
                RefundRules(),
            )
        )
    assert refused.value.code == "forbidden"


@pytest.mark.parametrize(("name", "value"), [("outcome", "maybe"), ("liable", "weather")])
def test_unknown_outcomes_and_parties_are_refused(shop: Shop, name: str, value: str) -> None:
    no = open_by(shop, rejected(shop), CUSTOMER)
    values = {"outcome": "customer", "liable": "merchant", name: value}
    with pytest.raises(DomainError) as refused:
        rule(shop, no, service.RulingValues(values["outcome"], values["liable"], "x"))
    assert refused.value.code == f"{name}_unknown"


# --- the sweep ---------------------------------------------------------------------------


def test_the_sweep_waits_until_the_deadline(shop: Shop, payments: Payments) -> None:
    no = open_by(shop, rejected(shop), CUSTOMER)
    assert sweep(shop, DUE - timedelta(microseconds=1)) == 0
    assert committed(shop.db)[no].status is DisputeStatus.OPEN
    assert payments.awards == []


def test_the_silent_merchant_is_ruled_against_at_the_deadline(
    shop: Shop, payments: Payments
) -> None:
    no = open_by(shop, rejected(shop), CUSTOMER)
    assert sweep(shop, DUE) == 1
    stored = committed(shop.db)[no]
    assert stored.status is DisputeStatus.RULED and stored.ruling is not None
    assert (stored.ruling.outcome, stored.ruling.liable) == (Outcome.CUSTOMER, Liable.MERCHANT)
    [(_, award, actor)] = payments.awards
    assert award.refund is None and actor == "system"
    assert sweep(shop, DUE + timedelta(hours=1)) == 0  # once
    assert len(payments.awards) == 1


def test_the_silent_customer_is_ruled_against_and_nothing_is_paid(
    shop: Shop, payments: Payments
) -> None:
    rma_no = rejected(shop, AppealStatus.OVERTURNED)
    no = open_by(shop, rma_no, MERCHANT)
    assert sweep(shop, DUE) == 1
    ruling = committed(shop.db)[no].ruling
    assert ruling is not None and ruling.outcome is Outcome.MERCHANT
    assert payments.awards == []


def test_both_heard_goes_to_the_mediator_not_a_default_ruling(
    shop: Shop, payments: Payments
) -> None:
    no = open_by(shop, rejected(shop, None), MEDIATOR)
    assert sweep(shop, DUE) == 1  # neither side heard: a mediator decides
    assert committed(shop.db)[no].status is DisputeStatus.UNDER_REVIEW
    assert payments.awards == []


def test_a_refused_default_award_leaves_it_to_the_mediator(shop: Shop, payments: Payments) -> None:
    no = open_by(shop, rejected(shop), CUSTOMER)
    payments.refuse = Conflict("refund_exists", Text("已退款", "A refund exists"))
    assert sweep(shop, DUE) == 1
    assert committed(shop.db)[no].status is DisputeStatus.UNDER_REVIEW


# --- reading -----------------------------------------------------------------------------


def test_the_queue_is_soonest_due_first_and_scoped(shop: Shop) -> None:
    shop.add_orders(make_order(order_no="SO-2", merchant_id="m-2"))
    first = open_by(shop, rejected(shop), CUSTOMER, NOW + timedelta(hours=2))
    other = shop.file("SO-2", (ReturnLine(1, 1, Reason.QUALITY, "坏"),)).rma_no
    second = open_by(shop, other, MEDIATOR, NOW)
    with shop.uow() as uow:
        everyone = dispute_queries.queue(as_uow(uow), None, 1, 20, None)
        mine = dispute_queries.queue(as_uow(uow), "open", 1, 20, "m-1")
    assert [s.dispute_no for s in everyone.items] == [second, first]
    assert [s.dispute_no for s in mine.items] == [first] and mine.total == 1


def test_the_detail_shows_both_sides_and_hides_from_other_merchants(shop: Shop) -> None:
    rma_no = rejected(shop)
    no = open_by(shop, rma_no, CUSTOMER)
    evidence(shop, no, MERCHANT)
    with shop.uow() as uow:
        uow.refunds = NoRefunds()  # type: ignore[attr-defined]  # no refund owed yet
        seen = dispute_queries.detail(as_uow(uow), no, "m-1", NOW)
        with pytest.raises(NotFound):
            dispute_queries.detail(as_uow(uow), no, "m-2", NOW)
    assert len(seen.evidence_by_side[Side.CUSTOMER]) == 1
    assert len(seen.evidence_by_side[Side.MERCHANT]) == 1
    assert [c.action for c in seen.request.history][-1] is Action.REJECT
    assert seen.lines and seen.appeal_status == "upheld"
