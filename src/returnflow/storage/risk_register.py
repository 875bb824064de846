"""The risk register ⇄ rows (issue 15, R10.1, R10.2): `uow.risk_register`.

Five rows at most (one per risk type) and their history, newest first and bounded.
`save` writes the edit and its history row in the same transaction; the `version`
column refuses an edit made on a stale read (ConcurrentUpdate).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from returnflow.domain.access import Role
from returnflow.domain.risk_register import TYPES, Risk, RiskStatus
from returnflow.storage.returner_care import ReturnerCareStore
from returnflow.storage.schema import UserRow
from returnflow.storage.schema.risk_register import RiskHistoryRow, RiskRow

HISTORY_LIMIT = 50
NOT_STAFF = (Role.MERCHANT.value, Role.INTEGRATION.value)


class RiskRegisterStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    def all(self) -> list[Risk]:
        rows = self.session.scalars(select(RiskRow).where(RiskRow.code.in_(list(TYPES))))
        order = list(TYPES)
        return sorted((_risk(r) for r in rows), key=lambda r: order.index(r.code))

    def get(self, code: str) -> Risk | None:
        row = self.session.get(RiskRow, code, with_for_update=True)
        return None if row is None or code not in TYPES else _risk(row)

    def add(self, risk: Risk) -> None:
        row = RiskRow(code=risk.code)
        _write(row, risk, risk.updated_by, risk.updated_at)
        self.session.add(row)
        self.session.flush()

    def save(self, risk: Risk, changes: dict[str, list[str]], actor: str, now: datetime) -> None:
        row = self.session.get(RiskRow, risk.code)
        if row is None:
            return
        _write(row, risk, actor, now)
        if changes:
            self.session.add(
                RiskHistoryRow(code=risk.code, at=now, actor=actor[:100], changes=changes)
            )
        self.session.flush()

    def history(self, code: str) -> list[tuple[datetime, str, dict[str, list[str]]]]:
        rows = self.session.scalars(
            select(RiskHistoryRow)
            .where(RiskHistoryRow.code == code)
            .order_by(RiskHistoryRow.at.desc(), RiskHistoryRow.id.desc())
            .limit(HISTORY_LIMIT)
        )
        return [(r.at, r.actor, dict(r.changes)) for r in rows]

    def staff_names(self) -> dict[str, str]:
        """Active staff accounts (not merchants, not systems): user name → display name."""
        rows = self.session.execute(
            select(UserRow.username, UserRow.display_name)
            .where(UserRow.active.is_(True), UserRow.role.not_in(NOT_STAFF))
            .order_by(UserRow.username)
            .limit(500)
        )
        return {name: shown or name for name, shown in rows}


def _write(row: RiskRow, risk: Risk, actor: str, now: datetime) -> None:
    row.probability, row.impact, row.owner = risk.probability, risk.impact, risk.owner
    row.mitigation, row.status, row.review_on = risk.mitigation, risk.status.value, risk.review_on
    row.updated_by, row.updated_at = actor[:100], now


def _risk(row: RiskRow) -> Risk:
    return Risk(
        code=row.code,
        probability=row.probability,
        impact=row.impact,
        owner=row.owner,
        mitigation=row.mitigation,
        status=RiskStatus(row.status),
        review_on=row.review_on,
        updated_by=row.updated_by,
        updated_at=row.updated_at,
        version=row.version,
    )


def stores(session: Session) -> tuple[RiskRegisterStore, ReturnerCareStore]:
    """The unit of work's two issue-15 repositories: the register, and returner care."""
    return RiskRegisterStore(session), ReturnerCareStore(session)
