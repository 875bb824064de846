"""The labelled set: every category in both languages, urgent cases, labels the domain knows."""

from __future__ import annotations

import json
from collections import Counter
from importlib import resources

from returnflow.classify import CATEGORIES, URGENCIES, labelled_set
from returnflow.domain.complaints import Category, Urgency


def _rows() -> list[dict[str, str]]:
    source = resources.files("returnflow.classify") / "data" / "complaints.jsonl"
    return [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines()]


def test_the_labels_are_the_domains() -> None:
    assert set(CATEGORIES) == {category.value for category in Category}
    assert set(URGENCIES) == {urgency.value for urgency in Urgency}


def test_each_category_has_forty_examples_or_more_in_both_languages() -> None:
    rows = _rows()
    assert len(rows) == len(labelled_set())
    per_category = Counter(row["category"] for row in rows)
    assert set(per_category) == set(CATEGORIES)
    assert min(per_category.values()) >= 40
    for category in CATEGORIES:
        languages = Counter(row["lang"] for row in rows if row["category"] == category)
        assert languages["zh"] >= 20 and languages["en"] >= 20, category


def test_urgent_complaints_are_there_and_no_text_twice() -> None:
    rows = _rows()
    urgent = [row for row in rows if row["urgency"] == "urgent"]
    assert len(urgent) >= 60
    assert {row["lang"] for row in urgent} == {"zh", "en"}
    texts = [row["text"] for row in rows]
    assert len(set(texts)) == len(texts)
    assert all(row["category"] in CATEGORIES and row["urgency"] in URGENCIES for row in rows)
