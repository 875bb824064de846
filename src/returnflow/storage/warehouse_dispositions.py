"""Line dispositions ⇄ rows: one `dispositions` row per returned line, unique per line.

A disposition is written when decided (the unique key turns a second decision, or a
twin request racing this one, into a lost race) and again when its goods are put away
or picked for the vendor; its pending ledger movements are booked on each write.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from returnflow.domain.disposition import Disposition
from returnflow.domain.disposition_record import LineDisposition
from returnflow.domain.events import DomainEvent
from returnflow.storage.identity_map import IdentityMap, one_row
from returnflow.storage.schema import DispositionRow
from returnflow.storage.warehouse_stock import StockLedger


class DispositionRecords(StockLedger):  # books its movements through the ledger
    """The disposition half of `storage.warehouse.Warehouse`."""

    session: Session
    _dispositions: IdentityMap[tuple[str, int], LineDisposition, DispositionRow]

    def disposition(self, rma_no: str, line_no: int) -> LineDisposition | None:
        query = select(DispositionRow).where(
            DispositionRow.rma_no == rma_no, DispositionRow.line_no == line_no
        )
        return self._dispositions.recall_or_load(
            (rma_no, line_no), lambda: one_row(self.session, query), _disposition
        )

    def dispositions_of(self, rma_no: str) -> list[LineDisposition]:
        query = select(DispositionRow).where(DispositionRow.rma_no == rma_no)
        rows = self.session.scalars(query.order_by(DispositionRow.line_no))
        return [
            self._dispositions.adopt((row.rma_no, row.line_no), row, _disposition) for row in rows
        ]

    def add_disposition(self, disposition: LineDisposition) -> None:
        row = DispositionRow(
            rma_no=disposition.rma_no,
            line_no=disposition.line_no,
            merchant_id=disposition.merchant_id,
            sku=disposition.sku,
            category=disposition.category,
            grade=disposition.grade,
            quantity=disposition.quantity,
            value=disposition.value,
            suggested=disposition.suggested.value,
            rule_id=disposition.rule_id,
            rules_version=disposition.rules_version,
            chosen=disposition.chosen.value,
            approved_by=disposition.approved_by,
            decided_at=disposition.decided_at,
            decided_by=disposition.decided_by,
        )
        self.session.add(row)
        self.session.flush()
        self._dispositions.remember((disposition.rma_no, disposition.line_no), disposition, row)
        self.save_disposition(disposition)

    def save_disposition(self, disposition: LineDisposition) -> None:
        """Book its pending movements and write where its goods went."""
        self.book_moves(disposition.moves)
        row = self._dispositions.row_of((disposition.rma_no, disposition.line_no))
        row.bin = disposition.bin
        row.rtv_batch_id = disposition.rtv_batch_id
        row.put_away_at = disposition.put_away_at
        row.put_away_by = disposition.put_away_by
        self.session.flush()

    def disposition_events(self) -> list[DomainEvent]:
        """Write every remembered disposition back; hand over their new events, once."""
        return self._dispositions.flush(
            lambda disposition, _row: self.save_disposition(disposition)
        )


def _disposition(row: DispositionRow) -> LineDisposition:
    return LineDisposition(
        rma_no=row.rma_no,
        line_no=row.line_no,
        merchant_id=row.merchant_id,
        sku=row.sku,
        category=row.category,
        grade=row.grade,
        quantity=row.quantity,
        value=row.value,
        suggested=Disposition(row.suggested),
        rule_id=row.rule_id,
        rules_version=row.rules_version,
        chosen=Disposition(row.chosen),
        decided_at=row.decided_at,
        decided_by=row.decided_by,
        approved_by=row.approved_by,
        bin=row.bin,
        rtv_batch_id=row.rtv_batch_id,
        put_away_at=row.put_away_at,
        put_away_by=row.put_away_by,
    )
