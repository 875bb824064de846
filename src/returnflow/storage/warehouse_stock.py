"""The inventory ledger and its stock levels: every movement of returned goods.

Stock levels change only together with a ledger row, with a conditional update that
never lets a level go below zero, so two people moving the last unit at once cannot
both succeed, on SQLite or PostgreSQL. Ledger rows are append-only and hash-chained
per merchant (`storage/chain.py`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from sqlalchemy import Select, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from returnflow.domain.events import DomainEvent
from returnflow.domain.inventory import (
    Movement,
    MovementKind,
    StockFilter,
    StockLevel,
    insufficient_stock,
    is_outside,
    moved_event,
)
from returnflow.storage import chain
from returnflow.storage.schema import InventoryMovementRow, WarehouseStockRow


def book(session: Session, movement: Movement) -> Movement:
    """Append the movement and adjust stock levels; refuse it whole if the source is short.

    Answers the movement as booked, with its ledger number."""
    if not is_outside(movement.from_location):
        result = session.execute(
            update(WarehouseStockRow)
            .where(
                WarehouseStockRow.merchant_id == movement.merchant_id,
                WarehouseStockRow.sku == movement.sku,
                WarehouseStockRow.location == movement.from_location,
                WarehouseStockRow.grade == movement.from_grade,
                WarehouseStockRow.quantity >= movement.quantity,
            )
            .values(quantity=WarehouseStockRow.quantity - movement.quantity)
            .execution_options(synchronize_session=False)
        )
        if int(result.rowcount) != 1:  # type: ignore[attr-defined]
            raise insufficient_stock(movement, _held(session, movement))
    if not is_outside(movement.to_location):
        _add_stock(session, movement)
    row = InventoryMovementRow(
        at=movement.at,
        actor=movement.actor,
        kind=movement.kind.value,
        merchant_id=movement.merchant_id,
        sku=movement.sku,
        quantity=movement.quantity,
        from_location=movement.from_location,
        to_location=movement.to_location,
        from_grade=movement.from_grade,
        to_grade=movement.to_grade,
        rma_no=movement.rma_no,
        note=movement.note,
    )
    chain.seal(session, chain.INVENTORY, row)  # one chain per merchant
    session.add(row)
    session.flush()
    return replace(movement, id=row.id)


def book_all(session: Session, moves: list[Movement]) -> list[Movement]:
    """Book an aggregate's pending movements in order, then forget them; answer them booked."""
    booked = [book(session, movement) for movement in moves]
    moves.clear()
    return booked


def _held(session: Session, movement: Movement) -> int:
    held = session.scalar(
        select(WarehouseStockRow.quantity).where(
            WarehouseStockRow.merchant_id == movement.merchant_id,
            WarehouseStockRow.sku == movement.sku,
            WarehouseStockRow.location == movement.from_location,
            WarehouseStockRow.grade == movement.from_grade,
        )
    )
    return int(held or 0)


def _add_stock(session: Session, movement: Movement) -> None:
    values = {
        "merchant_id": movement.merchant_id,
        "sku": movement.sku,
        "location": movement.to_location,
        "grade": movement.to_grade,
        "quantity": movement.quantity,
    }
    keys = ["merchant_id", "sku", "location", "grade"]
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(WarehouseStockRow).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=keys,
        set_={"quantity": WarehouseStockRow.quantity + statement.excluded.quantity},
    )
    session.execute(statement)


class StockLedger:
    """The ledger half of `storage.warehouse.Warehouse`.

    Every movement it books becomes an `inventory.moved` event, handed to the unit of
    work by `movement_events` (in `Warehouse.flush_changes`), so the outbox gets it in
    the same transaction as the ledger row.
    """

    session: Session
    _booked: list[Movement]

    def move(self, movement: Movement) -> None:
        self._booked.append(book(self.session, movement))

    def book_moves(self, moves: list[Movement]) -> None:
        """Book an aggregate's pending movements (then emptied), each announced on commit."""
        self._booked.extend(book_all(self.session, moves))

    def movement_events(self) -> list[DomainEvent]:
        """The booked movements' events, in booking order, handed over once."""
        events = [moved_event(movement) for movement in self._booked]
        self._booked.clear()
        return events

    def has_movement(self, rma_no: str, kind: MovementKind) -> bool:
        found = self.session.scalar(
            select(InventoryMovementRow.id)
            .where(InventoryMovementRow.rma_no == rma_no, InventoryMovementRow.kind == kind.value)
            .limit(1)
        )
        return found is not None

    def stock(self, where: StockFilter) -> list[StockLevel]:
        query = select(WarehouseStockRow).where(WarehouseStockRow.quantity > 0)
        if where.merchant_id:
            query = query.where(WarehouseStockRow.merchant_id == where.merchant_id)
        if where.sku:
            query = query.where(WarehouseStockRow.sku == where.sku)
        if where.location:
            query = query.where(WarehouseStockRow.location == where.location)
        if where.grade:
            query = query.where(WarehouseStockRow.grade == where.grade)
        order = (WarehouseStockRow.merchant_id, WarehouseStockRow.sku, WarehouseStockRow.location)
        rows = self.session.scalars(query.order_by(*order, WarehouseStockRow.grade))
        return [StockLevel(r.merchant_id, r.sku, r.location, r.grade, r.quantity) for r in rows]

    def ledger(self, where: StockFilter, limit: int = 200) -> list[Movement]:
        """Movements, newest first, each with its ledger number."""
        query = _ledger_query(where).order_by(InventoryMovementRow.id.desc()).limit(limit)
        return _movements(self.session.scalars(query))

    def movements_of(self, rma_no: str) -> list[Movement]:
        """One request's movements, oldest first."""
        query = select(InventoryMovementRow).where(InventoryMovementRow.rma_no == rma_no)
        return _movements(self.session.scalars(query.order_by(InventoryMovementRow.id)))


def _ledger_query(where: StockFilter) -> Select[InventoryMovementRow]:
    query = select(InventoryMovementRow)
    if where.merchant_id:
        query = query.where(InventoryMovementRow.merchant_id == where.merchant_id)
    if where.sku:
        query = query.where(InventoryMovementRow.sku == where.sku)
    if where.location:
        query = query.where(
            (InventoryMovementRow.from_location == where.location)
            | (InventoryMovementRow.to_location == where.location)
        )
    if where.grade:
        query = query.where(
            (InventoryMovementRow.from_grade == where.grade)
            | (InventoryMovementRow.to_grade == where.grade)
        )
    return query


def _movements(rows: Iterable[InventoryMovementRow]) -> list[Movement]:
    return [
        Movement(
            MovementKind(row.kind),
            sku=row.sku,
            quantity=row.quantity,
            from_location=row.from_location,
            to_location=row.to_location,
            from_grade=row.from_grade,
            to_grade=row.to_grade,
            actor=row.actor,
            at=row.at,
            rma_no=row.rma_no,
            merchant_id=row.merchant_id,
            note=row.note,
            id=row.id,
        )
        for row in rows
    ]
