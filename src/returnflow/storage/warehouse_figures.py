"""What the warehouse figures read: put-aways, dock times and inspections in a window.

Plain tuples of values, never rows: `services/warehouse_figures.py` does the sums.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from returnflow.storage.schema import (
    DispositionRow,
    InspectionRow,
    ReceiptRow,
    ReturnEventRow,
    ReturnRow,
)


class WarehouseFigures:
    """The figures half of `storage.warehouse.Warehouse`."""

    session: Session

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
