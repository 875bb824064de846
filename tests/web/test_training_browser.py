"""Issue 17's "Done when", tried as a new warehouse hire would in a browser: with the
certification gates on, the first inspection is refused and the desk sends them to the
inspection course; they pass its check; the same inspection then goes through.

The check's right answers are drawn again from the attempt's stored seed by the engine
(`domain/training.draw`), as the server scores them: the page never carries them.
Screenshots: artifacts/training/ (not committed).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.domain.policy import DEFAULT_POLICY
from returnflow.domain.training import Skill, draw
from returnflow.notify.money_words import money_words
from returnflow.storage.schema.training import TrainingAttemptRow
from tests.test_finance_pages import received

SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "training"
PASSWORD = "correct horse battery"


@pytest.fixture
def context(context: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppContext:
    """The gates as they ship: on (the suite's conftest turns them off for other tests;
    the services read them per call through `TrainingRules.configured`)."""
    monkeypatch.setenv("RETURNFLOW_CERTIFICATION_GATES", "on")
    settings = context.settings.model_copy(update={"upload_dir": str(tmp_path / "uploads")})
    return dataclasses.replace(context, settings=settings)


def _inspect(tab: Page, base: str, rma: str) -> None:
    tab.goto(f"{base}/staff/warehouse/returns/{rma}/inspect")
    tab.locator("select[name=grade]").select_option("A")
    tab.click("#inspect-form button.primary[type=submit]")


def _answer_the_check(tab: Page, context: AppContext) -> None:
    """Pick the engine's answer to each question shown (by the attempt's stored seed)."""
    attempt = int(tab.locator("[data-page=training-check]").get_attribute("data-attempt") or 0)
    with context.session_factory() as session:
        row = session.scalars(
            select(TrainingAttemptRow).where(TrainingAttemptRow.id == attempt)
        ).one()
    questions = draw(Skill.INSPECTION, row.seed, DEFAULT_POLICY, row.drawn_on, money_words)
    for number, question in enumerate(questions, start=1):
        tab.check(f"input[name=q{number}][value='{question.answer}']")


def test_a_new_inspector_is_sent_to_the_course_passes_it_and_inspects(
    browser: Browser,
    live_server: str,
    client: TestClient,
    context: AppContext,
    tokens: Callable[..., str],
    order_payload: Callable[..., dict[str, Any]],
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    rma = received(client, order_payload)
    tokens(Role.WAREHOUSE, username="xin.ren")
    profile = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    tab = profile.new_page()
    tab.goto(live_server + "/staff/login")
    tab.fill("input[name=username]", "xin.ren")
    tab.fill("input[name=password]", PASSWORD)
    tab.press("input[name=password]", "Enter")
    expect(tab).to_have_url(live_server + "/staff")

    _inspect(tab, live_server, rma)  # not certified: the desk sends them to the course
    expect(tab).to_have_url(live_server + "/staff/training?needed=inspection")
    expect(tab.locator("main")).to_contain_text("验收前需要取得“退货检验”证书")
    course = tab.locator("[data-skill=inspection]")
    expect(course).to_have_attribute("data-standing", "missing")
    tab.screenshot(path=str(SHOTS / "sent-to-the-course-zh.png"), full_page=True)

    course.locator("button[type=submit]").click()
    expect(tab.locator("[data-page=training-check] fieldset")).to_have_count(5)
    _answer_the_check(tab, context)
    tab.screenshot(path=str(SHOTS / "check-zh.png"), full_page=True)
    tab.click("[data-page=training-check] button[type=submit]")
    result = tab.locator("[data-page=training-result]")
    expect(result).to_have_attribute("data-passed", "yes")
    expect(result).to_contain_text("证书有效期至")
    tab.screenshot(path=str(SHOTS / "passed-zh.png"), full_page=True)
    tab.goto(live_server + "/staff/training?lang=en")  # their courses, now in English
    expect(course).to_have_attribute("data-standing", "valid")
    expect(tab.locator("[data-page=training] h1")).to_have_text("Training")

    _inspect(tab, live_server, rma)  # certified: the inspection is recorded
    expect(tab).to_have_url(f"{live_server}/staff/warehouse/returns/{rma}/inspect?done=1")
    expect(tab.locator("#next-step")).to_have_attribute("data-kept", "true")
    tab.screenshot(path=str(SHOTS / "inspected-en.png"), full_page=True)
    profile.close()
