"""Improvement proposals (issue 17, R16.11; seed 002 §五): staff and customers say what
should work better, and every proposal is triaged, owned and closed with an outcome.

The lifecycle is one table (`MOVES`): new → triaged (an owner and a priority) → in
progress → closed (adopted, declined or duplicate, with a note). A proposal may also be
closed straight from new or triaged (a duplicate is seen at once), never reopened; each
change appends a history entry and a `proposal.*` event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from returnflow.domain.events import DomainEvent
from returnflow.domain.text import DomainError, Text

MAX_TEXT = 2000
MAX_NOTE = 1000
MAX_NAME = 100


class Status(StrEnum):
    NEW = "new"
    TRIAGED = "triaged"
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"


class Channel(StrEnum):
    STAFF = "staff"  # the console or the API, by a signed-in person
    CUSTOMER = "customer"  # the help centre's public form


class Area(StrEnum):
    REVIEW = "review"
    LOGISTICS = "logistics"
    WAREHOUSE = "warehouse"
    REFUNDS = "refunds"
    COMPLAINTS = "complaints"
    PORTAL = "portal"
    OTHER = "other"


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"


class Outcome(StrEnum):
    ADOPTED = "adopted"
    DECLINED = "declined"
    DUPLICATE = "duplicate"


# the only moves: (from, action) → to
MOVES: dict[tuple[Status, str], Status] = {
    (Status.NEW, "triage"): Status.TRIAGED,
    (Status.TRIAGED, "triage"): Status.TRIAGED,  # a new owner or priority
    (Status.TRIAGED, "start"): Status.IN_PROGRESS,
    (Status.NEW, "close"): Status.CLOSED,
    (Status.TRIAGED, "close"): Status.CLOSED,
    (Status.IN_PROGRESS, "close"): Status.CLOSED,
}


@dataclass(frozen=True, slots=True)
class Change:
    """One history entry: never rewritten."""

    at: datetime
    actor: str
    action: str  # propose | triage | start | close
    to_status: Status
    note: str = ""


@dataclass
class Proposal:
    id: int | None
    channel: Channel
    proposer: str  # a staff actor ("role:username") or "customer"
    area: Area
    text: str
    created_at: datetime
    status: Status = Status.NEW
    owner: str | None = None
    priority: Priority | None = None
    outcome: Outcome | None = None
    outcome_note: str = ""
    closed_at: datetime | None = None
    history: list[Change] = field(default_factory=list)
    events: list[DomainEvent] = field(default_factory=list)

    @classmethod
    def propose(
        cls, channel: Channel, proposer: str, area: Area, text: str, now: datetime
    ) -> Proposal:
        body = text.strip()
        if not body:
            raise DomainError("proposal_text_required", _TEXT_REQUIRED, field="text")
        if len(body) > MAX_TEXT:
            raise DomainError("proposal_text_too_long", _TEXT_TOO_LONG, field="text")
        proposal = cls(None, channel, proposer, area, body, now)
        proposal._record(now, proposer, "propose", "")
        return proposal

    def triage(self, owner: str, priority: Priority, actor: str, now: datetime) -> None:
        who = owner.strip()
        if not who or len(who) > MAX_NAME:
            raise DomainError("proposal_owner_required", _OWNER_REQUIRED, field="owner")
        self._move("triage")
        self.owner, self.priority = who, priority
        self._record(now, actor, "triage", f"{who} · {priority.value}")

    def start(self, actor: str, now: datetime) -> None:
        self._move("start")
        self._record(now, actor, "start", "")

    def close(self, outcome: Outcome, note: str, actor: str, now: datetime) -> None:
        said = note.strip()
        if not said:
            raise DomainError("proposal_note_required", _NOTE_REQUIRED, field="note")
        if len(said) > MAX_NOTE:
            raise DomainError("proposal_note_too_long", _NOTE_TOO_LONG, field="note")
        self._move("close")
        self.outcome, self.outcome_note, self.closed_at = outcome, said, now
        self._record(now, actor, "close", f"{outcome.value}: {said}")

    def _move(self, action: str) -> None:
        to = MOVES.get((self.status, action))
        if to is None:
            raise DomainError(
                "proposal_illegal_move", _ILLEGAL.format(action=action, status=self.status.value)
            )
        self.status = to

    def _record(self, now: datetime, actor: str, action: str, note: str) -> None:
        self.history.append(Change(now, actor, action, self.status, note))
        data = {"proposal_id": self.id, "area": self.area.value, "status": self.status.value}
        self.events.append(DomainEvent(f"proposal.{_EVENT[action]}", now, data))


_EVENT = {"propose": "proposed", "triage": "triaged", "start": "started", "close": "closed"}
_TEXT_REQUIRED = Text("请写下您的建议。", "Please write your suggestion.")
_TEXT_TOO_LONG = Text(
    f"建议最多 {MAX_TEXT} 个字。", f"A suggestion may be at most {MAX_TEXT} characters."
)
_OWNER_REQUIRED = Text("请指定负责人。", "Name the person who owns it.")
_NOTE_REQUIRED = Text("关闭时请写明结论说明。", "Closing needs a note on the outcome.")
_NOTE_TOO_LONG = Text(
    f"说明最多 {MAX_NOTE} 个字。", f"The note may be at most {MAX_NOTE} characters."
)
_ILLEGAL = Text(
    "状态为“{status}”的建议不能执行“{action}”。",
    "A proposal that is {status} cannot be moved by “{action}”.",
)
