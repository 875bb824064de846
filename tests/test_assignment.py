"""Review work given to people and decided in bulk (issue 16, seed 000 §7.2.3), through the
services on both databases: take, assign, the trail, the queue's filters and workload,
and bulk decisions bounded by the reviewer's money authority and the lifecycle."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from returnflow.app_context import AppContext
from returnflow.domain.access import Principal, Role
from returnflow.domain.lifecycle import Action, Status
from returnflow.domain.text import DomainError
from returnflow.services import assignment
from returnflow.services.assignment import QueueFilter
from returnflow.services.assignment_bulk import decide_one
from tests.support.clock import FakeClock
from tests.test_console_pages import file

Tokens = Callable[..., str]


def principal_of(context: AppContext, username: str) -> Principal:
    with context.uow() as uow:
        found = uow.accounts.credentials(username)
    assert found is not None
    return found[0]


def act(context: AppContext, step: Callable[..., Any]) -> Any:
    now = context.clock()
    with context.uow() as uow:
        result = step(uow, now)
        uow.commit(now)
    return result


@pytest.fixture
def people(context: AppContext, tokens: Tokens) -> dict[str, Principal]:
    for role, name in ((Role.AGENT, "a.li"), (Role.AGENT, "b.wang"), (Role.MANAGER, "m.zhao")):
        tokens(role, username=name)
    tokens(Role.WAREHOUSE, username="w.sun")
    return {name: principal_of(context, name) for name in ("a.li", "b.wang", "m.zhao", "w.sun")}


@pytest.fixture
def big_order(client: TestClient, order_payload: Callable[..., dict[str, Any]]) -> None:
    """SO-1001 (a 84 yuan claim) and SO-BIG, whose claim of 1,800 yuan is over an agent's limit."""
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201
    big = order_payload(order_no="SO-BIG")
    big["lines"][0]["unit_price"] = 180_000
    big["lines"][0]["discount"] = 0
    assert client.post("/api/v1/orders", json=big).status_code == 201


@pytest.mark.usefixtures("big_order")
def test_take_assign_trail_and_the_queue_by_holder(
    context: AppContext, client: TestClient, people: dict[str, Principal], clock: FakeClock
) -> None:
    first = file(client)["rma_no"]
    clock.advance(minutes=5)
    second = file(client, order_no="SO-BIG")["rma_no"]
    a, b, boss = people["a.li"], people["b.wang"], people["m.zhao"]
    assert act(context, lambda uow, now: assignment.take(uow, first, a, now)) is True
    assert act(context, lambda uow, now: assignment.take(uow, first, a, now)) is False  # again
    with pytest.raises(DomainError) as taken:
        act(context, lambda uow, now: assignment.take(uow, first, b, now))
    assert taken.value.code == "already_assigned"
    with pytest.raises(DomainError) as agents_may_not:
        act(context, lambda uow, now: assignment.assign(uow, first, b.user_id, a, now))
    assert agents_may_not.value.code == "forbidden"
    with pytest.raises(DomainError) as not_reviewer:
        act(
            context,
            lambda uow, now: assignment.assign(uow, first, people["w.sun"].user_id, boss, now),
        )
    assert not_reviewer.value.code == "not_a_reviewer"
    act(context, lambda uow, now: assignment.assign(uow, first, b.user_id, boss, now))

    now = context.clock()
    with context.uow() as uow:
        trail = assignment.trail(uow, first)
        mine = assignment.queue(uow, QueueFilter(assignee_id=b.user_id), now, 1, 50)
        free = assignment.queue(uow, QueueFilter(unassigned=True), now, 1, 50)
        big_first = assignment.queue(uow, QueueFilter(sort="amount_high"), now, 1, 50)
        workload = {w.user_id: w.held for w in assignment.workload(uow, now)}
        names = [r.username for r in assignment.reviewers(uow)]
    assert [(r.user_id, r.previous_user_id, r.by) for r in trail] == [
        (a.user_id, None, a.actor),
        (b.user_id, a.user_id, boss.actor),
    ]
    assert [e.rma_no for e in mine.found.entries] == [first]
    assert mine.found.entries[0].assignee_name == "b.wang"
    assert [e.rma_no for e in free.found.entries] == [second]
    assert [e.rma_no for e in big_first.found.entries] == [second, first]
    assert workload == {b.user_id: 1, None: 1}
    assert "w.sun" not in names and {"a.li", "b.wang", "m.zhao"} <= set(names)
    if context.settings.database_url.startswith("postgresql"):  # the trail is append-only
        with context.session_factory() as session, pytest.raises(DBAPIError):
            session.execute(text("UPDATE review_assignment_log SET by = 'someone else'"))


@pytest.mark.usefixtures("big_order")
def test_bulk_decisions_keep_to_authority_and_never_decide_twice(
    context: AppContext, client: TestClient, people: dict[str, Principal]
) -> None:
    small = file(client)["rma_no"]
    big = file(client, order_no="SO-BIG")["rma_no"]
    agent, boss = people["a.li"], people["m.zhao"]

    def approve(rma_no: str, who: Principal) -> None:
        act(context, lambda uow, now: decide_one(uow, rma_no, Action.APPROVE, who, now))

    approve(small, agent)
    with pytest.raises(DomainError) as twice:  # a second click finds it decided
        approve(small, agent)
    assert twice.value.code != "over_authority"
    with pytest.raises(DomainError) as over:
        approve(big, agent)
    assert over.value.code == "over_authority" and "limit" in over.value.message.en
    with pytest.raises(DomainError):  # a rejection gives its reason
        act(context, lambda uow, now: decide_one(uow, big, Action.REJECT, agent, now))
    approve(big, boss)  # a manager has no limit
    with context.uow() as uow:
        statuses = {no: uow.returns.get(no).status for no in (small, big)}  # type: ignore[union-attr]
    assert statuses == {small: Status.APPROVED, big: Status.APPROVED}
    with pytest.raises(DomainError) as gone:  # decided requests cannot be taken any more
        act(context, lambda uow, now: assignment.take(uow, big, agent, now))
    assert gone.value.code == "not_in_review"


@pytest.mark.usefixtures("big_order")
def test_the_queue_and_assignments_over_the_api(
    client: TestClient, people: dict[str, Principal]
) -> None:
    first, second = file(client)["rma_no"], file(client, order_no="SO-BIG")["rma_no"]
    taken = client.post(f"/api/v1/returns/{first}/take")
    assert taken.status_code == 200, taken.text
    moved = client.post(
        f"/api/v1/returns/{second}/assign", json={"assignee_id": people["b.wang"].user_id}
    )
    assert moved.json()["assignee_name"] == "b.wang"
    mine = client.get("/api/v1/review-queue", params={"mine": "true"}).json()
    assert [item["rma_no"] for item in mine["items"]] == [first] and mine["total"] == 1
    biggest = client.get("/api/v1/review-queue", params={"sort": "amount_high"}).json()
    assert biggest["items"][0]["refund_total"] == {"amount": 180_000, "currency": "CNY"}
    assert biggest["items"][0]["assigned_by"] == "admin:root"
    refused = client.post(f"/api/v1/returns/{second}/assign", json={"assignee_id": 999999})
    assert refused.status_code == 422 and refused.json()["code"] == "not_a_reviewer"
    assert client.get("/api/v1/review-queue", params={"sort": "drop"}).status_code == 422
