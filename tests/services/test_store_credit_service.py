"""Store credit on the in-memory unit of work (R6.2/R6.3): a refund taken as credit with
its bonus, spends from the soonest-expiring lots, never below zero, and expiry."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from returnflow.config import Settings
from returnflow.domain.access import Forbidden
from returnflow.domain.kinds import Reason, RequestType
from returnflow.domain.lifecycle import Status
from returnflow.domain.money import Money
from returnflow.domain.returns import ReturnLine
from returnflow.domain.store_credit import EntryKind
from returnflow.domain.text import DomainError
from returnflow.services import store_credit
from returnflow.services.unit_of_work import UnitOfWork
from tests.domain.builders import cny, day_after_delivery, make_line, make_order
from tests.support.fake_resolutions import ResolutionShop, movements

NOW = day_after_delivery(2)
CUSTOMER = "c-1"  # the builders' customer
ONE = (ReturnLine(1, 1, Reason.NO_REASON),)


@pytest.fixture
def shop() -> ResolutionShop:
    shop = ResolutionShop()
    shop.add_orders(make_order(make_line(quantity=2)), now=NOW)
    return shop


def inspected_refund(shop: ResolutionShop) -> str:
    rma_no = shop.file("SO-1", ONE, RequestType.REFUND, NOW)
    shop.inspect(rma_no, NOW)
    return rma_no


def take(
    shop: ResolutionShop, rma_no: str, actor: str = "customer:c-1"
) -> store_credit.CreditRefund:
    return shop.run(
        lambda uow: store_credit.take_as_credit(uow, shop.settings, rma_no, actor, NOW), NOW
    )


def seed_lot(shop: ResolutionShop, cents: int, expires_at: datetime, key: str) -> None:
    """Arrange: one lot of goodwill credit straight on the account."""

    def grant(uow: UnitOfWork) -> None:
        account = uow.store_credit.account(CUSTOMER)
        account.grant(cny(cents), NOW, expires_at, key, EntryKind.GRANT, source=key)
        uow.store_credit.save(account, NOW)

    shop.run(grant, NOW)


def spend(
    shop: ResolutionShop, cents: int, key: str = "k-1", at: datetime = NOW
) -> store_credit.SpendResult:
    return shop.run(
        lambda uow: store_credit.spend(
            uow, CUSTOMER, cny(cents), key, "SO-9", "integration:oms", at
        ),
        at,
    )


def balance(shop: ResolutionShop) -> int:
    with shop.uow() as uow:
        return uow.store_credit.balance(CUSTOMER).cents


def remaining(shop: ResolutionShop) -> dict[str, int]:
    return {lot.source: lot.remaining.cents for lot in shop.state.credit_lots[CUSTOMER]}


# --- taking a refund as credit -------------------------------------------------------


def test_a_refund_taken_as_credit_grants_it_with_the_bonus(shop: ResolutionShop) -> None:
    rma_no = inspected_refund(shop)
    taken = take(shop, rma_no)
    assert (taken.grant.principal, taken.grant.bonus) == (cny(10_000), cny(500))  # 5 %
    assert (taken.status, taken.balance) == ("refunded", cny(10_500))
    stored = shop.stored(rma_no)
    assert stored.status is Status.REFUNDED
    assert stored.refund is not None
    assert (stored.refund.method, stored.refund.amount) == ("store_credit", cny(10_000))
    lots = shop.state.credit_lots[CUSTOMER]
    assert [(lot.source, lot.remaining.cents) for lot in lots] == [
        (f"refund:{rma_no}", 10_000),
        (f"bonus:{rma_no}", 500),
    ]
    assert all(lot.expires_at == NOW.replace(year=2027) for lot in lots)  # 12 months


def test_the_credit_and_its_bonus_are_booked_from_their_sources(shop: ResolutionShop) -> None:
    rma_no = inspected_refund(shop)
    take(shop, rma_no)
    assert shop.db.ledger_keys() == [
        f"store_credit:{rma_no}:grant",
        f"store_credit:{rma_no}:bonus",
    ]
    assert movements(shop.db.posted(f"store_credit:{rma_no}:grant")) == {
        "sales_returns": 10_000,
        "store_credit/c-1": -10_000,
    }
    assert movements(shop.db.posted(f"store_credit:{rma_no}:bonus")) == {
        "compensation": 500,
        "store_credit/c-1": -500,
    }
    assert shop.db.topics()[-3:] == ["store_credit.grant", "store_credit.bonus", "return.refunded"]
    entries = [(s.entry.kind, s.entry.balance_after.cents) for s in shop.state.credit_entries]
    assert entries == [(EntryKind.GRANT, 10_000), (EntryKind.BONUS, 10_500)]


def test_without_a_bonus_rate_only_the_refund_is_granted() -> None:
    shop = ResolutionShop(Settings(database_url="sqlite://", store_credit_bonus_percent=0))
    shop.add_orders(make_order(make_line(quantity=2)), now=NOW)
    rma_no = inspected_refund(shop)
    taken = take(shop, rma_no)
    assert (taken.grant.bonus, taken.balance) == (cny(0), cny(10_000))
    assert shop.db.ledger_keys() == [f"store_credit:{rma_no}:grant"]


def test_a_refund_is_taken_as_credit_only_once(shop: ResolutionShop) -> None:
    rma_no = inspected_refund(shop)
    take(shop, rma_no)
    with pytest.raises(DomainError) as refused:
        take(shop, rma_no)
    assert refused.value.code == "store_credit_not_open"
    assert balance(shop) == 10_500
    assert len(shop.state.ledger) == 2


def test_credit_before_inspection_is_refused_and_nothing_is_kept(shop: ResolutionShop) -> None:
    rma_no = shop.file("SO-1", ONE, RequestType.REFUND, NOW)  # approved, goods not back
    with pytest.raises(DomainError):
        take(shop, rma_no)
    assert shop.stored(rma_no).status is Status.APPROVED
    assert shop.state.credit_lots == {} and shop.state.ledger == []


def test_staff_over_their_limit_cannot_grant_credit() -> None:
    shop = ResolutionShop()
    shop.add_orders(make_order(make_line(unit_price=60_000)), now=NOW)
    rma_no = inspected_refund(shop)
    with pytest.raises(Forbidden) as refused:
        take(shop, rma_no, actor="agent:li")  # 630.00 over an agent's 500.00
    assert refused.value.code == "authority_exceeded"
    assert shop.stored(rma_no).status is Status.INSPECTED
    assert shop.state.credit_lots == {}


# --- spending ------------------------------------------------------------------------


def test_a_spend_takes_the_soonest_expiring_lot_first(shop: ResolutionShop) -> None:
    seed_lot(shop, 5_000, NOW + timedelta(days=200), "late")
    seed_lot(shop, 10_000, NOW + timedelta(days=30), "soon")
    spent = spend(shop, 12_000)
    assert spent.balance == cny(3_000) and not spent.replayed
    assert (spent.entry.kind, spent.entry.amount) == (EntryKind.SPEND, cny(-12_000))
    assert remaining(shop) == {"late": 3_000, "soon": 0}
    assert movements(shop.db.posted("store_credit:spend:c-1:k-1")) == {
        "store_credit/c-1": 12_000,
        "sales_returns": -12_000,
    }


def test_a_spend_over_the_balance_is_refused_whole(shop: ResolutionShop) -> None:
    seed_lot(shop, 5_000, NOW + timedelta(days=30), "only")
    with pytest.raises(DomainError) as refused:
        spend(shop, 5_001)
    assert refused.value.code == "store_credit_insufficient"
    assert balance(shop) == 5_000
    assert remaining(shop) == {"only": 5_000}
    assert shop.state.ledger == []
    assert [s.entry.kind for s in shop.state.credit_entries] == [EntryKind.GRANT]


def test_the_balance_may_reach_zero_but_never_below(shop: ResolutionShop) -> None:
    seed_lot(shop, 5_000, NOW + timedelta(days=30), "only")
    assert spend(shop, 5_000, "k-1").balance == cny(0)
    with pytest.raises(DomainError) as refused:
        spend(shop, 1, "k-2")
    assert refused.value.code == "store_credit_insufficient"
    assert balance(shop) == 0


def test_the_same_key_spends_once(shop: ResolutionShop) -> None:
    seed_lot(shop, 5_000, NOW + timedelta(days=30), "only")
    first = spend(shop, 2_000)
    again = spend(shop, 2_000)
    assert (first.replayed, again.replayed) == (False, True)
    assert again.balance == cny(3_000) == first.balance
    assert shop.db.ledger_keys() == ["store_credit:spend:c-1:k-1"]
    with pytest.raises(DomainError) as reused:
        spend(shop, 2_500)
    assert reused.value.code == "idempotency_key_reused"


@pytest.mark.parametrize("cents", [0, -100])
def test_a_spend_must_be_positive(shop: ResolutionShop, cents: int) -> None:
    seed_lot(shop, 5_000, NOW + timedelta(days=30), "only")
    with pytest.raises(DomainError) as refused:
        spend(shop, cents)
    assert refused.value.code == "amount_not_positive"


def test_a_lapsed_lot_cannot_be_spent_even_before_the_sweep(shop: ResolutionShop) -> None:
    seed_lot(shop, 5_000, NOW + timedelta(days=10), "lapsing")
    seed_lot(shop, 1_000, NOW + timedelta(days=90), "lasting")
    later = NOW + timedelta(days=11)
    with pytest.raises(DomainError) as refused:
        spend(shop, 2_000, at=later)
    assert refused.value.code == "store_credit_insufficient"
    assert spend(shop, 1_000, at=later).balance == cny(5_000)  # the lapsed lot, unswept
    assert remaining(shop) == {"lapsing": 5_000, "lasting": 0}


# --- expiry --------------------------------------------------------------------------


def test_the_sweep_expires_what_is_left_of_a_lapsed_lot(shop: ResolutionShop) -> None:
    seed_lot(shop, 5_000, NOW + timedelta(days=10), "lapsing")
    seed_lot(shop, 1_000, NOW + timedelta(days=90), "lasting")
    spend(shop, 1_500)  # from the lapsing lot first
    later = NOW + timedelta(days=10)  # at the expiry moment exactly
    lapsed = shop.run(lambda uow: store_credit.lapsed_lots(uow, later), later)
    assert len(lapsed) == 1
    left = shop.run(lambda uow: store_credit.expire_lot(uow, lapsed[0], later), later)
    assert left == cny(3_500)
    assert balance(shop) == 1_000
    assert remaining(shop) == {"lapsing": 0, "lasting": 1_000}
    assert movements(shop.db.posted(f"store_credit:expire:{lapsed[0]}")) == {
        "store_credit/c-1": 3_500,
        "expired_credit": -3_500,
    }
    last = shop.state.credit_entries[-1].entry
    assert (last.kind, last.amount, last.balance_after) == (
        EntryKind.EXPIRE,
        cny(-3_500),
        cny(1_000),
    )
    assert shop.db.topics()[-1] == "store_credit.expire"


def test_expiring_a_lot_twice_or_too_early_changes_nothing(shop: ResolutionShop) -> None:
    seed_lot(shop, 5_000, NOW + timedelta(days=10), "lapsing")
    [lot_id] = [lot.lot_id for lot in shop.state.credit_lots[CUSTOMER]]
    early = NOW + timedelta(days=9)
    assert shop.run(lambda uow: store_credit.lapsed_lots(uow, early), early) == []
    assert shop.run(lambda uow: store_credit.expire_lot(uow, lot_id, early), early) is None
    later = NOW + timedelta(days=10)
    assert shop.run(lambda uow: store_credit.expire_lot(uow, lot_id, later), later) == cny(5_000)
    assert shop.run(lambda uow: store_credit.expire_lot(uow, lot_id, later), later) is None
    assert shop.run(lambda uow: store_credit.expire_lot(uow, 999, later), later) is None
    assert balance(shop) == 0
    assert len(shop.state.ledger) == 1


def test_the_offer_shows_the_bonus_before_the_choice(shop: ResolutionShop) -> None:
    rma_no = inspected_refund(shop)
    request = shop.stored(rma_no)
    assert store_credit.credit_open(request)
    offered = store_credit.offer(shop.settings, request)
    assert (offered.principal, offered.bonus, offered.total) == (
        cny(10_000),
        cny(500),
        Money(10_500, "CNY"),
    )
