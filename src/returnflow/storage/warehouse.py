"""The warehouse repository (`uow.warehouse`): inspections, dispositions, the inventory
ledger, return-to-vendor batches, the disposition rules and the figures' readings.

One class on the unit of work, assembled from one module per idea so each stays small:
`warehouse_inspections.py` (inspection, offer, send-back), `warehouse_dispositions.py`,
`warehouse_rtv.py`, `warehouse_stock.py` (ledger and stock levels, never negative) and
`warehouse_figures.py`. Everything it hands out is a domain aggregate or a small read
model; the aggregates it loaded or added are remembered, so `flush_changes` writes them
back (booking their pending ledger movements) and returns their new events.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from returnflow.domain.disposition import DEFAULT_BOOK, RuleBook, book_from_json, book_to_json
from returnflow.domain.disposition_record import LineDisposition
from returnflow.domain.events import DomainEvent
from returnflow.domain.inspection_record import Inspection
from returnflow.domain.inventory import StockFilter
from returnflow.domain.rtv import RtvBatch
from returnflow.storage.identity_map import IdentityMap
from returnflow.storage.schema import (
    DispositionRow,
    InspectionOfferRow,
    InspectionRow,
    RtvBatchRow,
    WarehouseRulesRow,
)
from returnflow.storage.warehouse_dispositions import DispositionRecords
from returnflow.storage.warehouse_figures import WarehouseFigures
from returnflow.storage.warehouse_inspections import InspectionRecords
from returnflow.storage.warehouse_rtv import RtvBatches
from returnflow.storage.warehouse_stock import StockLedger

__all__ = ["StockFilter", "Warehouse"]


class Warehouse(InspectionRecords, DispositionRecords, RtvBatches, StockLedger, WarehouseFigures):
    def __init__(self, session: Session) -> None:
        self.session = session
        self._inspections: IdentityMap[str, Inspection, InspectionRow] = IdentityMap()
        self._offer_rows: dict[str, InspectionOfferRow] = {}
        self._dispositions: IdentityMap[tuple[str, int], LineDisposition, DispositionRow] = (
            IdentityMap()
        )
        self._batches: IdentityMap[int, RtvBatch, RtvBatchRow] = IdentityMap()
        self._booked = []  # movements booked in this unit of work: `inventory.moved` events

    def rules(self) -> RuleBook:
        """The newest published rule book, or the built-in default before any is."""
        row = self.session.scalars(
            select(WarehouseRulesRow).order_by(WarehouseRulesRow.version.desc()).limit(1)
        ).first()
        return DEFAULT_BOOK if row is None else book_from_json(row.document)

    def publish_rules(self, book: RuleBook, now: datetime, by: str) -> None:
        self.session.add(
            WarehouseRulesRow(
                version=book.version, document=book_to_json(book), published_at=now, published_by=by
            )
        )
        self.session.flush()

    def flush_changes(self) -> list[DomainEvent]:
        """Write back every aggregate loaded or added here; hand over their new events, once."""
        written = [*self.inspection_events(), *self.disposition_events(), *self.batch_events()]
        return [*written, *self.movement_events()]  # after the writes that book movements
