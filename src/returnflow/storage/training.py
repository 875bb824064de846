"""Training records ⇄ rows (issue 17, R16.8): `uow.training`.

Attempts are stored as their seed, the policy version and the day they were drawn
on (the questions are drawn again from these), then marked once with the answers.
Certificates are only ever added; reads are bounded by person or by `LIMIT`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from returnflow.domain.training import Certificate, Skill
from returnflow.storage.schema.training import TrainingAttemptRow, TrainingCertificateRow

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
