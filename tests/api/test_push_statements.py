"""Issue 11 (peak-day speed): what one carrier push costs the database, pinned.

A signed push to `POST /api/v1/carriers/{carrier}/webhook` on PostgreSQL, counted by
SQLAlchemy's engine events the way benchmarks/bench_tracking.py counts them (every
statement sent, `before_cursor_execute`), for the three pushes a peak day is made of:
the first scans of a waybill, the same push again, and a late scan dated between two
stored ones. Whatever the commit sets off on the message bus runs inside the request
and is counted too; the request's move and the instant refund wait for the worker.

Before: 42 statements for a first push (the request shipped and the instant refund
asked for inside it), 3 for a repeat, 9 for a late scan (bench_tracking, 2026-12-07).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from returnflow.app_context import AppContext
from returnflow.storage.schema import OutboxRow, RefundRow, TrackingEventRow
from tests.support.carrier_double import SignedPushCarrier, push_signed, scan
from tests.support.clock import FakeClock
from tests.support.pickups import approved_rma
from tests.support.shipments import add_shipment, shipment_status
from tests.support.statements import counting

# the most each push may cost; lower them when a change saves more, never raise them
FIRST = 4  # the scans, the shipment (read, then moved on), the worker's outbox message
REPEAT = 1  # the scans' insert, which finds them all stored
LATE = 2  # the scans, the shipment read: its state does not change


@pytest.fixture
def carrier(context: AppContext, clock: FakeClock) -> SignedPushCarrier:
    if not context.settings.database_url.startswith("postgresql"):
        pytest.skip("the figures pinned are PostgreSQL's (SQLite counts differently)")
    double = SignedPushCarrier(clock)
    context.carriers = {"fastex": double}
    return double


@pytest.fixture
def rma(client: TestClient, order_payload: Callable[..., dict[str, Any]]) -> str:
    return approved_rma(client, order_payload)


def _push(client: TestClient, carrier: SignedPushCarrier, *events: dict[str, Any]) -> None:
    answer = push_signed(client, carrier, *events)
    assert answer.status_code == 200, answer.text


def _count(context: AppContext, table: Any, *where: Any) -> int:
    with context.session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(table).where(*where)) or 0)


def test_first_repeated_and_late_pushes_cost_at_most_the_pinned_statements(
    client: TestClient, context: AppContext, carrier: SignedPushCarrier, rma: str, clock: FakeClock
) -> None:
    shipment = add_shipment(context, rma, clock.now)
    clock.advance(hours=6)
    picked = scan(clock.now - timedelta(hours=5), "accepted", "揽收")
    moving = scan(clock.now - timedelta(hours=2), "in_transit", "离开转运中心")
    late = scan(clock.now - timedelta(hours=3, minutes=30), "in_transit", "到达转运中心")

    with counting(context) as first:
        _push(client, carrier, moving, picked)
    assert shipment_status(context, shipment) == "in_transit"
    assert _count(context, TrackingEventRow) == 2
    assert _count(context, OutboxRow, OutboxRow.topic == "shipment.picked_up") == 1
    assert _count(context, RefundRow) == 0  # the instant refund waits for the worker
    assert len(first) <= FIRST, "\n".join(first)

    with counting(context) as repeat:
        _push(client, carrier, moving, picked)
    assert _count(context, TrackingEventRow) == 2
    assert len(repeat) <= REPEAT, "\n".join(repeat)

    with counting(context) as later:
        _push(client, carrier, moving, late, picked)
    assert _count(context, TrackingEventRow) == 3
    assert shipment_status(context, shipment) == "in_transit"
    assert _count(context, OutboxRow, OutboxRow.topic == "shipment.picked_up") == 1
    assert len(later) <= LATE, "\n".join(later)
