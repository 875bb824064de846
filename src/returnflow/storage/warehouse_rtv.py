"""Return-to-vendor batches ⇄ rows: `rtv_batches` with their `rtv_items`.

`open_key` is the merchant while a batch is open and empty once shipped; it is unique,
so a merchant has one open batch however many workers dispose at once (the loser of
that race gets a lost-race error and tries again).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from returnflow.domain.events import DomainEvent
from returnflow.domain.rtv import BatchStatus, RtvBatch, RtvItem
from returnflow.storage.identity_map import IdentityMap, one_row
from returnflow.storage.schema import RtvBatchRow, RtvItemRow
from returnflow.storage.warehouse_stock import StockLedger


class RtvBatches(StockLedger):  # books its movements through the ledger
    """The return-to-vendor half of `storage.warehouse.Warehouse`."""

    session: Session
    _batches: IdentityMap[int, RtvBatch, RtvBatchRow]

    def open_batch(self, merchant_id: str, now: datetime) -> RtvBatch:
        """The merchant's open batch, opened now if there is none."""
        found = self.session.scalars(
            select(RtvBatchRow).where(RtvBatchRow.open_key == merchant_id).with_for_update()
        ).first()
        if found is None:
            found = RtvBatchRow(
                merchant_id=merchant_id, status="open", open_key=merchant_id, opened_at=now
            )
            self.session.add(found)
            self.session.flush()
        return self._remember_batch(found)

    def batch(self, batch_id: int, *, for_update: bool = False) -> RtvBatch | None:
        query = select(RtvBatchRow).where(RtvBatchRow.id == batch_id)
        row = one_row(self.session, query, for_update=for_update)
        return None if row is None else self._remember_batch(row)

    def batches(self, status: str | None = None, limit: int = 100) -> list[RtvBatch]:
        """Newest first, each with its items (for the units and value a list shows)."""
        query = select(RtvBatchRow)
        if status:
            query = query.where(RtvBatchRow.status == str(status))
        rows = list(self.session.scalars(query.order_by(RtvBatchRow.id.desc()).limit(limit)))
        items = self._items([row.id for row in rows])
        return [_batch(row, items.get(row.id, [])) for row in rows]

    def save_batch(self, batch: RtvBatch) -> None:
        """Book its pending movements, add its new items, write its state."""
        self.book_moves(batch.moves)
        row = self._batches.row_of(batch.id)
        for item in batch.added:
            self.session.add(
                RtvItemRow(
                    batch_id=batch.id,
                    rma_no=item.rma_no,
                    line_no=item.line_no,
                    sku=item.sku,
                    grade=item.grade,
                    quantity=item.quantity,
                    value=item.value,
                    added_at=item.added_at,
                    added_by=item.added_by,
                )
            )
        batch.added.clear()
        row.status = batch.status.value
        row.open_key = batch.merchant_id if batch.is_open else None
        row.shipped_at = batch.shipped_at
        row.shipped_by = batch.shipped_by
        row.carrier = batch.carrier
        row.waybill_no = batch.waybill_no
        self.session.flush()

    def batch_events(self) -> list[DomainEvent]:
        """Write every remembered batch back; hand over their new events, once."""
        return self._batches.flush(lambda batch, _row: self.save_batch(batch))

    def _remember_batch(self, row: RtvBatchRow) -> RtvBatch:
        return self._batches.adopt(
            row.id, row, lambda r: _batch(r, self._items([r.id]).get(r.id, []))
        )

    def _items(self, batch_ids: Sequence[int]) -> dict[int, list[RtvItem]]:
        if not batch_ids:
            return {}
        query = select(RtvItemRow).where(RtvItemRow.batch_id.in_(batch_ids))
        found: dict[int, list[RtvItem]] = defaultdict(list)
        for row in self.session.scalars(query.order_by(RtvItemRow.id)):
            found[row.batch_id].append(
                RtvItem(
                    row.rma_no,
                    row.line_no,
                    row.sku,
                    row.grade,
                    row.quantity,
                    row.value,
                    row.added_at,
                    row.added_by,
                )
            )
        return found


def _batch(row: RtvBatchRow, items: list[RtvItem]) -> RtvBatch:
    return RtvBatch(
        id=row.id,
        merchant_id=row.merchant_id,
        opened_at=row.opened_at,
        status=BatchStatus(row.status),
        items=list(items),
        shipped_at=row.shipped_at,
        shipped_by=row.shipped_by,
        carrier=row.carrier,
        waybill_no=row.waybill_no,
    )
