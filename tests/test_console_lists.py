"""The console's lists (issue 16): one pager that keeps the filters, the review queue's
filters, sorts, views and holders, take / assign from the page, and bulk decisions that
say in words what went through and what was refused."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.storage.schema import StoreCreditAccountRow
from returnflow.web import console_resolutions, console_review
from returnflow.web.paging import pager
from tests.support.clock import FakeClock
from tests.test_console_pages import csrf_from, file, rows_in, sign_in

Tokens = Callable[..., str]


def test_the_pager_counts_rows_and_keeps_filters() -> None:
    control = pager("/staff/x", 312, 2, {"status": "pending_review", "merchant": ""})
    assert (control.first, control.last, control.pages) == (51, 100, 7)
    assert control.previous_url == "/staff/x?status=pending_review"
    assert control.next_url == "/staff/x?status=pending_review&page=3"
    last = pager("/staff/x", 312, 99, {})
    assert (last.page, last.first, last.last, last.next_url) == (7, 301, 312, None)
    assert pager("/staff/x", 0, 1, {}).first == 0


@pytest.fixture
def queue(
    client: TestClient, order_payload: Callable[..., dict[str, Any]], clock: FakeClock
) -> list[str]:
    """Three requests waiting for review, oldest first; the last one is over 500 yuan."""
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201
    big = order_payload(order_no="SO-BIG")
    big["lines"][0].update(unit_price=180_000, discount=0)
    assert client.post("/api/v1/orders", json=big).status_code == 201
    filed = [file(client)["rma_no"]]
    clock.advance(minutes=5)
    filed.append(file(client)["rma_no"])  # the second of two bottles
    clock.advance(minutes=5)
    filed.append(file(client, order_no="SO-BIG")["rma_no"])
    return filed


@pytest.fixture
def agent(context: AppContext, tokens: Tokens) -> Iterator[TestClient]:
    tokens(Role.AGENT, username="li.na")
    with sign_in(context, "li.na") as signed_in:
        yield signed_in


def test_the_queue_pages_filters_and_sorts_keeping_each_other(
    agent: TestClient, queue: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(console_review, "PAGE_SIZE", 2)
    first = agent.get("/staff/review").text
    assert rows_in(first, "queue") == queue[:2]
    assert "第 1–2 条，共 3 条" in first and 'rel="next" href="/staff/review?page=2"' in first
    second = agent.get("/staff/review?page=2", headers={"Accept-Language": "en"}).text
    assert rows_in(second, "queue") == queue[2:] and "3–3 of 3" in second
    biggest = agent.get("/staff/review?sort=amount_high").text
    assert rows_in(biggest, "queue")[0] == queue[2]
    assert 'href="/staff/review?sort=amount_high&amp;page=2"' in biggest
    by_merchant = agent.get("/staff/review?merchant=m-babycare&type=refund&age=overdue").text
    assert 'data-empty="true"' in by_merchant  # nothing is overdue yet
    assert rows_in(agent.get("/staff/review?merchant=m-babycare").text, "queue") == queue[:2]
    odd = agent.get("/staff/review?type=bogus&sort=drop&page=-1&holder=x")
    assert odd.status_code == 200 and rows_in(odd.text, "queue") == queue[:2]


def test_take_assign_and_the_team_workload_from_the_page(
    context: AppContext, agent: TestClient, tokens: Tokens, queue: list[str]
) -> None:
    page = agent.get("/staff/review?sort=newest").text
    assert 'data-action="assign"' not in page  # agents take; managers assign
    csrf = csrf_from(page)
    taken = agent.post(
        f"/staff/review/{queue[0]}/take",
        data={"csrf_token": csrf, "sort": "newest"},
        follow_redirects=False,
    )
    assert taken.status_code == 303
    assert taken.headers["location"].startswith("/staff/review?sort=newest&done=taken")
    mine = agent.get("/staff/review?view=mine").text
    assert rows_in(mine, "queue") == [queue[0]]
    tokens(Role.AGENT, username="wang.wu")
    tokens(Role.MANAGER, username="boss")
    with sign_in(context, "wang.wu") as other:
        refused = other.post(
            f"/staff/review/{queue[0]}/take",
            data={"csrf_token": csrf_from(other.get("/staff/review").text)},
        )
        assert refused.status_code == 422 and "已分派给他人" in refused.text
    with sign_in(context, "boss") as boss:
        team = boss.get("/staff/review").text
        wang = re.search(r'<option value="(\d+)"[^>]*>wang\.wu</option>', team)
        assert wang and 'data-workload="true"' in team
        moved = boss.post(
            f"/staff/review/{queue[0]}/assign",
            data={"csrf_token": csrf_from(team), "assignee": wang.group(1)},
        )
        assert moved.status_code == 200 and "申请 " + queue[0] + " 已改派" in moved.text
        assert f'data-person="{wang.group(1)}" data-held="1"' in moved.text
        assert 'data-person="none" data-held="2"' in moved.text
        assert 'data-assigned-by="manager:boss"' in moved.text  # who gave it, and when
    assert 'data-empty="true"' in agent.get("/staff/review?view=mine").text


def test_bulk_approval_says_what_went_through_and_why_not(
    agent: TestClient, queue: list[str]
) -> None:
    page = agent.get("/staff/review", headers={"Accept-Language": "en"}).text
    ticked = {"csrf_token": csrf_from(page), "decision": "approve", "rma_no": queue}
    result = agent.post("/staff/review/bulk", data=ticked, headers={"Accept-Language": "en"})
    assert result.status_code == 200
    outcomes = dict(re.findall(r'<li data-rma="([^"]+)" data-done="(true|false)"', result.text))
    assert outcomes == {queue[0]: "true", queue[1]: "true", queue[2]: "false"}
    assert "2 of 3 approved." in result.text and "over your limit" in result.text
    assert "(refund CN¥1,800.00, your limit CN¥500.00)" in result.text
    again = agent.post("/staff/review/bulk", data=ticked, headers={"Accept-Language": "en"})
    assert 'data-done="true"' not in again.text  # the second click decides nothing twice
    nothing = agent.post("/staff/review/bulk", data={"csrf_token": ticked["csrf_token"]})
    assert nothing.status_code == 422 and "请先勾选" in nothing.text
    no_reason = {**ticked, "decision": "reject", "template": "other", "rma_no": [queue[2]]}
    assert agent.post("/staff/review/bulk", data=no_reason).status_code == 422
    rejected = agent.post("/staff/review/bulk", data={**no_reason, "template": "photos"}).text
    assert f'<li data-rma="{queue[2]}" data-done="true">' in rejected


def test_store_credit_accounts_and_shipment_requests_page_too(
    context: AppContext, tokens: Tokens, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(console_resolutions, "PAGE_SIZE", 2)
    with context.session_factory() as session:
        for number in range(3):
            at = clock.now - timedelta(minutes=number)
            row = StoreCreditAccountRow(customer_id=f"c-{number}", currency="CNY", balance=100)
            row.updated_at = at
            session.add(row)
        session.commit()
    tokens(Role.MANAGER, username="boss")
    with sign_in(context, "boss") as boss:
        first = boss.get("/staff/store-credit").text
        assert first.count('href="/staff/store-credit?customer_id=') == 2
        assert "第 1–2 条，共 3 条" in first
        second = boss.get("/staff/store-credit?page=2").text
        assert 'customer_id=c-2"' in second and 'rel="prev" href="/staff/store-credit"' in second
        assert boss.get("/staff/shipment-requests?status=all&page=9").status_code == 200
        assert boss.get("/staff/receiving/unidentified?state=all&page=9").status_code == 200
