"""How well the classifier does on complaints it has not seen: precision and recall per class.

Two ways, both with a fixed seed: stratified k-fold cross validation (every example is
predicted once by a model that did not see it; the default, it uses all the data) and
one stratified hold-out split. Folds are stratified by category; urgency is scored on
the same out-of-fold predictions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sklearn.metrics import precision_recall_fscore_support  # type: ignore[import-untyped]
from sklearn.model_selection import (  # type: ignore[import-untyped]
    StratifiedKFold,
    train_test_split,
)

from returnflow.classify.corpus import CATEGORIES, URGENCIES, labelled_set, usable
from returnflow.classify.model import SEED, train
from returnflow.services.classifying import LabelledText


@dataclass(frozen=True, slots=True)
class ClassScore:
    label: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True, slots=True)
class Scores:
    """One target's scores (category or urgency): per class, then the macro averages."""

    target: str
    classes: tuple[ClassScore, ...]
    macro_precision: float
    macro_recall: float
    macro_f1: float
    accuracy: float


@dataclass(frozen=True, slots=True)
class Evaluation:
    method: str  # "5-fold cross validation" or "hold-out 25%"
    examples: int
    category: Scores
    urgency: Scores


def cross_validate(
    examples: Sequence[LabelledText] | None = None, folds: int = 5, seed: int = SEED
) -> Evaluation:
    data = _data(examples)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    categories = [""] * len(data)
    urgencies = [""] * len(data)
    for train_at, test_at in splitter.split(data, [example.category for example in data]):
        model = train([data[i] for i in train_at])
        found = model.predict([data[i].text for i in test_at])
        for position, category, urgency in zip(test_at, *found, strict=True):
            categories[position] = category
            urgencies[position] = urgency
    return _evaluation(f"{folds}-fold cross validation", data, categories, urgencies)


def holdout(
    examples: Sequence[LabelledText] | None = None, test_size: float = 0.25, seed: int = SEED
) -> Evaluation:
    data = _data(examples)
    learn, test = train_test_split(
        data,
        test_size=test_size,
        random_state=seed,
        stratify=[example.category for example in data],
    )
    categories, urgencies = train(learn).predict([example.text for example in test])
    return _evaluation(f"hold-out {test_size:.0%}", test, categories, urgencies)


def _data(examples: Sequence[LabelledText] | None) -> list[LabelledText]:
    return [example for example in (examples or labelled_set()) if usable(example)]


def _evaluation(
    method: str, data: Sequence[LabelledText], categories: list[str], urgencies: list[str]
) -> Evaluation:
    return Evaluation(
        method,
        len(data),
        _scores("category", CATEGORIES, [example.category for example in data], categories),
        _scores("urgency", URGENCIES, [example.urgency for example in data], urgencies),
    )


def _scores(target: str, labels: Sequence[str], truth: list[str], found: list[str]) -> Scores:
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, found, labels=list(labels), zero_division=0
    )
    classes = tuple(
        ClassScore(label, float(p), float(r), float(f), int(s))
        for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
    )
    hits = sum(1 for expected, got in zip(truth, found, strict=True) if expected == got)
    return Scores(
        target,
        classes,
        float(precision.mean()),
        float(recall.mean()),
        float(f1.mean()),
        hits / len(truth) if truth else 0.0,
    )


def table(evaluation: Evaluation) -> str:
    """The evaluation as plain text: one block per target, a row per class."""
    lines = [f"{evaluation.method} over {evaluation.examples} labelled complaints"]
    for scores in (evaluation.category, evaluation.urgency):
        lines += ["", f"{scores.target:<18} precision  recall     f1  support"]
        lines += [
            f"{row.label:<18} {row.precision:9.3f} {row.recall:7.3f} {row.f1:6.3f} {row.support:8d}"
            for row in scores.classes
        ]
        lines.append(
            f"{'macro average':<18} {scores.macro_precision:9.3f} {scores.macro_recall:7.3f} "
            f"{scores.macro_f1:6.3f} {sum(row.support for row in scores.classes):8d}"
        )
        lines.append(f"{'accuracy':<18} {scores.accuracy:24.3f}")
    return "\n".join(lines)
