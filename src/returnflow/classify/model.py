"""The model: character n-gram TF-IDF and two logistic regressions, trained on demand.

Training is deterministic (a fixed solver and `random_state`) and takes well under a
second on the labelled set, so a process trains on its first suggestion rather than at
start; the model on the labelled set alone is shared by the whole process.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from sklearn.feature_extraction.text import (  # type: ignore[import-untyped]
    TfidfVectorizer,
)
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from returnflow.classify.corpus import labelled_set, usable
from returnflow.services.classifying import LabelledText, Suggestion

log = logging.getLogger("returnflow.classify")
SEED = 20261120
_DIGITS = re.compile(r"\d+")


def normalise(text: str) -> str:
    """Lower case, and every run of digits one token: order numbers say nothing of the kind."""
    return _DIGITS.sub("0", text.lower())


# An urgent complaint missed costs a 1-hour deadline; one flagged too many costs a quick
# look. Urgent examples weigh 10:1 (about 2.5 times "balanced" on the labelled set): on
# cross validation urgent recall goes from about 0.6 to about 0.8 for a little precision.
URGENCY_WEIGHTS = {"urgent": 10.0, "ordinary": 1.0}


def _regression(weights: dict[str, float] | str) -> LogisticRegression:
    return LogisticRegression(
        C=20.0, solver="newton-cg", max_iter=2000, class_weight=weights, random_state=SEED
    )


@dataclass(frozen=True)
class TextModel:
    """One fitted vectorizer and the two regressions on its features."""

    vectorizer: TfidfVectorizer
    category: LogisticRegression
    urgency: LogisticRegression

    def suggest(self, text: str) -> Suggestion:
        features = self.vectorizer.transform([text])
        category, category_confidence = _best(self.category, features)
        urgency, urgency_confidence = _best(self.urgency, features)
        return Suggestion(category, category_confidence, urgency, urgency_confidence)

    def predict(self, texts: Sequence[str]) -> tuple[list[str], list[str]]:
        """Categories and urgencies for many texts at once (evaluation, benchmarks)."""
        features = self.vectorizer.transform(list(texts))
        categories = [str(label) for label in self.category.predict(features)]
        urgencies = [str(label) for label in self.urgency.predict(features)]
        return categories, urgencies


def _best(regression: LogisticRegression, features: object) -> tuple[str, float]:
    probabilities = regression.predict_proba(features)[0]
    index = int(probabilities.argmax())
    return str(regression.classes_[index]), round(float(probabilities[index]), 4)


def train(examples: Iterable[LabelledText]) -> TextModel:
    """Fit on these examples (those with unknown labels or no words are left out)."""
    kept = [example for example in examples if usable(example)]
    texts = [example.text for example in kept]
    vectorizer = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(1, 3), preprocessor=normalise, sublinear_tf=True
    )
    # one BLAS thread: the problem is small, and threads cost more than they give (~3x)
    with threadpool_limits(limits=1):
        features = vectorizer.fit_transform(texts)
        category = _regression("balanced").fit(features, [e.category for e in kept])
        urgency = _regression(URGENCY_WEIGHTS).fit(features, [e.urgency for e in kept])
    return TextModel(vectorizer, category, urgency)


@cache
def base_model() -> TextModel:
    """The model on the labelled set alone, trained once a process."""
    return train(labelled_set())


CorrectionSource = Callable[[], Iterable[LabelledText]]


class LearnedClassifier:
    """The `ComplaintClassifier` of a running process.

    `corrections` (the agents' corrections kept in the database) is read once, when the
    classifier is built: callers build it (`context.complaint_classifier`) before they
    open their own transaction, and on SQLite a read inside another transaction would
    wait for its write lock. Training waits for the first suggestion. `learn` retrains on
    the labelled set plus the corrections it is given and replaces the model at once.
    """

    def __init__(self, corrections: CorrectionSource | None = None) -> None:
        self._corrections = _stored(corrections)
        self._model: TextModel | None = None
        self._lock = threading.Lock()

    def suggest(self, text: str) -> Suggestion:
        return self.model().suggest(text)

    def learn(self, corrections: Iterable[LabelledText]) -> None:
        model = _with(list(corrections))
        with self._lock:
            self._model = model

    def model(self) -> TextModel:
        with self._lock:
            if self._model is None:
                self._model = _with(self._corrections)
            return self._model


def _stored(source: CorrectionSource | None) -> list[LabelledText]:
    """The corrections kept so far; none when there are none yet or they cannot be read
    (a database not migrated yet): the labelled set alone is still a good start."""
    if source is None:
        return []
    try:
        return list(source())
    except Exception:
        log.warning("complaint corrections unreadable; the labelled set alone", exc_info=True)
        return []


def _with(corrections: list[LabelledText]) -> TextModel:
    if not any(usable(example) for example in corrections):
        return base_model()
    return train([*labelled_set(), *corrections])
