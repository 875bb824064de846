"""The demo's bells (issue 13, demo/notifications.py): every demo account opens a console whose
bell already has something, made by the same rules as live traffic, some of it read."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from tempfile import TemporaryDirectory

import pytest

from returnflow.app_context import AppContext
from returnflow.config import Settings
from returnflow.demo import notifications
from returnflow.demo.accounts import create_demo_accounts
from returnflow.demo.generator import generate
from returnflow.domain.lifecycle import Status
from returnflow.domain.staff_notice_words import request_filed
from returnflow.domain.staff_notices import StaffNotice
from returnflow.services import staff_notices as service
from returnflow.storage.scratch import scratch_database

# one worker builds this module's demo once (xdist would build it on both)
pytestmark = pytest.mark.xdist_group("demo_notifications")

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
SEED = 7


@dataclass(frozen=True)
class Bells:
    made: int
    made_again: int
    seen: dict[str, tuple[StaffNotice, ...]]  # username -> what the account sees
    pending: frozenset[str]  # requests waiting for review
    filed: dict[str, tuple[str, str, str]]  # rma -> (order no, status at filing, when)


@cache
def _bells() -> Bells:
    with scratch_database("sqlite") as url, TemporaryDirectory() as uploads:
        context = AppContext.from_settings(Settings(database_url=url, upload_dir=uploads))
        try:
            generate(context, orders=1500, seed=SEED, now=NOW)
            create_demo_accounts(context, SEED, NOW)
            made = notifications.ring(context, NOW, SEED)
            made_again = notifications.ring(context, NOW, SEED)
            with context.uow() as uow:
                users, _ = uow.accounts.list_users(0, 100)
                seen = {
                    user.principal.username: service.notices_for(
                        uow, user.principal, page_size=100
                    ).notices
                    for user in users
                }
                pending = uow.journeys.resting_since([Status.PENDING_REVIEW], NOW)
                filed = {
                    str(data["rma_no"]): (
                        str(data["order_no"]),
                        str(data["status"]),
                        str(data["occurred_at"]),
                    )
                    for name, data in uow.staff_notices.events(["return.created"])
                }
        finally:
            context.engine.dispose()
    return Bells(made, made_again, seen, frozenset(pending), filed)


@pytest.fixture(scope="module")
def bells() -> Bells:
    return _bells()


def _kinds(notices: tuple[StaffNotice, ...], *, unread: bool | None = None) -> Counter[str]:
    return Counter(n.kind.value for n in notices if unread is None or n.unread is unread)


def test_every_audience_finds_its_own_kinds_and_running_again_makes_nothing(
    bells: Bells,
) -> None:
    assert bells.made > 0 and bells.made_again == 0
    seen = {user: _kinds(found) for user, found in bells.seen.items()}
    assert {"request_filed", "dispute_opened"} <= set(seen["merchant"])
    assert {"appeal_filed", "message"} <= set(seen["agent"])
    assert "complaint_breached" in seen["manager"]
    assert set(seen["mediator"]) == {"dispute_waiting"}
    assert not seen["warehouse"]  # nothing in the rules speaks to the warehouse


def test_some_are_read_and_what_still_waits_stays_unread(bells: Bells) -> None:
    for user in ("merchant", "agent", "manager"):
        found = bells.seen[user]
        assert any(n.unread for n in found), user
        assert any(not n.unread for n in found), user
    for notice in bells.seen["merchant"]:
        if notice.kind.value == "request_filed" and notice.rma_no in bells.pending:
            assert notice.unread  # waiting for the merchant's review: the bell keeps it
    assert all(n.unread for n in bells.seen["mediator"])


def test_they_are_made_when_their_event_happened_by_the_live_rules(bells: Bells) -> None:
    for found in bells.seen.values():
        for notice in found:
            assert NOW - notifications.WINDOW <= notice.created_at <= NOW
            if notice.read_at is not None:
                assert notice.created_at <= notice.read_at <= NOW
            if notice.unread and notice.kind.value != "request_filed":
                waiting = notice.kind.value == "dispute_waiting"
                assert NOW - notice.created_at < notifications.FRESH or waiting
    request = next(n for n in bells.seen["merchant"] if n.kind.value == "request_filed")
    order_no, status, filed_at = bells.filed[request.rma_no]
    assert request.created_at == datetime.fromisoformat(filed_at)  # when the request was filed
    data = {"rma_no": request.rma_no, "order_no": order_no, "merchant_id": "m-babycare"}
    [draft] = request_filed({**data, "status": status})
    assert (request.subject, request.body) == (draft.subject, draft.body)
