"""The training page (issue 17, R16.8): courses with live examples, a check, its result."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.domain.policy import DEFAULT_POLICY
from returnflow.domain.training import Skill, draw
from returnflow.notify.money_words import money_words
from returnflow.storage.schema.training import TrainingAttemptRow
from tests.support.apps import shared_app
from tests.support.staff import post_login

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def test_a_warehouse_account_takes_the_inspection_check(
    context: AppContext, tokens: Callable[..., str]
) -> None:
    tokens(Role.WAREHOUSE, username="zhang.san")
    with TestClient(shared_app(context)) as browser:
        assert post_login(browser, "zhang.san", "correct horse battery").status_code == 303
        page = browser.get("/staff/training")
        assert page.status_code == 200 and 'data-skill="inspection"' in page.text
        assert "检验清单" in page.text and 'data-standing="missing"' in page.text  # zh default
        assert 'data-menu="training"' in page.text  # in the account menu
        sent = browser.get("/staff/training?needed=inspection")  # the inspection gate's way here
        assert "验收前需要取得“退货检验”证书" in sent.text and "验收前需要" not in page.text
        csrf = _CSRF.search(page.text)
        assert csrf is not None
        started = browser.post(
            "/staff/training/attempts",
            data={"csrf_token": csrf.group(1), "skill": "inspection"},
            follow_redirects=True,
        )
        assert 'data-page="training-check"' in started.text
        with context.session_factory() as session:
            row = session.scalars(select(TrainingAttemptRow)).one()
        right = draw(Skill.INSPECTION, row.seed, DEFAULT_POLICY, row.drawn_on, money_words)
        form = {"csrf_token": csrf.group(1)}
        for number, question in enumerate(right, start=1):
            form |= {f"present_{number}": "1", f"q{number}": str(question.answer)}
        result = browser.post(f"/staff/training/attempts/{row.id}/answers", data=form)
        assert 'data-passed="yes"' in result.text and "证书有效期至" in result.text
        english = browser.get("/staff/training", headers={"Accept-Language": "en"})
        assert (
            'data-standing="valid"' in english.text and "The checklist per category" in english.text
        )
