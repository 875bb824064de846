"""The rollups the worker keeps from events equal a rebuild from the raw tables (issue 14,
R9.4), on SQLite and PostgreSQL: for the planted data set and for a request filed through
the API; a pass is idempotent (a retried pass changes nothing) and a second worker skips
while the first holds the mark."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text, update

from returnflow.app_context import AppContext
from returnflow.jobs import analytics as rollups
from returnflow.services import analytics
from returnflow.storage.schema.analytics import (
    DayDurationRow,
    DayMeasureRow,
    ReturnDayRow,
    RollupMarkRow,
)
from tests.api.test_analytics_planted import outbox, plant, utc

TABLES = (ReturnDayRow, DayMeasureRow, DayDurationRow)


def snapshot(context: AppContext) -> list[tuple[Any, ...]]:
    found: list[tuple[Any, ...]] = []
    with context.session_factory() as s:
        for table in TABLES:
            columns = [c for c in table.__table__.columns]
            for values in s.execute(select(*columns)):
                found.append((table.__tablename__, *values))
    return sorted(found, key=repr)


def rebuild(context: AppContext) -> None:
    with context.uow(publish=False) as uow:
        analytics.rebuild(uow, context.clock())
        uow.commit(context.clock())


def announce(context: AppContext, found: dict[str, Any]) -> None:
    """The events the planted facts would have raised, as the unit of work writes them."""
    r1, r3, r4 = (found[name].rma_no for name in ("R1", "R3", "R4"))
    for rma, at in (
        (r1, utc(11, 4)),
        (r1, utc(11, 4, 0, 30)),
        (r1, utc(11, 4, 2)),
        (r1, utc(11, 5, 2)),
        (r1, utc(11, 5, 3)),
        (r1, utc(11, 6, 4)),
        (r1, utc(11, 6, 5)),
        (r3, utc(11, 4, 1, 20)),
        (r4, utc(11, 10, 10, 10)),
        (r4, utc(11, 12, 10)),
        (found["R2"].rma_no, utc(11, 4)),
        (found["R6"].rma_no, utc(11, 4)),
    ):
        outbox(context, "return.changed", at, rma_no=rma)
    for at in (utc(11, 5), utc(11, 5, 0, 45), utc(11, 6), utc(11, 11), utc(11, 12), utc(11, 7)):
        outbox(context, "complaint.changed", at, complaint_no="C")


def test_rollups_kept_from_events_equal_a_rebuild(context: AppContext) -> None:
    job = rollups.AnalyticsJobs(context)
    job.refresh(context.clock())  # the first pass: a rebuild of nothing
    assert snapshot(context) == []
    found = plant(context)
    announce(context, found)
    assert job.refresh(context.clock()) > 0
    kept = snapshot(context)
    assert kept, "the pass wrote rollups"
    rebuild(context)
    assert snapshot(context) == kept


def test_the_first_pass_counts_the_history_already_there(context: AppContext) -> None:
    job = rollups.AnalyticsJobs(context)
    plant(context)  # no events at all: a database that had requests before the rollups
    job.refresh(context.clock())
    kept = snapshot(context)
    rebuild(context)
    assert kept and snapshot(context) == kept


def test_a_pass_is_idempotent_and_moves_its_mark(context: AppContext) -> None:
    job = rollups.AnalyticsJobs(context)
    job.refresh(context.clock())
    found = plant(context)
    announce(context, found)
    job.refresh(context.clock())
    kept = snapshot(context)
    assert job.refresh(context.clock()) == 0  # nothing new: nothing recomputed
    with context.session_factory() as s, s.begin():  # a retried pass: the mark never moved
        s.execute(update(RollupMarkRow).values(outbox_id=0, updated_at=utc(1, 1)))
    assert job.refresh(context.clock()) > 0
    assert snapshot(context) == kept


def test_a_request_filed_through_the_api_reaches_the_numbers(
    context: AppContext, client: TestClient, order_payload: Callable[..., dict[str, Any]]
) -> None:
    job = rollups.AnalyticsJobs(context)
    job.refresh(context.clock())  # the marks exist: what follows is news
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201
    body = {
        "order_no": "SO-1001",
        "type": "refund",
        "lines": [{"line_no": 1, "quantity": 1, "reason_code": "quality"}],
    }
    assert client.post("/api/v1/returns", json=body).status_code == 201
    job.refresh(context.clock())
    day = (context.clock() - _days(2)).astimezone(analytics_zone()).date().isoformat()
    answer = client.get(
        "/api/v1/analytics/return-rates",
        params={"group_by": "sku", "from": day, "to": day},
    ).json()
    by_sku = {r["key"]: r for r in answer["rows"]}
    assert (by_sku["BOTTLE-240"]["units_delivered"], by_sku["BOTTLE-240"]["units_returned"]) == (
        2,
        1,
    )
    kept = snapshot(context)
    rebuild(context)
    assert snapshot(context) == kept


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_second_worker_skips_while_the_first_holds_the_mark(context: AppContext) -> None:
    job = rollups.AnalyticsJobs(context)
    job.refresh(context.clock())  # the marks exist
    with context.session_factory() as holder, holder.begin():
        holder.execute(text("SELECT * FROM analytics_marks FOR UPDATE"))
        with context.uow(publish=False) as uow:
            assert analytics.refresh(uow, context.clock()) is None


def _days(n: int) -> Any:
    from datetime import timedelta

    return timedelta(days=n)


def analytics_zone() -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo("Asia/Shanghai")


_ = datetime


def test_the_worker_passes_at_most_every_ten_seconds(context: AppContext) -> None:
    """Issue 11: under load the round runs every 2 s; the rollups do not follow it."""
    job = rollups.AnalyticsJobs(context)
    now = context.clock()
    job.tick(now)
    announce(context, plant(context))
    assert job.tick(now + rollups.PASS_EVERY / 2) == 0  # too soon: nothing recomputed
    assert snapshot(context) == []
    assert job.tick(now + rollups.PASS_EVERY) > 0  # due: the new events reach the numbers
    assert snapshot(context)
