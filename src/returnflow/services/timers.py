"""Deadlines with their automatic outcome (issue 13; R1.5, R7.1, R7.2; seed 000 §2.2.1).

Three clocks run on a request's current status, counted from the moment it entered
that status (its last history step):

- waiting for review (`pending_review`) longer than `review_days`: the request is
  approved by the system, its decision saying why ("review_timeout"). An appealed
  request also waits in `pending_review`, but the timer does not apply to it: an
  appeal contests a decision already made, and silence must not overturn it (the
  appeal keeps its own review deadline, services/appeals.py).
- received and not inspected within `inspection_due_days`: escalated once, as the
  outbox event "return.inspection_overdue" (no status change); pages show it overdue.
- received and still not inspected after `inspection_timeout_days`: the system passes
  the inspection with the note "not inspected in time", so the ordinary path follows
  (the bus asks for the refund of a refund request, trigger "inspection"; an exchange
  or repair goes on as after any passed inspection).

The customer is reminded once before each deadline they must act on (`remind`): the
ship-by of an approved request (it closes by itself) and the confirm-by of a completed
one (it confirms itself), from `reminder_hours` before the deadline until the deadline;
the reminders table (migration 0025) keeps it to one per request, kind and deadline.

Each function moves one request and leaves the commit to the caller (jobs/sweeps.py);
`now >= deadline` is due, one microsecond before is not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from returnflow.domain.authority import SYSTEM
from returnflow.domain.kinds import Outcome
from returnflow.domain.lifecycle import Action, Status
from returnflow.domain.notices import CONFIRM_BY, REMINDER_TOPICS, SHIP_BY, reminder_due
from returnflow.domain.returns import Decision, ReturnRequest
from returnflow.domain.text import Text
from returnflow.domain.verdicts import RuleResult, Verdict
from returnflow.services.repositories import ReturnsWork
from returnflow.services.returns import policy_for
from returnflow.services.unit_of_work import UnitOfWork

REVIEW_TIMEOUT_NOTE = "not reviewed in time: approved automatically"
INSPECTION_TIMEOUT_NOTE = "not inspected in time"
OVERDUE_TOPIC = "return.inspection_overdue"
OVERDUE_SCOPE = "timers.inspection_overdue"  # the once-only mark, in the idempotency store
REVIEW_TIMEOUT = Text(
    "商家未在审核期限内处理，系统自动通过", "Not reviewed in time: approved automatically"
)


class TimerSettings(Protocol):
    review_auto_approve_days: float
    inspection_due_days: float
    inspection_timeout_days: float


@dataclass(frozen=True, slots=True)
class TimerRules:
    review_days: float = 5
    inspection_due_days: float = 2
    inspection_timeout_days: float = 10

    @classmethod
    def from_settings(cls, settings: TimerSettings) -> TimerRules:
        return cls(
            settings.review_auto_approve_days,
            settings.inspection_due_days,
            settings.inspection_timeout_days,
        )


@dataclass(frozen=True, slots=True)
class Countdowns:
    """The deadlines running on a request now (None: that clock is not running)."""

    auto_approve_at: datetime | None
    inspect_by: datetime | None
    inspection_timeout_at: datetime | None
    ship_by: datetime | None
    confirm_by: datetime | None


# one timer's move on one request: (uow, rma_no, rules, now) -> whether it moved
Step = Callable[[ReturnsWork, str, "TimerRules", datetime], bool]


def entered_status_at(request: ReturnRequest) -> datetime:
    """When the request entered its current status: its last history step."""
    return request.history[-1].at if request.history else request.created_at


def appealed(request: ReturnRequest) -> bool:
    """Waiting for review because the customer appealed a rejection (R3.2)."""
    return bool(request.history) and request.history[-1].action is Action.APPEAL


def review_deadline(request: ReturnRequest, rules: TimerRules) -> datetime | None:
    if request.status is not Status.PENDING_REVIEW or appealed(request):
        return None
    return entered_status_at(request) + timedelta(days=rules.review_days)


def inspection_deadline(request: ReturnRequest, rules: TimerRules) -> datetime | None:
    if request.status is not Status.RECEIVED:
        return None
    return entered_status_at(request) + timedelta(days=rules.inspection_due_days)


def inspection_timeout(request: ReturnRequest, rules: TimerRules) -> datetime | None:
    if request.status is not Status.RECEIVED:
        return None
    return entered_status_at(request) + timedelta(days=rules.inspection_timeout_days)


def countdowns(request: ReturnRequest, rules: TimerRules) -> Countdowns:
    """What the party who must act is shown: each running deadline."""
    return Countdowns(
        review_deadline(request, rules),
        inspection_deadline(request, rules),
        inspection_timeout(request, rules),
        request.ship_by if request.status is Status.APPROVED else None,
        request.confirm_by if request.status is Status.COMPLETED else None,
    )


def approve_if_unreviewed(uow: ReturnsWork, rma_no: str, rules: TimerRules, now: datetime) -> bool:
    """Approve as the system a request left waiting for review; True if it moved."""
    request = uow.returns.get(rma_no, for_update=True)
    due = review_deadline(request, rules) if request is not None else None
    if request is None or due is None or now < due:
        return False
    _, policy = policy_for(uow, request)
    request.approve(SYSTEM, now, policy, note=REVIEW_TIMEOUT_NOTE)
    version = request.decision.policy_version if request.decision else policy.version
    reason = RuleResult("review_timeout", Verdict.PASS, REVIEW_TIMEOUT)
    request.decision = Decision(Outcome.APPROVED, (reason,), version, SYSTEM, now)
    return True


def flag_overdue_inspection(
    uow: ReturnsWork, rma_no: str, rules: TimerRules, now: datetime
) -> bool:
    """Escalate, once per receipt, a received request not inspected in time."""
    request = uow.returns.get(rma_no)
    due = inspection_deadline(request, rules) if request is not None else None
    if request is None or due is None or now < due:
        return False
    received_at = entered_status_at(request)
    key = f"{rma_no}@{received_at.isoformat()}"
    if uow.idempotency.get(OVERDUE_SCOPE, key) is not None:
        return False
    uow.idempotency.claim(OVERDUE_SCOPE, key, "", now)
    uow.outbox.put(
        OVERDUE_TOPIC,
        {
            "rma_no": rma_no,
            "order_no": request.order_no,
            "merchant_id": request.merchant_id,
            "status": request.status.value,
            "received_at": received_at.isoformat(),
            "inspect_by": due.isoformat(),
            "occurred_at": now.isoformat(),
        },
        now,
    )
    return True


def pass_uninspected(uow: ReturnsWork, rma_no: str, rules: TimerRules, now: datetime) -> bool:
    """Pass as the system the inspection of a request received too long ago."""
    request = uow.returns.get(rma_no, for_update=True)
    due = inspection_timeout(request, rules) if request is not None else None
    if request is None or due is None or now < due:
        return False
    request.inspect(SYSTEM, now, passed=True, notes=INSPECTION_TIMEOUT_NOTE)
    return True


# the deadline kinds a customer is reminded of, and the status in which each runs
REMINDED = {SHIP_BY: Status.APPROVED, CONFIRM_BY: Status.COMPLETED}


def customer_deadline(request: ReturnRequest, kind: str) -> datetime | None:
    """The running deadline of that kind (None: not running in this status)."""
    if request.status is not REMINDED[kind]:
        return None
    return request.ship_by if kind == SHIP_BY else request.confirm_by


def remind(uow: UnitOfWork, rma_no: str, kind: str, lead: timedelta, now: datetime) -> bool:
    """Queue the one reminder before the deadline, once it is `lead` away; True if queued."""
    request = uow.returns.get(rma_no)
    deadline = customer_deadline(request, kind) if request is not None else None
    if request is None or deadline is None or not reminder_due(deadline, now, lead):
        return False
    if not uow.notices.claim_reminder(rma_no, kind, deadline, now):
        return False
    notice = {
        "rma_no": rma_no,
        "order_no": request.order_no,
        "customer_id": request.customer_id,
        "merchant_id": request.merchant_id,
        "email": request.contact.get("email", ""),
        "status": request.status.value,
        "kind": kind,
        "deadline": deadline.isoformat(),
        "occurred_at": now.isoformat(),
    }
    uow.outbox.put(REMINDER_TOPICS[kind], notice, now)
    return True


@dataclass(frozen=True, slots=True)
class InspectionDue:
    """A received return waiting for inspection, with its clocks (the warehouse's queue)."""

    rma_no: str
    order_no: str
    merchant_id: str
    received_at: datetime
    inspect_by: datetime
    passes_at: datetime  # passed by the system then (inspection timeout)


def inspection_queue(
    uow: UnitOfWork, rules: TimerRules, now: datetime, merchant_scope: str | None = None
) -> list[InspectionDue]:
    """Received returns not inspected yet, longest waiting first (at most 100; a
    merchant's own only, when `merchant_scope` is set)."""
    waiting = uow.journeys.resting_since(
        [Status.RECEIVED], now + timedelta(days=1), limit=100, merchant_id=merchant_scope
    )
    found: list[InspectionDue] = []
    for rma_no in waiting:
        request = uow.returns.get(rma_no)
        due = inspection_deadline(request, rules) if request is not None else None
        timeout = inspection_timeout(request, rules) if request is not None else None
        if request is None or due is None or timeout is None:
            continue
        received_at = entered_status_at(request)
        found.append(
            InspectionDue(rma_no, request.order_no, request.merchant_id, received_at, due, timeout)
        )
    return found
