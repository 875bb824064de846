"""The training page after a policy change (issue 17): the lesson to re-read, confirming
it, the team matrix's count, and the periodic assessments' due dates."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.domain.policy import Terms
from returnflow.domain.training import Certificate, Skill
from returnflow.services import policies
from tests.support.apps import shared_app
from tests.support.staff import post_login

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def test_a_stale_lesson_on_the_page_and_in_the_team_matrix(
    context: AppContext, tokens: Callable[..., str]
) -> None:
    tokens(Role.AGENT, username="cs.page")
    tokens(Role.MANAGER, username="boss")
    now = context.clock()
    with context.uow() as uow:
        uow.training.add_certificate(
            Certificate("cs.page", Skill.REVIEW, now - timedelta(days=5), now + timedelta(days=300))
        )
        draft = policies.PolicyDraft(effective_from=now, baseline=Terms(no_reason_days=10))
        policies.publish_version(uow, draft, now, "admin:root")
        uow.commit(now)
    with TestClient(shared_app(context)) as browser:
        assert post_login(browser, "boss", "correct horse battery").status_code == 303
        team = browser.get("/staff/training/team")
        assert 'data-rereads="review:1"' in team.text and "1 节课待重新学习" in team.text
        csrf = _CSRF.search(team.text)
        assert csrf is not None
        recorded = browser.post(
            "/staff/training/assessments",
            data={"csrf_token": csrf.group(1), "username": "cs.page", "kind": "satisfaction"},
        )
        assert recorded.status_code == 200 and "考核已记录" in recorded.text
    with TestClient(shared_app(context)) as browser:
        assert post_login(browser, "cs.page", "correct horse battery").status_code == 303
        page = browser.get("/staff/training", headers={"Accept-Language": "en"})
        assert 'data-reread="review:no_reason_last_day"' in page.text
        assert "changed what it teaches" in page.text
        assert 'data-assessment="practical:scheduled"' in page.text
        assert "Due on 2026-12-31" in page.text  # a new account: the whole next month
        assert 'data-assessment="satisfaction:scheduled"' in page.text
        assert "Due on 2027-06-30" in page.text  # recorded above this half: the next one
        csrf = _CSRF.search(page.text)
        assert csrf is not None
        done = browser.post(
            "/staff/training/rereads",
            data={"csrf_token": csrf.group(1), "lesson": "review:no_reason_last_day"},
        )
        assert done.status_code == 200 and "data-reread=" not in done.text
        again = browser.post(
            "/staff/training/rereads",
            data={"csrf_token": csrf.group(1), "lesson": "review:no_reason_last_day"},
        )
        assert again.status_code == 404
