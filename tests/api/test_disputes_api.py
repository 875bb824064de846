"""Disputes end to end through the API and the worker, on SQLite and PostgreSQL (R8.3, R8.4):
a silent merchant loses at the deadline and the refund is paid once; a ruling over the
mediator's authority waits for a manager; one ruling only; both languages; who may do what."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.jobs.worker import Worker
from returnflow.notify.mailer import FileMailer
from returnflow.payments.sandbox import SandboxGateway
from returnflow.storage.schema import LedgerEntryRow, OutboxRow, RefundRow, ReturnRow
from tests.support.clock import FakeClock

OrderPayload = Callable[..., dict[str, Any]]
Tokens = Callable[..., str]
MERCHANT = "m-babycare"
BIG = 300_000  # ¥3,000.00: over the mediator's ¥2,000.00 limit


@pytest.fixture(autouse=True)
def orders(client: TestClient, order_payload: OrderPayload, context: AppContext) -> None:
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201
    line = {
        "line_no": 1,
        "sku": "STROLLER-1",
        "title": "婴儿推车",
        "category": "baby",
        "unit_price": BIG,
        "quantity": 1,
        "discount": 0,
        "flags": [],
    }
    big = order_payload(order_no="SO-2002", lines=[line], shipping_fee=0)
    assert client.post("/api/v1/orders", json=big).status_code == 201
    context.settings.instant_refund_enabled = False
    context.gateway = SandboxGateway(context.clock, settle_after=timedelta(0))


@pytest.fixture
def worker(context: AppContext, tmp_path: Path) -> Worker:
    return Worker(context, FileMailer(tmp_path))


_ISSUED: dict[tuple[Tokens, str], str] = {}  # keeps each factory: no reused ids


def bearer(tokens: Tokens, role: Role, name: str, merchant_id: str | None = None) -> dict[str, str]:
    """One account per name and test (the token factory creates the account)."""
    key = (tokens, name)
    if key not in _ISSUED:
        _ISSUED[key] = tokens(role, merchant_id=merchant_id, username=name)
    return {"Authorization": f"Bearer {_ISSUED[key]}"}


def upheld(client: TestClient, order_no: str = "SO-1001") -> str:
    """A request rejected, appealed, and the rejection upheld: the customer may dispute."""
    body = {
        "order_no": order_no,
        "type": "refund",
        "lines": [{"line_no": 1, "quantity": 1, "reason_code": "quality"}],
    }
    filed = client.post("/api/v1/returns", json=body)
    assert filed.status_code == 201, filed.text
    rma = str(filed.json()["rma_no"])
    steps = (
        ("reject", {"reason": "照片显示为人为损坏"}),
        ("appeal", {"statement": "收到时就是坏的"}),
        ("appeal/decision", {"decision": "uphold", "reason": "维持原判"}),
    )
    for path, step in steps:
        answer = client.post(f"/api/v1/returns/{rma}/{path}", json=step)
        assert answer.status_code in (200, 201), answer.text
    return rma


def open_for_customer(client: TestClient, tokens: Tokens, rma: str) -> dict[str, Any]:
    agent = bearer(tokens, Role.AGENT, "alice")
    opened = client.post(
        f"/api/v1/returns/{rma}/disputes", json={"statement": "商品有裂纹"}, headers=agent
    )
    assert opened.status_code == 201, opened.text
    body: dict[str, Any] = opened.json()
    return body


def count(context: AppContext, row: type[Any], *where: Any) -> int:
    with context.session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(row).where(*where)) or 0)


def test_a_silent_merchant_loses_at_the_deadline_and_is_paid_once(
    client: TestClient, context: AppContext, tokens: Tokens, worker: Worker, clock: FakeClock
) -> None:
    rma = upheld(client)
    opened = open_for_customer(client, tokens, rma)
    no = opened["dispute_no"]
    assert opened["status"] == "open" and no.startswith("DP")
    due = opened["evidence_due_at"]
    clock.advance(days=3, microseconds=-1)
    worker.tick()
    assert client.get(f"/api/v1/disputes/{no}").json()["status"] == "open"  # not yet
    clock.advance(microseconds=1)  # exactly the deadline
    worker.tick()
    worker.tick()  # the refund is submitted and settles
    ruled = client.get(f"/api/v1/disputes/{no}").json()
    assert ruled["status"] == "ruled" and ruled["evidence_due_at"] == due
    assert (ruled["ruling"]["outcome"], ruled["ruling"]["liable"]) == ("customer", "merchant")
    assert ruled["ruling"]["ruled_by"] == "system"
    refund = ruled["refund"]
    assert (refund["status"], refund["trigger"]) == ("succeeded", "ruling")
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "completed"
    assert "settle" in [change["action"] for change in ruled["history"]]  # without the goods
    clock.advance(hours=1)
    worker.tick()
    worker.tick()
    assert (
        count(context, RefundRow, RefundRow.return_id == ReturnRow.id, ReturnRow.rma_no == rma) == 1
    )
    paid = LedgerEntryRow.key.like(f"refund:{rma}:%:paid")
    assert count(context, LedgerEntryRow, paid) == 1
    submits = OutboxRow.topic == "refund.submit"
    assert count(context, OutboxRow, submits) == 1
    late = client.post(f"/api/v1/disputes/{no}/ruling", json=_ruling(), headers=_wu(tokens))
    assert (late.status_code, late.json()["code"]) == (409, "dispute_closed")


def _wu(tokens: Tokens) -> dict[str, str]:
    return bearer(tokens, Role.MEDIATOR, "wuyi")


def _ruling(**changes: Any) -> dict[str, Any]:
    return {"outcome": "customer", "liable": "merchant", "reason": "裂纹在出厂前已有", **changes}


def test_a_ruling_over_the_mediators_limit_waits_for_a_manager(
    client: TestClient, context: AppContext, tokens: Tokens, worker: Worker
) -> None:
    rma = upheld(client, "SO-2002")
    no = open_for_customer(client, tokens, rma)["dispute_no"]
    ruled = client.post(f"/api/v1/disputes/{no}/ruling", json=_ruling(), headers=_wu(tokens))
    assert ruled.status_code == 200, ruled.text
    body = ruled.json()
    assert body["status"] == "ruled"
    waiting = body["refund"]
    assert (waiting["status"], waiting["requested_by"], waiting["amount"]["amount"]) == (
        "awaiting_approval",
        "mediator:wuyi",
        BIG,
    )
    again = client.post(f"/api/v1/disputes/{no}/ruling", json=_ruling(), headers=_wu(tokens))
    assert again.status_code == 409
    worker.tick()
    assert count(context, OutboxRow, OutboxRow.topic == "refund.submit") == 0
    manager = bearer(tokens, Role.MANAGER, "mona")
    queue = client.get("/api/v1/finance/approvals", headers=manager).json()
    [approval] = [a for a in queue if a["subject"] == rma]
    decided = client.post(f"/api/v1/finance/approvals/{approval['id']}/approve", headers=manager)
    assert decided.status_code == 200, decided.text
    worker.tick()
    worker.tick()
    paid = client.get(f"/api/v1/disputes/{no}").json()["refund"]
    assert (paid["status"], paid["approved_by"]) == ("succeeded", "manager:mona")


def test_a_split_ruling_within_the_limit_pays_its_named_refund(
    client: TestClient, tokens: Tokens, worker: Worker
) -> None:
    rma = upheld(client)
    no = open_for_customer(client, tokens, rma)["dispute_no"]
    unnamed = client.post(
        f"/api/v1/disputes/{no}/ruling", json=_ruling(outcome="split"), headers=_wu(tokens)
    )
    assert (unnamed.status_code, unnamed.json()["code"]) == (422, "split_needs_refund")
    wrong = {"amount": 1000, "currency": "USD"}
    foreign = client.post(
        f"/api/v1/disputes/{no}/ruling", json=_ruling(refund=wrong), headers=_wu(tokens)
    )
    assert (foreign.status_code, foreign.json()["code"]) == (422, "award_currency")
    split = _ruling(
        outcome="split",
        refund={"amount": 2000, "currency": "CNY"},
        compensation={"amount": 500, "currency": "CNY"},
        agreement=True,
    )
    agreed = client.post(f"/api/v1/disputes/{no}/ruling", json=split, headers=_wu(tokens))
    assert agreed.status_code == 200, agreed.text
    body = agreed.json()
    assert body["status"] == "agreed" and body["ruling"]["refund"]["amount"] == 2000
    assert body["refund"]["amount"]["amount"] == 2500  # refund + compensation
    worker.tick()
    assert client.get(f"/api/v1/disputes/{no}").json()["refund"]["status"] == "succeeded"


def test_errors_speak_both_languages(client: TestClient, tokens: Tokens) -> None:
    rma = upheld(client)
    open_for_customer(client, tokens, rma)
    agent = bearer(tokens, Role.AGENT, "alice")
    answers = {
        language: client.post(
            f"/api/v1/returns/{rma}/disputes",
            json={"statement": "again"},
            headers={**agent, "Accept-Language": language},
        )
        for language in ("zh-CN", "en")
    }
    assert {a.status_code for a in answers.values()} == {409}
    assert answers["en"].json()["detail"] == "This request already has an open dispute"
    assert answers["zh-CN"].json()["detail"] == "该申请已有进行中的争议"


def test_who_may_do_what_and_merchants_see_only_their_own(
    client: TestClient, tokens: Tokens, clock: FakeClock
) -> None:
    rma = upheld(client)
    warehouse = bearer(tokens, Role.WAREHOUSE, "wang")
    refused = client.post(
        f"/api/v1/returns/{rma}/disputes", json={"statement": "x"}, headers=warehouse
    )
    assert refused.status_code == 403
    no = open_for_customer(client, tokens, rma)["dispute_no"]
    own = bearer(tokens, Role.MERCHANT, "acme", MERCHANT)
    other = bearer(tokens, Role.MERCHANT, "zeta", "m-other")
    assert client.get(f"/api/v1/disputes/{no}", headers=other).status_code == 404
    assert client.get("/api/v1/disputes", headers=other).json()["total"] == 0
    listed = client.get("/api/v1/disputes", headers=own).json()
    assert [d["dispute_no"] for d in listed["items"]] == [no]
    as_customer = {"side": "customer", "kind": "statement", "text": "我是顾客"}
    path = f"/api/v1/disputes/{no}/evidence"
    assert client.post(path, json=as_customer, headers=own).status_code == 403
    photo = {"kind": "photo", "photo_ids": ["a" * 32 + ".jpg"]}
    added = client.post(path, json=photo, headers=own)
    assert added.status_code == 201, added.text
    assert added.json()["status"] == "under_review"  # both sides heard
    record = {"side": "carrier", "kind": "carrier_record", "text": "签收时外箱完好"}
    assert (
        client.post(path, json=record, headers=bearer(tokens, Role.AGENT, "alice")).status_code
        == 201
    )
    detail = client.get(f"/api/v1/disputes/{no}", headers=own).json()
    assert [e["side"] for e in detail["evidence"]] == ["customer", "merchant", "carrier"]
    assert detail["history"][-1]["to_status"] in ("rejected", "pending_review")
    agent = bearer(tokens, Role.AGENT, "alice")
    ruling = client.post(f"/api/v1/disputes/{no}/ruling", json=_ruling(), headers=agent)
    assert ruling.status_code == 403
    assert (
        client.post(f"/api/v1/disputes/{no}/ruling", json=_ruling(), headers=own).status_code == 403
    )
    clock.advance(days=3)
    late = client.post(path, json={"kind": "statement", "text": "晚了"}, headers=own)
    assert (late.status_code, late.json()["code"]) == (409, "evidence_late")


@pytest.mark.parametrize(
    "body",
    [
        {"statement": ""},
        {"statement": "x" * 4001},
        {},
    ],
)
def test_bad_input_is_refused_not_crashed(client: TestClient, body: dict[str, Any]) -> None:
    rma = upheld(client)
    assert client.post(f"/api/v1/returns/{rma}/disputes", json=body).status_code == 422


def test_a_bad_ruling_body_is_refused(client: TestClient, tokens: Tokens) -> None:
    rma = upheld(client)
    no = open_for_customer(client, tokens, rma)["dispute_no"]
    for bad in (
        _ruling(liable="weather"),
        _ruling(refund={"amount": -1, "currency": "CNY"}),
        _ruling(refund={"amount": 10**15, "currency": "CNY"}),
        _ruling(reason=""),
    ):
        answer = client.post(f"/api/v1/disputes/{no}/ruling", json=bad, headers=_wu(tokens))
        assert answer.status_code == 422, bad
    assert client.get("/api/v1/disputes/nope!").status_code in (404, 422)
