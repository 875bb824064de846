"""Repair orders ⇄ rows. Loaded orders are remembered for the unit of work, like exchanges."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from returnflow.domain.events import DomainEvent
from returnflow.domain.money import Money
from returnflow.domain.repairs import RepairOrder, RepairStatus, RepairStep
from returnflow.storage.exchanges import last_change, steps_json
from returnflow.storage.schema.resolutions import RepairOrderRow


class RepairRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._seen: dict[str, tuple[RepairOrder, RepairOrderRow]] = {}

    def add(self, order: RepairOrder, now: datetime) -> None:
        row = RepairOrderRow(
            rma_no=order.rma_no,
            customer_id=order.customer_id,
            currency=order.currency,
            created_at=now,
        )
        _sync(self.session, order, row, now)
        self.session.add(row)
        self.session.flush()
        self._seen[order.rma_no] = (order, row)

    def get(self, rma_no: str, *, for_update: bool = False) -> RepairOrder | None:
        if rma_no in self._seen:
            return self._seen[rma_no][0]
        query = select(RepairOrderRow).where(RepairOrderRow.rma_no == rma_no)
        if for_update:
            query = query.with_for_update()
        row = self.session.scalars(query).first()
        if row is None:
            return None
        order = RepairOrder(
            rma_no=row.rma_no,
            customer_id=row.customer_id,
            currency=row.currency,
            status=RepairStatus(row.status),
            diagnosis=row.diagnosis,
            cost=Money(row.cost, row.currency),
            cost_approved=row.cost_approved,
            steps=[
                RepairStep(datetime.fromisoformat(s["at"]), s["actor"], s["step"], s["note"])
                for s in row.steps
            ],
        )
        self._seen[rma_no] = (order, row)
        return order

    def save(self, order: RepairOrder, now: datetime) -> None:
        """Write one repair order back now, so what follows in this transaction sees it."""
        _sync(self.session, order, self._seen[order.rma_no][1], now)
        self.session.flush()

    def flush_changes(self, now: datetime | None = None) -> list[DomainEvent]:
        """Write back every repair order of this unit of work; hand over their new events."""
        events: list[DomainEvent] = []
        for order, row in self._seen.values():
            _sync(self.session, order, row, now or last_change(order.events, row.updated_at))
            events.extend(order.events)
            order.events.clear()
        self.session.flush()
        return events


def _sync(session: Session, order: RepairOrder, row: RepairOrderRow, now: datetime) -> None:
    row.status = order.status.value
    row.diagnosis = order.diagnosis
    row.cost = order.cost.cents if order.cost else 0
    row.cost_approved = order.cost_approved
    row.steps = steps_json(order.steps)
    if row.id is None or session.is_modified(row):
        row.updated_at = now
