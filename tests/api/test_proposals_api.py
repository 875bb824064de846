"""Improvement proposals and the quarterly process review (issue 17, R16.11) on SQLite and
PostgreSQL: the API with its permissions, the customers' form, the staff pages, and the
quarter's figures on the planted data of test_analytics_planted.py plus a few requests at
the China-time quarter boundary, counted by hand below."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

from fastapi.testclient import TestClient
from sqlalchemy import select

from returnflow.app_context import AppContext
from returnflow.domain.access import Principal, Role
from returnflow.domain.proposals import Area, Outcome, Priority
from returnflow.domain.quarters import Quarter
from returnflow.services import analytics, process_review, proposals
from returnflow.services.dashboard_model import SlaTargets
from returnflow.storage.schema import OutboxRow
from tests.api.test_analytics_planted import events, order, plant, request
from tests.support.apps import shared_app
from tests.support.raw_codes import findings
from tests.support.staff import post_login

Tokens = Callable[..., str]
CST = timezone(timedelta(hours=8))
API = "/api/v1/proposals"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _as(tokens: Tokens, role: Role, name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens(role, username=name)}"}


def test_staff_propose_managers_triage_start_and_close(context: AppContext, tokens: Tokens) -> None:
    agent, other = _as(tokens, Role.AGENT, "li.na"), _as(tokens, Role.WAREHOUSE, "wh.one")
    boss = _as(tokens, Role.MANAGER, "boss")
    with TestClient(shared_app(context)) as api:
        made = api.post(API, json={"area": "review", "text": "Show the SLA"}, headers=agent)
        assert made.status_code == 201, made.text
        body = made.json()
        pid = body["id"]
        assert (body["channel"], body["proposer"], body["status"]) == (
            "staff",
            "agent:li.na",
            "new",
        )
        api.post(API, json={"area": "warehouse", "text": "Bins by size"}, headers=other)
        assert (
            api.post(API, json={"area": "nowhere", "text": "x"}, headers=agent).status_code == 422
        )
        mine = api.get(API, headers=agent).json()
        assert (mine["total"], mine["everyone"]) == (1, False)  # one's own only
        assert api.get(API, headers=boss).json()["total"] == 2
        assert api.get(API, params={"area": "warehouse"}, headers=boss).json()["total"] == 1
        triage = {"owner": "wang.fang", "priority": "high"}
        refused = api.post(f"{API}/{pid}/triage", json=triage, headers=agent)
        assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
        early = api.post(f"{API}/{pid}/start", headers=boss)  # new → in progress: not a move
        assert (early.status_code, early.json()["code"]) == (422, "proposal_illegal_move")
        assert (
            api.post(f"{API}/{pid}/triage", json=triage, headers=boss).json()["owner"]
            == "wang.fang"
        )
        assert api.post(f"{API}/{pid}/start", headers=boss).json()["status"] == "in_progress"
        shut = {"outcome": "adopted", "note": "SLA on the queue"}
        closed = api.post(f"{API}/{pid}/close", json=shut, headers=boss).json()
        assert (closed["status"], closed["outcome"]) == ("closed", "adopted")
        assert [c["action"] for c in closed["history"]] == ["propose", "triage", "start", "close"]
        again = api.post(f"{API}/{pid}/close", json=shut, headers=boss)
        assert again.status_code == 422
        missing = api.post(f"{API}/99999/start", headers=boss)
        assert (missing.status_code, missing.json()["code"]) == (404, "proposal_not_found")
    with context.session_factory() as s:
        topics = s.scalars(select(OutboxRow.topic).where(OutboxRow.topic.like("proposal.%"))).all()
    assert sorted(topics).count("proposal.proposed") == 2 and "proposal.closed" in topics


def test_customers_suggest_from_the_help_centre_and_are_throttled(context: AppContext) -> None:
    with TestClient(shared_app(context)) as browser:
        help_page = browser.get("/help")
        assert 'href="/help/suggest"' in help_page.text
        form = browser.get("/help/suggest", headers={"Accept-Language": "en"})
        assert 'data-form="suggest"' in form.text and "Suggest an improvement" in form.text
        sent = browser.post("/help/suggest", data={"area": "portal", "text": "Bigger photos"})
        assert sent.status_code == 200 and "data-sent" in sent.text  # after the redirect
        empty = browser.post("/help/suggest", data={"area": "portal", "text": " "})
        assert empty.status_code == 422 and 'data-code="suggest-error"' in empty.text
        for _ in range(3):
            browser.post("/help/suggest", data={"area": "portal", "text": "again"})
        slowed = browser.post("/help/suggest", data={"area": "portal", "text": "again"})
        assert slowed.status_code == 429
    with context.uow() as uow:
        boss = Principal(user_id=1, username="boss", display_name="boss", role=Role.MANAGER)
        found = proposals.listing(uow, boss, 1)
    assert found.total == 4 and {p.channel.value for p in found.items} == {"customer"}


def _plant_boundary(context: AppContext) -> None:
    """Reviews besides the planted November ones (R1 30 min, R3 20 min, R4 10 min):
    B1 decided 2026-12-31 23:30 +08:00 (30 min: Q4), B2 2027-01-01 00:10 +08:00 (10 min:
    Q1), B3 130 hours after filing in December (late against the 120-hour target)."""
    with context.session_factory() as s, s.begin():
        o = order(s, "OB", "m-a", datetime(2026, 12, 1, tzinfo=UTC), [("A1", "baby", 3)])
        cases = (
            (datetime(2026, 12, 31, 23, 0, tzinfo=CST), timedelta(minutes=30)),
            (datetime(2027, 1, 1, 0, 0, tzinfo=CST), timedelta(minutes=10)),
            (datetime(2026, 12, 1, 0, 0, tzinfo=CST), timedelta(hours=130)),
        )
        for filed, took in cases:
            r = request(s, o, 1, 1, "quality", "approved", None, filed)
            events(s, r, [("submit", "requested", filed), ("approve", "approved", filed + took)])


def test_the_quarter_review_counts_by_hand_in_china_time(context: AppContext) -> None:
    plant(context)
    _plant_boundary(context)
    now = context.clock()
    with context.uow(publish=False) as uow:
        analytics.rebuild(uow, now)
        uow.commit(now)
    with context.uow() as uow:  # proposals closed either side of the new year (China time)
        for closed_at in (
            datetime(2026, 12, 31, 23, 50, tzinfo=CST),
            datetime(2027, 1, 1, 0, 5, tzinfo=CST),
        ):
            pid = proposals.propose_as_customer(uow, Area.LOGISTICS, "faster pickups", now)
            proposals.triage(uow, pid, "wang.fang", Priority.NORMAL, "manager:boss", closed_at)
            proposals.close(uow, pid, Outcome.ADOPTED, "courier added", "manager:boss", closed_at)
        uow.commit(now)
    targets = SlaTargets(review_hours=120)
    with context.uow() as uow:
        q4 = process_review.review(uow, Quarter(2026, 4), targets)
        q1 = process_review.review(uow, Quarter(2027, 1), targets)
    # Q4: R1 30 min, R3 20, R4 10, B1 30, B3 130 h: five, four in time, median (3rd) 30 min
    assert (q4.now.reviews, q4.now.reviewed_in_time, q4.now.in_time_share) == (5, 4, 0.8)
    assert q4.now.review_median_hours == 0.5
    # R1 alone shipped (1.5 h after approval) and received a day later; labels 2100 + 1000
    assert (q4.now.approval_to_shipped_days, q4.now.shipped_to_received_days) == (0.1, 1.0)
    assert (q4.now.returns_shipped, q4.now.cost_per_return) == (2, 1550)
    # surveys: 5-5-4-4 / 10, 3-3-4-4 / 5, 4-4-4-4 / 8: two of three satisfied, NPS 1 − 1
    assert (q4.now.survey_answers, q4.now.csat, q4.now.nps) == (3, 66.7, 0.0)
    assert q4.before.reviews == 0 and q4.before.review_median_hours is None  # Q3: nothing
    assert (q1.now.reviews, q1.now.review_median_hours, q1.previous) == (1, 0.2, Quarter(2026, 4))
    assert q1.before == q4.now
    assert [p.closed_at for p in q4.closed] == [datetime(2026, 12, 31, 15, 50, tzinfo=UTC)]
    assert len(q1.closed) == 1 and q4.outcomes()[Outcome.ADOPTED] == 1


def test_the_pages_for_a_manager_and_an_agent(context: AppContext, tokens: Tokens) -> None:
    tokens(Role.MANAGER, username="boss")
    tokens(Role.AGENT, username="li.na")
    with TestClient(shared_app(context)) as browser:
        assert post_login(browser, "li.na", "correct horse battery").status_code == 303
        page = browser.get("/staff/improvements")
        assert 'data-menu="improvements"' in page.text and "改进建议" in page.text
        csrf = _CSRF.search(page.text)
        assert csrf is not None
        done = browser.post(
            "/staff/improvements",
            data={"csrf_token": csrf.group(1), "area": "refunds", "text": "Refund notice by SMS"},
        )
        assert done.status_code == 200 and 'data-status="new"' in done.text
        assert "/triage" not in done.text  # agents do not triage
        assert browser.get("/staff/reviews/quarterly").status_code == 403
    with TestClient(shared_app(context)) as browser:
        post_login(browser, "boss", "correct horse battery")
        page = browser.get("/staff/improvements?status=new", headers={"Accept-Language": "en"})
        assert "Refund notice by SMS" in page.text and "/triage" in page.text
        csrf = _CSRF.search(page.text)
        assert csrf is not None
        pid = re.search(r'data-proposal="(\d+)"', page.text)
        assert pid is not None
        shut = {"csrf_token": csrf.group(1), "outcome": "declined", "note": "SMS costs"}
        closed = browser.post(f"/staff/improvements/{pid.group(1)}/close", data=shut)
        assert 'data-outcome="declined"' in closed.text
        for language in ("zh", "en"):  # codes, people and money in words
            for path in ("/staff/improvements", "/staff/reviews/quarterly?quarter=2026-Q4"):
                shown = browser.get(path, headers={"Accept-Language": language}).text
                assert (
                    findings(shown, language, {"boss", "Refund notice by SMS", "SMS costs"}) == []
                ), (language, path)
        review = browser.get("/staff/reviews/quarterly?quarter=2026-Q4")
        assert 'data-quarter="2026-Q4"' in review.text and "季度流程评估" in review.text
        assert f'data-closed="{pid.group(1)}"' in review.text
        assert browser.get("/staff/reviews/quarterly?quarter=2026-Q9").status_code == 422
        csv = browser.get(
            "/staff/reviews/quarterly.csv?quarter=2026-Q4", headers={"Accept-Language": "en"}
        )
        assert (
            csv.status_code == 200
            and "process-review-2026-Q4.csv" in csv.headers["content-disposition"]
        )
        assert "Reviewed within the target (%)" in csv.text and "SMS costs" in csv.text
