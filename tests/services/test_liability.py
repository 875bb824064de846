"""Who bears a paid refund (R8.4): the liability booking on small in-memory repositories.

`book_liability` follows "refund.paid": a ruling's or a lost parcel's award moves the
money paid to the liable party's account (merchant receivable, carrier claims,
platform goodwill) and the customer's own error books nothing; an ordinary refund
after an inspection that found the merchant responsible is booked to the merchant.
Every entry is balanced and booked once, however often the handler runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest

from returnflow.domain.awards import LOST_IN_TRANSIT, RULING, Award, Liable
from returnflow.domain.events import DomainEvent
from returnflow.domain.inspection import Responsibility
from returnflow.domain.ledger import Account, JournalEntry, balances, trial_balance_is_zero
from returnflow.domain.money import Money
from returnflow.domain.refund import GAP_TRIGGER, Refund, RefundTerms
from returnflow.domain.refund_life import RetryPolicy
from returnflow.services import liability
from returnflow.services.unit_of_work import UnitOfWork

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
RMA = "RMA202611200000001"
REFUNDABLE = Money(8400)
ACCOUNT_OF = {
    Liable.MERCHANT: (Account.MERCHANT_RECEIVABLE, "m-babycare"),
    Liable.CARRIER: (Account.CARRIER_CLAIMS, "sf"),
    Liable.PLATFORM: (Account.COMPENSATION, ""),
}


@dataclass
class _Findings:
    responsibility: Responsibility


@dataclass
class _Inspection:
    merchant_id: str
    findings: _Findings


class _Refunds:
    def __init__(self) -> None:
        self.by_rma: dict[str, Refund] = {}

    def get(self, rma_no: str, *, for_update: bool = False) -> Refund | None:
        return self.by_rma.get(rma_no)


class _Warehouse:
    def __init__(self) -> None:
        self.found: dict[str, _Inspection] = {}

    def inspection(self, rma_no: str) -> _Inspection | None:
        return self.found.get(rma_no)


class _Ledger:
    def __init__(self) -> None:
        self.entries: list[JournalEntry] = []

    def post(self, entry: JournalEntry) -> bool:
        if any(posted.key == entry.key for posted in self.entries):
            return False
        self.entries.append(entry)
        return True


class _Uow:
    def __init__(self) -> None:
        self.refunds = _Refunds()
        self.warehouse = _Warehouse()
        self.ledger = _Ledger()


@pytest.fixture
def uow() -> _Uow:
    return _Uow()


def _as_uow(uow: _Uow) -> UnitOfWork:
    return cast(UnitOfWork, uow)


def _refund(workings: dict[str, Any], amount: Money, trigger: str) -> Refund:
    terms = RefundTerms(
        amount=amount,
        method="alipay",
        reference="2026112022001",
        gateway="sandbox",
        idempotency_key=f"{RMA}:refund",
        trigger=trigger,
        requested_by="mediator:zhou",
        due_by=NOW + timedelta(hours=24),
        workings=workings,
    )
    refund = Refund.owe(RMA, terms, NOW)
    refund.id = 1
    return refund


def _paid(uow: _Uow, refund: Refund, at: datetime = NOW) -> DomainEvent:
    assert refund.hear("succeeded", "gw-1", None, at, RetryPolicy())
    uow.refunds.by_rma[refund.rma_no] = refund
    return refund.events[-1]


def _award(outcome: str, liable: Liable, compensation: int, source: str = RULING) -> Award:
    party = ACCOUNT_OF.get(liable, (None, ""))[1]
    refund = None if outcome == "customer" else Money(REFUNDABLE.cents // 2)
    return Award(source, "D202611200001", liable, party, Money(compensation), refund)


def _settled(uow: _Uow, award: Award) -> tuple[Refund, DomainEvent]:
    workings = {"total": REFUNDABLE.cents, "award": award.workings(REFUNDABLE)}
    refund = _refund(workings, award.total(REFUNDABLE), award.source)
    return refund, _paid(uow, refund)


@pytest.mark.parametrize("outcome", ["customer", "split"])
@pytest.mark.parametrize("liable", list(Liable))
@pytest.mark.parametrize("compensation", [0, 1500])
def test_every_ruling_books_what_was_paid_to_the_liable_party_once(
    uow: _Uow, outcome: str, liable: Liable, compensation: int
) -> None:
    award = _award(outcome, liable, compensation)
    refund, paid = _settled(uow, award)
    assert paid.name == "refund.paid"
    for _ in range(2):  # the bus, then a repeated delivery
        liability.book_liability(_as_uow(uow), paid, NOW)
    refund_part = REFUNDABLE.cents if outcome == "customer" else REFUNDABLE.cents // 2
    assert refund.amount == Money(refund_part + compensation)
    if liable is Liable.CUSTOMER:
        assert uow.ledger.entries == []  # the customer's own error: nobody else bears it
        return
    (entry,) = uow.ledger.entries
    assert entry.key == f"liability:{RMA}:D202611200001"
    assert entry.rma_no == RMA and entry.at == NOW
    postings = list(entry.postings)
    assert trial_balance_is_zero(postings)
    account, party = ACCOUNT_OF[liable]
    books = balances(postings, by_party=True)
    assert books.of(account, "CNY", party) == refund.amount
    # the cost leaves sales returns, where the refund's "accepted" entry put it
    assert books.of(Account.SALES_RETURNS) == Money(-refund.amount.cents)
    assert "D202611200001" in entry.memo and liable.value in entry.memo


def test_a_lost_parcel_books_a_claim_against_the_carrier(uow: _Uow) -> None:
    award = _award("customer", Liable.CARRIER, 0, source=LOST_IN_TRANSIT)
    _, paid = _settled(uow, award)
    liability.book_liability(_as_uow(uow), paid, NOW)
    (entry,) = uow.ledger.entries
    claims = [p for p in entry.postings if p.account is Account.CARRIER_CLAIMS]
    assert [(p.party, p.debit) for p in claims] == [("sf", REFUNDABLE)]
    assert entry.memo.startswith("lost_in_transit ")


def test_nothing_is_booked_before_the_money_is_paid(uow: _Uow) -> None:
    award = _award("customer", Liable.MERCHANT, 0)
    refund = _refund({"award": award.workings(REFUNDABLE)}, award.total(REFUNDABLE), RULING)
    uow.refunds.by_rma[RMA] = refund
    assert not liability.book_for(_as_uow(uow), RMA, NOW)
    assert uow.ledger.entries == []
    assert not liability.book_for(_as_uow(uow), "RMA-NONE", NOW)  # no refund at all


@pytest.mark.parametrize(
    ("responsibility", "booked"),
    [
        (Responsibility.MERCHANT, True),
        (Responsibility.CUSTOMER, False),
        (Responsibility.CARRIER, False),
        (Responsibility.NONE, False),
    ],
)
def test_an_inspection_that_found_the_merchant_responsible_books_the_refund_to_it(
    uow: _Uow, responsibility: Responsibility, booked: bool
) -> None:
    uow.warehouse.found[RMA] = _Inspection("m-babycare", _Findings(responsibility))
    paid = _paid(uow, _refund({"total": 8400}, REFUNDABLE, "inspection"))
    liability.book_liability(_as_uow(uow), paid, NOW)
    liability.book_liability(_as_uow(uow), paid, NOW)
    if not booked:
        assert uow.ledger.entries == []
        return
    (entry,) = uow.ledger.entries
    assert entry.key == f"liability:{RMA}:inspection"
    books = balances(entry.postings, by_party=True)
    assert books.of(Account.MERCHANT_RECEIVABLE, "CNY", "m-babycare") == REFUNDABLE
    assert trial_balance_is_zero(entry.postings)


def test_an_award_decides_even_where_inspection_blamed_the_merchant(uow: _Uow) -> None:
    uow.warehouse.found[RMA] = _Inspection("m-babycare", _Findings(Responsibility.MERCHANT))
    _, paid = _settled(uow, _award("customer", Liable.PLATFORM, 0))
    liability.book_liability(_as_uow(uow), paid, NOW)
    (entry,) = uow.ledger.entries
    assert {p.account for p in entry.postings} == {Account.COMPENSATION, Account.SALES_RETURNS}


def test_an_exchange_gap_and_a_zero_refund_book_nothing(uow: _Uow) -> None:
    uow.warehouse.found[RMA] = _Inspection("m-babycare", _Findings(Responsibility.MERCHANT))
    gap = _refund({}, Money(500), GAP_TRIGGER)
    liability.book_liability(_as_uow(uow), _paid(uow, gap), NOW)
    assert uow.ledger.entries == []
    nothing = _refund({"total": 0}, Money(0), "inspection")
    nothing.settle_nothing(NOW)
    uow.refunds.by_rma[RMA] = nothing
    assert not liability.book_for(_as_uow(uow), RMA, NOW)
    assert uow.ledger.entries == []


def test_the_entry_is_dated_when_the_money_was_paid(uow: _Uow) -> None:
    earlier = NOW - timedelta(hours=3)
    award = _award("split", Liable.MERCHANT, 200)
    refund = _refund({"award": award.workings(REFUNDABLE)}, award.total(REFUNDABLE), RULING)
    _paid(uow, refund, at=earlier)
    assert liability.book_for(_as_uow(uow), RMA, NOW)  # the safety net, hours later
    assert uow.ledger.entries[0].at == earlier
