"""The dispute aggregate: who opens, evidence until the deadline, one ruling, and the
default ruling against a side silent at the deadline, each deadline at its boundary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from returnflow.domain.awards import Liable
from returnflow.domain.disputes import (
    Dispute,
    DisputeStatus,
    EvidenceKind,
    Outcome,
    Party,
    Ruling,
    Side,
)
from returnflow.domain.money import Money
from returnflow.domain.text import DomainError

OPENED = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
WINDOW = timedelta(days=3)
DUE = OPENED + WINDOW
JUST_BEFORE = DUE - timedelta(microseconds=1)
CUSTOMER = Party("customer:c-1", Side.CUSTOMER, customer_id="c-1")
MERCHANT = Party("merchant:acme", Side.MERCHANT, merchant_scope="acme")
MEDIATOR = Party("mediator:wu", Side.PLATFORM, staff=True)


def opened(by: Party = CUSTOMER) -> Dispute:
    return Dispute.open(
        dispute_no="DP20261207-000001",
        rma_no="RMA202612070000001",
        order_no="SO-1",
        customer_id="c-1",
        merchant_id="acme",
        by=by,
        statement="  The parcel was sealed when it left  ",
        now=OPENED,
        evidence_window=WINDOW,
    )


def ruling(outcome: Outcome = Outcome.CUSTOMER, **changes: object) -> Ruling:
    values: dict[str, object] = {
        "outcome": outcome,
        "liable": Liable.MERCHANT,
        "refund": None,
        "compensation": Money(0, "CNY"),
        "reason": "the photos show the damage",
        "ruled_by": MEDIATOR.actor,
        "at": OPENED + timedelta(days=1),
    }
    values.update(changes)
    return Ruling(**values)  # type: ignore[arg-type]


def answer(dispute: Dispute, by: Party, side: Side, at: datetime) -> None:
    dispute.add_evidence(by, side, EvidenceKind.STATEMENT, "our side", (), at)


def test_opening_sets_the_deadline_and_keeps_the_statement_as_evidence() -> None:
    dispute = opened()
    assert dispute.status is DisputeStatus.OPEN
    assert dispute.evidence_due_at == OPENED + WINDOW
    assert dispute.statement == "The parcel was sealed when it left"
    assert dispute.heard(Side.CUSTOMER) and not dispute.heard(Side.MERCHANT)
    assert [e.name for e in dispute.events] == ["dispute.opened"]
    assert dispute.events[0].data["evidence_due_at"] == DUE.isoformat()


def test_a_carrier_cannot_open_and_a_statement_is_required() -> None:
    with pytest.raises(DomainError) as refused:
        opened(Party("x", Side.CARRIER, staff=True))
    assert refused.value.code == "dispute_opener"
    with pytest.raises(DomainError) as empty:
        Dispute.open(
            dispute_no="DP1",
            rma_no="R",
            order_no="O",
            customer_id="c",
            merchant_id="m",
            by=CUSTOMER,
            statement="   ",
            now=OPENED,
            evidence_window=WINDOW,
        )
    assert empty.value.code == "text_required"


def test_evidence_just_before_the_deadline_is_in_time() -> None:
    dispute = opened()
    assert dispute.accepts_evidence(JUST_BEFORE)
    answer(dispute, MERCHANT, Side.MERCHANT, JUST_BEFORE)
    assert dispute.heard(Side.MERCHANT)
    assert dispute.events[-1].name == "dispute.evidence_added"


def test_evidence_at_exactly_the_deadline_is_late() -> None:
    dispute = opened()
    assert not dispute.accepts_evidence(DUE)
    with pytest.raises(DomainError) as late:
        answer(dispute, MERCHANT, Side.MERCHANT, DUE)
    assert late.value.code == "evidence_late"
    assert not dispute.heard(Side.MERCHANT)


def test_photo_evidence_needs_photos_and_is_bounded() -> None:
    dispute = opened()
    with pytest.raises(DomainError) as missing:
        dispute.add_evidence(MERCHANT, Side.MERCHANT, EvidenceKind.PHOTO, "", (), OPENED)
    assert missing.value.code == "photo_missing"
    too_many = tuple(f"p{i}.jpg" for i in range(10))
    with pytest.raises(DomainError) as bounded:
        dispute.add_evidence(MERCHANT, Side.MERCHANT, EvidenceKind.PHOTO, "", too_many, OPENED)
    assert bounded.value.code == "too_many_photos"
    item = dispute.add_evidence(
        MERCHANT, Side.MERCHANT, EvidenceKind.PHOTO, "", ("p1.jpg",), OPENED
    )
    assert item.photos == ("p1.jpg",)


def test_nobody_is_silent_before_the_deadline() -> None:
    dispute = opened()
    assert dispute.silent_side(JUST_BEFORE) is None
    assert dispute.default_ruling(JUST_BEFORE, "CNY") is None


def test_the_silent_merchant_loses_at_the_deadline_with_a_full_refund() -> None:
    dispute = opened()
    assert dispute.silent_side(DUE) is Side.MERCHANT
    default = dispute.default_ruling(DUE, "CNY")
    assert default is not None
    assert (default.outcome, default.liable, default.refund) == (
        Outcome.CUSTOMER,
        Liable.MERCHANT,
        None,
    )
    assert default.compensation == Money(0, "CNY") and default.pays
    assert default.ruled_by == "system" and default.at == DUE


def test_the_silent_customer_loses_and_nothing_is_paid() -> None:
    dispute = opened(MERCHANT)
    assert dispute.silent_side(JUST_BEFORE) is None
    assert dispute.silent_side(DUE) is Side.CUSTOMER
    default = dispute.default_ruling(DUE, "CNY")
    assert default is not None
    assert default.outcome is Outcome.MERCHANT and not default.pays


def test_both_heard_means_nobody_is_silent_and_the_mediator_reviews() -> None:
    dispute = opened()
    answer(dispute, MERCHANT, Side.MERCHANT, JUST_BEFORE)
    assert dispute.silent_side(DUE) is None
    assert dispute.review(JUST_BEFORE)
    assert dispute.status is DisputeStatus.UNDER_REVIEW
    assert not dispute.review(DUE)  # only once


def test_a_platform_opened_dispute_with_both_silent_goes_to_the_mediator() -> None:
    dispute = opened(MEDIATOR)
    assert dispute.silent_side(DUE) is None
    assert not dispute.review(JUST_BEFORE)
    assert dispute.review(DUE)


def test_a_ruling_is_recorded_once() -> None:
    dispute = opened()
    dispute.rule(ruling())
    assert dispute.status is DisputeStatus.RULED
    assert dispute.events[-1].name == "dispute.ruled"
    assert dispute.events[-1].data["outcome"] == "customer"
    with pytest.raises(DomainError) as again:
        dispute.rule(ruling(agreement=True))
    assert again.value.code == "dispute_closed"
    with pytest.raises(DomainError) as late:
        answer(dispute, MERCHANT, Side.MERCHANT, OPENED + timedelta(hours=1))
    assert late.value.code == "dispute_closed"
    assert dispute.silent_side(DUE) is None  # decided: no default ruling any more


def test_an_agreement_closes_it_as_agreed() -> None:
    dispute = opened()
    dispute.rule(ruling(Outcome.SPLIT, refund=Money(5000, "CNY"), agreement=True))
    assert dispute.status is DisputeStatus.AGREED
    assert dispute.events[-1].name == "dispute.agreed"
    assert dispute.events[-1].data["refund"] == 5000


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"outcome": Outcome.SPLIT}, "split_needs_refund"),
        ({"outcome": Outcome.MERCHANT}, "merchant_outcome_pays"),  # refund None = full
        ({"liable": Liable.CUSTOMER}, "customer_liable_pays"),
        ({"reason": " "}, "text_required"),
    ],
)
def test_rulings_that_contradict_themselves_are_refused(
    changes: dict[str, object], code: str
) -> None:
    dispute = opened()
    with pytest.raises(DomainError) as refused:
        dispute.rule(ruling(**changes))  # type: ignore[arg-type]
    assert refused.value.code == code
    assert dispute.status is DisputeStatus.OPEN


def test_a_ruling_for_the_merchant_with_nothing_to_pay_is_fine() -> None:
    dispute = opened()
    nothing = Money(0, "CNY")
    dispute.rule(ruling(Outcome.MERCHANT, liable=Liable.CUSTOMER, refund=nothing))
    assert dispute.ruling is not None and not dispute.ruling.pays


def test_a_ruling_pays_only_when_something_is_owed() -> None:
    zero = Money(0, "CNY")
    assert not ruling(Outcome.SPLIT, refund=zero).pays
    assert ruling(Outcome.SPLIT, refund=zero, compensation=Money(1, "CNY")).pays
    assert ruling(Outcome.CUSTOMER).pays
