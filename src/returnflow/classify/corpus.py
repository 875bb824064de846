"""The labelled set the classifier starts from: complaints written for it, in Chinese and English.

`data/complaints.jsonl` holds one complaint a line: `text`, `category`, `urgency` and
`lang` (zh|en). The texts were written for ReturnFlow from the complaint types of the
seed manuals (000 ch.4, 001 ch.4): product quality, logistics, service attitude,
payment/refund, account, customer error, order information error, other. Urgent ones
are safety hazards, money taken twice or without an order, a stolen account, leaked
personal data, scams in the platform's name, threats to go to the regulator or the press.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from returnflow.services.classifying import LabelledText

# the values of domain/complaints.py Category and Urgency (tests/classify checks they agree)
CATEGORIES = (
    "product_quality",
    "logistics",
    "service_attitude",
    "payment_refund",
    "account",
    "customer_error",
    "order_info_error",
    "other",
)
URGENCIES = ("urgent", "ordinary")
DATA_FILE = "complaints.jsonl"


@cache
def labelled_set() -> tuple[LabelledText, ...]:
    """Every example of the package's labelled set, in file order (read once a process)."""
    source = resources.files("returnflow.classify") / "data" / DATA_FILE
    examples = []
    for line in source.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            examples.append(LabelledText(row["text"], row["category"], row["urgency"]))
    return tuple(examples)


def usable(example: LabelledText) -> bool:
    """An example the model can learn from: some words and labels it knows."""
    return bool(example.text.strip()) and (
        example.category in CATEGORIES and example.urgency in URGENCIES
    )
