"""Filing a complaint once per form or per Idempotency-Key, however often it is sent.

A double click on the hotline or portal form, or an app retrying after a timeout,
sends the same filing twice. The form carries a one-time submission name (the API an
`Idempotency-Key`): the first filing keeps its complaint number under that name
(services/idempotency.py), a second send gets that complaint back and files nothing,
and the same name with other words is refused. Concurrent twins wait on the claimed
name (PostgreSQL's unique key, SQLite's single writer), then find it taken.

The classifier is asked first (`asked_first`), before the unit of work sends its first
statement: a classifier that trains on its first use reads the stored corrections in
a transaction of its own, which on SQLite would wait for this one's write lock.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from returnflow.domain.text import Text
from returnflow.services import idempotency
from returnflow.services.classifying import ComplaintClassifier, LabelledText, Suggestion
from returnflow.services.complaints import (
    MAX_TEXT,
    ComplaintFiling,
    ComplaintRules,
    file_complaint,
)
from returnflow.services.errors import Conflict
from returnflow.services.unit_of_work import UnitOfWork

FORM_SCOPE = "complaints.form"  # the hotline's and the portal's one-time submission names
API_SCOPE = "complaints.create"  # POST /api/v1/complaints with an Idempotency-Key


@dataclass(frozen=True, slots=True)
class Answered:
    """A classifier that already answered: its suggestion, whatever it is asked again."""

    suggestion: Suggestion

    def suggest(self, text: str) -> Suggestion:
        return self.suggestion

    def learn(self, corrections: Iterable[LabelledText]) -> None:
        pass


def asked_first(classifier: ComplaintClassifier, text: str) -> ComplaintClassifier:
    """The classifier's suggestion for `text`, asked now (before any unit of work)."""
    return Answered(classifier.suggest(text[:MAX_TEXT]))


def digest(filing: ComplaintFiling) -> str:
    """What a retry must repeat exactly to get the first answer back."""
    return hashlib.sha256(repr(filing).encode()).hexdigest()


def api_key(actor: str, key: str) -> str:
    """An Idempotency-Key is the caller's own: two callers' equal keys never meet."""
    return hashlib.sha256(f"{actor}\n{key}".encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class FiledOnce:
    """The complaint a form filed; `again` when this was a second send of the same form."""

    complaint_no: str
    again: bool


def form_already_used(complaint_no: str) -> Conflict:
    return Conflict(
        "complaint_form_used",
        Text(
            "这张表单已用于提交投诉 {no}，请重新打开表单",
            "This form already filed complaint {no}: open a fresh form",
        ).format(no=complaint_no),
    )


def file_once(
    uow: UnitOfWork,
    filing: ComplaintFiling,
    submission: str,
    actor: str,
    now: datetime,
    classifier: ComplaintClassifier,
    rules: ComplaintRules,
) -> FiledOnce:
    """File under the form's one-time `submission` name (empty: no guard, always files).

    The caller makes the name its own (the agent's or the customer's id before it) and
    asks the classifier first (`asked_first`).
    """
    if not submission:
        filed = file_complaint(uow, filing, actor, now, classifier, rules)
        return FiledOnce(filed.complaint_no, again=False)
    hashed = digest(filing)
    earlier = idempotency.stored(uow, FORM_SCOPE, submission)
    if earlier is not None and earlier.body is not None:
        first = str(earlier.body["complaint_no"])
        if earlier.request_hash != hashed:
            raise form_already_used(first)
        return FiledOnce(first, again=True)

    def work() -> tuple[int, dict[str, Any]]:
        filed = file_complaint(uow, filing, actor, now, classifier, rules)
        return 201, {"complaint_no": filed.complaint_no}

    answer = idempotency.once(uow, FORM_SCOPE, submission, hashed, now, work)
    return FiledOnce(str(answer.body["complaint_no"]), again=answer.replayed)
