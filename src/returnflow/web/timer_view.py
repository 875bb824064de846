"""Countdowns on the pages (issue 13): the deadlines services/timers.py acts on.

Registered as template globals:
- `countdowns(rma, request)`: the running deadlines of a request under this process's
  settings (the staff request page);
- `customer_countdowns(rma, request)`: what the customer sees on the portal request
  page, each deadline shown to the party who must act: ship back by (the customer),
  the merchant answers by (the merchant, while the request waits for review; after an
  appeal of a rejection the platform reviews it instead), confirm by (the customer);
- `inspection_queue(context)` is called by the receiving desk (web/console_receiving.py):
  received returns waiting for inspection, each with its inspect-by countdown;
- `time_left(seconds, lang)`: "2 days 3 hours left" / "还剩 2 天 3 小时", or "Overdue by …"
  once the deadline passed (pages mark that red).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from starlette.requests import Request

from returnflow.app_context import AppContext
from returnflow.domain.lifecycle import Status
from returnflow.domain.returns import ReturnRequest
from returnflow.entrypoints.steps import perform
from returnflow.services import timers
from returnflow.services.merchants import merchant_names
from returnflow.services.timers import Countdowns, InspectionDue, TimerRules
from returnflow.services.timers import countdowns as running
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.web import templating

SHIP_BY, REVIEW, CONFIRM_BY, INSPECT_BY = "ship_by", "review", "confirm_by", "inspect_by"
APPEAL_REVIEW = "appeal_review"  # back in review after an appeal: the platform decides (R3.2)


@dataclass(frozen=True, slots=True)
class Countdown:
    """One deadline as a page shows it; `seconds` left (negative: overdue by that much)."""

    kind: str
    due: datetime
    seconds: int
    then: datetime | None = None  # what happens by itself, and when (auto-approval)

    @property
    def overdue(self) -> bool:
        return self.seconds <= 0


def countdowns(rma: ReturnRequest, request: Request) -> Countdowns:
    rules = TimerRules.from_settings(request.app.state.context.settings)
    return running(rma, rules)


def customer_countdowns(rma: ReturnRequest, request: Request) -> list[Countdown]:
    """The running deadlines the customer is shown, at the process's clock."""
    context = request.app.state.context
    return customer_deadlines(rma, TimerRules.from_settings(context.settings), context.clock())


def customer_deadlines(rma: ReturnRequest, rules: TimerRules, now: datetime) -> list[Countdown]:
    clocks = running(rma, rules)
    found: list[Countdown] = []
    if clocks.ship_by is not None:
        found.append(_countdown(SHIP_BY, clocks.ship_by, now))
    if rma.status is Status.PENDING_REVIEW:
        answer_by = rma.review_due_at or clocks.auto_approve_at
        kind = APPEAL_REVIEW if timers.appealed(rma) else REVIEW
        if answer_by is not None:
            found.append(_countdown(kind, answer_by, now, clocks.auto_approve_at))
    if clocks.confirm_by is not None:
        found.append(_countdown(CONFIRM_BY, clocks.confirm_by, now))
    return found


@dataclass(frozen=True, slots=True)
class InspectionRow:
    item: InspectionDue
    clock: Countdown
    merchant: str = ""  # the merchant's display name (its id when it has none)


def inspection_queue(context: AppContext, merchant_scope: str | None = None) -> list[InspectionRow]:
    """The receiving desk's "waiting for inspection" list, each with its countdown (a
    merchant at its own warehouse: its own returns)."""
    rules = TimerRules.from_settings(context.settings)

    def read(
        uow: UnitOfWork, now: datetime
    ) -> tuple[list[InspectionDue], dict[str, str], datetime]:
        items = timers.inspection_queue(uow, rules, now, merchant_scope)
        return items, merchant_names(uow, (item.merchant_id for item in items)), now

    items, names, now = perform(context, read)
    return [
        InspectionRow(
            item,
            _countdown(INSPECT_BY, item.inspect_by, now),
            names.get(item.merchant_id, item.merchant_id),
        )
        for item in items
    ]


def _countdown(kind: str, due: datetime, now: datetime, then: datetime | None = None) -> Countdown:
    return Countdown(kind, due, int((due - now).total_seconds()), then)


def time_left(seconds: int, language: str) -> str:
    """The largest two units: "2 days 3 hours left", "45 minutes left", "Overdue by 1 day"."""
    late = seconds <= 0
    rest = abs(seconds)
    if late and rest < 60:
        return "已到期" if language == "zh" else "Due now"
    days, rest = divmod(rest, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        parts = [(days, "day", "天"), (hours, "hour", "小时")]
    elif hours:
        parts = [(hours, "hour", "小时"), (minutes, "minute", "分钟")]
    else:
        parts = [(max(minutes, 0 if late else 1), "minute", "分钟")]
    shown = [part for part in parts if part[0]] or parts[:1]
    if language == "zh":
        span = " ".join(f"{n} {zh}" for n, _, zh in shown)
        return f"已逾期 {span}" if late else f"还剩 {span}"
    span = " ".join(f"{n} {en}{'' if n == 1 else 's'}" for n, en, _ in shown)
    return f"Overdue by {span}" if late else f"{span} left"


for _environment in templating._ENVIRONMENTS.values():
    _environment.globals["countdowns"] = countdowns
    _environment.globals["customer_countdowns"] = customer_countdowns
    _environment.globals["time_left"] = time_left
