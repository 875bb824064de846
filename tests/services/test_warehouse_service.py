"""Warehouse and receiving use cases on in-memory repositories: no database (R5.1, R5.4).

Only the repositories these use cases touch are faked; the stock rule (never negative)
is the domain's `Stock`, as the real ledger's conditional update enforces it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

import pytest

from returnflow.domain.events import DomainEvent, take_events
from returnflow.domain.inventory import VENDOR, Movement, MovementKind, Stock
from returnflow.domain.receiving import ParcelLabel, ParcelState, UnidentifiedParcel
from returnflow.domain.rtv import BatchStatus, RtvBatch, RtvItem
from returnflow.domain.text import DomainError
from returnflow.services import receiving as receiving_service
from returnflow.services import warehouse as warehouse_service
from returnflow.services.errors import Conflict, NotFound
from returnflow.services.unit_of_work import UnitOfWork

NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)


class FakeWarehouse:
    def __init__(self) -> None:
        self.stock = Stock()
        self.ledger: list[Movement] = []
        self.batches: dict[int, RtvBatch] = {}

    def move(self, movement: Movement) -> None:
        self.stock.apply(movement)
        self.ledger.append(movement)

    def batch(self, batch_id: int, *, for_update: bool = False) -> RtvBatch | None:
        return self.batches.get(batch_id)

    def save_batch(self, batch: RtvBatch) -> None:
        for movement in batch.moves:
            self.move(movement)
        batch.moves.clear()


class FakeParcels:
    def __init__(self) -> None:
        self.saved: dict[int, UnidentifiedParcel] = {}

    def add(self, parcel: UnidentifiedParcel) -> int:
        parcel.id = len(self.saved) + 1
        self.saved[parcel.id] = parcel
        return parcel.id

    def get(self, parcel_id: int, *, for_update: bool = False) -> UnidentifiedParcel | None:
        return self.saved.get(parcel_id)

    def save(self, parcel: UnidentifiedParcel) -> None:
        assert parcel.id in self.saved

    def flush_changes(self) -> list[DomainEvent]:
        return take_events(self.saved.values())


class FakeWork:
    def __init__(self) -> None:
        self.warehouse = FakeWarehouse()
        self.parcels = FakeParcels()


def _uow(work: FakeWork) -> UnitOfWork:
    return cast(UnitOfWork, work)


def _move(work: FakeWork, kind: str, source: str, target: str = "", quantity: int = 1) -> Movement:
    return warehouse_service.move_stock(
        _uow(work),
        kind=kind,
        merchant_id="m-1",
        sku="LAMP-1",
        grade="B",
        quantity=quantity,
        from_location=source,
        to_location=target,
        actor="warehouse:wang",
        now=NOW,
    )


def test_stored_goods_move_between_bins_and_are_sold_but_never_below_zero() -> None:
    work = FakeWork()
    work.warehouse.stock.levels[("LAMP-1", "B-01-01", "B")] = 2
    _move(work, "move", "b-01-01", "b-02-01")
    _move(work, "sell", "B-01-01")
    assert work.warehouse.stock.levels == {("LAMP-1", "B-02-01", "B"): 1}
    with pytest.raises(DomainError) as short:
        _move(work, "scrap", "B-02-01", quantity=2)
    assert short.value.code == "insufficient_stock"
    assert [m.kind for m in work.warehouse.ledger] == [MovementKind.MOVE, MovementKind.SELL]


def test_a_batch_ships_its_goods_to_the_vendor_once() -> None:
    work = FakeWork()
    batch = RtvBatch(3, "m-1", NOW)
    batch.items.append(RtvItem("RMA1", 1, "LAMP-1", "C", 1, 5000, NOW, "warehouse:wang"))
    work.warehouse.batches[3] = batch
    work.warehouse.stock.levels[("LAMP-1", "RTV-3", "C")] = 1
    with pytest.raises(NotFound):
        warehouse_service.ship_batch(_uow(work), 4, "warehouse:zhou", NOW)
    shipped = warehouse_service.ship_batch(
        _uow(work), 3, "warehouse:zhou", NOW, carrier="德邦", waybill_no="DPK1"
    )
    assert shipped.status is BatchStatus.SHIPPED and work.warehouse.stock.levels == {}
    assert [(m.to_location, m.note) for m in work.warehouse.ledger] == [(VENDOR, "德邦 DPK1")]
    with pytest.raises(Conflict) as again:
        warehouse_service.ship_batch(_uow(work), 3, "warehouse:zhou", NOW)
    assert again.value.code == "batch_already_shipped"


def test_an_unidentified_parcel_waits_on_its_shelf_until_let_go_with_a_reason() -> None:
    work = FakeWork()
    label = ParcelLabel(carrier="中通", waybill_no=" 7123 ")
    parcel = receiving_service.record_unidentified(
        _uow(work), label, "U-01-01", "warehouse:sun", NOW
    )
    assert parcel.id == 1 and parcel.label.waybill_no == "7123"
    assert receiving_service.get_parcel(_uow(work), 1) is parcel
    with pytest.raises(NotFound):
        receiving_service.let_go(_uow(work), 2, ParcelState.DISPOSED, "x", "w", NOW)
    receiving_service.let_go(_uow(work), 1, ParcelState.RETURNED, "拒收", "warehouse:sun", NOW)
    assert (parcel.state, parcel.resolved_by) == (ParcelState.RETURNED, "warehouse:sun")
    assert [e.name for e in work.parcels.flush_changes()] == ["parcel.let_go"]
