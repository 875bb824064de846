"""The model: right on clear zh/en complaints, deterministic, and it learns corrections."""

from __future__ import annotations

import time

import pytest

from returnflow.classify import LearnedClassifier, TextModel, labelled_set, train
from returnflow.classify.model import base_model
from returnflow.services.classifying import LabelledText


@pytest.fixture(scope="module")
def model() -> TextModel:
    return base_model()


@pytest.mark.parametrize(
    ("text", "category", "urgency"),
    [
        ("充电宝充电的时候冒烟了，还有焦味，差点着火！", "product_quality", "urgent"),
        ("同一个订单被扣了两次钱，银行卡有两笔扣款。", "payment_refund", "urgent"),
        ("物流五天没有更新了，包裹到底在哪里？", "logistics", "ordinary"),
        ("客服回复太慢，留言三天都没人理我。", "service_attitude", "ordinary"),
        (
            "Someone hacked my account and changed my password, my saved card is on it!",
            "account",
            "urgent",
        ),
        ("The tracking has not moved for a week, where is my parcel?", "logistics", "ordinary"),
        ("I ordered the wrong size by mistake, can I swap it?", "customer_error", "ordinary"),
        (
            "The headphones stopped working after two days, the left side is silent.",
            "product_quality",
            "ordinary",
        ),
    ],
)
def test_clear_complaints_in_either_language(
    model: TextModel, text: str, category: str, urgency: str
) -> None:
    suggestion = model.suggest(text)
    assert (suggestion.category, suggestion.urgency) == (category, urgency)
    assert 1 / 8 < suggestion.category_confidence <= 1
    assert 0.5 <= suggestion.urgency_confidence <= 1


def test_training_is_deterministic_and_quick() -> None:
    models, took = [], []
    for _ in range(2):
        started = time.perf_counter()
        models.append(train(labelled_set()))
        took.append(time.perf_counter() - started)
    text = "退款一直没有到账 refund still missing"
    assert models[0].suggest(text) == models[1].suggest(text)
    assert min(took) < 1.0  # about 0.15 s on the 2-core machine; the better of two runs


def test_learn_adds_the_agents_corrections() -> None:
    strange = "zorblax widget quux"
    classifier = LearnedClassifier()
    before = classifier.suggest(strange)
    target = "account" if before.category != "account" else "other"
    taught = [LabelledText(f"{strange} {n}", target, "urgent") for n in range(12)]
    classifier.learn(taught)
    after = classifier.suggest(strange)
    assert (after.category, after.urgency) == (target, "urgent")


def test_corrections_are_read_once_when_built_and_bad_ones_left_out() -> None:
    reads: list[int] = []

    def stored() -> list[LabelledText]:
        reads.append(1)
        return [
            LabelledText("whatever", "no_such_category", "urgent"),
            LabelledText(" ", "other", "ordinary"),
        ]

    classifier = LearnedClassifier(stored)
    assert reads == [1]  # read at once, outside the caller's coming transaction
    classifier.suggest("a")
    classifier.suggest("b")
    assert reads == [1]
    assert classifier.model() is base_model()  # nothing usable: the shared model


def test_unreadable_corrections_leave_the_labelled_set() -> None:
    def broken() -> list[LabelledText]:
        raise RuntimeError("no such table: complaint_labels")

    suggestion = LearnedClassifier(broken).suggest("The parcel never arrived")
    assert suggestion.category == "logistics"
