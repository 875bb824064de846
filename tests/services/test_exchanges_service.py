"""Exchanges on the in-memory unit of work (R6.2, issue 9): the replacement priced by the
server, its stock reserved, the parcel requested and the price gap charged or owed back;
fast exchange within its limits, and charged when the return never leaves."""

from __future__ import annotations

from datetime import timedelta

import pytest

from returnflow.domain.exchanges import ExchangeOrder, ExchangeStatus, Settlement
from returnflow.domain.kinds import Reason, RequestType
from returnflow.domain.lifecycle import Action, Status
from returnflow.domain.price_feed import PriceUpdate
from returnflow.domain.returns import ReturnLine
from returnflow.domain.shipment_requests import Purpose
from returnflow.domain.text import DomainError
from returnflow.services import exchanges, fast_exchanges, replacements
from returnflow.services.replacements import Wanted
from returnflow.services.shipment_requests import PAYMENT_TOPIC, SHIPMENT_TOPIC, mark_shipped
from tests.domain.builders import cny, day_after_delivery, make_line, make_order
from tests.support.fake_resolutions import RESERVED, SHIPPED, ResolutionShop, movements

NOW = day_after_delivery(2)
ONE = (ReturnLine(1, 1, Reason.NO_REASON),)
AGENT = "agent:li"


@pytest.fixture
def shop() -> ResolutionShop:
    shop = ResolutionShop()
    shop.add_orders(
        make_order(make_line(quantity=2)),  # SKU-1 at 100.00 each
        make_order(make_line(), order_no="SO-0"),
        now=NOW,
    )
    feed(shop, ("SKU-9", 12_000, 5), ("SKU-8", 7_000, 5), ("SKU-BIG", 60_000, 5))
    return shop


def feed(shop: ResolutionShop, *items: tuple[str, int, int]) -> None:
    updates = [PriceUpdate(sku, f"item {sku}", price, "CNY", stock) for sku, price, stock in items]
    shop.run(lambda uow: replacements.feed(uow, "m-1", updates, "integration:oms", NOW), NOW)


def exchange_request(shop: ResolutionShop, *, inspected: bool) -> str:
    rma_no = shop.file("SO-1", ONE, RequestType.EXCHANGE, NOW)
    if inspected:
        shop.inspect(rma_no, NOW)
    return rma_no


def choose(
    shop: ResolutionShop, rma_no: str, sku: str, quantity: int = 1, *, fast: bool = False
) -> ExchangeOrder:
    choice = exchanges.ExchangeChoice((Wanted(1, sku, quantity),), fast=fast)
    return shop.run(
        lambda uow: exchanges.choose(uow, shop.settings, rma_no, choice, AGENT, NOW), NOW
    )


def payments(shop: ResolutionShop) -> list[tuple[str, int]]:
    return [
        (m.payload["key"], m.payload["amount"]) for m in shop.db.outbox if m.topic == PAYMENT_TOPIC
    ]


def shipments(shop: ResolutionShop) -> list[tuple[str, str, int]]:
    return [
        (r.rma_no, r.purpose.value, r.price.cents) for r in shop.state.shipment_requests.values()
    ]


def completed_once(shop: ResolutionShop) -> None:
    """The customer's record: one request already completed (SO-0)."""
    rma_no = shop.file("SO-0", ONE, RequestType.EXCHANGE, NOW)
    shop.inspect(rma_no, NOW)
    shop.step(rma_no, Action.EXCHANGE, NOW)
    shop.step(rma_no, Action.COMPLETE, NOW)


# --- choosing ------------------------------------------------------------------------


def test_before_inspection_the_replacement_is_only_reserved(shop: ResolutionShop) -> None:
    rma_no = exchange_request(shop, inspected=False)
    chosen = choose(shop, rma_no, "SKU-9")
    stored = shop.state.exchanges[rma_no]
    assert stored.status is ExchangeStatus.RESERVED
    assert (stored.returned_value, stored.replacement_value, stored.difference) == (
        cny(10_000),
        cny(12_000),
        cny(2_000),
    )
    assert stored.settlement is Settlement.CHARGE and chosen.chosen_by == AGENT
    assert [(r.sku, r.quantity, r.status) for r in shop.state.reservations] == [
        ("SKU-9", 1, RESERVED)
    ]
    assert shipments(shop) == [] and shop.state.ledger == [] and payments(shop) == []
    assert "exchange.chosen" in shop.db.topics()


def test_after_inspection_a_dearer_replacement_ships_and_the_gap_is_charged(
    shop: ResolutionShop,
) -> None:
    rma_no = exchange_request(shop, inspected=True)
    choose(shop, rma_no, "SKU-9")
    assert shop.state.exchanges[rma_no].status is ExchangeStatus.REQUESTED
    assert shipments(shop) == [(rma_no, "exchange", 12_000)]
    assert shop.db.ledger_keys() == [f"exchange:{rma_no}:gap_charged"]
    assert movements(shop.db.posted(f"exchange:{rma_no}:gap_charged")) == {
        "customer_receivable/c-1": 2_000,
        "sales_returns": -2_000,
    }
    assert payments(shop) == [(f"exchange_price_gap:{rma_no}", 2_000)]
    assert shop.state.refund_intents == {}
    [shipment] = [m for m in shop.db.outbox if m.topic == SHIPMENT_TOPIC]
    assert shipment.payload["items"][0]["sku"] == "SKU-9"


def test_a_cheaper_replacement_leaves_the_gap_owed_back(shop: ResolutionShop) -> None:
    rma_no = exchange_request(shop, inspected=True)
    choose(shop, rma_no, "SKU-8")
    assert shop.state.exchanges[rma_no].settlement is Settlement.REFUND_PENDING
    assert movements(shop.db.posted(f"exchange:{rma_no}:gap_owed")) == {
        "sales_returns": 3_000,
        "refunds_payable": -3_000,
    }
    intent = shop.state.refund_intents[f"exchange:{rma_no}:gap"]
    assert (intent.amount, intent.status, intent.customer_id) == (cny(3_000), "pending", "c-1")
    assert payments(shop) == []


def test_the_same_item_not_in_the_catalogue_swaps_without_money(shop: ResolutionShop) -> None:
    rma_no = exchange_request(shop, inspected=True)
    chosen = choose(shop, rma_no, "SKU-1")
    assert (chosen.difference, chosen.settlement) == (cny(0), Settlement.NONE)
    assert shipments(shop) == [(rma_no, "exchange", 10_000)]
    assert shop.state.ledger == [] and payments(shop) == []


def test_an_unknown_sku_is_refused(shop: ResolutionShop) -> None:
    rma_no = exchange_request(shop, inspected=True)
    with pytest.raises(DomainError) as refused:
        choose(shop, rma_no, "SKU-NOPE")
    assert refused.value.code == "replacement_unknown_sku"
    assert shop.state.exchanges == {}


def test_more_than_the_stock_is_refused(shop: ResolutionShop) -> None:
    feed(shop, ("SKU-9", 12_000, 1))
    rma_no = exchange_request(shop, inspected=False)
    with pytest.raises(DomainError) as refused:
        choose(shop, rma_no, "SKU-9", quantity=2)
    assert refused.value.code == "replacement_out_of_stock"
    assert shop.state.exchanges == {} and shop.state.reservations == []


def test_stock_held_by_another_exchange_is_not_reserved_twice(shop: ResolutionShop) -> None:
    feed(shop, ("SKU-9", 12_000, 1))
    first = exchange_request(shop, inspected=False)
    second = exchange_request(shop, inspected=False)
    choose(shop, first, "SKU-9")
    with pytest.raises(DomainError) as refused:
        choose(shop, second, "SKU-9")
    assert refused.value.code == "replacement_out_of_stock"
    assert "1 available, 1 reserved, 1 wanted" in str(refused.value)
    assert list(shop.state.exchanges) == [first]


def test_a_replacement_is_chosen_once_and_only_for_an_exchange(shop: ResolutionShop) -> None:
    rma_no = exchange_request(shop, inspected=False)
    choose(shop, rma_no, "SKU-9")
    with pytest.raises(DomainError) as twice:
        choose(shop, rma_no, "SKU-8")
    assert twice.value.code == "exchange_exists"
    refund = shop.file("SO-1", (ReturnLine(1, 1, Reason.NO_REASON),), RequestType.REFUND, NOW)
    with pytest.raises(DomainError) as not_exchange:
        choose(shop, refund, "SKU-9")
    assert not_exchange.value.code == "exchange_not_open"


def test_release_waits_for_inspection_then_ships(shop: ResolutionShop) -> None:
    rma_no = exchange_request(shop, inspected=False)
    choose(shop, rma_no, "SKU-9")
    with pytest.raises(DomainError) as waits:
        shop.run(lambda uow: exchanges.release(uow, rma_no, AGENT, NOW), NOW)
    assert waits.value.code == "exchange_waits_for_inspection"
    shop.inspect(rma_no, NOW)
    shop.run(lambda uow: exchanges.release(uow, rma_no, AGENT, NOW), NOW)
    assert shop.state.exchanges[rma_no].status is ExchangeStatus.REQUESTED
    assert payments(shop) == [(f"exchange_price_gap:{rma_no}", 2_000)]


# --- the waybill ---------------------------------------------------------------------


def test_the_waybill_ships_the_exchange_and_resolves_the_request(shop: ResolutionShop) -> None:
    rma_no = exchange_request(shop, inspected=True)
    choose(shop, rma_no, "SKU-9")
    [request_id] = shop.state.shipment_requests

    def report(waybill: str) -> str:
        return shop.run(
            lambda uow: mark_shipped(uow, request_id, "SF", waybill, "integration:oms", NOW), NOW
        ).status

    assert report("SF100") == "shipped"
    assert shop.state.exchanges[rma_no].status is ExchangeStatus.SHIPPED
    assert [r.status for r in shop.state.reservations] == [SHIPPED]
    assert shop.stored(rma_no).status is Status.EXCHANGED
    published = len(shop.db.published)
    assert report("SF100") == "shipped"  # the same report again changes nothing
    assert len(shop.db.published) == published
    with pytest.raises(DomainError) as other:
        report("SF200")
    assert other.value.code == "shipment_request_shipped"


# --- fast exchange -------------------------------------------------------------------


def test_fast_exchange_needs_a_completed_request_first(shop: ResolutionShop) -> None:
    rma_no = exchange_request(shop, inspected=False)
    with pytest.raises(DomainError) as refused:
        choose(shop, rma_no, "SKU-9", fast=True)
    assert (refused.value.code, refused.value.field) == ("fast_exchange_refused", "fast")
    assert str(refused.value) == "Not enough completed requests yet for fast exchange"
    assert shop.state.exchanges == {} and shop.state.reservations == []


def test_fast_exchange_names_every_reason_it_is_refused(shop: ResolutionShop) -> None:
    rma_no = exchange_request(shop, inspected=True)
    with pytest.raises(DomainError) as refused:
        choose(shop, rma_no, "SKU-BIG", fast=True)
    assert str(refused.value).split("; ") == [
        "The replacement is worth more than fast exchange allows",
        "Not enough completed requests yet for fast exchange",
        "The returned goods already arrived",
    ]


def test_fast_exchange_ships_before_the_goods_are_back(shop: ResolutionShop) -> None:
    completed_once(shop)
    rma_no = exchange_request(shop, inspected=False)
    chosen = choose(shop, rma_no, "SKU-9", fast=True)
    assert chosen.status is ExchangeStatus.REQUESTED
    assert chosen.return_due_at == NOW + timedelta(days=7)
    assert shipments(shop)[-1] == (rma_no, "exchange", 12_000)
    assert shop.stored(rma_no).status is Status.APPROVED


def test_a_fast_exchange_never_returned_is_charged(shop: ResolutionShop) -> None:
    completed_once(shop)
    rma_no = exchange_request(shop, inspected=False)
    choose(shop, rma_no, "SKU-9", fast=True)
    due = NOW + timedelta(days=7)
    assert shop.run(lambda uow: fast_exchanges.overdue(uow, due), due) == [rma_no]
    charged = shop.run(lambda uow: fast_exchanges.charge_if_unreturned(uow, rma_no, due), due)
    assert charged == cny(10_000)  # the kept original; the gap was charged already
    exchange = shop.state.exchanges[rma_no]
    assert (exchange.status, exchange.charged) == (ExchangeStatus.CHARGED, cny(10_000))
    assert movements(shop.db.posted(f"exchange:{rma_no}:charged")) == {
        "customer_receivable/c-1": 10_000,
        "sales_returns": -10_000,
    }
    assert payments(shop)[-1] == (f"fast_exchange_not_returned:{rma_no}", 10_000)
    assert "return.fast_exchange_charged" in shop.db.topics()


def test_a_charged_fast_exchange_cancels_the_gap_owed_back(shop: ResolutionShop) -> None:
    completed_once(shop)
    rma_no = exchange_request(shop, inspected=False)
    choose(shop, rma_no, "SKU-8", fast=True)  # 70.00 for a 100.00 original: 30.00 owed
    due = NOW + timedelta(days=7)
    charged = shop.run(lambda uow: fast_exchanges.charge_if_unreturned(uow, rma_no, due), due)
    assert charged == cny(7_000)  # the replacement's price
    assert shop.state.exchanges[rma_no].settlement is Settlement.REFUND_CANCELLED
    assert shop.state.refund_intents[f"exchange:{rma_no}:gap"].status == "cancelled"
    assert movements(shop.db.posted(f"exchange:{rma_no}:gap_owed_cancelled")) == {
        "refunds_payable": 3_000,
        "sales_returns": -3_000,
    }


def test_a_fast_exchange_whose_return_left_in_time_is_not_charged(shop: ResolutionShop) -> None:
    completed_once(shop)
    rma_no = exchange_request(shop, inspected=False)
    choose(shop, rma_no, "SKU-9", fast=True)
    shop.step(rma_no, Action.SHIP, NOW, carrier="SF", tracking_no="SF777")
    due = NOW + timedelta(days=7)
    assert shop.run(lambda uow: fast_exchanges.charge_if_unreturned(uow, rma_no, due), due) is None
    exchange = shop.state.exchanges[rma_no]
    assert (exchange.status, exchange.return_due_at) == (ExchangeStatus.REQUESTED, None)
    assert f"exchange:{rma_no}:charged" not in shop.db.ledger_keys()


def test_an_early_charge_does_nothing(shop: ResolutionShop) -> None:
    completed_once(shop)
    rma_no = exchange_request(shop, inspected=False)
    choose(shop, rma_no, "SKU-9", fast=True)
    early = NOW + timedelta(days=6)
    assert shop.run(lambda uow: fast_exchanges.overdue(uow, early), early) == []
    assert (
        shop.run(lambda uow: fast_exchanges.charge_if_unreturned(uow, rma_no, early), early) is None
    )
    assert shop.state.exchanges[rma_no].status is ExchangeStatus.REQUESTED


def test_a_shipped_fast_exchange_finishes_once_inspection_passes(shop: ResolutionShop) -> None:
    completed_once(shop)
    rma_no = exchange_request(shop, inspected=False)
    choose(shop, rma_no, "SKU-9", fast=True)
    request_id = max(shop.state.shipment_requests)
    shop.run(lambda uow: mark_shipped(uow, request_id, "SF", "SF900", "integration:oms", NOW), NOW)
    assert shop.stored(rma_no).status is Status.APPROVED  # goods not back yet
    shop.inspect(rma_no, NOW)
    assert shop.run(lambda uow: fast_exchanges.awaiting_settlement(uow), NOW) == [rma_no]
    assert shop.run(lambda uow: fast_exchanges.settle_fast(uow, rma_no, NOW), NOW) is True
    assert shop.stored(rma_no).status is Status.EXCHANGED
    assert Purpose.EXCHANGE.value == shipments(shop)[-1][1]
