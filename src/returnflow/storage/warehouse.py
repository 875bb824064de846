"""Warehouse rows: inspections, partial-refund offers, rules, dispositions, the inventory
ledger with its stock levels, and return-to-vendor batches.

Stock levels change only together with a ledger row, with a conditional update that
never lets a level go below zero, so two people moving the last unit at once cannot
both succeed, on SQLite or PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from returnflow.domain.disposition import DEFAULT_BOOK, RuleBook, book_from_json, book_to_json
from returnflow.domain.inventory import Movement, insufficient_stock, is_outside
from returnflow.domain.money import Money
from returnflow.domain.refunds import Deduction
from returnflow.domain.text import Text
from returnflow.storage import chain
from returnflow.storage.schema import (
    DispositionRow,
    InspectionOfferRow,
    InspectionRow,
    InventoryMovementRow,
    ReceiptRow,
    ReturnEventRow,
    ReturnRow,
    RtvBatchRow,
    RtvItemRow,
    ShipmentRow,
    WarehouseRulesRow,
    WarehouseStockRow,
)


@dataclass(frozen=True)
class StockFilter:
    merchant_id: str | None = None
    sku: str | None = None
    location: str | None = None
    grade: str | None = None


class Warehouse:
    def __init__(self, session: Session) -> None:
        self.session = session

    # --- rules -------------------------------------------------------------------

    def rules(self) -> RuleBook:
        """The newest published rule book, or the built-in default before any is."""
        row = self.session.scalars(
            select(WarehouseRulesRow).order_by(WarehouseRulesRow.version.desc()).limit(1)
        ).first()
        return DEFAULT_BOOK if row is None else book_from_json(row.document)

    def rule_versions(self) -> list[WarehouseRulesRow]:
        query = select(WarehouseRulesRow).order_by(WarehouseRulesRow.version.desc())
        return list(self.session.scalars(query))

    def publish_rules(self, book: RuleBook, now: datetime, by: str) -> None:
        self.session.add(
            WarehouseRulesRow(
                version=book.version, document=book_to_json(book), published_at=now, published_by=by
            )
        )
        self.session.flush()

    # --- inspections and offers ------------------------------------------------------

    def add_inspection(self, row: InspectionRow) -> None:
        self.session.add(row)
        self.session.flush()

    def inspection(self, rma_no: str) -> InspectionRow | None:
        return self.session.scalars(
            select(InspectionRow).where(InspectionRow.rma_no == rma_no)
        ).first()

    def add_offer(self, row: InspectionOfferRow) -> None:
        self.session.add(row)
        self.session.flush()

    def offer(self, rma_no: str) -> InspectionOfferRow | None:
        return self.session.scalars(
            select(InspectionOfferRow).where(InspectionOfferRow.rma_no == rma_no)
        ).first()

    def answer_offer(self, rma_no: str, status: str, now: datetime) -> bool:
        """Only an open offer can be answered: a second click changes nothing."""
        result = self.session.execute(
            update(InspectionOfferRow)
            .where(InspectionOfferRow.rma_no == rma_no, InspectionOfferRow.status == "offered")
            .values(status=status, answered_at=now)
            .execution_options(synchronize_session="fetch")
        )
        return int(result.rowcount) == 1  # type: ignore[attr-defined]

    def accepted_deductions(self, rma_no: str) -> list[Deduction]:
        """Deductions the customer accepted (R5.3), for the refund's workings."""
        offer = self.offer(rma_no)
        if offer is None or offer.status != "accepted":
            return []
        return [
            Deduction(
                offer.code,
                Text(offer.reason_zh, offer.reason_en),
                Money(offer.amount, offer.currency),
                offer.line_no,
            )
        ]

    # --- dispositions --------------------------------------------------------------

    def disposition(self, rma_no: str, line_no: int) -> DispositionRow | None:
        return self.session.scalars(
            select(DispositionRow).where(
                DispositionRow.rma_no == rma_no, DispositionRow.line_no == line_no
            )
        ).first()

    def dispositions_of(self, rma_no: str) -> list[DispositionRow]:
        query = select(DispositionRow).where(DispositionRow.rma_no == rma_no)
        return list(self.session.scalars(query.order_by(DispositionRow.line_no)))

    def add_disposition(self, row: DispositionRow) -> None:
        self.session.add(row)
        self.session.flush()

    def awaiting_put_away(self, limit: int = 200) -> list[DispositionRow]:
        query = (
            select(DispositionRow)
            .where(DispositionRow.put_away_at.is_(None), DispositionRow.bin.is_(None))
            .where(DispositionRow.chosen.in_(["restock", "sell_discounted", "refurbish"]))
            .order_by(DispositionRow.decided_at)
            .limit(limit)
        )
        return list(self.session.scalars(query))

    # --- the ledger -------------------------------------------------------------------

    def move(self, movement: Movement) -> None:
        """Append the movement and adjust stock levels; refuse it whole if short."""
        if not is_outside(movement.from_location):
            result = self.session.execute(
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
                raise insufficient_stock(movement, self._held(movement))
        if not is_outside(movement.to_location):
            self._add_stock(movement)
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
        chain.seal(self.session, chain.INVENTORY, row)  # one chain per merchant
        self.session.add(row)
        self.session.flush()

    def _held(self, movement: Movement) -> int:
        held = self.session.scalar(
            select(WarehouseStockRow.quantity).where(
                WarehouseStockRow.merchant_id == movement.merchant_id,
                WarehouseStockRow.sku == movement.sku,
                WarehouseStockRow.location == movement.from_location,
                WarehouseStockRow.grade == movement.from_grade,
            )
        )
        return int(held or 0)

    def _add_stock(self, movement: Movement) -> None:
        values = {
            "merchant_id": movement.merchant_id,
            "sku": movement.sku,
            "location": movement.to_location,
            "grade": movement.to_grade,
            "quantity": movement.quantity,
        }
        keys = ["merchant_id", "sku", "location", "grade"]
        dialect = self.session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        statement = insert(WarehouseStockRow).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=keys,
            set_={"quantity": WarehouseStockRow.quantity + statement.excluded.quantity},
        )
        self.session.execute(statement)

    def has_movement(self, rma_no: str, kind: str) -> bool:
        found = self.session.scalar(
            select(InventoryMovementRow.id)
            .where(InventoryMovementRow.rma_no == rma_no, InventoryMovementRow.kind == kind)
            .limit(1)
        )
        return found is not None

    def stock(self, where: StockFilter) -> list[WarehouseStockRow]:
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
        return list(self.session.scalars(query.order_by(*order, WarehouseStockRow.grade)))

    def ledger(self, where: StockFilter, limit: int = 200) -> list[InventoryMovementRow]:
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
        query = query.order_by(InventoryMovementRow.id.desc()).limit(limit)
        return list(self.session.scalars(query))

    # --- return to vendor -------------------------------------------------------------

    def open_batch(self, merchant_id: str, now: datetime) -> RtvBatchRow:
        """The merchant's open batch, opened now if there is none."""
        found = self.session.scalars(
            select(RtvBatchRow).where(RtvBatchRow.open_key == merchant_id).with_for_update()
        ).first()
        if found is not None:
            return found
        row = RtvBatchRow(
            merchant_id=merchant_id, status="open", open_key=merchant_id, opened_at=now
        )
        self.session.add(row)
        self.session.flush()
        return row

    def batch(self, batch_id: int, *, for_update: bool = False) -> RtvBatchRow | None:
        query = select(RtvBatchRow).where(RtvBatchRow.id == batch_id)
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def batches(self, status: str | None = None, limit: int = 100) -> list[RtvBatchRow]:
        query = select(RtvBatchRow)
        if status:
            query = query.where(RtvBatchRow.status == status)
        return list(self.session.scalars(query.order_by(RtvBatchRow.id.desc()).limit(limit)))

    def add_rtv_item(self, row: RtvItemRow) -> None:
        self.session.add(row)
        self.session.flush()

    def rtv_items(self, batch_id: int) -> list[RtvItemRow]:
        query = select(RtvItemRow).where(RtvItemRow.batch_id == batch_id)
        return list(self.session.scalars(query.order_by(RtvItemRow.id)))

    def rtv_counts(self, batch_ids: list[int]) -> dict[int, tuple[int, int]]:
        """Units and value per batch."""
        if not batch_ids:
            return {}
        rows = self.session.execute(
            select(RtvItemRow.batch_id, func.sum(RtvItemRow.quantity), func.sum(RtvItemRow.value))
            .where(RtvItemRow.batch_id.in_(batch_ids))
            .group_by(RtvItemRow.batch_id)
        ).all()
        return {batch_id: (int(units or 0), int(value or 0)) for batch_id, units, value in rows}

    # --- outbound parcels -------------------------------------------------------------

    def add_send_back(self, row: ShipmentRow) -> None:
        self.session.add(row)
        self.session.flush()

    def send_backs(self, rma_no: str) -> list[ShipmentRow]:
        query = select(ShipmentRow).where(
            ShipmentRow.rma_no == rma_no, ShipmentRow.purpose == "send_back"
        )
        return list(self.session.scalars(query))

    # --- figures ------------------------------------------------------------------------

    def put_aways(self, start: datetime, end: datetime) -> list[tuple[str, datetime]]:
        query = (
            select(DispositionRow.rma_no, DispositionRow.put_away_at)
            .where(DispositionRow.put_away_at >= start, DispositionRow.put_away_at < end)
            .order_by(DispositionRow.put_away_at)
        )
        return [(rma, at) for rma, at in self.session.execute(query).all() if at is not None]

    def received_times(self, rma_nos: list[str]) -> dict[str, datetime]:
        """When each request reached the dock: the receipt (R5.1), else its RECEIVE step."""
        if not rma_nos:
            return {}
        receipts = self.session.execute(
            select(ReceiptRow.rma_no, ReceiptRow.received_at).where(ReceiptRow.rma_no.in_(rma_nos))
        ).all()
        from_receipts = {rma: _aware(at) for rma, at in receipts}
        rows = self.session.execute(
            select(ReturnRow.rma_no, func.max(ReturnEventRow.at))
            .join(ReturnEventRow, ReturnEventRow.return_id == ReturnRow.id)
            .where(ReturnRow.rma_no.in_(rma_nos), ReturnEventRow.action == "receive")
            .group_by(ReturnRow.rma_no)
        ).all()
        found: dict[str, Any] = {rma: at for rma, at in rows}
        from_history = {rma: _aware(at) for rma, at in found.items() if at is not None}
        return {**from_history, **from_receipts}

    def inspections_between(self, start: datetime, end: datetime) -> list[tuple[str, datetime]]:
        query = (
            select(InspectionRow.inspected_by, InspectionRow.inspected_at)
            .where(InspectionRow.inspected_at >= start, InspectionRow.inspected_at < end)
            .order_by(InspectionRow.inspected_at)
        )
        return [(who, at) for who, at in self.session.execute(query).all()]


def _aware(value: datetime) -> datetime:
    """Aggregates bypass the column type on SQLite; give them back their UTC zone."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
