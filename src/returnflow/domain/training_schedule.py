"""Periodic assessments scheduled per person (issue 17; seeds 000 ch.8, 002 §五).

The seeds name four: a quarterly knowledge test, a monthly practical assessment, a
half-yearly satisfaction check and an annual appraisal. Each is due once per calendar
period (month, quarter, half-year, year; local dates): a completion covers the period
it falls in, so the next is due by the last day of the following period. A new account
has a whole period first: its first is due by the last day of the period after the one
it started in. Due within
`REMIND_DAYS` days asks for a reminder; past its day it is overdue.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from returnflow.domain.access import Role
from returnflow.domain.text import Text

REMIND_DAYS = 7


class AssessmentKind(StrEnum):
    KNOWLEDGE_TEST = "knowledge_test"  # quarterly: a check in every skill of one's role
    PRACTICAL = "practical"  # monthly: a supervisor observes real work
    SATISFACTION = "satisfaction"  # half-yearly: the customers' satisfaction with one's work
    APPRAISAL = "appraisal"  # annual

    @property
    def months(self) -> int:
        return _MONTHS[self]

    @property
    def label(self) -> Text:
        return _LABELS[self]


_MONTHS = {
    AssessmentKind.KNOWLEDGE_TEST: 3,
    AssessmentKind.PRACTICAL: 1,
    AssessmentKind.SATISFACTION: 6,
    AssessmentKind.APPRAISAL: 12,
}
_LABELS = {
    AssessmentKind.KNOWLEDGE_TEST: Text("季度知识测试", "Quarterly knowledge test"),
    AssessmentKind.PRACTICAL: Text("月度实操考核", "Monthly practical assessment"),
    AssessmentKind.SATISFACTION: Text("半年度满意度评估", "Half-yearly satisfaction check"),
    AssessmentKind.APPRAISAL: Text("年度考评", "Annual appraisal"),
}

_K = AssessmentKind
_DESK = (_K.KNOWLEDGE_TEST, _K.PRACTICAL, _K.APPRAISAL)
_FACING = (_K.KNOWLEDGE_TEST, _K.PRACTICAL, _K.SATISFACTION, _K.APPRAISAL)
# who is assessed how: people at a desk are observed monthly, those who answer customers
# are also judged by them; merchants' staff take the knowledge test only (their employer
# appraises them); managers and administrators are appraised; system accounts never
ROLE_ASSESSMENTS: dict[Role, tuple[AssessmentKind, ...]] = {
    Role.AGENT: _FACING,
    Role.MEDIATOR: _FACING,
    Role.WAREHOUSE: _DESK,
    Role.FINANCE: _DESK,
    Role.LOGISTICS: _DESK,
    Role.MERCHANT: (_K.KNOWLEDGE_TEST,),
    Role.MANAGER: (_K.KNOWLEDGE_TEST, _K.APPRAISAL),
    Role.ADMIN: (_K.APPRAISAL,),
    Role.INTEGRATION: (),
}


def period_end(day: date, months: int) -> date:
    """The last day of the calendar period of `months` months that holds `day`."""
    index = (day.month - 1) // months  # 0-based period within the year
    last_month = index * months + months
    return date(day.year, last_month, calendar.monthrange(day.year, last_month)[1])


def _next_period_end(day: date, months: int) -> date:
    end = period_end(day, months)
    month = end.month + months
    year = end.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return date(year, month, calendar.monthrange(year, month)[1])


def next_due(kind: AssessmentKind, last_done: date | None, started: date) -> date:
    """When the next `kind` is due: the end of the period after the last completion's."""
    return _next_period_end(started if last_done is None else last_done, kind.months)


class DueState(StrEnum):
    SCHEDULED = "scheduled"
    DUE_SOON = "due_soon"  # within REMIND_DAYS: remind
    OVERDUE = "overdue"  # past its day: remind again


@dataclass(frozen=True, slots=True)
class Due:
    kind: AssessmentKind
    due_on: date
    last_done: date | None
    state: DueState


def state_on(due_on: date, today: date) -> DueState:
    if today > due_on:
        return DueState.OVERDUE
    if (due_on - today).days <= REMIND_DAYS:
        return DueState.DUE_SOON
    return DueState.SCHEDULED


def schedule(
    role: Role, last_done: dict[AssessmentKind, date], started: date, today: date
) -> list[Due]:
    """A person's assessments: each kind of their role, when due and how it stands today."""
    found = []
    for kind in ROLE_ASSESSMENTS[role]:
        last = last_done.get(kind)
        due_on = next_due(kind, last, started)
        found.append(Due(kind, due_on, last, state_on(due_on, today)))
    return found
