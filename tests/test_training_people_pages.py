"""Skill records, continued (issue 17) on SQLite and PostgreSQL: a second inspector's blind
grade and the accuracy it measures, the team's "who is due" list (page, CSV, API), and
one person's whole skill record (page and API; a manager reads anyone's, a person their own).

Seeded November 2026: warehouse:zhao inspected R-1 (A), R-2 (B), R-3 (C), R-4 (C);
warehouse:li inspected R-5. li grades R-1 A (match) and R-2 C (differs), the manager
grades R-3 C (match): zhao's grade accuracy for November is 2 of 3 = 67 %.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.domain.training import Certificate, Skill
from returnflow.domain.training_stale import Reread
from returnflow.storage.schema.warehouse import InspectionRow
from tests.support.apps import shared_app
from tests.support.staff import post_login

Tokens = Callable[..., str]
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_NOV = datetime(2026, 11, 1, 4, 0).astimezone()


def _inspection(rma: str, grade: str, day: int, by: str) -> InspectionRow:
    at = datetime.fromisoformat(f"2026-11-{day:02d}T04:00:00+00:00")
    return InspectionRow(
        rma_no=rma, passed=True, grade=grade, responsibility="none", checks=[], photos=[],
        reasons=[], inspected_at=at, inspected_by=by,
    )  # fmt: skip


def _certify(context: AppContext, username: str, skill: Skill, days_left: int) -> None:
    now = context.clock()
    with context.uow() as uow:
        uow.training.add_certificate(
            Certificate(username, skill, now - timedelta(days=30), now + timedelta(days=days_left))
        )
        uow.commit(now)


def _plant(context: AppContext) -> None:
    with context.session_factory() as session:
        for n, grade in ((1, "A"), (2, "B"), (3, "C"), (4, "C")):
            session.add(_inspection(f"R-{n}", grade, 2 + n, "warehouse:zhao"))
        session.add(_inspection("R-5", "B", 10, "warehouse:li.na"))
        session.commit()


def _bearer(tokens: Tokens, role: Role, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens(role, username=username)}"}


def _user_id(context: AppContext, username: str) -> int:
    with context.engine.connect() as c:
        found = c.execute(text("SELECT id FROM users WHERE username = :u"), {"u": username})
        return int(found.scalar_one())


def test_second_grades_are_blind_refused_to_the_first_inspector_and_measure_accuracy(
    context: AppContext, tokens: Tokens, monkeypatch: pytest.MonkeyPatch
) -> None:
    zhao = _bearer(tokens, Role.WAREHOUSE, "zhao")
    li = _bearer(tokens, Role.WAREHOUSE, "li.na")
    qian = _bearer(tokens, Role.WAREHOUSE, "qian")  # no inspection certificate
    agent = _bearer(tokens, Role.AGENT, "wang")
    boss = _bearer(tokens, Role.MANAGER, "boss")
    _certify(context, "li.na", Skill.INSPECTION, 300)
    _plant(context)
    url = "/api/v1/training/second-grades"
    with TestClient(shared_app(context)) as client:
        assert client.get(url, headers=agent).status_code == 403
        assert (
            client.post(url, json={"rma_no": "R-1", "grade": "A"}, headers=agent).status_code == 403
        )
        waiting = client.get(url, headers=zhao).json()
        assert [i["rma_no"] for i in waiting["items"]] == ["R-5"]  # never one's own
        assert waiting["total"] == 1 and "grade" not in waiting["items"][0]  # blind
        own = client.post(url, json={"rma_no": "R-1", "grade": "A"}, headers=zhao)
        assert (own.status_code, own.json()["code"]) == (403, "second_grade_own_inspection")
        monkeypatch.setenv("RETURNFLOW_CERTIFICATION_GATES", "on")
        gated = client.post(url, json={"rma_no": "R-1", "grade": "A"}, headers=qian)
        assert (gated.status_code, gated.json()["code"]) == (403, "certificate_required")
        first = client.post(url, json={"rma_no": "R-1", "grade": "A"}, headers=li)
        assert first.status_code == 201
        assert (first.json()["matches"], first.json()["original_grade"]) == (True, "A")
        differs = client.post(url, json={"rma_no": "R-2", "grade": "C"}, headers=li).json()
        assert (differs["matches"], differs["original_grade"]) == (False, "B")
        again = client.post(url, json={"rma_no": "R-1", "grade": "B"}, headers=boss)
        assert (again.status_code, again.json()["code"]) == (409, "second_grade_exists")
        missing = client.post(url, json={"rma_no": "R-404", "grade": "B"}, headers=li)
        assert (missing.status_code, missing.json()["code"]) == (404, "inspection_not_found")
        assert client.post(url, json={"rma_no": "R-3", "grade": "Z"}, headers=li).status_code == 422
        assert (
            client.post(url, json={"rma_no": "R-3", "grade": "C"}, headers=boss).status_code == 201
        )
        shown = client.get(
            "/api/v1/training/practice?username=zhao&month=2026-11-15", headers=boss
        ).json()
        assert (shown["inspections"], shown["second_graded"], shown["second_matched"]) == (4, 3, 2)
        assert shown["grade_accuracy"] == 67 and shown["inspection_accuracy"] == 100
        left = client.get(url, headers=li).json()
        assert [i["rma_no"] for i in left["items"]] == ["R-4"]  # graded ones and li's own gone


def test_the_second_grade_page_and_the_skill_record(context: AppContext, tokens: Tokens) -> None:
    tokens(Role.WAREHOUSE, username="zhao")
    tokens(Role.WAREHOUSE, username="li.na")
    tokens(Role.MANAGER, username="boss")
    _certify(context, "zhao", Skill.INSPECTION, 200)
    now = context.clock()
    with context.uow() as uow:
        uow.training.add_certificate(
            Certificate("zhao", Skill.RECEIVING, now - timedelta(days=400),
                        now - timedelta(days=35), None, "admin:root", "new starter, one month")
        )  # fmt: skip
        uow.commit(now)
    _plant(context)
    zhao_id = _user_id(context, "zhao")
    with TestClient(shared_app(context)) as browser:
        assert post_login(browser, "li.na", "correct horse battery").status_code == 303
        page = browser.get("/staff/training/second-grades")
        assert page.status_code == 200 and "复核评级" in page.text
        assert 'data-awaiting="R-4"' in page.text and 'data-awaiting="R-5"' not in page.text
        assert "data-second-grade=" not in page.text  # no first grade before one grades
        csrf = _CSRF.search(page.text)
        assert csrf is not None
        form = {"csrf_token": csrf.group(1), "rma_no": "R-4", "grade": "D"}
        done = browser.post("/staff/training/second-grades", data=form)
        assert done.status_code == 200 and 'data-second-grade="R-4:differs"' in done.text
        assert "评级不一致" in done.text and 'data-awaiting="R-4"' not in done.text
        bad = browser.post("/staff/training/second-grades", data={**form, "grade": "Q"})
        assert bad.status_code == 422 and "请选择一个等级" in bad.text
        twice = browser.post("/staff/training/second-grades", data=form)
        assert twice.status_code == 409
        refused = browser.get(f"/staff/training/people/{zhao_id}")  # not li's own record
        assert refused.status_code == 404 and "只能查看自己的档案" in refused.text
    with TestClient(shared_app(context)) as browser:
        assert post_login(browser, "boss", "correct horse battery").status_code == 303
        record = browser.get(f"/staff/training/people/{zhao_id}", headers={"Accept-Language": "en"})
        assert record.status_code == 200 and "Practical figures by month" in record.text
        assert 'data-month="2026-11" data-figures="4/0/1/0/0/0"' in record.text
        assert 'data-certificate="inspection:valid"' in record.text
        assert 'data-certificate="receiving:expired:waived"' in record.text
        assert "new starter, one month" in record.text
        assert 'data-graded="R-4:differs"' in record.text
        team = browser.get("/staff/training/team")
        assert f'href="/staff/training/people/{zhao_id}"' in team.text
    with TestClient(shared_app(context)) as client:
        own = client.get(
            f"/api/v1/training/people/{zhao_id}",
            headers={"Authorization": f"Bearer {_token(context, 'zhao')}"},
        ).json()
        assert own["username"] == "zhao" and own["practice"][0]["second_graded"] == 1
        assert [c["skill"] for c in own["courses"]] == ["receiving", "inspection"]
        assert own["certificates"][0]["waived"] is False
        assert any(c["waived"] and c["standing"] == "expired" for c in own["certificates"])


def _token(context: AppContext, username: str) -> str:
    from returnflow.services import accounts

    now = context.clock()
    with context.uow() as uow:
        listing = uow.accounts.user(_user_id(context, username))
        assert listing is not None
        token = accounts.issue_api_token(uow, listing.principal, "tests", now)
        uow.commit(now)
    return token


def test_who_is_due_page_csv_and_api(context: AppContext, tokens: Tokens) -> None:
    boss = _bearer(tokens, Role.MANAGER, "boss")
    agent = _bearer(tokens, Role.AGENT, "wang")  # no certificates: review, refund, complaints
    tokens(Role.WAREHOUSE, username="zhao")
    tokens(Role.WAREHOUSE, username="li.na")
    for skill in (Skill.RECEIVING, Skill.INSPECTION):
        _certify(context, "zhao", skill, 10)  # both expire in 10 days
        _certify(context, "li.na", skill, 300)
    for skill in Skill:
        _certify(context, "boss", skill, 300)
    now = context.clock()
    with context.engine.begin() as c:  # li started in the summer: the practical is overdue
        c.execute(text("UPDATE users SET created_at = :at WHERE username = 'li.na'"),
                  {"at": now - timedelta(days=120)})  # fmt: skip
    with context.uow() as uow:
        uow.training.add_reread(Reread("li.na", "receiving", "receiving:outcomes", 2, now))
        uow.commit(now)
    with TestClient(shared_app(context)) as client:
        assert client.get("/api/v1/training/due", headers=agent).status_code == 403
        found = client.get("/api/v1/training/due?within=30&sort=name", headers=boss).json()
        names = [p["username"] for p in found["items"]]
        assert names == ["li.na", "wang", "zhao"] and found["total"] == 3  # boss is not due
        li = found["items"][0]
        assert {i["what"] for i in li["items"]} == {"assessment", "reread"}
        assert li["overdue"] >= 1
        zhao = found["items"][2]
        assert [i["what"] for i in zhao["items"]] == ["certificate", "certificate"]
        assert zhao["soonest"] == (now + timedelta(days=10)).date().isoformat()
        soon = client.get("/api/v1/training/due?within=5&sort=soonest", headers=boss).json()
        assert [p["username"] for p in soon["items"]] == ["li.na", "wang"]  # overdue first
        assert client.get("/api/v1/training/due?sort=bogus", headers=boss).status_code == 422
    with TestClient(shared_app(context)) as browser:
        assert post_login(browser, "boss", "correct horse battery").status_code == 303
        page = browser.get("/staff/training/due?within=30&sort=most")
        assert page.status_code == 200 and "待办名单" in page.text
        assert 'data-total="3"' in page.text and 'data-pager="1/1"' in page.text
        assert 'data-due="wang"' in page.text and 'data-item="uncertified"' in page.text
        rows = re.findall(r'data-due="([^"]+)"', page.text)
        assert rows[0] == "wang"  # three courses never certified: the most due
        csv = browser.get("/staff/training/due.csv?within=30", headers={"Accept-Language": "en"})
        assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
        body = csv.content.decode("utf-8-sig")
        assert body.splitlines()[0].startswith("Account,Name,Role,What")
        assert "zhao,zhao,Warehouse,Certificate expiring" in body
        odd = browser.get("/staff/training/due?within=abc&page=99")  # bounded, never a 500
        assert odd.status_code == 200 and 'data-pager="1/1"' in odd.text


def test_second_grades_are_append_only_on_postgresql(
    context: AppContext, database_url: str, tokens: Tokens
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the trigger is PostgreSQL's")
    boss = _bearer(tokens, Role.MANAGER, "boss")
    _plant(context)
    with TestClient(shared_app(context)) as client:
        made = client.post(
            "/api/v1/training/second-grades", json={"rma_no": "R-1", "grade": "B"}, headers=boss
        )
        assert made.status_code == 201
    for statement in (
        "UPDATE training_second_grades SET grade = 'A'",
        "DELETE FROM training_second_grades",
    ):
        with pytest.raises(DBAPIError, match="append-only"), context.engine.begin() as c:
            c.execute(text(statement))


def test_the_demo_team_has_a_lived_in_training_area(context: AppContext) -> None:
    from returnflow.demo.accounts import create_demo_accounts
    from returnflow.demo.training import train_demo_team
    from returnflow.domain.training import Standing
    from returnflow.services import training_due

    now = context.clock()
    create_demo_accounts(context, 7, now)
    train_demo_team(context, now, 7)
    train_demo_team(context, now, 7)  # once only: the team exists
    with context.engine.connect() as c:
        rows = c.execute(text("SELECT status, COUNT(*) FROM improvement_proposals GROUP BY status"))
        states = {status: count for status, count in rows}
        assert states == {"new": 2, "triaged": 2, "in_progress": 1, "closed": 4}
        assert c.execute(text("SELECT COUNT(*) FROM training_recognitions")).scalar_one() == 5
    with context.uow() as uow:
        standings = {
            (c.username, c.skill): c.standing(now)
            for c in uow.training.certificates_since(now - timedelta(days=400))
        }
        due = {p.username: p for p in training_due.who_is_due(uow, now)}
    assert standings[("sun.hao", Skill.INSPECTION)] is Standing.REFRESHER_DUE
    assert standings[("zhou.qiang", Skill.RECEIVING)] is Standing.GRACE
    waived = standings[("zhao.yu", Skill.COMPLAINTS)]  # a 30-day waiver: refresher due at once
    assert waived is Standing.REFRESHER_DUE
    assert {"chen.jie", "zhou.qiang", "sun.hao"} <= set(due)
    assert any(i.what.value == "assessment" and i.overdue for i in due["chen.jie"].items)
    with TestClient(shared_app(context)) as browser:
        assert post_login(browser, "manager", _demo_password("manager")).status_code == 303
        page = browser.get("/staff/training/due")
        assert page.status_code == 200 and 'data-due="chen.jie"' in page.text
        record = browser.get(f"/staff/training/people/{_user_id(context, 'zhao.yu')}")
        assert 'data-certificate="complaints:refresher_due:waived"' in record.text
        assert "投诉课程测验未通过" in record.text
        assert post_login(browser, "zhou.qiang", "anything at all").status_code != 303  # locked


def _demo_password(username: str) -> str:
    from returnflow.demo.accounts import demo_password

    return demo_password(username, 7)
