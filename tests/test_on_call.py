"""The on-call rota (issue 14, R13.1) on SQLite and PostgreSQL: API, pages, who owns and hears.

Planted shifts at the edges: a shift covers its start and not its end. Two managers,
zhang.wei from +1 h to +3 h and li.ming from +2 h to +5 h; drills opened at +1 h
(zhang alone), +2 h (both: zhang, the earlier start, owns) and +5 h (nobody: managers).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.domain.staff_notices import LOCAL_ZONE
from tests.support.clock import FakeClock
from tests.test_console_pages import csrf_from, sign_in

ROTA = "/api/v1/incidents/on-call"


def _user_id(context: AppContext, username: str) -> int:
    with context.uow() as uow:
        found = uow.accounts.credentials(username)
    assert found is not None
    return found[0].user_id


def _notice(context: AppContext, key: str) -> Any:
    with context.uow() as uow:
        return uow.staff_notices.by_key(key)


@pytest.fixture
def managers(tokens: Callable[..., str], context: AppContext) -> dict[str, int]:
    for name in ("zhang.wei", "li.ming"):
        tokens(Role.MANAGER, username=name)
    tokens(Role.AGENT, username="an.agent")
    return {n: _user_id(context, n) for n in ("zhang.wei", "li.ming", "an.agent")}


def _shift(client: TestClient, user_id: int, start: datetime, hours: float) -> Any:
    body = {
        "user_id": user_id,
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=hours)).isoformat(),
    }
    return client.post(ROTA, json=body)


def _drill(client: TestClient) -> dict[str, Any]:
    made = client.post("/api/v1/incidents/drills", json={"kind": "backlog"})
    assert made.status_code == 201 or made.status_code == 200, made.text
    found = client.get(f"/api/v1/incidents/{made.json()['id']}")
    return dict(found.json())


def test_shifts_decide_owner_and_notices_at_the_edges(
    client: TestClient, context: AppContext, clock: FakeClock, managers: dict[str, int]
) -> None:
    start = clock.now
    zhang, li = managers["zhang.wei"], managers["li.ming"]
    assert _shift(client, zhang, start + timedelta(hours=1), 2).status_code == 201
    made = _shift(client, li, start.astimezone(LOCAL_ZONE) + timedelta(hours=2), 3)
    assert made.status_code == 201, made.text
    assert made.json()["starts_at"] == (start + timedelta(hours=2)).isoformat().replace(
        "+00:00", "Z"
    ) or made.json()["starts_at"].startswith((start + timedelta(hours=2)).isoformat()[:19])
    rota = client.get(ROTA).json()
    assert rota["on_call"] == [] and [s["username"] for s in rota["upcoming"]] == [
        "zhang.wei",
        "li.ming",
    ]

    clock.now = start + timedelta(hours=1)  # zhang's start: inclusive
    first = _drill(client)
    assert first["owner"] == "manager:zhang.wei"
    assert first["timeline"][-1]["actor"] == "system:on-call"
    assert _notice(context, f"incident_assigned:{first['id']}:manager:zhang.wei|user:{zhang}")
    assert _notice(context, f"incident_opened:{first['id']}|role:manager") is None
    assert _notice(context, f"incident_on_call:{first['id']}|user:{zhang}") is None  # owner

    clock.now = start + timedelta(hours=2)  # both on call: zhang started first
    second = _drill(client)
    assert second["owner"] == "manager:zhang.wei"
    assert _notice(context, f"incident_on_call:{second['id']}|user:{li}")
    assert [s["username"] for s in client.get(ROTA).json()["on_call"]] == [
        "zhang.wei",
        "li.ming",
    ]

    clock.now = start + timedelta(hours=5)  # li's end: exclusive; nobody on call
    third = _drill(client)
    assert third["owner"] == ""
    assert _notice(context, f"incident_opened:{third['id']}|role:manager")
    assert _notice(context, f"incident_on_call:{third['id']}|user:{li}") is None
    assert client.get(ROTA).json()["on_call"] == []


def test_bad_shifts_are_problems(
    client: TestClient, clock: FakeClock, managers: dict[str, int]
) -> None:
    zhang, start = managers["zhang.wei"], clock.now + timedelta(hours=1)
    cases = [
        (_shift(client, zhang, start, 0), 422, "shift_ends_before_start"),
        (_shift(client, zhang, start, 31 * 24 + 1), 422, "shift_too_long"),
        (_shift(client, zhang, start - timedelta(days=3), 2), 422, "shift_in_past"),
        (_shift(client, managers["an.agent"], start, 2), 422, "on_call_user_not_allowed"),
        (client.delete(f"{ROTA}/999"), 404, "shift_not_found"),
    ]
    for answer, status, code in cases:
        assert answer.status_code == status, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["code"] == code
    naive = client.post(
        ROTA,
        json={"user_id": zhang, "starts_at": "2026-12-01T10:00", "ends_at": "2026-12-01T12:00"},
    )
    assert naive.status_code == 422
    made = _shift(client, zhang, start, 31 * 24)
    assert made.status_code == 201
    assert client.delete(f"{ROTA}/{made.json()['id']}").status_code == 204
    assert client.get(ROTA).json()["upcoming"] == []


@pytest.fixture
def manager(context: AppContext, managers: dict[str, int]) -> Iterator[TestClient]:
    with sign_in(context, "zhang.wei") as browser:
        browser.follow_redirects = False
        yield browser


def test_the_rota_page_adds_shows_and_removes_shifts(
    manager: TestClient, clock: FakeClock, managers: dict[str, int]
) -> None:
    page = manager.get("/staff/incidents/on-call")
    assert page.status_code == 200 and 'data-on-call-now="0"' in page.text
    assert "无人值班" in page.text and 'data-empty="shifts"' in page.text
    csrf = csrf_from(page.text)
    form = {"user_id": str(managers["li.ming"]), "starts_at": "2026-11-20T09:30"}
    form |= {"ends_at": "2026-11-21T02:00", "csrf_token": csrf}  # local: 01:30 → 18:00 UTC
    added = manager.post("/staff/incidents/on-call", data=form)
    assert added.status_code == 303 and added.headers["location"].endswith("week=2026-11-20")
    shown = manager.get(added.headers["location"]).text
    assert 'data-on-call-now="1"' in shown and 'data-person="li.ming"' in shown
    assert "09:30–24:00" in shown and "00:00–02:00" in shown  # cut at local midnight
    assert 'data-week="2026-11-16"' in shown
    wrong = manager.post("/staff/incidents/on-call", data={**form, "ends_at": "2026-11-20T09:00"})
    assert wrong.status_code == 422 and "值班结束时间须晚于开始时间" in wrong.text
    refused = manager.post("/staff/incidents/on-call", data={**form, "csrf_token": "x"})
    assert refused.status_code in (400, 403)
    shift_id = shown.split('<tr data-shift="')[1].split('"')[0]
    gone = manager.post(f"/staff/incidents/on-call/{shift_id}/remove", data={"csrf_token": csrf})
    assert gone.status_code == 303
    assert 'data-empty="shifts"' in manager.get("/staff/incidents/on-call").text
    assert manager.get("/staff/incidents/on-call?week=2026-13-01").status_code == 422
    english = manager.get("/staff/incidents/on-call", headers={"Accept-Language": "en"}).text
    assert "On-call rota" in english and "Nobody on call" in english


def test_the_incident_page_says_who_is_on_call(
    manager: TestClient, client: TestClient, clock: FakeClock, managers: dict[str, int]
) -> None:
    drill = _drill(client)
    page = manager.get(f"/staff/incidents/{drill['id']}").text
    assert 'class="ic-nobody"' in page and "无人值班" in page
    assert _shift(client, managers["li.ming"], clock.now, 4).status_code == 201
    page = manager.get(f"/staff/incidents/{drill['id']}").text
    assert 'data-field="on-call"' in page and "li.ming" in page and 'class="ic-nobody"' not in page
