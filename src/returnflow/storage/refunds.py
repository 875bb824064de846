"""Refund rows, approvals waiting for a manager, and recovery cases: stored and found.

A request's refund hangs off its `ReturnRow` (the unique `return_id` is what makes a
second refund for one request impossible); it is created through that row so the
request aggregate loaded in the same transaction sees it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from returnflow.domain.lifecycle import Status
from returnflow.domain.refund_life import RefundLife, RefundState
from returnflow.storage.schema import (
    AmountApprovalRow,
    RefundRecoveryRow,
    RefundRow,
    ReturnRow,
)


def life_of(row: RefundRow) -> RefundLife:
    return RefundLife(
        state=RefundState(row.status),
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_error=row.last_error,
        escalated_at=row.escalated_at,
        key_group=int((row.workings or {}).get("key_group", 0)),
    )


def store_life(row: RefundRow, life: RefundLife) -> None:
    row.status = life.state.value
    row.attempts = life.attempts
    row.next_attempt_at = life.next_attempt_at
    row.last_error = life.last_error
    row.escalated_at = life.escalated_at
    if life.key_group != int((row.workings or {}).get("key_group", 0)):
        row.workings = {**(row.workings or {}), "key_group": life.key_group}


@dataclass(frozen=True)
class RefundListing:
    """One refund as the finance lists show it."""

    rma_no: str
    customer_id: str
    status: str
    amount: int
    currency: str
    gateway: str | None
    gateway_refund_id: str | None
    requested_at: datetime | None
    requested_by: str | None
    approved_by: str | None
    due_by: datetime | None
    breached_at: datetime | None
    paid_at: datetime | None
    attempts: int
    last_error: str | None
    instant: bool


_LISTING_COLUMNS = (
    ReturnRow.rma_no,
    ReturnRow.customer_id,
    RefundRow.status,
    RefundRow.amount,
    RefundRow.currency,
    RefundRow.gateway,
    RefundRow.gateway_refund_id,
    RefundRow.requested_at,
    RefundRow.requested_by,
    RefundRow.approved_by,
    RefundRow.due_by,
    RefundRow.breached_at,
    RefundRow.paid_at,
    RefundRow.attempts,
    RefundRow.last_error,
    RefundRow.instant,
)


class RefundStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    # --- one refund ----------------------------------------------------------------

    def for_rma(self, rma_no: str, *, for_update: bool = False) -> RefundRow | None:
        query = select(RefundRow).join(ReturnRow).where(ReturnRow.rma_no == rma_no)
        if for_update:
            # a row read earlier in this transaction without the lock (the request
            # aggregate loads its refund) must be re-read under it: deciding on the
            # stale copy let concurrent callers each re-request a declined refund
            query = query.with_for_update(of=RefundRow).execution_options(populate_existing=True)
        return self.session.scalars(query).first()

    def by_id(self, refund_id: int, *, for_update: bool = False) -> RefundRow | None:
        query = select(RefundRow).where(RefundRow.id == refund_id)
        if for_update:
            query = query.with_for_update().execution_options(populate_existing=True)
        return self.session.scalars(query).first()

    def by_gateway_id(self, gateway_refund_id: str) -> RefundRow | None:
        query = select(RefundRow).where(RefundRow.gateway_refund_id == gateway_refund_id)
        return self.session.scalars(query.with_for_update()).first()

    def rma_of(self, row: RefundRow) -> str:
        return str(
            self.session.scalar(select(ReturnRow.rma_no).where(ReturnRow.id == row.return_id))
        )

    def create(self, rma_no: str, **fields: Any) -> RefundRow:
        """The refund of `rma_no`, hung off its return row; a twin fails at flush."""
        owner = self.session.scalars(select(ReturnRow).where(ReturnRow.rma_no == rma_no)).one()
        row = RefundRow(**fields)
        owner.refund = row
        self.session.flush()
        return row

    # --- what the sweeps look for --------------------------------------------------

    def without_refund(
        self, statuses: Mapping[str, tuple[str, ...]], limit: int = 200
    ) -> list[str]:
        """Requests in one of `statuses` (per request type) that have no refund row yet."""
        conditions = [
            and_(ReturnRow.request_type == rtype, ReturnRow.status.in_(list(states)))
            for rtype, states in statuses.items()
        ]
        query = (
            select(ReturnRow.rma_no)
            .outerjoin(RefundRow, RefundRow.return_id == ReturnRow.id)
            .where(RefundRow.id.is_(None), or_(*conditions))
            .order_by(ReturnRow.id)
            .limit(limit)
        )
        return list(self.session.scalars(query))

    def paid_before_status(self, limit: int = 200) -> list[str]:
        """Requests whose refund is paid while the request has not yet moved to refunded."""
        query = (
            select(ReturnRow.rma_no)
            .join(RefundRow, RefundRow.return_id == ReturnRow.id)
            .where(
                RefundRow.status == RefundState.SUCCEEDED.value,
                RefundRow.gateway.is_not(None),
                ReturnRow.status.in_([Status.INSPECTED.value, Status.APPROVED.value]),
            )
            .limit(limit)
        )
        return list(self.session.scalars(query))

    def instant_paid_then_failed(self, limit: int = 200) -> list[str]:
        """Instant refunds for goods that failed inspection, with no recovery case yet."""
        query = (
            select(ReturnRow.rma_no)
            .join(RefundRow, RefundRow.return_id == ReturnRow.id)
            .outerjoin(RefundRecoveryRow, RefundRecoveryRow.rma_no == ReturnRow.rma_no)
            .where(
                RefundRow.instant.is_(True),
                RefundRow.status != RefundState.DECLINED.value,
                ReturnRow.status == Status.INSPECTION_FAILED.value,
                RefundRecoveryRow.id.is_(None),
            )
            .limit(limit)
        )
        return list(self.session.scalars(query))

    def due_retries(self, now: datetime, limit: int = 200) -> list[int]:
        query = (
            select(RefundRow.id)
            .where(RefundRow.status == RefundState.RETRYING.value, RefundRow.next_attempt_at <= now)
            .limit(limit)
        )
        return list(self.session.scalars(query))

    def submitted_since(self, before: datetime, limit: int = 200) -> list[int]:
        """Refunds the gateway accepted before `before` and has not yet settled."""
        query = (
            select(RefundRow.id)
            .where(
                RefundRow.status == RefundState.SUBMITTED.value, RefundRow.requested_at <= before
            )
            .limit(limit)
        )
        return list(self.session.scalars(query))

    def newly_breached(self, now: datetime, limit: int = 500) -> list[int]:
        open_states = [s.value for s in RefundState if s.is_open]
        query = (
            select(RefundRow.id)
            .where(
                RefundRow.status.in_(open_states),
                RefundRow.breached_at.is_(None),
                RefundRow.due_by < now,
            )
            .limit(limit)
        )
        return list(self.session.scalars(query))

    def failed_inspections(self, customer_id: str) -> int:
        """How many of the customer's returns failed inspection (instant refund's risk)."""
        rows = self.session.scalars(
            select(ReturnRow.inspection).where(
                ReturnRow.customer_id == customer_id, ReturnRow.inspection.is_not(None)
            )
        ).all()
        return sum(1 for inspection in rows if inspection and not inspection.get("passed", True))

    # --- finance lists -------------------------------------------------------------

    def listing(
        self,
        *,
        statuses: tuple[str, ...] = (),
        breached: bool | None = None,
        due_before: datetime | None = None,
        gateway: str | None = None,
        limit: int | None = 500,  # None: every row (reconciliation must see them all)
    ) -> list[RefundListing]:
        query = select(*_LISTING_COLUMNS).join(ReturnRow, RefundRow.return_id == ReturnRow.id)
        if statuses:
            query = query.where(RefundRow.status.in_(list(statuses)))
        if breached is True:
            query = query.where(RefundRow.breached_at.is_not(None))
        if due_before is not None:
            query = query.where(RefundRow.due_by < due_before, RefundRow.breached_at.is_(None))
        if gateway is not None:
            query = query.where(RefundRow.gateway == gateway)
        query = query.order_by(RefundRow.due_by, RefundRow.id)
        if limit is not None:
            query = query.limit(limit)
        return [RefundListing(**values._asdict()) for values in self.session.execute(query)]


class Approvals:
    """Amounts waiting for a manager (R12.3)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def open(
        self,
        kind: str,
        subject: str,
        amount: int,
        currency: str,
        requested_by: str,
        limit_cents: int | None,
        reason: str,
        now: datetime,
    ) -> AmountApprovalRow:
        row = AmountApprovalRow(
            kind=kind,
            subject=subject,
            amount=amount,
            currency=currency,
            requested_by=requested_by,
            limit_cents=limit_cents,
            reason=reason,
            requested_at=now,
            status="pending",
            open_key=f"{kind}:{subject}",
        )
        self.session.add(row)
        self.session.flush()
        return row

    def get(self, approval_id: int, *, for_update: bool = False) -> AmountApprovalRow | None:
        query = select(AmountApprovalRow).where(AmountApprovalRow.id == approval_id)
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def pending_for(self, kind: str, subject: str) -> AmountApprovalRow | None:
        query = select(AmountApprovalRow).where(AmountApprovalRow.open_key == f"{kind}:{subject}")
        return self.session.scalars(query).first()

    def latest_for(self, kind: str, subject: str) -> AmountApprovalRow | None:
        query = (
            select(AmountApprovalRow)
            .where(AmountApprovalRow.kind == kind, AmountApprovalRow.subject == subject)
            .order_by(AmountApprovalRow.id.desc())
        )
        return self.session.scalars(query).first()

    def listing(self, status: str = "pending", limit: int = 200) -> list[AmountApprovalRow]:
        query = (
            select(AmountApprovalRow)
            .where(AmountApprovalRow.status == status)
            .order_by(AmountApprovalRow.requested_at, AmountApprovalRow.id)
            .limit(limit)
        )
        return list(self.session.scalars(query))


class Recoveries:
    """Money to get back after an instant refund for goods that failed inspection."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def open(
        self, rma_no: str, customer_id: str, amount: int, currency: str, reason: str, now: datetime
    ) -> RefundRecoveryRow:
        row = RefundRecoveryRow(
            rma_no=rma_no,
            customer_id=customer_id,
            amount=amount,
            currency=currency,
            reason=reason,
            status="open",
            opened_at=now,
        )
        self.session.add(row)
        self.session.flush()
        return row

    def get(self, rma_no: str, *, for_update: bool = False) -> RefundRecoveryRow | None:
        query = select(RefundRecoveryRow).where(RefundRecoveryRow.rma_no == rma_no)
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def listing(self, status: str | None = "open", limit: int = 200) -> list[RefundRecoveryRow]:
        query = select(RefundRecoveryRow).order_by(RefundRecoveryRow.opened_at)
        if status is not None:
            query = query.where(RefundRecoveryRow.status == status)
        return list(self.session.scalars(query.limit(limit)))
