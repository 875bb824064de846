"""Complaints (R8.1, R8.2, R8.5): intake from every channel, deadlines, handling, satisfaction.

A complaint is filed with a category and an urgency (a person's, or else the
classifier's suggestion, kept beside it with its confidence), and two clocks start:
the first response (1 hour urgent, 24 hours ordinary) and the resolution (per
category). `check_breaches(now)` marks a clock breached once `now` reaches its due
time with nothing done, and hands the complaint to a manager. `Complaint` is the
aggregate: its methods are the only way to change it; each appends a `HistoryEntry`
and records a `DomainEvent`. `ACTIONS_OPEN` is the one table of which handling step
each status allows (read by the pages and by `_expect`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from returnflow.domain.complaint_kinds import (
    ACTIONS_OPEN,
    Category,
    Channel,
    ComplaintStatus,
    Flag,
    Urgency,
    parse,
)
from returnflow.domain.events import DomainEvent
from returnflow.domain.text import DomainError, Text

MANAGER = "manager"  # who a breached complaint is escalated to
RISK = "risk"  # where a flagged complaint is routed (R8.5)
SYSTEM = "system"  # the actor of the worker's steps
MAX_SCORE, MIN_SCORE = 5, 1

__all__ = [
    "ACTIONS_OPEN",
    "Category",
    "Channel",
    "ComplaintStatus",
    "Flag",
    "Urgency",
    "parse",
]


@dataclass(frozen=True)
class DeadlineRules:
    """How long each clock runs (config.py's complaint_* settings)."""

    first_response_urgent: timedelta = timedelta(hours=1)
    first_response_ordinary: timedelta = timedelta(hours=24)
    resolve_default: timedelta = timedelta(hours=72)
    resolve_by_category: Mapping[str, timedelta] = field(default_factory=dict)

    def first_response(self, urgency: Urgency) -> timedelta:
        if urgency is Urgency.URGENT:
            return self.first_response_urgent
        return self.first_response_ordinary

    def resolve(self, category: Category) -> timedelta:
        return self.resolve_by_category.get(category.value, self.resolve_default)


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    at: datetime
    actor: str
    action: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class Satisfaction:
    score: int
    comment: str
    rated_at: datetime


@dataclass(frozen=True, slots=True)
class ComplaintLabel:
    """A person's category and urgency for a complaint's words: training data (R8.1)."""

    complaint_no: str
    text: str
    category: str
    urgency: str
    corrected: bool  # differs from the classifier's suggestion
    labelled_by: str
    labelled_at: datetime


@dataclass(frozen=True, slots=True)
class Suggested:
    """What the classifier suggested at filing, kept whatever a person chose."""

    category: Category | None = None
    confidence: float = 0.0
    urgency: Urgency | None = None


@dataclass(frozen=True, slots=True)
class Intake:
    """Who and what a complaint is about, as filed."""

    channel: Channel
    text: str
    order_no: str | None = None
    rma_no: str | None = None
    customer_id: str | None = None
    merchant_id: str | None = None
    subject: str = ""
    contact_email: str = ""
    team: str = ""


@dataclass
class Complaint:
    complaint_no: str
    channel: Channel
    text: str
    filed_at: datetime
    first_response_due_at: datetime
    resolve_due_at: datetime
    order_no: str | None = None
    rma_no: str | None = None
    customer_id: str | None = None
    merchant_id: str | None = None
    subject: str = ""
    contact_email: str = ""
    category: Category = Category.OTHER
    category_confidence: float = 0.0  # 1.0 once a person chose or confirmed it
    suggested: Suggested = Suggested()
    category_confirmed_by: str = ""
    urgency: Urgency = Urgency.ORDINARY
    status: ComplaintStatus = ComplaintStatus.OPEN
    team: str = ""  # "" or the key-account team (R8.5)
    flag: Flag | None = None
    routed_to: str = ""  # "risk" once flagged
    resolve_started_at: datetime | None = None  # filing, or the last reopening
    first_responded_at: datetime | None = None
    resolved_at: datetime | None = None
    first_response_breached_at: datetime | None = None
    resolve_breached_at: datetime | None = None
    escalated_at: datetime | None = None
    escalated_to: str = ""
    satisfaction: Satisfaction | None = None
    history: list[HistoryEntry] = field(default_factory=list)
    events: list[DomainEvent] = field(default_factory=list, repr=False)

    @classmethod
    def file(
        cls,
        complaint_no: str,
        intake: Intake,
        *,
        category: Category | None,
        urgency: Urgency | None,
        suggested: Suggested,
        rules: DeadlineRules,
        actor: str,
        now: datetime,
    ) -> Complaint:
        """A new complaint: a given category/urgency wins over the suggestion."""
        if not intake.text.strip():
            raise DomainError(
                "complaint_text_required",
                Text("请描述投诉内容", "Describe what the complaint is about"),
                field="text",
            )
        chosen = category or suggested.category or Category.OTHER
        level = urgency or suggested.urgency or Urgency.ORDINARY
        complaint = cls(
            complaint_no=complaint_no,
            channel=intake.channel,
            text=intake.text.strip(),
            filed_at=now,
            first_response_due_at=now + rules.first_response(level),
            resolve_due_at=now + rules.resolve(chosen),
            order_no=intake.order_no,
            rma_no=intake.rma_no,
            customer_id=intake.customer_id,
            merchant_id=intake.merchant_id,
            subject=intake.subject,
            contact_email=intake.contact_email,
            category=chosen,
            category_confidence=1.0 if category else suggested.confidence,
            suggested=suggested,
            category_confirmed_by=actor if category else "",
            urgency=level,
            team=intake.team,
            resolve_started_at=now,
        )
        complaint._note(now, actor, "filed", intake.channel.value)
        complaint._record("complaint.filed", now, channel=intake.channel.value)
        return complaint

    # --- state ----------------------------------------------------------------------

    @property
    def actions_open(self) -> tuple[str, ...]:
        return ACTIONS_OPEN.get(self.status, ())

    @property
    def can_rate(self) -> bool:
        return self.status is ComplaintStatus.RESOLVED and self.satisfaction is None

    @property
    def breached(self) -> bool:
        return self.first_response_breached_at is not None or self.resolve_breached_at is not None

    @property
    def next_due_at(self) -> datetime | None:
        """The deadline running now (None once resolved)."""
        if self.resolved_at is not None:
            return None
        if self.first_responded_at is None:
            return min(self.first_response_due_at, self.resolve_due_at)
        return self.resolve_due_at

    def time_left(self, now: datetime) -> timedelta | None:
        due = self.next_due_at
        return None if due is None else due - now

    # --- handling -------------------------------------------------------------------

    def respond(self, message: str, actor: str, now: datetime) -> None:
        self._expect("respond")
        first = self.first_responded_at is None
        if first:
            self.first_responded_at = now
        if self.status is not ComplaintStatus.ESCALATED:
            self.status = ComplaintStatus.RESPONDED
        self._note(now, actor, "respond", _required(message, "message"))
        self._record("complaint.responded", now, first=first)

    def escalate(self, reason: str, actor: str, now: datetime, to: str = MANAGER) -> None:
        self._expect("escalate")
        self.status = ComplaintStatus.ESCALATED
        self.escalated_at, self.escalated_to = now, to
        self._note(now, actor, "escalate", _required(reason, "reason"))
        self._record("complaint.escalated", now, to=to)

    def resolve(self, resolution: str, actor: str, now: datetime) -> None:
        self._expect("resolve")
        note = _required(resolution, "resolution")
        if self.first_responded_at is None:
            self.first_responded_at = now  # the resolution answers the customer too
        self.status, self.resolved_at = ComplaintStatus.RESOLVED, now
        self._note(now, actor, "resolve", note)
        self._record("complaint.resolved", now)

    def reopen(self, reason: str, actor: str, now: datetime, rules: DeadlineRules) -> None:
        """Open again: the resolution clock starts afresh (an earlier breach stays in history)."""
        self._expect("reopen")
        note = _required(reason, "reason")
        self.status, self.resolved_at = ComplaintStatus.REOPENED, None
        self.resolve_started_at = now
        self.resolve_due_at = now + rules.resolve(self.category)
        self.resolve_breached_at = None
        self._note(now, actor, "reopen", note)
        self._record("complaint.reopened", now, resolve_due_at=self.resolve_due_at.isoformat())

    def classify(
        self, category: Category, urgency: Urgency, actor: str, now: datetime, rules: DeadlineRules
    ) -> ComplaintLabel:
        """A person confirms or corrects the category and urgency; the clocks follow them."""
        self._expect("classify")
        corrected = (category, urgency) != (self.suggested.category, self.suggested.urgency)
        before = f"{self.category.value}/{self.urgency.value}"
        self.category, self.urgency = category, urgency
        self.category_confidence, self.category_confirmed_by = 1.0, actor
        if self.first_responded_at is None:
            self.first_response_due_at = self.filed_at + rules.first_response(urgency)
        start = self.resolve_started_at or self.filed_at
        self.resolve_due_at = start + rules.resolve(category)
        self._note(now, actor, "classify", f"{before} → {category.value}/{urgency.value}")
        self._record("complaint.classified", now, corrected=corrected)
        return ComplaintLabel(
            self.complaint_no, self.text, category.value, urgency.value, corrected, actor, now
        )

    def mark(self, flag: Flag, note: str, actor: str, now: datetime) -> None:
        """Mark as a suspected malicious review or an abnormal order: routed to risk (R8.5)."""
        self._expect("flag")
        if self.flag is flag:
            raise DomainError(
                "complaint_already_flagged",
                Text("该投诉已标记为“{zh}”", "Already marked as {en}").format(
                    zh=flag.label.zh, en=flag.label.en
                ),
                field="flag",
            )
        self.flag, self.routed_to = flag, RISK
        self._note(now, actor, "flag", f"{flag.value}: {note.strip()}".rstrip(": "))
        self._record("complaint.flagged", now, flag=flag.value, routed_to=RISK)

    def rate(self, score: int, comment: str, actor: str, now: datetime) -> None:
        """The customer's satisfaction, once, after the resolution (R8 / 001 §4.3.2)."""
        if self.status is not ComplaintStatus.RESOLVED:
            raise DomainError(
                "complaint_not_resolved",
                Text("投诉处理完毕后才能评价", "A complaint can be rated once it is resolved"),
            )
        if self.satisfaction is not None:
            raise DomainError(
                "complaint_already_rated",
                Text("该投诉已评价过", "This complaint was already rated"),
            )
        if not MIN_SCORE <= score <= MAX_SCORE:
            raise DomainError(
                "complaint_score_out_of_range",
                Text("评分须在 1 到 5 之间", "The score must be between 1 and 5"),
                field="score",
            )
        self.satisfaction = Satisfaction(score, comment.strip(), now)
        self._note(now, actor, "rate", str(score))
        self._record("complaint.rated", now, score=score)

    def check_breaches(self, now: datetime) -> list[str]:
        """Mark each clock that ran out (`now >= due`, nothing done) once; escalate to a
        manager on a breach. Returns the clocks breached now ("first_response", "resolve")."""
        breached: list[str] = []
        if self.resolved_at is not None:
            return breached
        if (
            self.first_responded_at is None
            and self.first_response_breached_at is None
            and now >= self.first_response_due_at
        ):
            self.first_response_breached_at = now
            breached.append("first_response")
        if self.resolve_breached_at is None and now >= self.resolve_due_at:
            self.resolve_breached_at = now
            breached.append("resolve")
        for clock in breached:
            self._note(now, SYSTEM, "breach", clock)
            self._record("complaint.breached", now, deadline=clock)
        if breached and "escalate" in self.actions_open:
            self.escalate(Text("超时未处理", "Deadline breached").en, SYSTEM, now)
        return breached

    # --- helpers --------------------------------------------------------------------

    def _expect(self, action: str) -> None:
        if action not in self.actions_open:
            raise DomainError(
                "complaint_step_not_allowed",
                Text(
                    "投诉当前状态“{zh}”下不能执行此操作",
                    "Not possible while the complaint is {en}",
                ).format(zh=self.status.label.zh, en=self.status.label.en),
            )

    def _note(self, now: datetime, actor: str, action: str, note: str = "") -> None:
        self.history.append(HistoryEntry(now, actor, action, note))

    def _record(self, name: str, now: datetime, **data: Any) -> None:
        payload = {
            "complaint_no": self.complaint_no,
            "customer_id": self.customer_id,
            "merchant_id": self.merchant_id,
            "category": self.category.value,
            "urgency": self.urgency.value,
            **data,
        }
        self.events.append(DomainEvent(name, now, payload))


def _required(value: str, field_name: str) -> str:
    if not value.strip():
        raise DomainError(
            "complaint_note_required",
            Text("请填写说明", "Write a few words about it"),
            field=field_name,
        )
    return value.strip()
