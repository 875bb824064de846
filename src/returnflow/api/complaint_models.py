"""What the complaint routes take and answer (api/complaints.py), bounded and typed."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from returnflow.domain.access import Permission, Principal
from returnflow.domain.complaints import Category, Channel, ComplaintStatus, Flag, Urgency
from returnflow.services.complaint_queries import ComplaintDetail, ComplaintSummary
from returnflow.services.complaints import MAX_NOTE, MAX_TEXT

Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:\-]*$")]
Note = Annotated[str, Field(min_length=1, max_length=MAX_NOTE)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ComplaintIn(_In):
    channel: Channel
    text: Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]
    order_no: Code | None = None
    rma_no: Code | None = None
    customer_id: Code | None = None
    category: Category | None = None
    urgency: Urgency | None = None
    contact_email: Annotated[str, Field(max_length=254)] = ""
    subject: Annotated[str, Field(max_length=200)] = ""


class RespondIn(_In):
    message: Note


class ReasonIn(_In):
    reason: Note


class ResolveIn(_In):
    resolution: Note


class ClassifyIn(_In):
    category: Category
    urgency: Urgency


class FlagIn(_In):
    flag: Flag
    note: Annotated[str, Field(max_length=MAX_NOTE)] = ""


class SatisfactionIn(_In):
    score: Annotated[int, Field(ge=1, le=5)]
    comment: Annotated[str, Field(max_length=MAX_NOTE)] = ""


class ComplaintCreated(BaseModel):
    complaint_no: str
    category: Category
    category_confidence: float
    urgency: Urgency
    status: ComplaintStatus
    first_response_due_at: datetime
    resolve_due_at: datetime


class ComplaintSummaryOut(BaseModel):
    complaint_no: str
    channel: Channel
    status: ComplaintStatus
    status_label: str
    category: Category
    category_label: str
    category_confidence: float
    urgency: Urgency
    customer_id: str | None
    order_no: str | None
    rma_no: str | None
    merchant_id: str | None
    subject: str
    team: str
    flag: Flag | None
    routed_to: str
    filed_at: datetime
    first_response_due_at: datetime
    resolve_due_at: datetime
    first_responded_at: datetime | None
    resolved_at: datetime | None
    first_response_breached_at: datetime | None
    resolve_breached_at: datetime | None
    escalated_to: str
    satisfaction_score: int | None
    next_due_at: datetime | None
    time_left_seconds: int | None  # negative once overdue
    breached: bool


class ComplaintPageOut(BaseModel):
    items: list[ComplaintSummaryOut]
    total: int
    page: int
    page_size: int


class HistoryOut(BaseModel):
    at: datetime
    actor: str
    action: str
    note: str


class SatisfactionOut(BaseModel):
    score: int
    comment: str
    rated_at: datetime


class ComplaintOut(ComplaintSummaryOut):
    text: str
    contact_email: str  # "" unless the caller may see contact data (R14.1)
    suggested_category: Category | None
    suggestion_confidence: float
    suggested_urgency: Urgency | None
    category_confirmed_by: str
    escalated_at: datetime | None
    satisfaction: SatisfactionOut | None
    history: list[HistoryOut]
    actions_open: list[str]


def summary_out(s: ComplaintSummary, language: str) -> ComplaintSummaryOut:
    status, category = ComplaintStatus(s.status), Category(s.category)
    fields = {
        name: getattr(s, name)
        for name in ComplaintSummaryOut.model_fields
        if name not in {"status_label", "category_label", "time_left_seconds"}
    }
    return ComplaintSummaryOut(
        **fields,
        status_label=status.label.in_language(language),
        category_label=category.label.in_language(language),
        time_left_seconds=None if s.time_left is None else int(s.time_left.total_seconds()),
    )


def detail_out(d: ComplaintDetail, language: str, viewer: Principal) -> ComplaintOut:
    rated = d.rated_at
    score = d.summary.satisfaction_score
    return ComplaintOut(
        **summary_out(d.summary, language).model_dump(),
        text=d.text,
        contact_email=d.contact_email if viewer.can(Permission.CONTACT_VIEW) else "",
        suggested_category=d.suggested_category,
        suggestion_confidence=d.suggestion_confidence,
        suggested_urgency=d.suggested_urgency,
        category_confirmed_by=d.category_confirmed_by,
        escalated_at=d.escalated_at,
        satisfaction=(
            SatisfactionOut(score=score, comment=d.satisfaction_comment, rated_at=rated)
            if score is not None and rated is not None
            else None
        ),
        history=[
            HistoryOut(at=h.at, actor=h.actor, action=h.action, note=h.note) for h in d.history
        ],
        actions_open=list(d.actions_open),
    )
