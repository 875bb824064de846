"""Training and the certification gate (issue 17, R16.8) on SQLite and PostgreSQL:
the gate on and off through the inspection service and the API, the grace after
expiry, waivers, and answers checked on the server."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from returnflow.app_context import AppContext
from returnflow.config import Settings
from returnflow.domain.access import Role
from returnflow.domain.inspection import Grade, Responsibility
from returnflow.domain.policy import DEFAULT_POLICY
from returnflow.domain.text import DomainError
from returnflow.domain.training import GRACE_DAYS, Certificate, Skill, draw
from returnflow.notify.money_words import money_words
from returnflow.services import inspection, training
from returnflow.storage.schema.training import TrainingAttemptRow

Tokens = Callable[..., str]
ON = training.TrainingRules.from_settings(Settings(certification_gates=True))
GIVEN = inspection.InspectionInput(checks=(), grade=Grade.A, responsibility=Responsibility.NONE)


def _gate_code(context: AppContext, actor: str, gates: training.TrainingRules) -> str:
    """Inspect a request that does not exist: the gate speaks first, else 'not found'."""
    with context.uow() as uow:
        try:
            inspection.inspect(uow, "RMA-NONE", GIVEN, actor, context.clock(), gates=gates)
        except DomainError as refused:
            return refused.code
    raise AssertionError("inspect went through")


def test_the_gate_in_the_service_on_off_grace_and_waiver(
    context: AppContext, tokens: Tokens
) -> None:
    tokens(Role.WAREHOUSE, username="wh.one")
    off = training.TrainingRules(gates=False)
    assert _gate_code(context, "warehouse:wh.one", off) == "return_not_found"
    assert _gate_code(context, "warehouse:wh.one", ON) == "certificate_required"
    assert _gate_code(context, "warehouse:zhang.wei", ON) == "return_not_found"  # no account
    assert _gate_code(context, "manager:wh.one", ON) == "return_not_found"  # not a gated role
    now = context.clock()
    expired = Certificate(
        "wh.one", Skill.INSPECTION, now - timedelta(days=370), now - timedelta(days=3)
    )
    with context.uow() as uow:
        uow.training.add_certificate(expired)
        uow.commit(now)
    assert _gate_code(context, "warehouse:wh.one", ON) == "return_not_found"  # grace: works on
    with context.uow() as uow:
        assert training.standing(uow, "wh.one", Skill.INSPECTION, now)[0].refresher_due
    later = now + timedelta(days=GRACE_DAYS)
    with context.uow() as uow, pytest.raises(DomainError, match="certificate"):
        training.require(uow, "warehouse:wh.one", Skill.INSPECTION, later, ON)
    with context.uow() as uow:
        training.waive(
            uow, "wh.one", Skill.INSPECTION, "new hire, course booked", "admin:root", later
        )
        uow.commit(later)
        assert training.require(uow, "warehouse:wh.one", Skill.INSPECTION, later, ON) is not None


def _received(client: TestClient, order_payload: Callable[..., dict[str, Any]]) -> str:
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201
    body = {
        "order_no": "SO-1001",
        "type": "refund",
        "lines": [{"line_no": 1, "quantity": 1, "reason_code": "no_reason"}],
    }
    rma: str = client.post("/api/v1/returns", json=body).json()["rma_no"]
    ship = {"carrier": "SF", "tracking_no": "SF1234567890"}
    assert client.post(f"/api/v1/returns/{rma}/ship", json=ship).status_code == 200
    assert client.post(f"/api/v1/returns/{rma}/receive").status_code == 200
    return rma


def _right_answers(context: AppContext, attempt_id: int) -> list[int]:
    with context.session_factory() as session:
        row = session.get(TrainingAttemptRow, attempt_id)
        assert row is not None
        return [
            q.answer
            for q in draw(Skill(row.skill), row.seed, DEFAULT_POLICY, row.drawn_on, money_words)
        ]


def test_a_new_warehouse_account_inspects_once_it_passes(
    client: TestClient,
    context: AppContext,
    tokens: Tokens,
    order_payload: Callable[..., dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rma = _received(client, order_payload)
    monkeypatch.setenv("RETURNFLOW_CERTIFICATION_GATES", "on")
    wh = {"Authorization": f"Bearer {tokens(Role.WAREHOUSE, username='new.hand')}"}
    checks = [
        {"check": c, "mark": "pass"}
        for c in ("appearance", "accessories", "packaging", "hygiene_seal")
    ]
    inspect = {"checks": checks, "grade": "A", "responsibility": "none"}
    url = f"/api/v1/warehouse/returns/{rma}/inspection"
    refused = client.post(url, json=inspect, headers={**wh, "Accept-Language": "en"})
    assert (refused.status_code, refused.json()["code"]) == (403, "certificate_required")
    assert "/staff/training" in refused.json()["detail"]
    # the short inspection route (passed + notes) is behind the same gate, not a way round it
    short = client.post(f"/api/v1/returns/{rma}/inspect", json={"passed": True}, headers=wh)
    assert (short.status_code, short.json()["code"]) == (403, "certificate_required")
    skills = client.get("/api/v1/training/skills", headers=wh).json()["items"]
    assert [s["skill"] for s in skills] == ["receiving", "inspection"]
    assert skills[1]["standing"] == "missing" and skills[1]["lessons"][0]["example"]["explanation"]
    started = client.post("/api/v1/training/attempts", json={"skill": "inspection"}, headers=wh)
    assert started.status_code == 201 and "answer" not in started.json()["questions"][0]
    attempt_id = started.json()["id"]
    wrong = client.post(
        f"/api/v1/training/attempts/{attempt_id}/answers", json={"answers": [None] * 5}, headers=wh
    ).json()
    assert (
        not wrong["passed"] and wrong["certificate"] is None and wrong["marked"][0]["explanation"]
    )
    again = client.post(
        f"/api/v1/training/attempts/{attempt_id}/answers", json={"answers": [0] * 5}, headers=wh
    )
    assert (again.status_code, again.json()["code"]) == (409, "attempt_already_scored")
    second = client.post("/api/v1/training/attempts", json={"skill": "inspection"}, headers=wh)
    second_id = second.json()["id"]
    other = client.post(f"/api/v1/training/attempts/{second_id}/answers", json={"answers": [0] * 5})
    assert other.status_code == 404  # the admin's client: not its attempt
    right = _right_answers(context, second_id)
    passed = client.post(
        f"/api/v1/training/attempts/{second_id}/answers", json={"answers": right}, headers=wh
    ).json()
    assert (
        passed["passed"]
        and passed["percent"] == 100
        and passed["certificate"]["skill"] == "inspection"
    )
    assert client.post(url, json=inspect, headers=wh).status_code == 201


def test_gate_off_lets_an_uncertified_account_inspect_and_waivers_need_reasons(
    client: TestClient,
    tokens: Tokens,
    order_payload: Callable[..., dict[str, Any]],
) -> None:
    rma = _received(client, order_payload)
    wh = {"Authorization": f"Bearer {tokens(Role.WAREHOUSE, username='wh.two')}"}
    checks = [
        {"check": c, "mark": "pass"}
        for c in ("appearance", "accessories", "packaging", "hygiene_seal")
    ]
    inspect = {"checks": checks, "grade": "A", "responsibility": "none"}
    done = client.post(f"/api/v1/warehouse/returns/{rma}/inspection", json=inspect, headers=wh)
    assert done.status_code == 201, done.text
    bare = client.post(
        "/api/v1/training/waivers", json={"username": "wh.two", "skill": "inspection", "reason": ""}
    )
    assert (bare.status_code, bare.json()["code"]) == (422, "waiver_reason_required")
    body = {"username": "wh.two", "skill": "inspection", "reason": "trained on paper last week"}
    waived = client.post("/api/v1/training/waivers", json=body)
    assert waived.status_code == 201 and waived.json()["waived_by"] == "admin:root"
    manager = {"Authorization": f"Bearer {tokens(Role.MANAGER, username='boss')}"}
    team = client.get("/api/v1/training/team", headers=manager).json()
    rows = {m["username"]: {c["skill"]: c["standing"] for c in m["cells"]} for m in team["members"]}
    assert rows["wh.two"] == {"receiving": "missing", "inspection": "refresher_due"}  # waived
    assert team["missing"] >= 1 and team["refresher_due"] >= 1


def test_certificates_are_append_only_on_postgresql(context: AppContext, database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the trigger is PostgreSQL's")
    now = context.clock()
    with context.uow() as uow:
        uow.training.add_certificate(
            Certificate("someone", Skill.REFUND, now, now + timedelta(days=365))
        )
        uow.commit(now)
    for statement in (
        "UPDATE training_certificates SET reason = 'x'",
        "DELETE FROM training_certificates",
    ):
        with pytest.raises(DBAPIError, match="append-only"), context.engine.begin() as c:
            c.execute(text(statement))
