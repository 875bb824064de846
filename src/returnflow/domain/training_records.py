"""Skill records (issue 17, R16.8, R12.2): practical figures observed on real work, and
rewards and corrective actions with their reasons.

An inspection has two accuracy signals: whether an appeal later overturned it, and,
where a second inspector graded the goods again blind (`training_grades.py`), whether
the grades match. A reviewer's signal is the appeals against their rejections.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from returnflow.domain.text import DomainError, Text

MIN_REASON = 5
MAX_REASON = 500


class RecognitionKind(StrEnum):
    REWARD = "reward"
    CORRECTIVE = "corrective"

    @property
    def label(self) -> Text:
        return _LABELS[self]


_LABELS = {
    RecognitionKind.REWARD: Text("奖励", "Reward"),
    RecognitionKind.CORRECTIVE: Text("纠正措施", "Corrective action"),
}


@dataclass(frozen=True, slots=True)
class Recognition:
    username: str
    kind: RecognitionKind
    reason: str
    on: date  # the day it applies to
    recorded_by: str
    recorded_at: datetime


def recognition(
    username: str, kind: RecognitionKind, reason: str, on: date, actor: str, now: datetime
) -> Recognition:
    """A reward or corrective action; the reason says why (5 to 500 characters)."""
    reason = reason.strip()
    if not MIN_REASON <= len(reason) <= MAX_REASON:
        raise DomainError(
            "reason_required",
            Text("请写明原因（5 到 500 个字）", "Give the reason (5 to 500 characters)"),
            field="reason",
        )
    return Recognition(username, kind, reason, on, actor, now)


@dataclass(frozen=True, slots=True)
class Practice:
    """A person's work in a period, and how much of it an appeal later overturned."""

    username: str
    since: date
    until: date  # exclusive
    inspections: int
    inspections_overturned: int
    decisions: int  # approvals and rejections made as a reviewer
    decisions_overturned: int
    second_graded: int = 0  # inspections a second inspector graded again (blind)
    second_matched: int = 0  # of which the second grade matched

    @property
    def inspection_accuracy(self) -> int | None:
        """Percent of inspections standing (not overturned on appeal); None if none."""
        return _share(self.inspections - self.inspections_overturned, self.inspections)

    @property
    def grade_accuracy(self) -> int | None:
        """Percent of re-graded inspections whose second grade matched; None if none."""
        return _share(self.second_matched, self.second_graded)

    @property
    def decisions_standing(self) -> int | None:
        return _share(self.decisions - self.decisions_overturned, self.decisions)

    def note(self) -> str:
        """The figures as the practical assessment's note (kept in both languages)."""
        parts = [f"{self.since.isoformat()}..{self.until.isoformat()}"]
        if self.inspections:
            parts.append(
                f"验收 inspections {self.inspections}, 申诉改判 overturned "
                f"{self.inspections_overturned}, 准确率 accuracy {self.inspection_accuracy}%"
            )
        if self.second_graded:
            parts.append(
                f"复核 second grades {self.second_graded}, 一致 matched {self.second_matched}, "
                f"评级准确率 grade accuracy {self.grade_accuracy}%"
            )
        if self.decisions:
            parts.append(
                f"审核 decisions {self.decisions}, 申诉改判 overturned "
                f"{self.decisions_overturned}, 维持率 standing {self.decisions_standing}%"
            )
        return "; ".join(parts)


def _share(part: int, whole: int) -> int | None:
    return None if whole <= 0 else round(100 * part / whole)


def month_bounds(month: date) -> tuple[date, date]:
    """The first day of `month`'s month and of the next one."""
    first = month.replace(day=1)
    following = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return first, following
