"""A complaint is filed once however often it is sent (issue 12, R8.1), SQLite and PostgreSQL:
the API's Idempotency-Key, and the hotline's and the portal's one-time form name. A
retry or a double click gets the first complaint back; the same name with other words is
refused; on PostgreSQL concurrent twins file one complaint."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.services.classifying import LabelledText, Suggestion
from returnflow.storage.schema.complaints import ComplaintRow
from returnflow.web.portal_links import PortalAccess, make_token
from tests.support.apps import shared_app
from tests.test_console_pages import csrf_from, sign_in

OrderPayload = Callable[..., dict[str, Any]]
Tokens = Callable[..., str]
SECRET = "complaint-once-secret"
URL = "/api/v1/complaints"
BODY = {"channel": "app", "order_no": "SO-1001", "text": "快递三天没动"}
EN = {"Accept-Language": "en"}


class Counting:
    """A fixed classifier that counts how often it was asked."""

    def __init__(self) -> None:
        self.asked = 0

    def suggest(self, text: str) -> Suggestion:
        self.asked += 1
        return Suggestion("logistics", 0.8, "urgent", 0.7)

    def learn(self, corrections: Iterable[LabelledText]) -> None:
        return None


@pytest.fixture
def context(context: AppContext) -> AppContext:
    settings = context.settings.model_copy(update={"secret_key": SECRET})
    return dataclasses.replace(context, settings=settings, classifier=Counting())


@pytest.fixture(autouse=True)
def orders(client: TestClient, order_payload: OrderPayload) -> None:
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201


@pytest.fixture
def agent(context: AppContext, tokens: Tokens) -> Iterator[TestClient]:
    tokens(Role.AGENT, username="li.na")
    with sign_in(context, "li.na") as browser:
        yield browser


def _complaints(context: AppContext) -> int:
    with context.session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(ComplaintRow)) or 0)


def _postgres_only(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("real concurrency: PostgreSQL (SQLite has one writer)")


# --- the API -------------------------------------------------------------------------


def test_the_same_key_files_one_complaint_and_replays_its_answer(
    client: TestClient, context: AppContext, tokens: Tokens
) -> None:
    key = {"Idempotency-Key": "app-retry-1"}
    first = client.post(URL, json=BODY, headers=key)
    again = client.post(URL, json=BODY, headers=key)
    assert (first.status_code, again.status_code) == (201, 201), again.text
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert _complaints(context) == 1
    other = client.post(URL, json={**BODY, "text": "别的事"}, headers={**key, **EN})
    assert (other.status_code, other.json()["code"]) == (422, "idempotency_key_reused")
    # another caller's equal key is theirs: it files their own complaint
    agent = {"Authorization": f"Bearer {tokens(Role.AGENT, username='wang')}"}
    theirs = client.post(URL, json=BODY, headers={**key, **agent})
    assert (
        theirs.status_code == 201 and theirs.json()["complaint_no"] != first.json()["complaint_no"]
    )
    # without a key every send files (as before)
    assert client.post(URL, json=BODY).status_code == 201
    assert _complaints(context) == 3


def test_a_refused_filing_keeps_the_key_free(client: TestClient, context: AppContext) -> None:
    key = {"Idempotency-Key": "app-retry-2"}
    missing = client.post(URL, json={**BODY, "order_no": "SO-NOPE"}, headers=key)
    assert missing.status_code == 404
    fixed = client.post(URL, json=BODY, headers=key)
    assert fixed.status_code == 201 and "idempotent-replayed" not in fixed.headers
    assert _complaints(context) == 1


def test_concurrent_sends_with_one_key_file_one_complaint(
    client: TestClient, context: AppContext, database_url: str
) -> None:
    _postgres_only(database_url)
    key = {"Idempotency-Key": "app-burst"}

    def send(_: int) -> tuple[int, str]:
        answer = client.post(URL, json=BODY, headers=key)
        return answer.status_code, str(answer.json().get("complaint_no", answer.json()))

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(send, range(8)))
    assert {code for code, _ in answers} <= {201, 409}, answers
    assert len({no for code, no in answers if code == 201}) == 1, answers
    assert _complaints(context) == 1


# --- the hotline form ----------------------------------------------------------------


def _hotline_form(agent: TestClient) -> dict[str, str]:
    page = agent.get("/staff/complaints/new").text
    found = re.search(r'name="submission" value="([^"]+)"', page)
    assert found, "no one-time submission name on the form"
    return {
        "csrf_token": csrf_from(page),
        "submission": found.group(1),
        "order_no": "SO-1001",
        "text": "客服电话一直打不通",
    }


def test_a_double_click_on_the_hotline_form_files_one_complaint(
    agent: TestClient, context: AppContext
) -> None:
    form = _hotline_form(agent)
    first = agent.post("/staff/complaints/new", data=form, follow_redirects=False)
    second = agent.post("/staff/complaints/new", data=form, follow_redirects=False)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert _complaints(context) == 1
    edited = agent.post("/staff/complaints/new", data={**form, "text": "另一件事"}, headers=EN)
    assert edited.status_code == 409 and "open a fresh form" in edited.text
    fresh = _hotline_form(agent)
    assert fresh["submission"] != form["submission"]
    assert agent.post("/staff/complaints/new", data=fresh).status_code == 200
    assert _complaints(context) == 2


def test_a_refused_hotline_form_keeps_its_name_and_files_once_fixed(
    agent: TestClient, context: AppContext
) -> None:
    form = _hotline_form(agent)
    refused = agent.post("/staff/complaints/new", data={**form, "order_no": "SO-NOPE"})
    assert refused.status_code == 404
    assert f'name="submission" value="{form["submission"]}"' in refused.text
    filed = agent.post("/staff/complaints/new", data=form, follow_redirects=False)
    assert filed.status_code == 303 and _complaints(context) == 1


def test_concurrent_clicks_on_the_hotline_form_file_one_complaint(
    agent: TestClient, context: AppContext, database_url: str
) -> None:
    _postgres_only(database_url)
    form = _hotline_form(agent)

    def click(_: int) -> tuple[int, str]:
        answer = agent.post("/staff/complaints/new", data=form, follow_redirects=False)
        return answer.status_code, answer.headers.get("location", "")

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(click, range(4)))
    assert {location for code, location in answers if code == 303} != set()
    assert len({location for code, location in answers if code == 303}) == 1, answers
    assert _complaints(context) == 1


# --- the portal form -----------------------------------------------------------------


def test_a_double_tap_on_the_portal_form_files_one_complaint(context: AppContext) -> None:
    token = make_token(SECRET, PortalAccess("SO-1001", "c-1"), context.clock())
    link = f"/portal/o/{token}"
    with TestClient(shared_app(context), follow_redirects=False) as web:
        page = web.get(f"{link}/complaints/new").text
        found = re.search(r'name="submission" value="([^"]+)"', page)
        assert found, "no one-time submission name on the portal form"
        form = {"about": "order", "text": "奶瓶有裂纹", "submission": found.group(1)}
        first = web.post(f"{link}/complaints/new", data=form)
        second = web.post(f"{link}/complaints/new", data=form)
        assert first.status_code == second.status_code == 303
        assert first.headers["location"] == second.headers["location"]
        assert _complaints(context) == 1
        listed = web.get(f"{link}/complaints").text
        assert len(re.findall(r'data-complaint="CP', listed)) == 1
        other = web.post(f"{link}/complaints/new", data={**form, "text": "别的"}, headers=EN)
        assert other.status_code == 409 and "open a fresh form" in other.text
    assert _complaints(context) == 1
