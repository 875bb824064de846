"""Repair orders ⇄ rows. Loaded orders are remembered for the unit of work, like exchanges
(`RequestOrders`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from returnflow.domain.money import Money
from returnflow.domain.repairs import RepairOrder, RepairStatus, RepairStep
from returnflow.storage.exchanges import RequestOrders, last_change, steps_json
from returnflow.storage.schema.resolutions import RepairOrderRow


class RepairRepository(RequestOrders[RepairOrder, RepairOrderRow]):
    def __init__(self, session: Session) -> None:
        super().__init__(session, _select_repair, _repair, _sync)

    def add(self, order: RepairOrder, now: datetime) -> None:
        row = RepairOrderRow(
            rma_no=order.rma_no,
            customer_id=order.customer_id,
            currency=order.currency,
            created_at=now,
        )
        self._insert(order, row, now)


def _select_repair(rma_no: str) -> Select[RepairOrderRow]:
    return select(RepairOrderRow).where(RepairOrderRow.rma_no == rma_no)


def _repair(row: RepairOrderRow) -> RepairOrder:
    return RepairOrder(
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


def _sync(session: Session, order: RepairOrder, row: RepairOrderRow, now: datetime | None) -> None:
    """The order onto its row; `updated_at` moves only on a change (`RequestOrders`)."""
    row.status = order.status.value
    row.diagnosis = order.diagnosis
    row.cost = order.cost.cents if order.cost else 0
    row.cost_approved = order.cost_approved
    row.steps = steps_json(order.steps)
    if row.id is None or session.is_modified(row):
        row.updated_at = now or last_change(order.events, row.updated_at)
