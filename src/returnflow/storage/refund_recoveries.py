"""Recovery cases (an instant refund for goods that then failed inspection), stored.

The unique `rma_no` keeps it to one case per request.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from returnflow.domain.money import Money
from returnflow.domain.recoveries import OPEN, RefundRecovery
from returnflow.storage.identity_map import TrackingRepository, one_row
from returnflow.storage.schema import RefundRecoveryRow


class Recoveries(TrackingRepository[str, RefundRecovery, RefundRecoveryRow]):
    """The recovery repository: `uow.recoveries`."""

    def __init__(self, session: Session) -> None:
        super().__init__(session, _write)

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
        self._map.remember(recovery.rma_no, recovery, row)

    def get(self, rma_no: str, *, for_update: bool = False) -> RefundRecovery | None:
        known = self._map.recall(rma_no)
        if known is not None and not for_update:
            return known
        query = select(RefundRecoveryRow).where(RefundRecoveryRow.rma_no == rma_no)
        row = one_row(self.session, query, for_update=for_update)  # takes the lock if asked
        return None if row is None else self._remember(row)

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
        return self._map.adopt(row.rma_no, row, _recovery)


def _recovery(row: RefundRecoveryRow) -> RefundRecovery:
    return RefundRecovery(
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


def _write(recovery: RefundRecovery, row: RefundRecoveryRow) -> None:
    """Only the case's outcome changes after it is opened."""
    for name in ("status", "resolved_at", "resolved_by"):
        value = getattr(recovery, name)
        if getattr(row, name) != value:
            setattr(row, name, value)
