"""Complaints ⇄ rows, the queue's read side and the agents' labels (issue 12).

`ComplaintRepository` keeps the complaints one unit of work loaded or added in an
identity map (`TrackingRepository`): commit writes them back and hands over their
events once. History entries are rows added after the ones loaded, never updated. The
queue reads `ComplaintRecord`s (frozen, no history) ordered by the deadline running
now (`next_due_at`), so the most urgent, the breached ones, come first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from returnflow.domain.complaints import (
    Category,
    Channel,
    Complaint,
    ComplaintLabel,
    ComplaintStatus,
    Flag,
    HistoryEntry,
    Satisfaction,
    Suggested,
    Urgency,
)
from returnflow.storage.counters import Counters
from returnflow.storage.identity_map import TrackingRepository, one_row
from returnflow.storage.schema import CounterRow
from returnflow.storage.schema.complaints import ComplaintEntryRow, ComplaintLabelRow, ComplaintRow
from returnflow.storage.schema.orders import CustomerRow

SERIAL = "complaint_no"  # the counter (and, on PostgreSQL, complaint_no_seq)


@dataclass(frozen=True)
class ComplaintRecord:
    """One complaint as lists show it: its scalar fields, no history."""

    complaint_no: str
    channel: str
    status: str
    category: str
    category_confidence: float
    urgency: str
    customer_id: str | None
    order_no: str | None
    rma_no: str | None
    merchant_id: str | None
    subject: str
    team: str
    flag: str | None
    routed_to: str
    filed_at: datetime
    first_response_due_at: datetime
    resolve_due_at: datetime
    next_due_at: datetime | None
    first_responded_at: datetime | None
    resolved_at: datetime | None
    first_response_breached_at: datetime | None
    resolve_breached_at: datetime | None
    escalated_to: str
    satisfaction_score: int | None


@dataclass(frozen=True)
class ComplaintFilter:
    """What the queue asks for; every field left empty matches everything."""

    status: str | None = None
    category: str | None = None
    breached: bool | None = None
    team: str | None = None
    flag: str | None = None
    merchant_id: str | None = None
    customer_id: str | None = None


class ComplaintRepository(TrackingRepository[str, Complaint, ComplaintRow]):
    def __init__(self, session: Session) -> None:
        super().__init__(session, self._write)
        self._entries_stored: dict[str, int] = {}

    def next_serial(self) -> int:
        """The next complaint number's serial (a sequence on PostgreSQL)."""
        try:
            return Counters(self.session).next(SERIAL)
        except KeyError:  # an emptied counters table (the tests' reset): start it
            self.session.add(CounterRow(name=SERIAL, value=1))
            self.session.flush()
            return 1

    def get(self, complaint_no: str, *, for_update: bool = False) -> Complaint | None:
        query = select(ComplaintRow).where(ComplaintRow.complaint_no == complaint_no)
        return self._map.recall_or_load(
            complaint_no,
            lambda: one_row(self.session, query, for_update=for_update),
            self._build,
        )

    def add(self, complaint: Complaint) -> None:
        row = ComplaintRow(complaint_no=complaint.complaint_no)
        self._entries_stored[complaint.complaint_no] = 0
        self._write(complaint, row)
        self._map.remember(complaint.complaint_no, complaint, row)

    # --- what the worker and the queue ask -------------------------------------------

    def breach_candidates(self, now: datetime, limit: int = 500) -> list[str]:
        """Unresolved complaints with a clock run out and not yet marked breached."""
        c = ComplaintRow
        first = and_(
            c.first_responded_at.is_(None),
            c.first_response_breached_at.is_(None),
            c.first_response_due_at <= now,
        )
        resolve = and_(c.resolve_breached_at.is_(None), c.resolve_due_at <= now)
        query = (
            select(c.complaint_no)
            .where(c.resolved_at.is_(None), or_(first, resolve))
            .order_by(c.next_due_at, c.id)
            .limit(limit)
        )
        return list(self.session.scalars(query))

    def search(
        self, where: ComplaintFilter, offset: int, limit: int
    ) -> tuple[list[ComplaintRecord], int]:
        """One page of the queue, the running deadline first (resolved last), and the total."""
        self.sync()
        conditions = _conditions(where)
        total = self.session.scalar(
            select(func.count()).select_from(ComplaintRow).where(*conditions)
        )
        c = ComplaintRow
        query = (
            select(c)
            .where(*conditions)
            .order_by(c.next_due_at.is_(None), c.next_due_at, c.filed_at.desc(), c.id)
            .offset(offset)
            .limit(limit)
        )
        return [_record(row) for row in self.session.scalars(query)], int(total or 0)

    def for_customer(self, customer_id: str, limit: int = 200) -> list[ComplaintRecord]:
        """A customer's complaints, newest first."""
        query: Select[ComplaintRow] = (
            select(ComplaintRow)
            .where(ComplaintRow.customer_id == customer_id)
            .order_by(ComplaintRow.filed_at.desc(), ComplaintRow.id.desc())
            .limit(limit)
        )
        return [_record(row) for row in self.session.scalars(query)]

    def is_key_account(self, customer_id: str) -> bool:
        query = select(CustomerRow.key_account).where(CustomerRow.id == customer_id)
        return bool(self.session.scalar(query))

    # --- labels: the classifier's training data ----------------------------------------

    def add_label(self, label: ComplaintLabel) -> None:
        self.session.add(
            ComplaintLabelRow(
                complaint_no=label.complaint_no,
                text=label.text,
                category=label.category,
                urgency=label.urgency,
                corrected=label.corrected,
                labelled_by=label.labelled_by,
                labelled_at=label.labelled_at,
            )
        )

    def corrections(self, limit: int = 10_000) -> list[ComplaintLabel]:
        """What agents corrected, oldest first."""
        query = (
            select(ComplaintLabelRow)
            .where(ComplaintLabelRow.corrected.is_(True))
            .order_by(ComplaintLabelRow.id)
            .limit(limit)
        )
        return [
            ComplaintLabel(
                r.complaint_no,
                r.text,
                r.category,
                r.urgency,
                r.corrected,
                r.labelled_by,
                r.labelled_at,
            )
            for r in self.session.scalars(query)
        ]

    # --- rows ⇄ aggregates ----------------------------------------------------------

    def _build(self, row: ComplaintRow) -> Complaint:
        entries = self.session.scalars(
            select(ComplaintEntryRow)
            .where(ComplaintEntryRow.complaint_id == row.id)
            .order_by(ComplaintEntryRow.id)
        ).all()
        self._entries_stored[row.complaint_no] = len(entries)
        return _complaint(row, [HistoryEntry(e.at, e.actor, e.action, e.note) for e in entries])

    def _write(self, complaint: Complaint, row: ComplaintRow) -> None:
        _sync(complaint, row)
        if row.id is None:
            self.session.add(row)
        if row.id is None or self.session.is_modified(row):
            row.updated_at = complaint.history[-1].at if complaint.history else complaint.filed_at
        stored = self._entries_stored.get(complaint.complaint_no, 0)
        if len(complaint.history) > stored:
            self.session.flush()  # the row's id, for its new entries
            for entry in complaint.history[stored:]:
                self.session.add(
                    ComplaintEntryRow(
                        complaint_id=row.id,
                        at=entry.at,
                        actor=entry.actor,
                        action=entry.action,
                        note=entry.note,
                    )
                )
            self._entries_stored[complaint.complaint_no] = len(complaint.history)


def _conditions(where: ComplaintFilter) -> list[ColumnElement[bool]]:
    c = ComplaintRow
    found: list[ColumnElement[bool]] = []
    for column, value in (
        (c.status, where.status),
        (c.category, where.category),
        (c.team, where.team),
        (c.flag, where.flag),
        (c.merchant_id, where.merchant_id),
        (c.customer_id, where.customer_id),
    ):
        if value is not None:
            found.append(column == value)
    breached = or_(c.first_response_breached_at.is_not(None), c.resolve_breached_at.is_not(None))
    if where.breached is True:
        found.append(breached)
    elif where.breached is False:
        found.append(and_(c.first_response_breached_at.is_(None), c.resolve_breached_at.is_(None)))
    return found


def _sync(complaint: Complaint, row: ComplaintRow) -> None:
    """The aggregate onto its row (only changed values mark the row modified)."""
    s = complaint.satisfaction
    values = {
        "channel": complaint.channel.value,
        "order_no": complaint.order_no,
        "rma_no": complaint.rma_no,
        "customer_id": complaint.customer_id,
        "merchant_id": complaint.merchant_id,
        "subject": complaint.subject,
        "text": complaint.text,
        "contact_email": complaint.contact_email,
        "category": complaint.category.value,
        "category_confidence": complaint.category_confidence,
        "suggested_category": _value(complaint.suggested.category),
        "suggestion_confidence": complaint.suggested.confidence,
        "suggested_urgency": _value(complaint.suggested.urgency),
        "category_confirmed_by": complaint.category_confirmed_by,
        "urgency": complaint.urgency.value,
        "status": complaint.status.value,
        "team": complaint.team,
        "flag": _value(complaint.flag),
        "routed_to": complaint.routed_to,
        "filed_at": complaint.filed_at,
        "resolve_started_at": complaint.resolve_started_at or complaint.filed_at,
        "first_response_due_at": complaint.first_response_due_at,
        "resolve_due_at": complaint.resolve_due_at,
        "next_due_at": complaint.next_due_at,
        "first_responded_at": complaint.first_responded_at,
        "resolved_at": complaint.resolved_at,
        "first_response_breached_at": complaint.first_response_breached_at,
        "resolve_breached_at": complaint.resolve_breached_at,
        "escalated_at": complaint.escalated_at,
        "escalated_to": complaint.escalated_to,
        "satisfaction_score": s.score if s else None,
        "satisfaction_comment": s.comment if s else "",
        "rated_at": s.rated_at if s else None,
    }
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)


def _value(member: Category | Urgency | Flag | None) -> str | None:
    return None if member is None else member.value


def _complaint(row: ComplaintRow, history: list[HistoryEntry]) -> Complaint:
    score = row.satisfaction_score
    return Complaint(
        complaint_no=row.complaint_no,
        channel=Channel(row.channel),
        text=row.text,
        filed_at=row.filed_at,
        first_response_due_at=row.first_response_due_at,
        resolve_due_at=row.resolve_due_at,
        order_no=row.order_no,
        rma_no=row.rma_no,
        customer_id=row.customer_id,
        merchant_id=row.merchant_id,
        subject=row.subject,
        contact_email=row.contact_email,
        category=Category(row.category),
        category_confidence=row.category_confidence,
        suggested=Suggested(
            Category(row.suggested_category) if row.suggested_category else None,
            row.suggestion_confidence,
            Urgency(row.suggested_urgency) if row.suggested_urgency else None,
        ),
        category_confirmed_by=row.category_confirmed_by,
        urgency=Urgency(row.urgency),
        status=ComplaintStatus(row.status),
        team=row.team,
        flag=Flag(row.flag) if row.flag else None,
        routed_to=row.routed_to,
        resolve_started_at=row.resolve_started_at,
        first_responded_at=row.first_responded_at,
        resolved_at=row.resolved_at,
        first_response_breached_at=row.first_response_breached_at,
        resolve_breached_at=row.resolve_breached_at,
        escalated_at=row.escalated_at,
        escalated_to=row.escalated_to,
        satisfaction=(
            Satisfaction(score, row.satisfaction_comment, row.rated_at)
            if score is not None and row.rated_at is not None
            else None
        ),
        history=history,
    )


def _record(row: ComplaintRow) -> ComplaintRecord:
    return ComplaintRecord(
        complaint_no=row.complaint_no,
        channel=row.channel,
        status=row.status,
        category=row.category,
        category_confidence=row.category_confidence,
        urgency=row.urgency,
        customer_id=row.customer_id,
        order_no=row.order_no,
        rma_no=row.rma_no,
        merchant_id=row.merchant_id,
        subject=row.subject,
        team=row.team,
        flag=row.flag,
        routed_to=row.routed_to,
        filed_at=row.filed_at,
        first_response_due_at=row.first_response_due_at,
        resolve_due_at=row.resolve_due_at,
        next_due_at=row.next_due_at,
        first_responded_at=row.first_responded_at,
        resolved_at=row.resolved_at,
        first_response_breached_at=row.first_response_breached_at,
        resolve_breached_at=row.resolve_breached_at,
        escalated_to=row.escalated_to,
        satisfaction_score=row.satisfaction_score,
    )
