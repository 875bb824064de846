"""On-call shifts ⇄ rows (issue 14, R13.1): `uow.on_call`.

Reads are bounded by time: the shifts overlapping a span (`starts_at < until` and
`ends_at > since`, both indexed), at most `LIMIT` of them; the accounts that may be put
on call are the active ones whose role holds `incidents.manage`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from returnflow.domain.access import Permission
from returnflow.domain.on_call import Member, Shift
from returnflow.domain.staff_notices import roles_holding
from returnflow.storage.schema import UserRow
from returnflow.storage.schema.on_call import OnCallShiftRow

LIMIT = 500


class OnCallStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(
        self, user_id: int, starts_at: datetime, ends_at: datetime, actor: str, now: datetime
    ) -> int:
        row = OnCallShiftRow(
            user_id=user_id,
            starts_at=starts_at,
            ends_at=ends_at,
            created_by=actor[:100],
            created_at=now,
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def get(self, shift_id: int) -> Shift | None:
        found = self.session.execute(_shifts().where(OnCallShiftRow.id == shift_id)).first()
        return None if found is None else _shift(found[0], found[1])

    def remove(self, shift_id: int) -> bool:
        row = self.session.get(OnCallShiftRow, shift_id)
        if row is None:
            return False
        self.session.delete(row)
        self.session.flush()
        return True

    def overlapping(self, since: datetime, until: datetime) -> list[Shift]:
        """The shifts that touch [since, until), earliest start first."""
        rows = self.session.execute(
            _shifts()
            .where(OnCallShiftRow.starts_at < until, OnCallShiftRow.ends_at > since)
            .order_by(OnCallShiftRow.starts_at, OnCallShiftRow.id)
            .limit(LIMIT)
        ).all()
        return [_shift(shift, user) for shift, user in rows]

    def members(self) -> list[Member]:
        """Every active account that may be put on call, by name."""
        rows = self.session.scalars(
            select(UserRow)
            .where(UserRow.active.is_(True), UserRow.role.in_(_ROLES))
            .order_by(UserRow.display_name, UserRow.username)
            .limit(LIMIT)
        )
        return [_member(row) for row in rows]

    def member(self, user_id: int) -> Member | None:
        row = self.session.get(UserRow, user_id)
        if row is None or not row.active or row.role not in _ROLES:
            return None
        return _member(row)


_ROLES = [role.value for role in roles_holding(Permission.INCIDENTS_MANAGE)]


def _shifts() -> Select[OnCallShiftRow, UserRow]:
    return select(OnCallShiftRow, UserRow).join(UserRow, UserRow.id == OnCallShiftRow.user_id)


def _member(row: UserRow) -> Member:
    return Member(row.id, row.username, row.display_name or row.username, row.role)


def _shift(row: OnCallShiftRow, user: UserRow) -> Shift:
    return Shift(row.id, _member(user), row.starts_at, row.ends_at, row.created_by, row.created_at)
