"""The complaint classifier (issue 12, R8.1): an outside system beside notify/ and payments/.

Services see only `services/classifying.py`'s `ComplaintClassifier`; this package is the
one real implementation: a TF-IDF over character n-grams (Chinese needs no tokenizer,
English words fall into their letter runs) and two logistic regressions, one for the
category and one for the urgency, trained on the labelled set in `data/complaints.jsonl`
plus the corrections agents make. `evaluation.py` measures it; `returnflow complaints
evaluate` prints the per-class precision and recall.
"""

from __future__ import annotations

from returnflow.classify.corpus import CATEGORIES, URGENCIES, labelled_set
from returnflow.classify.model import LearnedClassifier, TextModel, train

__all__ = ["CATEGORIES", "URGENCIES", "LearnedClassifier", "TextModel", "labelled_set", "train"]
