"""Training, knowledge checks and certificates (issue 17, R16.8, R12.2).

A skill (inspection, refunds, review, receiving, complaints) has lessons and a question
bank whose answers the product's rules compute (`training_questions.py`). An attempt
draws `QUESTIONS` questions from a seed: the same seed, policy version and day give the
same questions, so the server scores an attempt by drawing it again and never trusts
an answer key it handed out. `PASS_PERCENT` or better passes and grants a certificate
for `validity_days`.

A certificate is *valid* until it expires and *refresher due* in its last
`REFRESHER_DAYS`. Once expired it still lets work through for `GRACE_DAYS` (the issue:
expired certificates ask for a refresher instead of blocking mid-shift); after the
grace the gate refuses. An administrator may waive the gate for a person with a
reason: a waiver is a certificate of its own that names who waived it and why.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from returnflow.domain.access import Forbidden, Role
from returnflow.domain.amount_words import MoneyWords
from returnflow.domain.policy import PolicyVersion
from returnflow.domain.text import DomainError, Text
from returnflow.domain.training_questions import GENERATORS, Question
from returnflow.domain.training_words import LESSONS, SKILL_LABELS

QUESTIONS = 5  # per attempt
PASS_PERCENT = 80
VALIDITY_DAYS = 365  # the default; settings may change it
REFRESHER_DAYS = 30  # "refresher due" this long before expiry
GRACE_DAYS = 14  # an expired certificate still lets work through this long
WAIVER_DAYS = 30  # a waiver bridges until the person can take the check


class Skill(StrEnum):
    INSPECTION = "inspection"
    REFUND = "refund"
    REVIEW = "review"
    RECEIVING = "receiving"
    COMPLAINTS = "complaints"

    @property
    def label(self) -> Text:
        return SKILL_LABELS[self.value]


# which generators a skill's check draws from
SKILL_QUESTIONS: dict[Skill, tuple[str, ...]] = {
    Skill.INSPECTION: ("inspection_check", "excluded_goods", "quality_last_day"),
    Skill.REFUND: ("refund_amount", "quality_last_day", "no_reason_last_day"),
    Skill.REVIEW: ("no_reason_last_day", "excluded_goods", "quality_last_day"),
    Skill.RECEIVING: ("shipping_payer", "inspection_check", "no_reason_last_day"),
    Skill.COMPLAINTS: ("shipping_payer", "no_reason_last_day", "refund_amount"),
}

# the courses of each role (seed 003 trains receiving, inspection and refunds)
ROLE_SKILLS: dict[Role, tuple[Skill, ...]] = {
    Role.WAREHOUSE: (Skill.RECEIVING, Skill.INSPECTION),
    Role.FINANCE: (Skill.REFUND,),
    Role.AGENT: (Skill.REVIEW, Skill.REFUND, Skill.COMPLAINTS),
    Role.MERCHANT: (Skill.REVIEW, Skill.INSPECTION, Skill.RECEIVING),
    Role.MEDIATOR: (Skill.COMPLAINTS, Skill.REVIEW),
    Role.LOGISTICS: (Skill.RECEIVING,),
    Role.MANAGER: tuple(Skill),
    Role.ADMIN: tuple(Skill),
    Role.INTEGRATION: (),
}

# the roles the inspection gate applies to: people at a desk (managers and admins
# oversee and may waive; system accounts are not people)
INSPECTION_GATED: frozenset[Role] = frozenset({Role.WAREHOUSE, Role.MERCHANT})
# the roles the refund gate applies to, above `REFUND_ABOVE_FEN` (managers decide amounts)
REFUND_GATED: frozenset[Role] = frozenset({Role.FINANCE, Role.AGENT})
REFUND_ABOVE_FEN = 20_000  # ¥200: the default of RETURNFLOW_CERTIFIED_REFUND_ABOVE_FEN
GATED: dict[Skill, frozenset[Role]] = {
    Skill.INSPECTION: INSPECTION_GATED,
    Skill.REFUND: REFUND_GATED,
}


@dataclass(frozen=True, slots=True)
class Lesson:
    skill: Skill
    title: Text
    body: Text
    example: Question  # a live case from the rules in force
    key: str = ""  # "skill:generator" (domain/training_stale.py: what it teaches)


def lessons(skill: Skill, policy: PolicyVersion, today: date, money: MoneyWords) -> list[Lesson]:
    """The skill's lessons, each with a worked case computed from `policy` today (its
    amounts in the caller's money format)."""
    found = []
    for index, (name, title, body, kind) in enumerate(LESSONS):
        if name == skill.value:
            example = GENERATORS[kind](random.Random(index), policy, today, money)
            found.append(Lesson(skill, title, body, example, f"{name}:{kind}"))
    return found


def draw(
    skill: Skill, seed: int, policy: PolicyVersion, today: date, money: MoneyWords
) -> tuple[Question, ...]:
    """The attempt's questions: reproducible from (seed, policy, today); `money` only words
    the amounts, never what is asked."""
    rng = random.Random(f"{skill.value}:{seed}")
    kinds = SKILL_QUESTIONS[skill]
    return tuple(
        GENERATORS[kinds[i % len(kinds)]](rng, policy, today, money) for i in range(QUESTIONS)
    )


def new_seed(rng: random.Random) -> int:
    return rng.randrange(1, 2**31)


def passes(correct: int, total: int, pass_percent: int = PASS_PERCENT) -> bool:
    """Whole numbers only: 80 of 100 passes at 80 %, 79 of 100 does not."""
    return total > 0 and correct * 100 >= pass_percent * total


@dataclass(frozen=True, slots=True)
class Marked:
    question: Question
    given: int | None
    correct: bool


@dataclass(frozen=True, slots=True)
class Score:
    marked: tuple[Marked, ...]
    correct: int
    total: int
    percent: int
    passed: bool


def score(questions: Sequence[Question], answers: Sequence[int | None]) -> Score:
    """Mark every question against the rules' answer; missing answers are wrong."""
    if len(answers) != len(questions):
        raise DomainError(
            "answers_mismatch",
            Text("答案数量应为 {n} 个", "Give exactly {n} answers, one per question").format(
                n=len(questions)
            ),
            field="answers",
        )
    marked = tuple(Marked(q, a, a == q.answer) for q, a in zip(questions, answers, strict=True))
    correct = sum(1 for m in marked if m.correct)
    total = len(marked)
    return Score(marked, correct, total, correct * 100 // total, passes(correct, total))


class Standing(StrEnum):
    VALID = "valid"
    REFRESHER_DUE = "refresher_due"  # valid, expiring soon
    GRACE = "grace"  # expired, still lets work through: take the refresher now
    EXPIRED = "expired"  # past the grace: the gate refuses
    MISSING = "missing"

    @property
    def allows_work(self) -> bool:
        return self in (Standing.VALID, Standing.REFRESHER_DUE, Standing.GRACE)

    @property
    def refresher_due(self) -> bool:
        return self in (Standing.REFRESHER_DUE, Standing.GRACE, Standing.EXPIRED)


@dataclass(frozen=True, slots=True)
class Certificate:
    username: str
    skill: Skill
    granted_at: datetime
    expires_at: datetime
    attempt_id: int | None = None
    waived_by: str | None = None
    reason: str = ""

    def standing(self, now: datetime) -> Standing:
        if now < self.expires_at - timedelta(days=REFRESHER_DAYS):
            return Standing.VALID
        if now < self.expires_at:
            return Standing.REFRESHER_DUE
        if now < self.expires_at + timedelta(days=GRACE_DAYS):
            return Standing.GRACE
        return Standing.EXPIRED


def standing_of(certificates: Sequence[Certificate], now: datetime) -> Standing:
    """A person's standing in one skill: the best of their certificates."""
    order = list(Standing)
    best = Standing.MISSING
    for certificate in certificates:
        found = certificate.standing(now)
        if order.index(found) < order.index(best):
            best = found
    return best


def certify(
    username: str, skill: Skill, attempt_id: int, now: datetime, validity_days: int = VALIDITY_DAYS
) -> Certificate:
    return Certificate(username, skill, now, now + timedelta(days=validity_days), attempt_id)


def waive(
    username: str, skill: Skill, by: str, reason: str, now: datetime, days: int = WAIVER_DAYS
) -> Certificate:
    """An administrator's waiver: audited by name and reason, never without one."""
    if len(reason.strip()) < 5:
        raise DomainError(
            "waiver_reason_required",
            Text("豁免须写明原因（至少 5 个字）", "A waiver needs a reason (5 characters or more)"),
            field="reason",
        )
    return Certificate(username, skill, now, now + timedelta(days=days), None, by, reason.strip())


def certificate_required(skill: Skill) -> Forbidden:
    """403 with its own code: the page and the API say which course to take."""
    return Forbidden(
        "certificate_required",
        Text(
            "需要有效的“{zh}”证书才能进行此操作：请在“培训”页完成“{zh}”课程的测验（/staff/training）",
            "This needs a valid “{en}” certificate: take the {en} course's check on the "
            "Training page (/staff/training)",
        ).format(zh=skill.label.zh, en=skill.label.en),
        field="certificate",
    )


def person_of(actor: str) -> tuple[Role | None, str]:
    """An actor string ("warehouse:zhang.wei") as role and username."""
    role, _, username = actor.partition(":")
    try:
        return Role(role), username
    except ValueError:
        return None, actor
