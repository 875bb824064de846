"""The incidents console (issue 14, R13.1): a manager starts a drill and works it in pages."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.storage.schema import UserRow
from tests.test_console_pages import csrf_from, sign_in

EN = {"Accept-Language": "en"}


@pytest.fixture
def manager(context: AppContext, tokens: Callable[..., str]) -> Iterator[TestClient]:
    tokens(Role.MANAGER, username="zhang.wei")
    with sign_in(context, "zhang.wei") as browser:
        browser.follow_redirects = False
        yield browser


def _drill(manager: TestClient) -> str:
    page = manager.get("/staff/incidents")
    assert page.status_code == 200 and 'data-empty="incidents"' in page.text
    started = manager.post(
        "/staff/incidents/drills",
        data={"csrf_token": csrf_from(page.text), "kind": "backlog", "severity": "critical"},
    )
    assert started.status_code == 303
    return str(started.headers["location"])


def test_a_drill_is_started_and_worked_in_chinese(manager: TestClient) -> None:
    url = _drill(manager)
    page = manager.get(url).text
    assert "演练" in page and "待收货/待质检积压异常处置预案" in page
    assert 'data-field="drill"' in page and "处置步骤" in page and "紧急" in page
    csrf = csrf_from(page)
    action = url + "/actions"
    assert (
        manager.post(action, data={"csrf_token": csrf, "action": "acknowledge"}).status_code == 303
    )
    assert (
        manager.post(action, data={"csrf_token": csrf, "action": "step", "step": "1"}).status_code
        == 303
    )
    page = manager.get(url).text
    assert 'data-step="1"' in page and re.search(r'<li data-done data-step="1">', page)
    assert "已响应" in page and "zhang.wei" in page
    refused = manager.post(action, data={"csrf_token": csrf, "action": "close", "text": "复盘"})
    assert refused.status_code == 409 and "不能执行此操作" in refused.text
    listing = manager.get("/staff/incidents").text
    assert 'data-kpi="drills"><b>1</b>' in listing and 'data-severity="critical"' in listing


def test_the_pages_speak_english(manager: TestClient) -> None:
    url = _drill(manager)
    page = manager.get(url, headers=EN).text
    assert (
        "Planned response" in page and "Drill: Backlog to receive or inspect response plan" in page
    )
    assert "处置步骤" not in page
    monitors = manager.get("/staff/monitors", headers=EN).text
    assert (
        "Return rate" in monitors
        and "Per category" in monitors
        and "Not evaluated yet." in monitors
    )
    books = manager.get("/staff/playbooks", headers=EN).text
    assert "Carrier exception rate response plan" in books and "Review: causes" in books


def test_thresholds_and_playbooks_edited_in_pages(manager: TestClient) -> None:
    page = manager.get("/staff/monitors").text
    monitor_id = re.search(r'data-monitor="(\d+)"', page)
    assert monitor_id
    csrf = csrf_from(page)
    form = {
        "csrf_token": csrf,
        "factor": "3",
        "k_sd": "2",
        "min_volume": "40",
        "severity": "low",
        "enabled": "yes",
    }
    saved = manager.post(f"/staff/monitors/{monitor_id.group(1)}", data=form)
    assert saved.status_code == 303
    assert (
        'name="min_volume" min="1" max="1000000" step="1" value="40"'
        in manager.get("/staff/monitors").text
    )
    bad = manager.post(f"/staff/monitors/{monitor_id.group(1)}", data={**form, "factor": "0.2"})
    assert bad.status_code == 422 and "倍数须在 1 到 100 之间" in bad.text
    steps = "联系承运商 | Call the carrier\n切换备用承运商 | Switch carriers\n"
    edit = {
        "csrf_token": csrf,
        "title_zh": "承运商故障",
        "title_en": "Carrier outage",
        "steps": steps,
    }
    assert manager.post("/staff/playbooks/carrier_exception_rate", data=edit).status_code == 303
    books = manager.get("/staff/playbooks").text
    assert "承运商故障" in books and "切换备用承运商" in books
    one_language = manager.post("/staff/playbooks/backlog", data={**edit, "steps": "只有中文"})
    assert one_language.status_code == 422 and "每行写一个步骤" in one_language.text
    evaluated = manager.post("/staff/monitors/evaluate", data={"csrf_token": csrf})
    assert evaluated.status_code == 303
    assert "在基线范围内" in manager.get("/staff/monitors").text


def test_the_menu_shows_incidents_to_managers_only(
    manager: TestClient, context: AppContext, tokens: Callable[..., str]
) -> None:
    assert 'data-menu="incidents"' in manager.get("/staff").text
    tokens(Role.AGENT, username="li.na")
    with sign_in(context, "li.na") as agent:
        assert 'data-menu="incidents"' not in agent.get("/staff").text
        assert agent.get("/staff/incidents").status_code == 403


def test_the_owner_is_chosen_from_people_and_shown_by_name(
    manager: TestClient, tokens: Callable[..., str], context: AppContext
) -> None:
    tokens(Role.ADMIN, username="li.ming")
    tokens(Role.AGENT, username="chen.yu")  # cannot handle incidents: not offered
    with context.uow() as uow:
        uow.session.execute(
            update(UserRow).where(UserRow.username == "li.ming").values(display_name="李明")
        )
        uow.commit(context.clock())
    url = _drill(manager)
    page = manager.get(url).text
    offered = re.findall(r'<option value="([a-z.]+)"', page)
    assert "li.ming" in offered and "zhang.wei" in offered and "chen.yu" not in offered
    assigned = manager.post(
        url + "/actions",
        data={"csrf_token": csrf_from(page), "action": "assign", "owner": "li.ming"},
    )
    assert assigned.status_code == 303
    page = manager.get(url).text
    assert 'data-field="owner">负责人: <b>李明</b>' in page
    assert '<option value="li.ming" selected>李明 (li.ming)</option>' in page
    assert "负责人: 李明" in manager.get("/staff/incidents").text
