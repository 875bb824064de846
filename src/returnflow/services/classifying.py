"""What the complaint services need of a classifier (issue 12, R8.1).

The model itself (scikit-learn, trained on a labelled set written for this and on
agents' corrections) lives in `returnflow/classify/`; services see only this
interface, so their tests pass a fixed stand-in and the domain stays plain Python.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Suggestion:
    """The classifier's best guess: a category and an urgency, each with a confidence."""

    category: str  # a domain/complaints.py Category value
    category_confidence: float  # 0..1
    urgency: str  # "urgent" | "ordinary"
    urgency_confidence: float


@dataclass(frozen=True, slots=True)
class LabelledText:
    """One training example: a complaint's words and the labels a person gave them."""

    text: str
    category: str
    urgency: str


class ComplaintClassifier(Protocol):
    def suggest(self, text: str) -> Suggestion: ...

    def learn(self, corrections: Iterable[LabelledText]) -> None:
        """Retrain with agents' corrections added to the labelled set."""
        ...
