"""`context.complaint_classifier`: built on first use, learning from the corrections stored."""

from __future__ import annotations

from returnflow.app_context import AppContext
from returnflow.classify.model import base_model
from returnflow.services import complaints
from returnflow.services.classifying import LabelledText, Suggestion
from returnflow.services.complaints import ComplaintFiling, ComplaintRules

ODD = "zorblax quux frobnicate"


class Unsure:
    def suggest(self, text: str) -> Suggestion:
        return Suggestion("other", 0.2, "ordinary", 0.6)

    def learn(self, corrections: object) -> None:
        raise AssertionError("not asked to learn")


def test_before_any_complaint_it_suggests_from_the_labelled_set(context: AppContext) -> None:
    classifier = context.complaint_classifier
    assert context.complaint_classifier is classifier  # one per process
    assert classifier.suggest("退款还没有到账").category == "payment_refund"


def test_it_learns_the_corrections_agents_made(context: AppContext) -> None:
    rules, now = ComplaintRules(), context.clock()
    for n in range(10):
        with context.uow() as uow:
            filing = ComplaintFiling(channel="hotline", text=f"{ODD} {n}")
            filed = complaints.file_complaint(uow, filing, "agent:li", now, Unsure(), rules)
            complaints.classify(
                uow, filed.complaint_no, "account", "urgent", "agent:li", now, rules=rules
            )
            uow.commit(now)
    with context.uow() as uow:
        stored = complaints.training_corrections(uow)
    assert LabelledText(f"{ODD} 3", "account", "urgent") in stored

    assert base_model().suggest(ODD).category != "account"
    suggestion = context.complaint_classifier.suggest(ODD)
    assert (suggestion.category, suggestion.urgency) == ("account", "urgent")
