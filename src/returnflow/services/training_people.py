"""One person's whole skill record (issue 17, R16.8, R12.2): `/staff/training/people/{id}`.

Lessons done (a lesson is done once its course's check is passed and no new policy
version asks for it to be read again), the checks and their scores, every certificate
with its standing (valid, refresher due, grace, expired; a waiver with who gave it and
why), the practical figures month by month (inspections, appeals, second grades,
decisions), the assessments recorded and due, rewards and corrective actions.
A manager (`STAFF_SCORECARDS`) reads anyone's; anyone else only their own: another
person's record is `404 skill_record_not_found`, as if it did not exist (no probing of ids).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from returnflow.domain.access import Permission, Principal, Role
from returnflow.domain.text import Text
from returnflow.domain.training import Certificate, Skill, Standing
from returnflow.domain.training_grades import SecondGrade
from returnflow.domain.training_records import Practice, Recognition
from returnflow.domain.training_schedule import Due
from returnflow.services import training, training_practice, training_schedule, training_stale
from returnflow.services.errors import NotFound
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.storage.training_grades import Recorded

MONTHS = 6  # practical figures shown, this month and the five before


@dataclass(frozen=True)
class LessonDone:
    key: str
    title: Text
    done: bool
    reread: bool  # a new policy version asks for it to be read again


@dataclass(frozen=True)
class CourseRecord:
    skill: Skill
    standing: Standing
    lessons: tuple[LessonDone, ...]
    best_percent: int | None  # the best scored check


@dataclass(frozen=True)
class CertificateRecord:
    certificate: Certificate
    standing: Standing

    @property
    def waived(self) -> bool:
        return self.certificate.waived_by is not None


@dataclass(frozen=True)
class SkillRecord:
    user_id: int
    username: str
    display_name: str
    role: Role
    courses: list[CourseRecord]
    attempts: list[training.PastAttempt]
    certificates: list[CertificateRecord]
    practice: list[Practice]  # newest month first
    second_grades: list[SecondGrade]  # of this person's inspections, newest first
    assessments_due: list[Due]
    assessments_done: list[Recorded]
    recognitions: list[Recognition]


def _person(uow: UnitOfWork, user_id: int, viewer: Principal) -> Principal:
    found = uow.accounts.user(user_id)
    if found is None or (viewer.user_id != user_id and not viewer.can(Permission.STAFF_SCORECARDS)):
        raise NotFound(
            "skill_record_not_found",
            Text(
                "找不到该技能档案（只能查看自己的档案）",
                "No such skill record (you may read only your own)",
            ),
        )
    return found.principal


def _months(today: date, count: int) -> list[date]:
    firsts, day = [], today.replace(day=1)
    for _ in range(count):
        firsts.append(day)
        day = date(day.year - (day.month == 1), (day.month - 2) % 12 + 1, 1)
    return firsts


def _courses(
    uow: UnitOfWork, person: Principal, attempts: list[training.PastAttempt], now: datetime
) -> list[CourseRecord]:
    rereads = training_stale.rereads_of(uow, person.username)
    found = []
    for course in training.courses(uow, person.username, person.role, now):
        mine = [a for a in attempts if a.skill is course.skill and a.correct is not None]
        passed = any(a.passed for a in mine)
        best = max((round(100 * (a.correct or 0) / a.total) for a in mine if a.total), default=None)
        lessons = tuple(
            LessonDone(ls.key, ls.title, passed and ls.key not in rereads, ls.key in rereads)
            for ls in course.lessons
        )
        found.append(CourseRecord(course.skill, course.standing, lessons, best))
    return found


def skill_record(
    uow: UnitOfWork, user_id: int, viewer: Principal, now: datetime, months: int = MONTHS
) -> SkillRecord:
    """Everything the records hold of one person's skills, for them or their manager."""
    person = _person(uow, user_id, viewer)
    name = person.username
    attempts = training.past_attempts(uow, name)
    certificates = [
        CertificateRecord(c, c.standing(now)) for c in uow.training.certificates_of(name)
    ]
    today = training_schedule.local_day(now)
    return SkillRecord(
        user_id=user_id,
        username=name,
        display_name=person.display_name,
        role=person.role,
        courses=_courses(uow, person, attempts, now),
        attempts=attempts,
        certificates=sorted(certificates, key=lambda c: c.certificate.granted_at, reverse=True),
        practice=[training_practice.practice_of(uow, name, m) for m in _months(today, months)],
        second_grades=uow.training.grades.graded_by(name),
        assessments_due=training_schedule.schedule_of(uow, name, now),
        assessments_done=uow.training.grades.assessments_of(name),
        recognitions=training_practice.recognitions_of(uow, [name]),
    )
