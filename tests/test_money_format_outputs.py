"""One money format (and codes in words) in what is not a page (issue 16).

Pages are crawled by tests/test_no_raw_codes.py; the same detector
(`tests/support/raw_codes.py`, its "money" findings: "947.7 CNY", "CNY 12.34", "¥500.0",
"¥1,026.00" on an English page …) reads here what else a person is shown an amount in:
the training checks' questions, lessons and explanations, the periodic report's PDFs
(text taken out with pdftotext) and the evidence bundle's PDF summary. Each test also
finds the amount in Babel's form (`notify/money_words.money_text`), so it cannot pass on
a file that shows no money at all.
"""

from __future__ import annotations

import html
import json
import random
import subprocess
import zipfile
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from returnflow.app_context import AppContext
from returnflow.domain.money import Money
from returnflow.domain.policy import DEFAULT_POLICY
from returnflow.domain.text import Text
from returnflow.domain.training import Skill, draw, lessons
from returnflow.domain.training_questions import refund_amount
from returnflow.notify.money_words import money_text, money_words
from returnflow.services import reports
from returnflow.services.training import choice_text
from tests.api.test_evidence import evidence_bundle
from tests.support.clock import FakeClock
from tests.support.raw_codes import findings
from tests.support.records import refunded_return
from tests.test_periodic_reports import WEEK, _prepare

TODAY = date(2026, 12, 7)
# the files do not depend on the database: PostgreSQL only, to keep CI short
ONE_DATABASE = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def hand_made_money(lines: Iterable[str], language: str) -> list[str]:
    """The detector's money findings in plain text (each line read as a page's line)."""
    found = []
    for line in lines:
        found += [str(f) for f in findings(html.escape(line), language) if f.kind == "money"]
    return found


def pdf_text(content: bytes, folder: Path) -> str:
    path = folder / "file.pdf"
    path.write_bytes(content)
    run = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        check=True,
        timeout=60,
    )
    return run.stdout.decode("utf-8")


def _data_words(bundle: zipfile.ZipFile) -> list[str]:
    """The order's own words (titles, the carrier's name): data, not codes."""
    order = json.loads(bundle.read("request.json"))["order"]
    timeline = json.loads(bundle.read("timeline.json"))
    titles = [str(line.get("title", "")) for line in order.get("lines", [])]
    return [*titles, *(str(e["note"]) for e in timeline if e["action"] == "ship")]


def test_the_detector_catches_what_the_outputs_used_to_show() -> None:
    """The shapes these outputs had before issue 16, and Babel's forms, which pass."""
    assert hand_made_money(["单价 ¥12.50 × 2 件"], "zh") == []
    assert hand_made_money(["One order line: 2 × 12.50 CNY"], "en")
    assert hand_made_money(["3 × CNY 12.50 = CNY 25.00"], "en")  # the evidence PDF's
    assert hand_made_money(["Refunded ¥1,234.00"], "en")  # the report PDF's English
    assert hand_made_money(["rose to CN¥15.00"], "zh")
    assert hand_made_money([money_text(Money(123_456), "en")], "en") == []
    assert hand_made_money([money_text(Money(-8_400), "zh")], "zh") == []


def _training_words() -> Iterable[tuple[str, str]]:
    for skill in Skill:
        for seed in range(12):
            for q in draw(skill, seed, DEFAULT_POLICY, TODAY, money_words):
                for language in ("zh", "en"):
                    shown = [q.prompt, q.explanation]
                    yield from ((t.in_language(language), language) for t in shown)
                    yield from ((choice_text(c, language), language) for c in q.choices)
        for lesson in lessons(skill, DEFAULT_POLICY, TODAY, money_words):
            for language in ("zh", "en"):
                example = lesson.example
                yield from (
                    (t.in_language(language), language)
                    for t in (lesson.body, example.prompt, example.explanation)
                )


def test_training_questions_show_amounts_in_the_one_format() -> None:
    said = list(_training_words())
    for language in ("zh", "en"):
        lines = [text for text, lang in said if lang == language]
        assert hand_made_money(lines, language) == [], language
        assert not [line for line in lines if "{" in line], "a placeholder left unfilled"
    question = refund_amount(random.Random(11), DEFAULT_POLICY, TODAY, money_words)
    right = question.choices[question.answer]
    assert isinstance(right, Money)
    for language in ("zh", "en"):
        # the answer the calculator computed, in Babel's form, in the explanation
        assert money_text(right, language) in question.explanation.in_language(language)
        assert hand_made_money([question.prompt.in_language(language)], language) == []
    assert "CN¥" in question.prompt.en and "¥" in question.prompt.zh
    assert "CN¥" not in question.prompt.zh


def test_the_answers_do_not_depend_on_the_money_format() -> None:
    """What is asked and which choice is right stay the engine's: the format only words."""

    def plain(amount: Money) -> Text:
        return Text(f"<{amount.cents}>", f"<{amount.cents}>")

    for skill in Skill:
        babel = draw(skill, 99, DEFAULT_POLICY, TODAY, money_words)
        other = draw(skill, 99, DEFAULT_POLICY, TODAY, plain)
        assert [(q.kind, q.choices, q.answer) for q in babel] == [
            (q.kind, q.choices, q.answer) for q in other
        ]


@ONE_DATABASE
def test_the_periodic_report_pdfs_show_babel_money(
    context: AppContext, tokens: object, tmp_path: Path
) -> None:
    _prepare(context, tokens)
    now = context.clock()
    with context.uow() as uow:
        made = reports.produce(uow, WEEK, "test", now)
        uow.commit(now)
    with context.uow() as uow:
        zh = pdf_text(reports.download(uow, made.report_id, "pdf", "zh").content, tmp_path)
        en = pdf_text(reports.download(uow, made.report_id, "pdf", "en").content, tmp_path)
    assert hand_made_money(zh.splitlines(), "zh") == []
    assert hand_made_money(en.splitlines(), "en") == []
    assert "CN¥" in en and "¥" in zh and "CN¥" not in zh


OrderPayload = Callable[..., dict[str, Any]]


@ONE_DATABASE
def test_the_evidence_summary_shows_babel_money(
    client: TestClient,
    context: AppContext,
    clock: FakeClock,
    tmp_path: Path,
    order_payload: OrderPayload,
) -> None:
    rma = refunded_return(client, context, clock, tmp_path, order_payload())
    for language in ("en", "zh-CN"):
        bundle = evidence_bundle(client, rma, **{"Accept-Language": language})
        refund = json.loads(bundle.read("refund.json"))
        text = pdf_text(bundle.read("summary.pdf"), tmp_path)
        lang = language[:2]
        assert hand_made_money(text.splitlines(), lang) == [], lang
        # and no code: statuses, actions, reasons, outcomes, actors in words (code_words)
        data = [str(refund["idempotency_key"]), *_data_words(bundle)]
        raw = [
            str(f) for line in text.splitlines() for f in findings(html.escape(line), lang, data)
        ]
        assert raw == [], lang
        # the refund, its line and its audit note in the timeline: Babel's form each time
        paid = money_text(Money(int(refund["amount"]), str(refund["currency"])), lang)
        assert text.count(paid) >= 3, (paid, text)
