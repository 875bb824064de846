"""The review queue as a paged, filtered, sorted list with each request's holder, and the
team's workload (seed 000 §7.2.3, issue 16). One query a page over `returns`, joined to
the current assignment and the holder's account; nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from returnflow.domain.kinds import Channel, RequestType
from returnflow.domain.lifecycle import Status
from returnflow.domain.money import Money
from returnflow.storage.schema import ReturnRow, UserRow
from returnflow.storage.schema.assignment import ReviewAssignmentRow

WORKLOAD_LIMIT = 200
_Q = TypeVar("_Q", bound=Select)  # type: ignore[type-arg]  # any SELECT, whatever its columns

# how the queue may be ordered; the first is the default (the review deadline's order)
SORTS = ("oldest", "newest", "due", "amount_high", "amount_low")
_ORDER: dict[str, tuple[Any, ...]] = {
    "oldest": (ReturnRow.created_at.asc(), ReturnRow.id.asc()),
    "newest": (ReturnRow.created_at.desc(), ReturnRow.id.desc()),
    "due": (ReturnRow.review_due_at.asc(), ReturnRow.id.asc()),
    "amount_high": (ReturnRow.refund_total.desc(), ReturnRow.id.asc()),
    "amount_low": (ReturnRow.refund_total.asc(), ReturnRow.id.asc()),
}


@dataclass(frozen=True, slots=True)
class QueueFilter:
    """What the queue asks for; empty fields match everything."""

    merchant_id: str | None = None
    request_type: RequestType | None = None
    assignee_id: int | None = None  # held by this person
    unassigned: bool = False  # held by nobody
    filed_before: datetime | None = None  # the age filter: filed before this instant
    overdue_at: datetime | None = None  # only requests past their review deadline then
    sort: str = "oldest"


@dataclass(frozen=True, slots=True)
class QueueEntry:
    rma_no: str
    order_no: str
    merchant_id: str
    request_type: RequestType
    channel: Channel
    refund_total: Money
    created_at: datetime
    review_due_at: datetime | None
    assignee_id: int | None
    assignee_name: str | None
    assigned_by: str | None = None  # who gave it (the actor), and when
    assigned_at: datetime | None = None

    def overdue(self, now: datetime) -> bool:
        return self.review_due_at is not None and self.review_due_at <= now


@dataclass(frozen=True, slots=True)
class QueuePage:
    entries: tuple[QueueEntry, ...]
    total: int  # matching the filter
    overdue: int  # of those, past their deadline


@dataclass(frozen=True, slots=True)
class Workload:
    """Requests in review each person holds (and how many of them are overdue)."""

    user_id: int | None  # None: nobody holds them
    name: str | None
    held: int
    overdue: int


def _where(query: _Q, where: QueueFilter) -> _Q:
    query = query.where(ReturnRow.status == Status.PENDING_REVIEW.value)
    if where.merchant_id:
        query = query.where(ReturnRow.merchant_id == where.merchant_id)
    if where.request_type is not None:
        query = query.where(ReturnRow.request_type == where.request_type.value)
    if where.assignee_id is not None:
        query = query.where(ReviewAssignmentRow.user_id == where.assignee_id)
    if where.unassigned:
        query = query.where(ReviewAssignmentRow.user_id.is_(None))
    if where.filed_before is not None:
        query = query.where(ReturnRow.created_at < where.filed_before)
    if where.overdue_at is not None:
        query = query.where(ReturnRow.review_due_at <= where.overdue_at)
    return query


def _joined(query: _Q) -> _Q:
    return query.outerjoin(ReviewAssignmentRow, ReviewAssignmentRow.rma_no == ReturnRow.rma_no)


class AssignmentQueries:
    def __init__(self, session: Session) -> None:
        self.session = session

    def queue(self, where: QueueFilter, now: datetime, page: int, size: int) -> QueuePage:
        """One page of requests in review with their holders; `page` counts from 1."""
        base = _where(_joined(select(ReturnRow.id)), where)
        total = self.session.scalar(select(func.count()).select_from(base.subquery())) or 0
        late = base.where(ReturnRow.review_due_at <= now)
        overdue = self.session.scalar(select(func.count()).select_from(late.subquery())) or 0
        query = _where(
            _joined(
                select(
                    ReturnRow,
                    ReviewAssignmentRow.user_id,
                    UserRow.display_name,
                    ReviewAssignmentRow.assigned_by,
                    ReviewAssignmentRow.assigned_at,
                )
            ),
            where,
        ).outerjoin(UserRow, UserRow.id == ReviewAssignmentRow.user_id)
        order = _ORDER.get(where.sort, _ORDER["oldest"])
        rows = self.session.execute(
            query.order_by(*order).limit(size).offset((page - 1) * size)
        ).all()
        return QueuePage(tuple(_entry(*row) for row in rows), int(total), int(overdue))

    def workload(self, now: datetime, merchant_id: str | None) -> tuple[Workload, ...]:
        """Per holder (and nobody) in the queue, most held first (bounded)."""
        query = _where(
            _joined(
                select(
                    ReviewAssignmentRow.user_id,
                    UserRow.display_name,
                    func.count(ReturnRow.id),
                )
            ),
            QueueFilter(merchant_id=merchant_id),
        ).outerjoin(UserRow, UserRow.id == ReviewAssignmentRow.user_id)
        rows = self.session.execute(
            query.group_by(ReviewAssignmentRow.user_id, UserRow.display_name)
            .order_by(func.count(ReturnRow.id).desc())
            .limit(WORKLOAD_LIMIT)
        ).all()
        overdue = self._overdue_by_holder(now, merchant_id)
        return tuple(
            Workload(user_id, name, int(held), overdue.get(user_id, 0))
            for user_id, name, held in rows
        )

    def _overdue_by_holder(self, now: datetime, merchant_id: str | None) -> dict[int | None, int]:
        query = _where(
            _joined(select(ReviewAssignmentRow.user_id, func.count(ReturnRow.id))),
            QueueFilter(merchant_id=merchant_id, overdue_at=now),
        ).group_by(ReviewAssignmentRow.user_id)
        return {user_id: int(count) for user_id, count in self.session.execute(query)}


def _entry(
    row: ReturnRow,
    user_id: int | None,
    name: str | None,
    assigned_by: str | None,
    assigned_at: datetime | None,
) -> QueueEntry:
    return QueueEntry(
        rma_no=row.rma_no,
        order_no=row.order_no,
        merchant_id=row.merchant_id,
        request_type=RequestType(row.request_type),
        channel=Channel(row.channel),
        refund_total=Money(row.refund_total, row.currency),
        created_at=row.created_at,
        review_due_at=row.review_due_at,
        assignee_id=user_id,
        assignee_name=name,
        assigned_by=assigned_by,
        assigned_at=assigned_at,
    )
