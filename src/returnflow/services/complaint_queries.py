"""The read side of complaints: the queue ordered by time left, one complaint, a customer's.

Frozen read models for pages and routes. `time_left` is the running deadline minus
`now` (negative once overdue); the queue lists the running deadlines first, earliest
first, so breached complaints lead, and resolved ones last.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from returnflow.domain.complaints import Complaint, HistoryEntry
from returnflow.domain.input_bounds import MAX_PAGE
from returnflow.domain.paging import page_count
from returnflow.services.complaints import get_complaint
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.storage.complaints import ComplaintFilter, ComplaintRecord

MAX_PER_PAGE = 200


@dataclass(frozen=True)
class ComplaintSummary(ComplaintRecord):
    """One complaint as lists show it (str fields hold the domain enums' values), with the
    running deadline (`next_due_at`, None once resolved) measured against `now`."""

    time_left: timedelta | None  # negative once overdue
    breached: bool

    @classmethod
    def of(cls, record: ComplaintRecord, now: datetime) -> ComplaintSummary:
        due = record.next_due_at
        return cls(
            **{name: getattr(record, name) for name in ComplaintRecord.__dataclass_fields__},
            time_left=None if due is None else due - now,
            breached=(
                record.first_response_breached_at is not None
                or record.resolve_breached_at is not None
            ),
        )


@dataclass(frozen=True)
class ComplaintDetail:
    summary: ComplaintSummary
    text: str
    contact_email: str
    suggested_category: str | None
    suggestion_confidence: float
    suggested_urgency: str | None
    category_confirmed_by: str
    escalated_at: datetime | None
    satisfaction_comment: str
    rated_at: datetime | None
    history: tuple[HistoryEntry, ...]
    actions_open: tuple[str, ...]
    can_rate: bool


@dataclass(frozen=True)
class ComplaintPage:
    items: tuple[ComplaintSummary, ...]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return page_count(self.total, self.per_page)


def queue(
    uow: UnitOfWork,
    now: datetime,
    *,
    status: str | None = None,
    category: str | None = None,
    breached: bool | None = None,
    team: str | None = None,
    flag: str | None = None,
    page: int = 1,
    per_page: int = 20,
    merchant_scope: str | None = None,
) -> ComplaintPage:
    """The queue: most urgent first (breached ones lead), resolved last; a merchant sees
    only complaints about their own orders."""
    page = min(max(page, 1), MAX_PAGE)
    per_page = min(max(per_page, 1), MAX_PER_PAGE)
    where = ComplaintFilter(status, category, breached, team, flag, merchant_id=merchant_scope)
    records, total = uow.complaints.search(where, (page - 1) * per_page, per_page)
    items = tuple(ComplaintSummary.of(record, now) for record in records)
    return ComplaintPage(items, total, page, per_page)


def detail(
    uow: UnitOfWork,
    complaint_no: str,
    now: datetime,
    *,
    merchant_scope: str | None = None,
    customer_id: str | None = None,
) -> ComplaintDetail:
    """One complaint with its history (NotFound outside the caller's scope)."""
    c = get_complaint(uow, complaint_no, merchant_scope=merchant_scope, customer_id=customer_id)
    s = c.satisfaction
    return ComplaintDetail(
        summary=ComplaintSummary.of(record_of(c), now),
        text=c.text,
        contact_email=c.contact_email,
        suggested_category=c.suggested.category.value if c.suggested.category else None,
        suggestion_confidence=c.suggested.confidence,
        suggested_urgency=c.suggested.urgency.value if c.suggested.urgency else None,
        category_confirmed_by=c.category_confirmed_by,
        escalated_at=c.escalated_at,
        satisfaction_comment=s.comment if s else "",
        rated_at=s.rated_at if s else None,
        history=tuple(c.history),
        actions_open=c.actions_open,
        can_rate=c.can_rate,
    )


def for_customer(uow: UnitOfWork, customer_id: str, now: datetime) -> tuple[ComplaintSummary, ...]:
    """A customer's own complaints, newest first (the portal's "my complaints")."""
    return tuple(ComplaintSummary.of(r, now) for r in uow.complaints.for_customer(customer_id))


def record_of(c: Complaint) -> ComplaintRecord:
    """A complaint's list fields (the in-memory repository of the tests builds them so too)."""
    return ComplaintRecord(
        complaint_no=c.complaint_no,
        channel=c.channel.value,
        status=c.status.value,
        category=c.category.value,
        category_confidence=c.category_confidence,
        urgency=c.urgency.value,
        customer_id=c.customer_id,
        order_no=c.order_no,
        rma_no=c.rma_no,
        merchant_id=c.merchant_id,
        subject=c.subject,
        team=c.team,
        flag=c.flag.value if c.flag else None,
        routed_to=c.routed_to,
        filed_at=c.filed_at,
        first_response_due_at=c.first_response_due_at,
        resolve_due_at=c.resolve_due_at,
        next_due_at=c.next_due_at,
        first_responded_at=c.first_responded_at,
        resolved_at=c.resolved_at,
        first_response_breached_at=c.first_response_breached_at,
        resolve_breached_at=c.resolve_breached_at,
        escalated_to=c.escalated_to,
        satisfaction_score=c.satisfaction.score if c.satisfaction else None,
    )
