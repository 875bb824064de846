"""Skill records (issue 17) on SQLite and PostgreSQL: the practical figures computed from a
seeded month, the recognitions API and its permissions, the page, the append-only trigger.

The seeded March 2026 (China time): warehouse:zhao inspected R-1..R-4 (and R-9 in
February, outside the month); an appeal overturned R-2's inspection → 3 of 4 stand: 75 %.
agent:wang approved R-1 and rejected R-3 and R-4; an appeal overturned R-3's rejection →
2 of 3 decisions stand: 67 %. (A second inspector's grade, the other accuracy signal, is
tested in test_training_people_pages.py.)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.domain.training_records import RecognitionKind
from returnflow.services import training_practice
from returnflow.storage.schema.appeals import AppealRow
from returnflow.storage.schema.orders import CustomerRow, MerchantRow
from returnflow.storage.schema.warehouse import InspectionRow
from tests.api.test_scorecards_api import _order, _request, at
from tests.support.apps import shared_app
from tests.support.staff import post_login

Tokens = Callable[..., str]
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _inspection(rma: str, month: int, day: int) -> InspectionRow:
    return InspectionRow(
        rma_no=rma, passed=False, grade="C", responsibility="customer", checks=[], photos=[],
        reasons=[], inspected_at=at(month, day, 4), inspected_by="warehouse:zhao",
    )  # fmt: skip


def _appeal(rma: str, subject: str, decided: object) -> AppealRow:
    return AppealRow(
        rma_no=rma, merchant_id="m-a", customer_id="c-1", subject=subject, statement="s",
        photos=[], filed_by="customer:c-1", filed_at=at(3, 20), appealed_decision_at=decided,
        status="overturned", decided_by="manager:chen", decided_at=at(3, 21), reason="r",
    )  # fmt: skip


def plant(context: AppContext) -> None:
    with context.session_factory() as session:
        session.add(MerchantRow(id="m-a", name="Alpha Store", created_at=at(1, 1)))
        session.add(CustomerRow(id="c-1", name="王小明", phone="13800138000", email="x@y.cn"))
        session.flush()
        order = _order("O-1", "m-a", [("toys", 4)])
        session.add(order)
        session.flush()
        submit = ("submit", "customer:c-1", at(3, 4))
        session.add_all([
            _request("R-1", order, 1, 1, "approved", at(3, 4),
                     [submit, ("approve", "agent:wang", at(3, 5))]),
            _request("R-2", order, 1, 1, "approved", at(3, 4), [submit]),
            _request("R-3", order, 1, 1, "approved", at(3, 4),
                     [submit, ("reject", "agent:wang", at(3, 6, 10))]),
            _request("R-4", order, 1, 1, "rejected", at(3, 4),
                     [submit, ("reject", "agent:wang", at(3, 7))]),
        ])  # fmt: skip
        session.add_all([_inspection(f"R-{n}", 3, 10 + n) for n in (1, 2, 3, 4)])
        session.add(_inspection("R-9", 2, 10))  # February: another month
        session.add_all([_appeal("R-2", "inspection", at(3, 12, 4)),
                         _appeal("R-3", "rejection", at(3, 6, 10))])  # fmt: skip
        session.commit()


def test_the_practical_figures_of_a_seeded_month(context: AppContext, tokens: Tokens) -> None:
    tokens(Role.WAREHOUSE, username="zhao")
    tokens(Role.AGENT, username="wang")
    manager = {"Authorization": f"Bearer {tokens(Role.MANAGER, username='boss')}"}
    plant(context)
    with context.uow() as uow:
        zhao = training_practice.practice_of(uow, "zhao", date(2026, 3, 15))
        wang = training_practice.practice_of(uow, "wang", date(2026, 3, 1))
    assert (zhao.inspections, zhao.inspections_overturned, zhao.inspection_accuracy) == (4, 1, 75)
    assert (wang.decisions, wang.decisions_overturned, wang.decisions_standing) == (3, 1, 67)
    assert zhao.decisions == 0 and wang.inspections == 0 and wang.inspection_accuracy is None
    with TestClient(shared_app(context)) as client:
        shown = client.get(
            "/api/v1/training/practice?username=zhao&month=2026-02-01", headers=manager
        ).json()
        assert (shown["inspections"], shown["inspection_accuracy"]) == (1, 100)
        body = {"username": "zhao", "month": "2026-03-31", "note": "observed on the desk"}
        done = client.post("/api/v1/training/practicals", json=body, headers=manager)
        assert done.status_code == 201 and done.json()["inspection_accuracy"] == 75
        this_month = {"username": "wang", "kind": "practical"}  # the clock's month: no work
        assert (
            client.post(
                "/api/v1/training/assessments", json=this_month, headers=manager
            ).status_code
            == 201
        )
    with context.session_factory() as session:
        note = session.execute(
            text("SELECT note FROM training_assessments WHERE username = 'zhao'")
        ).scalar_one()
    assert "accuracy 75%" in note and "observed on the desk" in note


def test_recognitions_need_a_manager_and_show_on_the_team_and_own_pages(
    context: AppContext, tokens: Tokens
) -> None:
    agent = {"Authorization": f"Bearer {tokens(Role.AGENT, username='wang')}"}
    manager = {"Authorization": f"Bearer {tokens(Role.MANAGER, username='boss')}"}
    body = {"username": "wang", "kind": "reward", "reason": "零差错的一个月", "on": "2026-03-31"}
    with TestClient(shared_app(context)) as client:
        refused = client.post("/api/v1/training/recognitions", json=body, headers=agent)
        assert refused.status_code == 403
        short = client.post(
            "/api/v1/training/recognitions", json={**body, "reason": "ok"}, headers=manager
        )
        assert short.status_code == 422 and short.json()["code"] == "reason_required"
        made = client.post("/api/v1/training/recognitions", json=body, headers=manager)
        assert made.status_code == 201 and made.json()["recorded_by"] == "manager:boss"
        team = client.get("/api/v1/training/team", headers=manager).json()
        row = next(m for m in team["members"] if m["username"] == "wang")
        shown = [(r["kind"], r["reason"]) for r in row["recognitions"]]
        assert shown == [("reward", "零差错的一个月")]
        mine = client.get("/api/v1/training/recognitions", headers=agent).json()["items"]
        assert [r["reason"] for r in mine] == ["零差错的一个月"]
    with TestClient(shared_app(context)) as browser:  # the manager records one on the page
        assert post_login(browser, "boss", "correct horse battery").status_code == 303
        page = browser.get("/staff/training/team")
        assert "奖励与纠正措施" in page.text and 'data-recognitions="1"' in page.text
        csrf = _CSRF.search(page.text)
        assert csrf is not None
        form = {"csrf_token": csrf.group(1), "username": "wang", "kind": "corrective",
                "reason": "late inspections twice", "on": "2026-04-02"}  # fmt: skip
        after = browser.post("/staff/training/recognitions", data=form)
        assert after.status_code == 200 and 'data-recognitions="2"' in after.text
        assert "manager:boss" not in after.text  # who recorded it, in words
    with TestClient(shared_app(context)) as browser:  # the person sees their own
        assert post_login(browser, "wang", "correct horse battery").status_code == 303
        own = browser.get("/staff/training")
        assert 'data-recognition="corrective"' in own.text and "纠正措施" in own.text


def test_recognitions_are_append_only_on_postgresql(
    context: AppContext, database_url: str, tokens: Tokens
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the trigger is PostgreSQL's")
    tokens(Role.AGENT, username="wang")
    now = context.clock()
    with context.uow() as uow:
        training_practice.recognize(
            uow, "wang", RecognitionKind.REWARD, "a good month", now.date(),
            "manager:boss", now,
        )  # fmt: skip
        uow.commit(now)
    for statement in (
        "UPDATE training_recognitions SET reason = 'x'",
        "DELETE FROM training_recognitions",
    ):
        with pytest.raises(DBAPIError, match="append-only"), context.engine.begin() as c:
            c.execute(text(statement))
