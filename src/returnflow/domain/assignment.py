"""Who works which request in review (seed 000 §7.2.3): take, assign, reassign.

A request waiting for a person may be given to one reviewer. Anyone who may review takes
an unassigned one for themselves; a manager gives or moves one to anybody who holds the
review permission. Each change is kept as a record (who, to whom, when, by whom), so the
current holder is the latest record and the trail is the audit. The bulk decision's
refusals are said here too, in words, so the page never shows a code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from returnflow.domain.access import ROLE_PERMISSIONS, Permission, Role
from returnflow.domain.money import Money
from returnflow.domain.text import DomainError, Text


@dataclass(frozen=True, slots=True)
class Assignee:
    """A person who may be given review work: an account holding the review permission."""

    user_id: int
    username: str
    display_name: str
    role: Role


@dataclass(frozen=True, slots=True)
class Assignment:
    """The request's current holder; `version` guards a reassignment against a race."""

    rma_no: str
    user_id: int
    assigned_at: datetime
    assigned_by: str
    version: int = 0


@dataclass(frozen=True, slots=True)
class AssignmentRecord:
    """One change, never updated: the audit of who gave whom which request."""

    rma_no: str
    user_id: int
    previous_user_id: int | None
    at: datetime
    by: str


def may_review(role: Role) -> bool:
    return Permission.RETURNS_REVIEW in ROLE_PERMISSIONS[role]


def not_in_review(rma_no: str) -> DomainError:
    return DomainError(
        "not_in_review",
        Text(
            "申请 {rma} 不在待审核状态，不能分派", "Request {rma} is not waiting for review"
        ).format(rma=rma_no),
    )


def check_take(current: Assignment | None, taker_id: int) -> None:
    """An agent takes only what nobody holds (taking one's own again changes nothing)."""
    if current is not None and current.user_id != taker_id:
        raise DomainError(
            "already_assigned",
            Text("该申请已分派给他人，请主管改派", "Someone else already has this request"),
        )


def check_assignee(person: Assignee | None, active: bool) -> Assignee:
    """A reassignment goes only to an active account that may review."""
    if person is None or not active or not may_review(person.role):
        raise DomainError(
            "not_a_reviewer",
            Text(
                "只能分派给有审核权限的在职人员", "Assign only to an active person who may review"
            ),
            field="assignee",
        )
    return person


class OverAuthority(DomainError):
    """A bulk approval left for its own page: the refund is above the reviewer's money limit."""

    def __init__(self, amount: Money, limit: Money) -> None:
        super().__init__(
            "over_authority",
            Text(
                "退款金额超过您的审批权限：请在申请页单独批准，由经理复核",
                "The refund is over your limit: approve it on its own page, where a manager's "
                "approval follows",
            ),
        )
        self.amount, self.limit = amount, limit
