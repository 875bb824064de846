"""How much work waits for the warehouse (issue 16): the counts its home page opens on.

Each figure is one COUNT over the tables that already hold it; nothing is loaded and
nothing written. `merchant_id` set: that merchant's own requests only (a merchant that
receives at its own warehouse, `services/merchant_desk.py`). The list of received
requests waiting for inspection itself is `uow.journeys.resting_since`, the query the
receiving desk's countdown list reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, Select, exists, func, select
from sqlalchemy.orm import Session

from returnflow.domain.lifecycle import Status
from returnflow.storage.schema import (
    DispositionRow,
    InspectionRow,
    ReturnRow,
    RtvBatchRow,
    ShipmentRow,
)

# a customer's parcel the carrier has and has not handed over at the dock yet
TRAVELLING = ("accepted", "in_transit", "out_for_delivery", "delivered")


def _scope(merchant_id: str | None) -> Sequence[ColumnElement[bool]]:
    return [] if merchant_id is None else [ReturnRow.merchant_id == merchant_id]


def _undisposed(merchant_id: str | None) -> Sequence[ColumnElement[bool]]:
    disposed = exists().where(DispositionRow.rma_no == InspectionRow.rma_no)
    return [InspectionRow.passed.is_(True), ~disposed, *_scope(merchant_id)]


class WarehouseWork:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _count(self, query: Select[int]) -> int:
        return int(self.session.scalar(query) or 0)

    def received(self, merchant_id: str | None) -> int:
        """Requests received and not inspected yet."""
        query = select(func.count(ReturnRow.id)).where(
            ReturnRow.status == Status.RECEIVED.value, *_scope(merchant_id)
        )
        return self._count(query)

    def expected_by(self, end: datetime, merchant_id: str | None) -> int:
        """Customers' parcels on their way whose promised arrival is before `end`."""
        query = (
            select(func.count(func.distinct(ShipmentRow.rma_no)))
            .join(ReturnRow, ReturnRow.rma_no == ShipmentRow.rma_no)
            .where(
                ShipmentRow.direction == "return",
                ShipmentRow.status.in_(TRAVELLING),
                ShipmentRow.promised_by < end,
                ReturnRow.status == Status.IN_TRANSIT.value,
                *_scope(merchant_id),
            )
        )
        return self._count(query)

    def awaiting_disposition(self, merchant_id: str | None) -> int:
        """Passed inspections none of whose lines has been disposed yet."""
        query = (
            select(func.count(InspectionRow.id))
            .join(ReturnRow, ReturnRow.rma_no == InspectionRow.rma_no)
            .where(*_undisposed(merchant_id))
        )
        return self._count(query)

    def disposition_waiting(
        self, merchant_id: str | None, offset: int, limit: int
    ) -> list[tuple[str, str, str, datetime]]:
        """(rma_no, merchant_id, grade, inspected_at) of those, longest waiting first."""
        query = (
            select(
                InspectionRow.rma_no,
                ReturnRow.merchant_id,
                InspectionRow.grade,
                InspectionRow.inspected_at,
            )
            .join(ReturnRow, ReturnRow.rma_no == InspectionRow.rma_no)
            .where(*_undisposed(merchant_id))
            .order_by(InspectionRow.inspected_at, InspectionRow.id)
            .offset(offset)
            .limit(limit)
        )
        return [
            (rma, merchant, grade, at) for rma, merchant, grade, at in self.session.execute(query)
        ]

    def open_batches(self) -> int:
        """Return-to-vendor batches still being filled."""
        return self._count(select(func.count(RtvBatchRow.id)).where(RtvBatchRow.status == "open"))
