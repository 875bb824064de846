"""The satisfaction survey through the API, on SQLite and PostgreSQL (R7.2).

Requests are completed by the bus after a reissue; the agent each answer names is the
person who sent the parts. The report's NPS is promoters (9–10) minus detractors (0–6).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.storage.schema import OutboxRow
from tests.support.apps import shared_app
from tests.support.clock import FakeClock

OrderPayload = Callable[..., dict[str, Any]]
Tokens = Callable[..., str]
PHOTO = "1" * 32 + ".jpg"


@pytest.fixture(autouse=True)
def order(client: TestClient, order_payload: OrderPayload) -> None:
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201


def _completed(client: TestClient, handler: TestClient, line: int = 1) -> str:
    body = {
        "order_no": "SO-1001",
        "type": "reissue",
        "lines": [{"line_no": line, "quantity": 1, "reason_code": "missing_parts"}],
        "photos": [PHOTO],
    }
    filed = client.post("/api/v1/returns", json=body)
    assert filed.status_code == 201, filed.text
    rma: str = filed.json()["rma_no"]
    assert handler.post(f"/api/v1/returns/{rma}/reissue").status_code == 200
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "completed"
    return rma


def _answer(client: TestClient, rma: str, speed: int, nps: int) -> Any:
    body = {"speed": speed, "attitude": 4, "effectiveness": 4, "process": 3, "nps": nps}
    return client.post(f"/api/v1/returns/{rma}/survey", json=body)


@pytest.fixture
def agent(context: AppContext, tokens: Tokens) -> TestClient:
    client = TestClient(shared_app(context))
    client.headers["Authorization"] = f"Bearer {tokens(Role.AGENT, username='li.na')}"
    return client


def test_completion_invites_and_the_answer_is_kept_once(
    client: TestClient, agent: TestClient, context: AppContext
) -> None:
    rma = _completed(client, agent)
    with context.session_factory() as session:
        invites = session.scalars(
            select(OutboxRow).where(OutboxRow.topic == "return.survey_invite")
        ).all()
    assert [row.payload["rma_no"] for row in invites] == [rma]
    assert invites[0].payload["email"] == "xiaoming@example.com"
    answered = _answer(client, rma, 5, 9)
    assert answered.status_code == 201, answered.text
    assert (answered.json()["agent"], answered.json()["merchant_id"]) == (
        "agent:li.na",
        "m-babycare",
    )
    twice = _answer(client, rma, 1, 0)
    assert twice.status_code == 409
    assert twice.json()["code"] == "already_answered"


def test_out_of_range_and_early_answers_are_refused(client: TestClient) -> None:
    body = {
        "order_no": "SO-1001",
        "type": "refund",
        "lines": [{"line_no": 1, "quantity": 1, "reason_code": "no_reason"}],
    }
    rma = client.post("/api/v1/returns", json=body).json()["rma_no"]
    early = _answer(client, rma, 5, 10)
    assert early.status_code == 422 and early.json()["code"] == "survey_not_open"
    assert _answer(client, rma, 6, 10).status_code == 422
    assert _answer(client, rma, 5, 11).status_code == 422
    assert _answer(client, "RMA-NONE", 5, 10).status_code == 404


def test_the_report_by_agent_and_merchant(
    client: TestClient, agent: TestClient, clock: FakeClock
) -> None:
    first = _completed(client, agent)  # handled by agent:li.na
    second = _completed(client, client)  # handled by admin:root
    third = _completed(client, client, line=2)
    assert _answer(client, first, 5, 10).status_code == 201  # promoter
    assert _answer(client, second, 3, 6).status_code == 201  # detractor
    assert _answer(client, third, 4, 8).status_code == 201  # passive
    report = client.get("/api/v1/reports/satisfaction", params={"by": "agent"}).json()
    lines = {line["key"]: line for line in report["lines"]}
    assert set(lines) == {"agent:li.na", "admin:root"}
    assert (lines["agent:li.na"]["answers"], lines["agent:li.na"]["nps"]) == (1, 100.0)
    assert (lines["admin:root"]["answers"], lines["admin:root"]["nps"]) == (2, -50.0)
    assert lines["admin:root"]["speed"] == 3.5
    overall = report["overall"]
    assert (overall["answers"], overall["nps"], overall["speed"]) == (3, 0.0, 4.0)
    assert (overall["promoters"], overall["passives"], overall["detractors"]) == (1, 1, 1)
    by_merchant = client.get("/api/v1/reports/satisfaction?by=merchant").json()
    assert [(m["key"], m["answers"]) for m in by_merchant["lines"]] == [("m-babycare", 3)]
    day = clock.now.date()
    later = day.replace(year=day.year + 1).isoformat()
    empty = client.get(f"/api/v1/reports/satisfaction?from={later}&to={later}").json()
    assert empty["overall"]["answers"] == 0 and empty["lines"] == []
    assert client.get("/api/v1/reports/satisfaction?by=nobody").status_code == 422


def test_the_report_needs_the_reports_permission(agent: TestClient) -> None:
    assert agent.get("/api/v1/reports/satisfaction").status_code == 403
