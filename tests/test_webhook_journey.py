"""Acceptance (issue 13, R15.1): integrators hear everything, signed and in order.

A real HTTP subscriber on 127.0.0.1 is subscribed to `return.*`, `refund.*` and
`inventory.*` (one path and secret each). A request walks filed → approved → shipped →
received → inspected (at the warehouse, graded and put away) → refunded → completed
while the real worker ticks on the fake clock: the order system's subscription hears
every status change in order, each signed (checked with the README's snippet), the
first answer is a 500 that is retried after its backoff, and the warehouse system's
subscription hears every stock movement.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from returnflow.app_context import AppContext
from returnflow.domain.webhooks import matches
from returnflow.jobs.worker import Worker
from returnflow.notify.mailer import FileMailer
from returnflow.payments.sandbox import SandboxGateway
from returnflow.storage.schema import InventoryMovementRow, OutboxRow
from tests.support.clock import FakeClock
from tests.support.webhook_receiver import receiving, verify_returnflow_webhook

OrderPayload = Callable[..., dict[str, Any]]
W = "/api/v1/warehouse"
FAMILIES = ("return", "refund", "inventory")
CHECKS = ["appearance", "accessories", "packaging", "hygiene_seal"]
JOURNEY = ["approved", "in_transit", "received", "inspected", "refunded", "completed"]


@dataclass
class Integrator:
    """The order and warehouse systems' stand-in: one path and secret per family."""

    clock: FakeClock
    base: str = ""
    secrets: dict[str, str] = field(default_factory=dict)
    fail_next: dict[str, int] = field(default_factory=dict)
    heard: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    answers: list[tuple[str, int]] = field(default_factory=list)
    bad_signatures: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> int:
        family = path.rsplit("/", 1)[-1]
        header = headers.get("X-ReturnFlow-Signature", "")
        now = self.clock().timestamp()
        with self.lock:
            if not verify_returnflow_webhook(self.secrets.get(family, ""), header, body, now=now):
                self.bad_signatures += 1
                return 401
            event = json.loads(body)
            assert event["type"].startswith(f"{family}.")
            assert headers["Idempotency-Key"] == event["id"]
            if self.fail_next.get(family, 0) > 0:
                self.fail_next[family] -= 1
                self.answers.append((event["id"], 500))
                return 500
            self.answers.append((event["id"], 204))
            self.heard.setdefault(family, []).append(event)
            return 204


@pytest.fixture
def integrator(clock: FakeClock) -> Iterator[Integrator]:
    stand_in = Integrator(clock)
    with receiving(stand_in.handle) as base:
        stand_in.base = f"{base}/hooks"
        yield stand_in


def _subscribe(client: TestClient, integrator: Integrator) -> None:
    for family in FAMILIES:
        created = client.post(
            "/api/v1/webhooks/subscriptions",
            json={"event_type": f"{family}.*", "url": f"{integrator.base}/{family}"},
        )
        assert created.status_code == 201, created.text
        integrator.secrets[family] = created.json()["secret"]


def _walk_to_the_warehouse(client: TestClient) -> str:
    body = {
        "order_no": "SO-1001",
        "type": "refund",
        "lines": [{"line_no": 1, "quantity": 1, "reason_code": "quality"}],
    }
    filed = client.post("/api/v1/returns", json=body)
    assert filed.status_code == 201, filed.text
    rma = str(filed.json()["rma_no"])
    assert filed.json()["status"] == "pending_review"  # a fault without photos: a person
    assert client.post(f"/api/v1/returns/{rma}/approve").status_code == 200
    ship = {"carrier": "顺丰速运", "tracking_no": "SF1234567890"}
    assert client.post(f"/api/v1/returns/{rma}/ship", json=ship).status_code == 200
    assert client.post(f"/api/v1/returns/{rma}/receive").status_code == 200
    checks = [{"check": name, "mark": "pass", "note": ""} for name in CHECKS]
    inspection = {"checks": checks, "grade": "A", "responsibility": "none"}
    inspected = client.post(f"{W}/returns/{rma}/inspection", json=inspection)
    assert inspected.status_code == 201, inspected.text
    disposed = client.post(f"{W}/returns/{rma}/dispositions", json={"line_no": 1})
    assert disposed.status_code == 201, disposed.text
    stored = client.post(f"{W}/returns/{rma}/put-away", json={"line_no": 1, "bin": "A-01-02"})
    assert stored.status_code == 200, stored.text
    return rma


def _outbox(context: AppContext, family: str) -> list[tuple[int, str]]:
    """The family's committed events a `<family>.*` subscription is sent, in order."""
    with context.session_factory() as session:
        rows = session.execute(select(OutboxRow.id, OutboxRow.topic).order_by(OutboxRow.id))
        return [(row.id, row.topic) for row in rows if matches(f"{family}.*", row.topic)]


def _status(client: TestClient, rma: str) -> str:
    return str(client.get(f"/api/v1/returns/{rma}").json()["status"])


def _tick_until_heard(worker: Worker, clock: FakeClock, done: Callable[[], bool]) -> int:
    for round_no in range(1, 41):
        worker.tick()
        if done():
            return round_no
        clock.advance(seconds=31)  # past the sandbox's settling and the first backoff
    raise AssertionError("the worker never delivered everything")


def test_every_status_refund_and_stock_change_reaches_the_integrator_signed_in_order(
    client: TestClient,
    context: AppContext,
    clock: FakeClock,
    integrator: Integrator,
    order_payload: OrderPayload,
    tmp_path: Path,
) -> None:
    context.gateway = SandboxGateway(context.clock, settle_after=clock.now - clock.now)
    context.settings.instant_refund_enabled = False  # the refund follows the inspection
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201
    _subscribe(client, integrator)
    integrator.fail_next["return"] = 1  # the order system's first answer is a 500
    rma = _walk_to_the_warehouse(client)
    worker = Worker(context, FileMailer(tmp_path))

    def everything_heard() -> bool:
        if _status(client, rma) != "completed":
            return False
        return all(
            len(integrator.heard.get(family, [])) == len(_outbox(context, family))
            for family in FAMILIES
        )

    _tick_until_heard(worker, clock, everything_heard)
    assert integrator.bad_signatures == 0

    # the order system: every status change, in the outbox's order, after one retry
    first_id, first_answer = integrator.answers[0]
    assert first_answer == 500
    assert (first_id, 204) in integrator.answers[1:]  # the same event, delivered again
    returns = integrator.heard["return"]
    assert [e["id"] for e in returns] == [f"evt_{i}" for i, _ in _outbox(context, "return")]
    changes = [e for e in returns if "from_status" in e["data"]]
    assert [e["data"]["status"] for e in changes] == ["pending_review", *JOURNEY]
    assert changes[0]["type"] == "return.created" and changes[0]["data"]["from_status"] is None
    for before, after in pairwise(changes):
        assert after["type"] == f"return.{after['data']['status']}"
        assert after["data"]["from_status"] == before["data"]["status"]
    assert all("email" not in e["data"] for e in returns)  # no contact details leave
    for event in changes:
        data = event["data"]
        assert (data["rma_no"], data["order_no"]) == (rma, "SO-1001")
        assert datetime.fromisoformat(data["occurred_at"]).tzinfo is not None
    refunded = next(e for e in changes if e["data"]["status"] == "refunded")
    assert (refunded["data"]["amount"], refunded["data"]["currency"]) == (8400, "CNY")

    # the order system's refund feed: owed, submitted, paid — each with the amount
    refunds = integrator.heard["refund"]
    assert "refund.submit" not in {e["type"] for e in refunds}  # the worker's own command
    kinds = [e["type"] for e in refunds]
    assert kinds[0] == "refund.requested" and kinds[-1] == "refund.paid"
    assert all(
        (e["data"]["rma_no"], e["data"]["amount"], e["data"]["currency"]) == (rma, 8400, "CNY")
        for e in refunds
    )
    assert refunds[-1]["data"]["status"] == "succeeded"

    # the warehouse system: every movement of the ledger, in order, once
    with context.session_factory() as session:
        booked = session.scalars(
            select(InventoryMovementRow).order_by(InventoryMovementRow.id)
        ).all()
        ledger = [(m.id, m.kind, m.from_location, m.to_location, m.quantity) for m in booked]
    moved = [e["data"] for e in integrator.heard["inventory"]]
    assert [e["type"] for e in integrator.heard["inventory"]] == ["inventory.moved"] * len(ledger)
    heard = [
        (d["movement_id"], d["reason"], d["from_location"], d["to_location"], d["quantity"])
        for d in moved
    ]
    assert heard == ledger
    assert [d["reason"] for d in moved] == ["receive", "grade", "put_away"]
    assert moved[-1]["to_location"] == "A-01-02" and moved[-1]["to_grade"] == "A"
    assert all((d["sku"], d["rma_no"]) == ("BOTTLE-240", rma) for d in moved)
