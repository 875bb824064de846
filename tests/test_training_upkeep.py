"""Issue 17's upkeep on SQLite and PostgreSQL: a new policy version marks the lessons it
changed for their certificate holders (re-read records, one personal notice each), and
confirming clears them; the refund gate above the small amount, on and off."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.domain.money import Money
from returnflow.domain.policy import Terms
from returnflow.domain.staff_notices import Kind
from returnflow.domain.text import DomainError
from returnflow.domain.training import Certificate, Skill
from returnflow.domain.training_schedule import AssessmentKind as K
from returnflow.services import (
    policies,
    refunds,
    staff_notices,
    training,
    training_gate,
    training_schedule,
    training_stale,
)
from tests.support.clock import FakeClock

Tokens = Callable[..., str]


def _certify(context: AppContext, username: str, skill: Skill) -> None:
    now = context.clock()
    with context.uow() as uow:
        uow.training.add_certificate(
            Certificate(username, skill, now - timedelta(days=10), now + timedelta(days=300))
        )
        uow.commit(now)


def test_a_new_policy_version_marks_lessons_for_their_holders(
    context: AppContext, client: TestClient, tokens: Tokens
) -> None:
    agent = tokens(Role.AGENT, username="cs.one")
    tokens(Role.WAREHOUSE, username="wh.two")
    _certify(context, "cs.one", Skill.REVIEW)
    _certify(context, "wh.two", Skill.RECEIVING)
    now = context.clock()
    with context.uow() as uow:  # the bus runs training_stale.mark_stale after the commit
        draft = policies.PolicyDraft(effective_from=now, baseline=Terms(no_reason_days=10))
        policies.publish_version(uow, draft, now, "admin:root")
        uow.commit(now)
    with context.uow() as uow:
        mine = training_stale.rereads_of(uow, "cs.one")
        assert set(mine) == {"review:no_reason_last_day"} and mine[
            "review:no_reason_last_day"
        ].policy_version == (policies.policy_book(uow).latest().version)
        assert training_stale.rereads_of(uow, "wh.two") == {}  # shipping did not change
        principal, _ = uow.accounts.credentials("cs.one") or (None, "")
        assert principal is not None
        notes = staff_notices.notices_for(uow, principal).notices
        assert [n.kind for n in notes] == [Kind.TRAINING]
        assert "重新学习" in notes[0].subject.zh and "re-read" in notes[0].subject.en
        # the same version handled again (a retry) asks nothing twice
        version = policies.policy_book(uow).latest().version
        assert training_stale.mark_stale_for(uow, version, now) == {}
    mine_api = client.get("/api/v1/training/upkeep", headers={"Authorization": f"Bearer {agent}"})
    assert [r["lesson"] for r in mine_api.json()["rereads"]] == ["review:no_reason_last_day"]
    assert {d["kind"] for d in mine_api.json()["assessments"]} >= {"knowledge_test", "practical"}
    read = {"lesson": "review:no_reason_last_day"}
    done = client.post(
        "/api/v1/training/rereads", json=read, headers={"Authorization": f"Bearer {agent}"}
    )
    assert done.status_code == 200 and done.json()["rereads"] == []
    with context.uow() as uow:
        assert training_stale.rereads_of(uow, "cs.one") == {}


def _inspected_refund_request(
    client: TestClient, context: AppContext, order_payload: Callable[..., dict[str, Any]]
) -> str:
    """A ¥500 refund request inspected and passed, its refund not yet asked for."""
    context.settings.refund_auto_request = False  # finance asks for it by hand below
    context.settings.instant_refund_enabled = False
    line = {"line_no": 1, "sku": "PRAM-1", "title": "婴儿推车", "category": "baby"}
    line |= {"unit_price": 50000, "quantity": 1, "discount": 0, "flags": []}
    assert client.post("/api/v1/orders", json=order_payload(lines=[line])).status_code == 201
    claim = {"line_no": 1, "quantity": 1, "reason_code": "no_reason"}
    filed = client.post(
        "/api/v1/returns", json={"order_no": "SO-1001", "type": "refund", "lines": [claim]}
    )
    assert filed.status_code == 201, filed.text
    rma = str(filed.json()["rma_no"])
    ship = {"carrier": "顺丰速运", "tracking_no": "SF1234567890"}
    for action, step in (("ship", ship), ("receive", None), ("inspect", {"passed": True})):
        assert client.post(f"/api/v1/returns/{rma}/{action}", json=step).status_code == 200
    return rma


def test_the_refund_gate_above_the_small_amount(
    context: AppContext,
    client: TestClient,
    tokens: Tokens,
    order_payload: Callable[..., dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    finance = tokens(Role.FINANCE, username="fin.one")
    rma = _inspected_refund_request(client, context, order_payload)
    now = context.clock()
    on, off = training.TrainingRules(gates=True), training.TrainingRules(gates=False)
    big, small = Money(50000, "CNY"), Money(20000, "CNY")
    with context.uow() as uow:
        assert training_gate.require_refund(uow, "finance:fin.one", big, now, off) is None
        assert training_gate.require_refund(uow, "finance:fin.one", small, now, on) is None
        assert training_gate.require_refund(uow, "manager:fin.one", big, now, on) is None
        with pytest.raises(DomainError) as refused:
            training_gate.require_refund(uow, "finance:fin.one", big, now, on)
        assert refused.value.code == "certificate_required"
    monkeypatch.setenv("RETURNFLOW_CERTIFICATION_GATES", "true")
    asked = client.post(
        f"/api/v1/returns/{rma}/refund", headers={"Authorization": f"Bearer {finance}"}
    )
    assert asked.status_code == 403 and asked.json()["code"] == "certificate_required"
    assert asked.headers["content-type"].startswith("application/problem+json")
    rules = refunds.RefundRules.from_settings(context.settings)
    # an expired certificate in its grace lets the refund through (a refresher is due)
    with context.uow() as uow:
        uow.training.add_certificate(
            Certificate("fin.one", Skill.REFUND, now - timedelta(days=370), now - timedelta(days=2))
        )
        uow.commit(now)
    with context.uow() as uow:
        refund = refunds.request_refund(uow, rma, "finance:fin.one", now, rules, trigger="manual")
        assert refund.amount == big
        uow.commit(now)


def test_assessments_due_are_reminded_once_and_the_knowledge_test_records_itself(
    context: AppContext, tokens: Tokens, clock: FakeClock
) -> None:
    tokens(Role.FINANCE, username="fin.two")
    with context.uow() as uow:  # a new account has the whole next month, quarter, year
        due = {d.kind: d for d in training_schedule.schedule_of(uow, "fin.two", clock.now)}
        assert due[K.PRACTICAL].due_on == date(2026, 12, 31)
        assert due[K.KNOWLEDGE_TEST].due_on == date(2027, 3, 31)
        assert training_schedule.remind(uow, clock.now) == 0
    clock.advance(days=35)  # 25 December: the practical is due within the week
    with context.uow() as uow:
        assert training_schedule.remind(uow, clock.now) == 1
        assert training_schedule.remind(uow, clock.now) == 0  # once per person and due date
        uow.commit(clock.now)
    clock.advance(days=7)  # 1 January: overdue, a second reminder
    with context.uow() as uow:
        assert training_schedule.remind(uow, clock.now) == 1
        principal, _ = uow.accounts.credentials("fin.two") or (None, "")
        assert principal is not None
        notes = staff_notices.notices_for(uow, principal).notices
        assert "逾期" in notes[0].subject.zh and "overdue" in notes[0].subject.en
        training_schedule.record(uow, "fin.two", K.PRACTICAL, "manager:boss", clock.now, "ok")
        uow.commit(clock.now)
    now = clock.now
    with context.uow() as uow:  # a check in the role's one skill completes the quarter's test
        started = training.start_attempt(uow, "fin.two", Skill.REFUND, now, seed=7)
        training.answer_attempt(uow, started.attempt_id, "fin.two", [0] * 5, now)
        uow.commit(now)
    with context.uow() as uow:
        due = {d.kind: d for d in training_schedule.schedule_of(uow, "fin.two", now)}
        assert due[K.PRACTICAL].last_done == date(2027, 1, 1)
        assert due[K.PRACTICAL].due_on == date(2027, 2, 28)
        assert due[K.KNOWLEDGE_TEST].last_done == date(2027, 1, 1)
        assert due[K.KNOWLEDGE_TEST].due_on == date(2027, 6, 30)


def test_an_agent_approving_a_refund_only_request_needs_the_certificate(
    context: AppContext,
    client: TestClient,
    tokens: Tokens,
    order_payload: Callable[..., dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    line = {"line_no": 1, "sku": "TV-1", "title": "电视机", "category": "electronics"}
    line |= {"unit_price": 800000, "quantity": 1, "discount": 0, "flags": []}
    assert client.post("/api/v1/orders", json=order_payload(lines=[line])).status_code == 201
    claim = {"line_no": 1, "quantity": 1, "reason_code": "quality"}
    body = {"order_no": "SO-1001", "type": "refund_only", "lines": [claim]}
    filed = client.post("/api/v1/returns", json=body)
    assert filed.json()["status"] == "pending_review", filed.text  # ¥8,000: a person reviews
    rma = filed.json()["rma_no"]
    agent = {"Authorization": f"Bearer {tokens(Role.AGENT, username='cs.three')}"}
    monkeypatch.setenv("RETURNFLOW_CERTIFICATION_GATES", "true")
    refused = client.post(f"/api/v1/returns/{rma}/approve", headers=agent)
    assert refused.status_code == 403 and refused.json()["code"] == "certificate_required"
    now = context.clock()
    with context.uow() as uow:
        uow.training.add_certificate(
            Certificate("cs.three", Skill.REFUND, now, now + timedelta(days=365))
        )
        uow.commit(now)
    assert client.post(f"/api/v1/returns/{rma}/approve", headers=agent).status_code == 200
