"""Review assignments ⇄ rows (`uow.assignments`): the current holder of a request in review,
the append-only trail of changes, and the people who may be given review work.

A first assignment inserts the request's row (two agents taking it at once collide on the
primary key: the loser's commit is a `ConcurrentUpdate`); a reassignment updates it under
its version. Every change also appends a log row, never updated.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from returnflow.domain.access import ROLE_PERMISSIONS, Permission, Role
from returnflow.domain.assignment import Assignee, Assignment, AssignmentRecord
from returnflow.storage.assignment_queries import AssignmentQueries
from returnflow.storage.schema import UserRow
from returnflow.storage.schema.assignment import ReviewAssignmentLogRow, ReviewAssignmentRow

PEOPLE_LIMIT = 200  # reviewers offered in a picker or counted on the team queue
TRAIL_LIMIT = 50

# platform staff who may review; merchants' own accounts work only their own queue
_REVIEW_ROLES = tuple(
    role.value
    for role in Role
    if Permission.RETURNS_REVIEW in ROLE_PERMISSIONS[role] and role is not Role.MERCHANT
)


def _assignee(row: UserRow) -> Assignee:
    return Assignee(row.id, row.username, row.display_name, Role(row.role))


class Assignments(AssignmentQueries):
    """Writes and small reads of assignments; the queue's list reads are inherited."""

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self.session = session

    def current(self, rma_no: str, *, for_update: bool = False) -> Assignment | None:
        query = select(ReviewAssignmentRow).where(ReviewAssignmentRow.rma_no == rma_no)
        row = self.session.scalars(query.with_for_update() if for_update else query).first()
        if row is None:
            return None
        return Assignment(row.rma_no, row.user_id, row.assigned_at, row.assigned_by, row.version)

    def give(self, rma_no: str, user_id: int, by: str, now: datetime) -> int | None:
        """Make `user_id` the holder; answers the previous holder (None: it had none)."""
        row = self.session.get(ReviewAssignmentRow, rma_no)
        previous = None if row is None else row.user_id
        if row is None:
            row = ReviewAssignmentRow(rma_no=rma_no)
            self.session.add(row)
        row.user_id, row.assigned_at, row.assigned_by = user_id, now, by
        self.session.add(
            ReviewAssignmentLogRow(
                rma_no=rma_no, user_id=user_id, previous_user_id=previous, at=now, by=by
            )
        )
        self.session.flush()
        return previous

    def trail(self, rma_no: str) -> tuple[AssignmentRecord, ...]:
        """The request's assignment changes, oldest first (bounded)."""
        rows = self.session.scalars(
            select(ReviewAssignmentLogRow)
            .where(ReviewAssignmentLogRow.rma_no == rma_no)
            .order_by(ReviewAssignmentLogRow.id)
            .limit(TRAIL_LIMIT)
        )
        return tuple(
            AssignmentRecord(r.rma_no, r.user_id, r.previous_user_id, r.at, r.by) for r in rows
        )

    def person(self, user_id: int) -> tuple[Assignee, bool] | None:
        """An account as a possible assignee, and whether it is active."""
        row = self.session.get(UserRow, user_id)
        return None if row is None else (_assignee(row), bool(row.active))

    def reviewers(self) -> tuple[Assignee, ...]:
        """Active platform staff holding the review permission, by name (bounded)."""
        rows = self.session.scalars(
            select(UserRow)
            .where(UserRow.active, UserRow.role.in_(_REVIEW_ROLES))
            .order_by(UserRow.display_name, UserRow.id)
            .limit(PEOPLE_LIMIT)
        )
        return tuple(_assignee(row) for row in rows)
