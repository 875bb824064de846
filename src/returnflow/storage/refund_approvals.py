"""Amounts waiting for a manager (R12.3): `AmountApproval` aggregates in, out and back.

`open_key` is "<kind>:<subject>" while an approval is pending and empty once it is
decided: unique, so one refund never waits in the queue twice (a twin fails at flush
and the unit of work reports the lost race).
"""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from returnflow.domain.approvals import PENDING, AmountApproval
from returnflow.domain.money import Money
from returnflow.storage.identity_map import TrackingRepository, one_row
from returnflow.storage.schema import AmountApprovalRow


class Approvals(TrackingRepository[int, AmountApproval, AmountApprovalRow]):
    """The approval repository: `uow.approvals`."""

    def __init__(self, session: Session) -> None:
        super().__init__(session, _write)

    def add(self, approval: AmountApproval) -> None:
        row = AmountApprovalRow(
            kind=approval.kind,
            subject=approval.subject,
            amount=approval.amount.cents,
            currency=approval.amount.currency,
            requested_by=approval.requested_by,
            limit_cents=None if approval.limit is None else approval.limit.cents,
            reason=approval.reason,
            requested_at=approval.requested_at,
        )
        _write(approval, row)
        self.session.add(row)
        self.session.flush()
        approval.id = row.id
        for event in approval.events:
            if event.data.get("approval_id") is None:
                event.data["approval_id"] = row.id
        self._map.remember(row.id, approval, row)

    def get(self, approval_id: int, *, for_update: bool = False) -> AmountApproval | None:
        query = select(AmountApprovalRow).where(AmountApprovalRow.id == approval_id)
        return self._found(query, for_update=for_update)

    def pending_for(self, kind: str, subject: str) -> AmountApproval | None:
        self.sync()
        query = select(AmountApprovalRow).where(AmountApprovalRow.open_key == f"{kind}:{subject}")
        return self._found(query)

    def latest_for(self, kind: str, subject: str) -> AmountApproval | None:
        query = (
            select(AmountApprovalRow)
            .where(AmountApprovalRow.kind == kind, AmountApprovalRow.subject == subject)
            .order_by(AmountApprovalRow.id.desc())
        )
        return self._found(query)

    def listing(self, status: str = PENDING, limit: int = 200) -> list[AmountApproval]:
        self.sync()
        query = (
            select(AmountApprovalRow)
            .where(AmountApprovalRow.status == status)
            .order_by(AmountApprovalRow.requested_at, AmountApprovalRow.id)
            .limit(limit)
        )
        return [self._remember(row) for row in self.session.scalars(query)]

    def _found(
        self, query: Select[AmountApprovalRow], *, for_update: bool = False
    ) -> AmountApproval | None:
        row = one_row(self.session, query, for_update=for_update)
        return None if row is None else self._remember(row)

    def _remember(self, row: AmountApprovalRow) -> AmountApproval:
        return self._map.adopt(row.id, row, _to_approval)


def _to_approval(row: AmountApprovalRow) -> AmountApproval:
    return AmountApproval(
        kind=row.kind,
        subject=row.subject,
        amount=Money(row.amount, row.currency),
        requested_by=row.requested_by,
        limit=None if row.limit_cents is None else Money(row.limit_cents, row.currency),
        reason=row.reason or "",
        requested_at=row.requested_at,
        status=row.status,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        decision_note=row.decision_note,
        id=row.id,
    )


def _write(approval: AmountApproval, row: AmountApprovalRow) -> None:
    """Only the decision changes after an approval is asked for."""
    values = {
        "status": approval.status,
        "decided_by": approval.decided_by,
        "decided_at": approval.decided_at,
        "decision_note": approval.decision_note,
        "open_key": f"{approval.kind}:{approval.subject}" if approval.is_pending else None,
    }
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
