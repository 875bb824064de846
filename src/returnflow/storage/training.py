"""Training records ⇄ rows (issue 17, R16.8): `uow.training`.

Attempts are stored as their seed, the policy version and the day they were drawn
on (the questions are drawn again from these), then marked once with the answers.
Certificates are only ever added; reads are bounded by person or by `LIMIT`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from returnflow.domain.training import Certificate, Skill
from returnflow.domain.training_stale import Reread
from returnflow.storage.schema.accounts import UserRow
from returnflow.storage.schema.training import (
    TrainingAssessmentRow,
    TrainingAttemptRow,
    TrainingCertificateRow,
    TrainingRereadRow,
)
from returnflow.storage.training_grades import TrainingGrades
from returnflow.storage.training_records import TrainingRecords

LIMIT = 500


@dataclass(frozen=True, slots=True)
class StoredAttempt:
    id: int
    username: str
    skill: Skill
    seed: int
    policy_version: int
    drawn_on: date
    started_at: datetime
    answers: tuple[int | None, ...] | None
    correct: int | None
    total: int
    passed: bool | None
    scored_at: datetime | None


class TrainingStore:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.records = TrainingRecords(session)  # skill records: practice, recognitions
        self.grades = TrainingGrades(session)  # second inspectors' grades (0042)

    def add_attempt(
        self,
        username: str,
        skill: Skill,
        seed: int,
        policy_version: int,
        drawn_on: date,
        total: int,
        now: datetime,
    ) -> int:
        row = TrainingAttemptRow(
            username=username,
            skill=skill.value,
            seed=seed,
            policy_version=policy_version,
            drawn_on=drawn_on,
            started_at=now,
            total=total,
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def attempt(self, attempt_id: int, *, for_update: bool = False) -> StoredAttempt | None:
        query = select(TrainingAttemptRow).where(TrainingAttemptRow.id == attempt_id)
        row = self.session.scalars(query.with_for_update() if for_update else query).first()
        return None if row is None else _attempt(row)

    def mark(
        self,
        attempt_id: int,
        answers: tuple[int | None, ...],
        correct: int,
        passed: bool,
        now: datetime,
    ) -> bool:
        """Record the score once; False if it was already scored (a lost race)."""
        done = self.session.execute(
            update(TrainingAttemptRow)
            .where(TrainingAttemptRow.id == attempt_id, TrainingAttemptRow.scored_at.is_(None))
            .values(answers=list(answers), correct=correct, passed=passed, scored_at=now)
        )
        return bool(getattr(done, "rowcount", 0))

    def attempts_of(self, username: str, limit: int = 20) -> list[StoredAttempt]:
        rows = self.session.scalars(
            select(TrainingAttemptRow)
            .where(TrainingAttemptRow.username == username)
            .order_by(TrainingAttemptRow.started_at.desc(), TrainingAttemptRow.id.desc())
            .limit(min(limit, LIMIT))
        )
        return [_attempt(row) for row in rows]

    def add_certificate(self, certificate: Certificate) -> None:
        self.session.add(
            TrainingCertificateRow(
                username=certificate.username,
                skill=certificate.skill.value,
                granted_at=certificate.granted_at,
                expires_at=certificate.expires_at,
                attempt_id=certificate.attempt_id,
                waived_by=certificate.waived_by,
                reason=certificate.reason,
            )
        )
        self.session.flush()

    def certificates_of(self, username: str, skill: Skill | None = None) -> list[Certificate]:
        query = select(TrainingCertificateRow).where(TrainingCertificateRow.username == username)
        if skill is not None:
            query = query.where(TrainingCertificateRow.skill == skill.value)
        rows = self.session.scalars(
            query.order_by(TrainingCertificateRow.expires_at.desc()).limit(LIMIT)
        )
        return [_certificate(row) for row in rows]

    def certificates_since(self, expires_after: datetime) -> list[Certificate]:
        """Every certificate that has not been expired long (the team matrix), bounded."""
        rows = self.session.scalars(
            select(TrainingCertificateRow)
            .where(TrainingCertificateRow.expires_at > expires_after)
            .order_by(TrainingCertificateRow.username, TrainingCertificateRow.skill)
            .limit(LIMIT * 4)
        )
        return [_certificate(row) for row in rows]

    # --- lessons to re-read after a policy change (migration 0039) ---------------------

    def holders(self, skill: Skill, expires_after: datetime) -> list[str]:
        """Who holds a certificate in `skill` not expired before `expires_after`."""
        rows = self.session.scalars(
            select(TrainingCertificateRow.username)
            .where(
                TrainingCertificateRow.skill == skill.value,
                TrainingCertificateRow.expires_at > expires_after,
            )
            .distinct()
            .order_by(TrainingCertificateRow.username)
            .limit(LIMIT * 4)
        )
        return list(rows)

    def user_ids(self, usernames: list[str]) -> dict[str, int]:
        if not usernames:
            return {}
        rows = self.session.execute(
            select(UserRow.username, UserRow.id).where(
                UserRow.username.in_(usernames), UserRow.active.is_(True)
            )
        )
        return {name: user_id for name, user_id in rows}

    def add_reread(self, reread: Reread) -> bool:
        """Ask `username` to re-read a lesson; False if an open request already asks it."""
        open_one = self.session.scalar(
            select(TrainingRereadRow.id).where(
                TrainingRereadRow.username == reread.username,
                TrainingRereadRow.lesson == reread.lesson,
                TrainingRereadRow.cleared_at.is_(None),
            )
        )
        if open_one is not None:
            return False
        self.session.add(
            TrainingRereadRow(
                username=reread.username,
                skill=reread.skill,
                lesson=reread.lesson,
                policy_version=reread.policy_version,
                marked_at=reread.marked_at,
            )
        )
        self.session.flush()
        return True

    def open_rereads(self, username: str | None = None) -> list[Reread]:
        """Open re-read requests: one person's, or everyone's (the team matrix), bounded."""
        query = select(TrainingRereadRow).where(TrainingRereadRow.cleared_at.is_(None))
        if username is not None:
            query = query.where(TrainingRereadRow.username == username)
        rows = self.session.scalars(
            query.order_by(TrainingRereadRow.username, TrainingRereadRow.id).limit(LIMIT * 4)
        )
        return [_reread(row) for row in rows]

    def clear_reread(self, username: str, lesson: str, now: datetime) -> bool:
        done = self.session.execute(
            update(TrainingRereadRow)
            .where(
                TrainingRereadRow.username == username,
                TrainingRereadRow.lesson == lesson,
                TrainingRereadRow.cleared_at.is_(None),
            )
            .values(cleared_at=now)
        )
        return bool(getattr(done, "rowcount", 0))

    # --- periodic assessments (migration 0039) -----------------------------------------

    def add_assessment(
        self, username: str, kind: str, now: datetime, recorded_by: str, note: str = ""
    ) -> None:
        self.session.add(
            TrainingAssessmentRow(
                username=username, kind=kind, completed_at=now, recorded_by=recorded_by, note=note
            )
        )
        self.session.flush()

    def last_assessments(self, usernames: list[str]) -> dict[tuple[str, str], datetime]:
        """(username, kind) → the latest completion, for the people given."""
        if not usernames:
            return {}
        rows = self.session.execute(
            select(
                TrainingAssessmentRow.username,
                TrainingAssessmentRow.kind,
                func.max(TrainingAssessmentRow.completed_at),
            )
            .where(TrainingAssessmentRow.username.in_(usernames))
            .group_by(TrainingAssessmentRow.username, TrainingAssessmentRow.kind)
        )
        return {(name, kind): at for name, kind, at in rows}

    def member(self, username: str) -> tuple[int, str, datetime] | None:
        """(id, role, created_at) of an active account."""
        row = self.session.execute(
            select(UserRow.id, UserRow.role, UserRow.created_at).where(
                UserRow.username == username, UserRow.active.is_(True)
            )
        ).first()
        return None if row is None else (row[0], row[1], row[2])

    def active_staff(self, limit: int = LIMIT) -> list[tuple[str, int, str, datetime]]:
        """(username, id, role, created_at) of active accounts, by username, bounded."""
        rows = self.session.execute(
            select(UserRow.username, UserRow.id, UserRow.role, UserRow.created_at)
            .where(UserRow.active.is_(True))
            .order_by(UserRow.username)
            .limit(min(limit, LIMIT))
        )
        return [(name, user_id, role, created) for name, user_id, role, created in rows]


def _reread(row: TrainingRereadRow) -> Reread:
    return Reread(
        row.username, row.skill, row.lesson, row.policy_version, row.marked_at, row.cleared_at
    )


def _attempt(row: TrainingAttemptRow) -> StoredAttempt:
    return StoredAttempt(
        id=row.id,
        username=row.username,
        skill=Skill(row.skill),
        seed=row.seed,
        policy_version=row.policy_version,
        drawn_on=row.drawn_on,
        started_at=row.started_at,
        answers=None if row.answers is None else tuple(row.answers),
        correct=row.correct,
        total=row.total,
        passed=row.passed,
        scored_at=row.scored_at,
    )


def _certificate(row: TrainingCertificateRow) -> Certificate:
    return Certificate(
        username=row.username,
        skill=Skill(row.skill),
        granted_at=row.granted_at,
        expires_at=row.expires_at,
        attempt_id=row.attempt_id,
        waived_by=row.waived_by,
        reason=row.reason,
    )
