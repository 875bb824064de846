"""What the worker's sweeps and the finance lists look for among refunds.

The query half of the refund repository: plain ids, numbers and frozen `RefundListing`
read models, never rows. Each sweep returns what needs doing; the worker then moves
each item in its own transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, aliased

from returnflow.domain.lifecycle import Status
from returnflow.domain.refund_life import RefundState
from returnflow.storage.schema import AmountApprovalRow, RefundRecoveryRow, RefundRow, ReturnRow


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
_OPEN_STATES = [s.value for s in RefundState if s.is_open]


class RefundQueries:
    def __init__(self, session: Session) -> None:
        self.session = session

    def sync(self) -> None:
        """Changes made in this transaction reach the rows first (the repository adds its own)."""
        self.session.flush()

    # --- what the sweeps look for --------------------------------------------------

    def without_refund(
        self,
        statuses: Mapping[str, tuple[str, ...]],
        limit: int = 200,
        max_total: int | None = None,
    ) -> list[str]:
        """Requests in one of `statuses` (per request type) that have no refund yet;
        `max_total`: only those whose computed refund is at most that many cents (the
        instant refund's limit, so requests it can never pay are not looked at every tick
        and cannot crowd the eligible ones out of the first `limit`)."""
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
        if max_total is not None:
            query = query.where(ReturnRow.refund_total <= max_total)
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
        query = (
            select(RefundRow.id)
            .where(
                RefundRow.status.in_(_OPEN_STATES),
                RefundRow.breached_at.is_(None),
                RefundRow.due_by < now,
            )
            .limit(limit)
        )
        return list(self.session.scalars(query))

    def decided_but_waiting(self, limit: int = 200) -> list[int]:
        """Decided refund approvals whose refund still waits (a crash between the two).

        Only each request's latest approval counts: an older decision belongs to a
        refund that was declined and asked for again.
        """
        later = aliased(AmountApprovalRow)
        newer_exists = (
            select(later.id)
            .where(
                later.kind == "refund",
                later.subject == AmountApprovalRow.subject,
                later.id > AmountApprovalRow.id,
            )
            .exists()
        )
        query = (
            select(AmountApprovalRow.id)
            .join(ReturnRow, ReturnRow.rma_no == AmountApprovalRow.subject)
            .join(RefundRow, RefundRow.return_id == ReturnRow.id)
            .where(
                AmountApprovalRow.kind == "refund",
                AmountApprovalRow.status != "pending",
                RefundRow.status == RefundState.AWAITING_APPROVAL.value,
                ~newer_exists,
            )
            .order_by(AmountApprovalRow.id)
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
        self.sync()
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
