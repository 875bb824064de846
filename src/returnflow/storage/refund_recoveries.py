"""Recovery cases (an instant refund for goods that then failed inspection), stored.

The unique `rma_no` keeps it to one case per request.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from returnflow.domain.events import DomainEvent
from returnflow.domain.money import Money
from returnflow.domain.recoveries import OPEN, RefundRecovery
from returnflow.storage.schema import RefundRecoveryRow


class Recoveries:
    """The recovery repository: `uow.recoveries`."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.seen: dict[str, tuple[RefundRecovery, RefundRecoveryRow]] = {}

    def add(self, recovery: RefundRecovery) -> None:
        row = RefundRecoveryRow(
            rma_no=recovery.rma_no,
            customer_id=recovery.customer_id,
            amount=recovery.amount.cents,
            currency=recovery.amount.currency,
            reason=recovery.reason,
            status=recovery.status,
            opened_at=recovery.opened_at,
        )
        self.session.add(row)
        self.session.flush()
        recovery.id = row.id
        self.seen[recovery.rma_no] = (recovery, row)

    def get(self, rma_no: str, *, for_update: bool = False) -> RefundRecovery | None:
        known = self.seen.get(rma_no)
        if known is not None and not for_update:
            return known[0]
        query = select(RefundRecoveryRow).where(RefundRecoveryRow.rma_no == rma_no)
        if for_update:
            query = query.with_for_update()
        row = self.session.scalars(query).first()
        if row is None:
            return None
        if known is not None:
            return known[0]
        return self._remember(row)

    def open_count(self, customer_id: str) -> int:
        """How many of the customer's cases are still open (instant refund's risk)."""
        self.sync()
        query = select(func.count(RefundRecoveryRow.id)).where(
            RefundRecoveryRow.customer_id == customer_id, RefundRecoveryRow.status == OPEN
        )
        return int(self.session.scalar(query) or 0)

    def listing(self, status: str | None = OPEN, limit: int = 200) -> list[RefundRecovery]:
        self.sync()
        query = select(RefundRecoveryRow).order_by(RefundRecoveryRow.opened_at)
        if status is not None:
            query = query.where(RefundRecoveryRow.status == status)
        return [self._remember(row) for row in self.session.scalars(query.limit(limit))]

    def _remember(self, row: RefundRecoveryRow) -> RefundRecovery:
        known = self.seen.get(row.rma_no)
        if known is not None:
            return known[0]
        recovery = RefundRecovery(
            rma_no=row.rma_no,
            customer_id=row.customer_id,
            amount=Money(row.amount, row.currency),
            reason=row.reason or "",
            opened_at=row.opened_at,
            status=row.status,
            resolved_at=row.resolved_at,
            resolved_by=row.resolved_by,
            id=row.id,
        )
        self.seen[row.rma_no] = (recovery, row)
        return recovery

    def sync(self) -> None:
        for recovery, row in self.seen.values():
            for name in ("status", "resolved_at", "resolved_by"):
                value = getattr(recovery, name)
                if getattr(row, name) != value:
                    setattr(row, name, value)
        self.session.flush()

    def flush_changes(self) -> list[DomainEvent]:
        """Sync every remembered case; hand over their new events, once."""
        self.sync()
        events: list[DomainEvent] = []
        for recovery, _ in self.seen.values():
            events.extend(recovery.events)
            recovery.events.clear()
        return events
