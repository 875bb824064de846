"""Training, knowledge checks, certificates and the certification gate (issue 17, R16.8).

`start_attempt` stores a seed and hands out questions without their answers;
`answer_attempt` draws the same questions again from the stored seed, policy version
and day, scores them on the server and certifies a pass. `require` is the gate the
inspection service calls: with `certification_gates` on, a warehouse or merchant
account needs an inspection certificate that is valid, due for a refresher, or
expired less than `GRACE_DAYS` ago (work goes on, the page asks for the refresher).
Names that are no account (the demo's made-up history, imports) and the roles that
oversee (managers, admins, system accounts) are not gated.
"""

from __future__ import annotations

import os
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Protocol, runtime_checkable

from returnflow.config import Settings
from returnflow.domain import training
from returnflow.domain.access import Role
from returnflow.domain.money import Money
from returnflow.domain.policy import PolicyVersion
from returnflow.domain.text import DomainError, Text
from returnflow.domain.training import Certificate, Lesson, Score, Skill, Standing
from returnflow.domain.training_questions import Choice, Question
from returnflow.notify.money_words import money_text, money_words
from returnflow.services import training_schedule
from returnflow.services.errors import Conflict, NotFound
from returnflow.services.policies import policy_book
from returnflow.services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class TrainingRules:
    gates: bool = True
    validity_days: int = training.VALIDITY_DAYS
    refund_above: int = training.REFUND_ABOVE_FEN  # fen: larger refunds need the certificate

    @classmethod
    def from_settings(cls, settings: Settings) -> TrainingRules:
        return cls(
            settings.certification_gates,
            settings.certificate_validity_days,
            settings.certified_refund_above_fen,
        )

    @classmethod
    def configured(cls) -> TrainingRules:
        """From RETURNFLOW_CERTIFICATION_GATES / _CERTIFICATE_VALIDITY_DAYS /
        _CERTIFIED_REFUND_ABOVE_FEN (config.Settings), read per call but parsed again only
        when one of them changed: a whole Settings() per inspection and refund cost the
        demo's stories a few percent of their time (issue 11)."""
        found = (item for item in os.environ.items() if item[0].lower() in _VARIABLES)
        return _rules_for(tuple(sorted(found)))


_VARIABLES = frozenset(  # as pydantic-settings reads them: any case
    f"returnflow_{field}"
    for field in ("certification_gates", "certificate_validity_days", "certified_refund_above_fen")
)


@lru_cache(maxsize=16)
def _rules_for(variables: tuple[tuple[str, str], ...]) -> TrainingRules:
    return TrainingRules.from_settings(Settings())


@dataclass(frozen=True)
class Course:
    skill: Skill
    lessons: list[Lesson]
    standing: Standing
    certificate: Certificate | None  # the best one held


@dataclass(frozen=True)
class Started:
    attempt_id: int
    skill: Skill
    questions: tuple[Question, ...]  # the edges show prompts and choices, never `answer`


@dataclass(frozen=True)
class Result:
    attempt_id: int
    skill: Skill
    score: Score
    certificate: Certificate | None


@dataclass(frozen=True)
class PastAttempt:
    attempt_id: int
    skill: Skill
    started_at: datetime
    correct: int | None
    total: int
    passed: bool | None


def choice_text(choice: Choice, language: str) -> str:
    """A choice as the reader sees it: money through Babel, days as ISO dates."""
    if isinstance(choice, Text):
        return choice.in_language(language)
    if isinstance(choice, Money):
        return money_text(choice, "en" if language.startswith("en") else "zh")
    return choice.isoformat()


def skills_for(role: Role) -> tuple[Skill, ...]:
    return training.ROLE_SKILLS[role]


def _best(certificates: Sequence[Certificate], now: datetime) -> Certificate | None:
    order = list(Standing)
    ranked = sorted(
        certificates, key=lambda c: (order.index(c.standing(now)), -c.expires_at.timestamp())
    )
    return ranked[0] if ranked else None


def standing(
    uow: UnitOfWork, username: str, skill: Skill, now: datetime
) -> tuple[Standing, Certificate | None]:
    held = uow.training.certificates_of(username, skill)
    return training.standing_of(held, now), _best(held, now)


def _policy_now(uow: UnitOfWork, now: datetime) -> PolicyVersion:
    return policy_book(uow).in_force_at(now)


def courses(uow: UnitOfWork, username: str, role: Role, now: datetime) -> list[Course]:
    """The person's courses: live lessons from the policy in force and their standing."""
    policy = _policy_now(uow, now)
    today = policy.local_date(now)
    found = []
    for skill in skills_for(role):
        held, best = standing(uow, username, skill, now)
        found.append(Course(skill, training.lessons(skill, policy, today, money_words), held, best))
    return found


def start_attempt(
    uow: UnitOfWork, username: str, skill: Skill, now: datetime, *, seed: int | None = None
) -> Started:
    """A new check: a fresh random seed (or the one given), stored before anything is shown."""
    policy = _policy_now(uow, now)
    today = policy.local_date(now)
    chosen = seed if seed is not None else training.new_seed(random.SystemRandom())
    questions = training.draw(skill, chosen, policy, today, money_words)
    attempt_id = uow.training.add_attempt(
        username, skill, chosen, policy.version, today, len(questions), now
    )
    return Started(attempt_id, skill, questions)


def _drawn_again(
    uow: UnitOfWork, version: int, skill: Skill, seed: int, day: date
) -> tuple[Question, ...]:
    book = policy_book(uow)
    policy = next((v for v in book.versions if v.version == version), book.latest())
    return training.draw(skill, seed, policy, day, money_words)


def open_attempt(uow: UnitOfWork, attempt_id: int, username: str) -> Started:
    """One's own unanswered check, its questions drawn again from the stored seed."""
    stored = uow.training.attempt(attempt_id)
    if stored is None or stored.username != username:
        raise _no_attempt()
    if stored.scored_at is not None:
        raise _already_scored()
    questions = _drawn_again(uow, stored.policy_version, stored.skill, stored.seed, stored.drawn_on)
    return Started(stored.id, stored.skill, questions)


def _no_attempt() -> NotFound:
    return NotFound("attempt_not_found", Text("找不到这次测验", "No such attempt"))


def answer_attempt(
    uow: UnitOfWork,
    attempt_id: int,
    username: str,
    answers: Sequence[int | None],
    now: datetime,
    rules: TrainingRules | None = None,
) -> Result:
    """Score on the server from the stored seed; a pass certifies the skill."""
    rules = rules or TrainingRules.configured()
    stored = uow.training.attempt(attempt_id, for_update=True)
    if stored is None or stored.username != username:
        raise _no_attempt()
    if stored.scored_at is not None:
        raise _already_scored()
    questions = _drawn_again(uow, stored.policy_version, stored.skill, stored.seed, stored.drawn_on)
    marked = training.score(questions, answers)
    if not uow.training.mark(attempt_id, tuple(answers), marked.correct, marked.passed, now):
        raise _already_scored()
    certificate = None
    if marked.passed:
        certificate = training.certify(username, stored.skill, attempt_id, now, rules.validity_days)
        uow.training.add_certificate(certificate)
    training_schedule.after_check(uow, username, now)  # the quarterly knowledge test
    return Result(attempt_id, stored.skill, marked, certificate)


def _already_scored() -> Conflict:
    return Conflict(
        "attempt_already_scored",
        Text(
            "这次测验已经交卷，请重新开始一次", "This check was already answered: start a new one"
        ),
    )


def past_attempts(uow: UnitOfWork, username: str) -> list[PastAttempt]:
    return [
        PastAttempt(a.id, a.skill, a.started_at, a.correct, a.total, a.passed)
        for a in uow.training.attempts_of(username)
    ]


class _Accounts(Protocol):
    def user_exists(self, username: str) -> bool: ...


class _Certificates(Protocol):
    def certificates_of(self, username: str, skill: Skill | None = None) -> list[Certificate]: ...


@runtime_checkable
class GateWork(Protocol):
    """What the gate reads: the account and its certificates."""

    @property
    def accounts(self) -> _Accounts: ...

    @property
    def training(self) -> _Certificates: ...


def require(
    uow: GateWork, actor: str, skill: Skill, now: datetime, rules: TrainingRules | None = None
) -> Standing | None:
    """The gate: refuse (`certificate_required`) without a certificate that allows work.

    Returns the standing (GRACE or REFRESHER_DUE ask for a refresher), or None where the
    gate does not apply: gates off, a role that is not gated (`training.GATED`), a name
    with no account. The inspection gate and the refund gate (`training_gate.py`) both
    come here.
    """
    rules = rules or TrainingRules.configured()
    role, username = training.person_of(actor)
    if not rules.gates or role not in training.GATED.get(skill, frozenset()):
        return None
    if not uow.accounts.user_exists(username):
        return None
    held = training.standing_of(uow.training.certificates_of(username, skill), now)
    if not held.allows_work:
        raise training.certificate_required(skill)
    return held


def waive(
    uow: UnitOfWork, username: str, skill: Skill, reason: str, actor: str, now: datetime
) -> Certificate:
    """An administrator lets a person work without the check for `WAIVER_DAYS`, with a reason."""
    if not uow.accounts.user_exists(username):
        raise NotFound("user_not_found", Text("找不到该账号", "No such account"), field="username")
    if len(reason) > 500:
        raise DomainError(
            "reason_too_long", Text("原因太长", "The reason is too long"), field="reason"
        )
    certificate = training.waive(username, skill, actor, reason, now)
    uow.training.add_certificate(certificate)
    return certificate
