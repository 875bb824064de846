"""Refunds end to end through the API and the worker: workings, authority, notifications,
instant refunds and recovery, deadlines, the ledger and reconciliation (issue 5)."""

from __future__ import annotations

import email
import email.policy
import io
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.domain.ledger import Account, trial_balance_is_zero
from returnflow.jobs.worker import Worker
from returnflow.notify.mailer import FileMailer
from returnflow.payments.sandbox import SandboxGateway
from returnflow.services import approvals as approval_service
from returnflow.storage.schema import OutboxRow, RefundRow, ReturnEventRow
from tests.support.clock import FakeClock

OrderPayload = Callable[..., dict[str, Any]]
SHIP = {"carrier": "顺丰速运", "tracking_no": "SF1234567890"}


@pytest.fixture(autouse=True)
def order(client: TestClient, order_payload: OrderPayload) -> None:
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201


@pytest.fixture
def sandbox(context: AppContext) -> SandboxGateway:
    """The demo gateway, settling 30 s after a submission (on the fake clock)."""
    gateway = SandboxGateway(context.clock, settle_after=timedelta(seconds=30))
    context.gateway = gateway
    return gateway


@pytest.fixture
def worker(context: AppContext, tmp_path: Any) -> Worker:
    return Worker(context, FileMailer(tmp_path))


def _file(
    client: TestClient, type_: str = "refund", reason: str = "no_reason", **extra: Any
) -> str:
    body = {
        "order_no": "SO-1001",
        "type": type_,
        "lines": [{"line_no": 1, "quantity": 1, "reason_code": reason}],
        **extra,
    }
    response = client.post("/api/v1/returns", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["rma_no"])


def _inspected(client: TestClient) -> str:
    rma = _file(client)
    for action, body in (("ship", SHIP), ("receive", None), ("inspect", {"passed": True})):
        assert client.post(f"/api/v1/returns/{rma}/{action}", json=body).status_code == 200
    return rma


def _no_instant(context: AppContext) -> None:
    context.settings.instant_refund_enabled = False


def _by_hand(context: AppContext) -> None:
    """Finance asks for the refund itself: policy does not ask first.

    With the message bus, policy's own request follows the inspection at once (before
    the bus it waited for the worker's next tick), so a test about the manual path
    turns automatic requests off instead of racing them.
    """
    _no_instant(context)
    context.settings.refund_auto_request = False


def _mail_texts(folder: Any) -> list[str]:
    texts = []
    for path in sorted(folder.iterdir()):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        body = message.get_body()
        assert body is not None
        texts.append(f"{message['Subject']}\n{body.get_content()}")
    return texts


def _balances(context: AppContext) -> dict[str, int]:
    with context.uow() as uow:
        books = uow.ledger.balances()
        assert trial_balance_is_zero(uow.ledger.postings())
    return {a.value: books.of(a).cents for a in Account if books.of(a).cents}


def test_refund_shows_its_workings_and_deductions(
    client: TestClient,
    context: AppContext,
    sandbox: SandboxGateway,
    worker: Worker,
    clock: FakeClock,
) -> None:
    _by_hand(context)
    rma = _inspected(client)
    body = {
        "deductions": [
            {"code": "damage", "reason_zh": "外包装破损", "reason_en": "Box torn", "amount": 1000}
        ]
    }
    owed = client.post(
        f"/api/v1/returns/{rma}/refund", json=body, headers={"Accept-Language": "en"}
    )
    assert owed.status_code == 200, owed.text
    refund = owed.json()
    assert refund["status"] == "requested"
    assert refund["amount"] == {"amount": 7400, "currency": "CNY"}
    workings = refund["workings"]
    assert workings["lines"][0]["unit_price"]["amount"] == 8900
    assert workings["lines"][0]["discount_share"]["amount"] == 500  # 10.00 over two units
    assert workings["estimate"]["amount"] == 8400
    assert workings["deductions"] == [
        {
            "code": "damage",
            "reason": "Box torn",
            "amount": {"amount": 1000, "currency": "CNY"},
            "line_no": None,
        }
    ]
    assert refund["idempotency_key"] == f"rf-{rma}-refund"
    # a second request for the same return is refused
    again = client.post(f"/api/v1/returns/{rma}/refund")
    assert (again.status_code, again.json()["code"]) == (409, "refund_exists")
    worker.tick()  # submitted: pending at the gateway
    assert client.get(f"/api/v1/refunds/{rma}").json()["status"] == "submitted"
    clock.advance(seconds=31)
    worker.tick()  # the sandbox's signed settlement notification arrives
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "completed"  # paid: done
    paid = client.get(f"/api/v1/refunds/{rma}").json()
    assert paid["status"] == "succeeded" and paid["paid_at"] is not None
    assert sandbox.refund_count == 1
    assert _balances(context) == {"sales_returns": 7400, "gateway_clearing": -7400}


def test_deductions_larger_than_the_refund_never_make_it_negative(
    client: TestClient, context: AppContext, worker: Worker
) -> None:
    _by_hand(context)
    rma = _inspected(client)
    body = {"deductions": [{"code": "damage", "reason_zh": "严重损坏", "amount": 99999}]}
    owed = client.post(f"/api/v1/returns/{rma}/refund", json=body).json()
    assert owed["amount"]["amount"] == 0
    assert owed["status"] == "succeeded"  # nothing to send: settled as it is
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "completed"  # paid: done


def test_deduction_needs_a_reason_the_customer_reads(
    client: TestClient, context: AppContext
) -> None:
    _by_hand(context)
    rma = _inspected(client)
    body = {"deductions": [{"code": "damage", "amount": 100}]}
    response = client.post(f"/api/v1/returns/{rma}/refund", json=body)
    assert (response.status_code, response.json()["code"]) == (422, "reason_required")


def test_signed_notification_endpoint_moves_the_refund(
    client: TestClient,
    context: AppContext,
    sandbox: SandboxGateway,
    clock: FakeClock,
    tmp_path: Any,
) -> None:
    _by_hand(context)
    rma = _inspected(client)
    client.post(f"/api/v1/returns/{rma}/refund")
    worker = Worker(context, FileMailer(tmp_path))
    worker.dispatcher.run_once(clock())  # submit only; no sweep hears the sandbox
    clock.advance(seconds=31)
    ((body, headers),) = sandbox.due_notifications()
    anonymous = TestClient(client.app)
    forged = anonymous.post(
        "/api/v1/payments/sandbox/notifications",
        content=body,
        headers={"Sandbox-Signature": "0" * 64},
    )
    assert (forged.status_code, forged.json()["code"]) == (401, "signature_invalid")
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "inspected"
    other = anonymous.post("/api/v1/payments/stripe/notifications", content=body, headers=headers)
    assert other.status_code == 404
    heard = anonymous.post("/api/v1/payments/sandbox/notifications", content=body, headers=headers)
    assert heard.json() == {"received": True, "outcome": "applied"}
    # a duplicate notification changes nothing more
    assert (
        anonymous.post(
            "/api/v1/payments/sandbox/notifications", content=body, headers=headers
        ).status_code
        == 200
    )
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "completed"  # paid: done
    with context.session_factory() as session:
        steps = session.scalars(select(ReturnEventRow.action)).all()
    assert steps.count("refund") == 1
    assert _balances(context) == {"sales_returns": 8400, "gateway_clearing": -8400}


def test_over_the_agents_limit_waits_for_a_manager(
    client: TestClient, context: AppContext, tokens: Any, worker: Worker, clock: FakeClock
) -> None:
    context.settings.authority_limits = {"agent": 5000}  # 50.00: below this 84.00 refund
    context.gateway = SandboxGateway(context.clock, settle_after=timedelta(0))
    rma = _file(client, "refund_only", "quality")  # a fault without photos: a person reviews
    agent = {"Authorization": f"Bearer {tokens(Role.AGENT, username='alice')}"}
    manager = {"Authorization": f"Bearer {tokens(Role.MANAGER, username='mona')}"}
    assert client.post(f"/api/v1/returns/{rma}/approve", headers=agent).status_code == 200
    worker.tick()  # refund-only: owed at approval, bounded by the approving agent
    waiting = client.get(f"/api/v1/refunds/{rma}").json()
    assert (waiting["status"], waiting["requested_by"]) == ("awaiting_approval", "agent:alice")
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "approved"
    queue = client.get("/api/v1/finance/approvals", headers=manager).json()
    assert [(a["subject"], a["amount"]["amount"], a["limit"]["amount"]) for a in queue] == [
        (rma, 8400, 5000)
    ]
    assert client.get("/api/v1/finance/approvals", headers=agent).status_code == 403
    approval = queue[0]["id"]
    decided = client.post(f"/api/v1/finance/approvals/{approval}/approve", headers=manager)
    assert decided.json()["decided_by"] == "manager:mona"
    twice = client.post(f"/api/v1/finance/approvals/{approval}/approve", headers=manager)
    assert twice.status_code == 409
    worker.tick()
    paid = client.get(f"/api/v1/refunds/{rma}").json()
    assert (paid["status"], paid["requested_by"], paid["approved_by"]) == (
        "succeeded",
        "agent:alice",
        "manager:mona",
    )
    timeline = client.get(f"/api/v1/returns/{rma}").json()["timeline"]
    refund_note = next(e["note"] for e in timeline if e["status"] == "refunded")
    assert "agent:alice" in refund_note and "manager:mona" in refund_note


def test_a_manager_may_decline_with_a_reason(
    client: TestClient, context: AppContext, tokens: Any
) -> None:
    _by_hand(context)
    context.settings.authority_limits = {"finance": 100}
    rma = _inspected(client)
    finance = {"Authorization": f"Bearer {tokens(Role.FINANCE, username='fay')}"}
    owed = client.post(f"/api/v1/returns/{rma}/refund", headers=finance).json()
    assert owed["status"] == "awaiting_approval" and owed["approval_id"]
    own = client.post(
        f"/api/v1/finance/approvals/{owed['approval_id']}/decline",
        json={"note": "x"},
        headers=finance,
    )
    assert own.status_code == 403  # finance holds no approval permission
    silent = client.post(f"/api/v1/finance/approvals/{owed['approval_id']}/decline")
    assert (silent.status_code, silent.json()["code"]) == (422, "reason_required")
    client.post(
        f"/api/v1/finance/approvals/{owed['approval_id']}/decline", json={"note": "照片不足"}
    )
    assert client.get(f"/api/v1/refunds/{rma}").json()["status"] == "declined"
    with context.session_factory() as session:
        assert (
            session.scalar(
                select(func.count())
                .select_from(OutboxRow)
                .where(OutboxRow.topic == "refund.submit")
            )
            == 0
        )


def test_a_decision_a_crash_left_unreleased_is_released_by_the_worker(
    client: TestClient, context: AppContext, tokens: Any, worker: Worker, clock: FakeClock
) -> None:
    _by_hand(context)
    context.settings.authority_limits = {"finance": 100}
    context.gateway = SandboxGateway(context.clock, settle_after=timedelta(0))
    rma = _inspected(client)
    finance = {"Authorization": f"Bearer {tokens(Role.FINANCE, username='fay')}"}
    owed = client.post(f"/api/v1/returns/{rma}/refund", headers=finance).json()
    with context.uow(publish=False) as uow:  # the decision is stored, its handler never runs
        approval_service.decide(uow, owed["approval_id"], True, "manager:mona", clock())
        uow.commit(clock())
    assert client.get(f"/api/v1/refunds/{rma}").json()["status"] == "awaiting_approval"
    worker.tick()  # the safety net releases it; the same tick submits and hears it paid
    paid = client.get(f"/api/v1/refunds/{rma}").json()
    assert (paid["status"], paid["approved_by"]) == ("succeeded", "manager:mona")
    worker.tick()
    assert client.get(f"/api/v1/refunds/{rma}").json() == paid  # released once only
    assert _balances(context) == {"sales_returns": 8400, "gateway_clearing": -8400}


def test_unreachable_gateway_backs_off_then_escalates_and_finance_reopens(
    client: TestClient,
    context: AppContext,
    sandbox: SandboxGateway,
    worker: Worker,
    clock: FakeClock,
) -> None:
    _by_hand(context)
    context.settings.refund_max_attempts = 3
    rma = _inspected(client)
    client.post(f"/api/v1/returns/{rma}/refund")
    sandbox.unavailable_next(3)
    worker.tick()
    first = client.get(f"/api/v1/refunds/{rma}").json()
    assert (first["status"], first["attempts"]) == ("retrying", 1)
    clock.advance(seconds=30)
    worker.tick()  # not due yet: nothing is tried
    assert client.get(f"/api/v1/refunds/{rma}").json()["attempts"] == 1
    clock.advance(seconds=31)
    worker.tick()  # resubmission queued and tried: second failure, next in 2 minutes
    assert client.get(f"/api/v1/refunds/{rma}").json()["attempts"] == 2
    clock.advance(seconds=121)
    worker.tick()
    escalated = client.get(f"/api/v1/refunds/{rma}").json()
    assert (escalated["status"], escalated["attempts"]) == ("escalated", 3)
    listed = client.get("/api/v1/finance/refunds", params={"view": "escalated"}).json()
    assert [r["rma_no"] for r in listed] == [rma]
    reopened = client.post(f"/api/v1/refunds/{rma}/reopen").json()
    assert reopened["idempotency_key"] == f"rf-{rma}-refund"  # an outage keeps the key
    worker.tick()
    clock.advance(seconds=31)
    worker.tick()
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "completed"  # paid: done
    assert sandbox.refund_count == 1


def test_timeout_after_the_gateway_recorded_pays_once(
    client: TestClient,
    context: AppContext,
    sandbox: SandboxGateway,
    worker: Worker,
    clock: FakeClock,
) -> None:
    _by_hand(context)
    rma = _inspected(client)
    client.post(f"/api/v1/returns/{rma}/refund")
    sandbox.unavailable_next(1, after_recording=True)  # the money went, the answer did not
    worker.tick()
    assert client.get(f"/api/v1/refunds/{rma}").json()["status"] == "retrying"
    clock.advance(seconds=61)
    worker.tick()  # same key: the gateway hands back the refund it made
    clock.advance(seconds=31)
    worker.tick()
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "completed"  # paid: done
    assert sandbox.refund_count == 1


def test_gateway_failure_is_escalated_and_reopened_with_a_new_key(
    client: TestClient,
    context: AppContext,
    sandbox: SandboxGateway,
    worker: Worker,
    clock: FakeClock,
) -> None:
    _by_hand(context)
    rma = _inspected(client)
    client.post(f"/api/v1/returns/{rma}/refund")
    sandbox.fail_next(1)
    worker.tick()
    clock.advance(seconds=31)
    worker.tick()
    failed = client.get(f"/api/v1/refunds/{rma}").json()
    assert failed["status"] == "escalated" and "sandbox_forced_failure" in failed["last_error"]
    reopened = client.post(f"/api/v1/refunds/{rma}/reopen").json()
    assert reopened["idempotency_key"] == f"rf-{rma}-refund1"
    worker.tick()
    clock.advance(seconds=31)
    worker.tick()
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "completed"  # paid: done
    assert _balances(context) == {"sales_returns": 8400, "gateway_clearing": -8400}


def test_deadline_breaches_are_flagged_and_listed(
    client: TestClient,
    context: AppContext,
    sandbox: SandboxGateway,
    worker: Worker,
    clock: FakeClock,
) -> None:
    _by_hand(context)
    context.settings.refund_max_attempts = 50
    rma = _inspected(client)
    client.post(f"/api/v1/returns/{rma}/refund")
    sandbox.unavailable_next(1000)
    worker.tick()
    assert client.get(f"/api/v1/refunds/{rma}").json()["breached"] is False
    clock.advance(hours=21)
    worker.tick()
    at_risk = client.get("/api/v1/finance/refunds", params={"view": "at_risk"}).json()
    assert [r["rma_no"] for r in at_risk] == [rma]
    assert client.get("/api/v1/finance/refunds", params={"view": "breached"}).json() == []
    clock.advance(hours=3, seconds=1)
    worker.tick()
    breached = client.get("/api/v1/finance/refunds", params={"view": "breached"}).json()
    assert [(r["rma_no"], r["breached"]) for r in breached] == [(rma, True)]
    with context.session_factory() as session:
        assert session.scalar(select(RefundRow.breached_at)) is not None


def test_instant_refund_at_first_scan_then_recovery_after_failed_inspection(
    client: TestClient, context: AppContext, tmp_path: Any, clock: FakeClock
) -> None:
    context.gateway = SandboxGateway(context.clock, settle_after=timedelta(0))
    worker = Worker(context, FileMailer(tmp_path))
    rma = _file(client)
    client.post(f"/api/v1/returns/{rma}/ship", json=SHIP)
    worker.tick()
    paid = client.get(f"/api/v1/refunds/{rma}").json()
    assert (paid["status"], paid["instant"], paid["trigger"]) == ("succeeded", True, "instant")
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "in_transit"
    worker.tick()  # the "paid" notice leaves
    mails = _mail_texts(tmp_path)
    assert any("CN¥84.00" in m and "Alipay" in m for m in mails)
    client.post(f"/api/v1/returns/{rma}/receive")
    client.post(f"/api/v1/returns/{rma}/inspect", json={"passed": False, "notes": "商品已使用"})
    worker.tick()
    worker.tick()
    recoveries = client.get("/api/v1/finance/recoveries").json()
    assert [(r["rma_no"], r["amount"]["amount"], r["reason"]) for r in recoveries] == [
        (rma, 8400, "商品已使用")
    ]
    assert _balances(context) == {"gateway_clearing": -8400, "customer_receivable": 8400}
    with context.uow() as uow:
        assert uow.ledger.balance(Account.CUSTOMER_RECEIVABLE, party="c-1").cents == 8400
    assert any("must be paid back" in m for m in _mail_texts(tmp_path))
    # the customer now has a failed inspection: the next return gets no instant refund
    second = _file(client, reason="quality", photos=["1" * 32 + ".jpg"])
    shipped = client.post(
        f"/api/v1/returns/{second}/ship",
        json={"carrier": "顺丰速运", "tracking_no": "SF1234567891"},
    )
    assert shipped.status_code == 200, shipped.text
    worker.tick()
    assert client.get(f"/api/v1/refunds/{second}").status_code == 404
    resolved = client.post(
        f"/api/v1/finance/recoveries/{rma}/resolve", json={"outcome": "recovered"}
    )
    assert resolved.status_code == 204
    assert _balances(context) == {"gateway_clearing": -8400, "cash": 8400}


def test_the_instant_safety_net_looks_only_at_requests_within_the_limit(
    client: TestClient, context: AppContext, tmp_path: Any
) -> None:
    """A parcel over the instant limit is never paid early, so the worker's safety net
    does not load it on every tick (issue 11: a peak day has thousands in transit)."""
    context.settings.instant_refund_max_amount = 8399  # the request's refund is 8,400
    rma = _file(client)
    client.post(f"/api/v1/returns/{rma}/ship", json=SHIP)
    Worker(context, FileMailer(tmp_path)).tick()
    assert client.get(f"/api/v1/refunds/{rma}").status_code == 404  # not paid early
    in_transit = {"refund": ("in_transit",)}
    with context.uow() as uow:
        assert uow.refunds.without_refund(in_transit, max_total=8399) == []
        assert uow.refunds.without_refund(in_transit, max_total=8400) == [rma]


def test_instant_refund_then_passed_inspection_moves_to_refunded_silently(
    client: TestClient, context: AppContext, tmp_path: Any
) -> None:
    context.gateway = SandboxGateway(context.clock, settle_after=timedelta(0))
    worker = Worker(context, FileMailer(tmp_path))
    rma = _file(client)
    client.post(f"/api/v1/returns/{rma}/ship", json=SHIP)
    worker.tick()
    worker.tick()
    client.post(f"/api/v1/returns/{rma}/receive")
    client.post(f"/api/v1/returns/{rma}/inspect", json={"passed": True})
    worker.tick()
    worker.tick()
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "completed"  # paid: done
    paid_mails = [m for m in _mail_texts(tmp_path) if "CN¥84.00" in m]
    assert len(paid_mails) == 1  # told once, when the money went


def test_instant_refund_respects_the_amount_limit(
    client: TestClient, context: AppContext, tmp_path: Any
) -> None:
    context.settings.instant_refund_max_amount = 8399
    context.gateway = SandboxGateway(context.clock, settle_after=timedelta(0))
    rma = _file(client)
    client.post(f"/api/v1/returns/{rma}/ship", json=SHIP)
    Worker(context, FileMailer(tmp_path)).tick()
    assert client.get(f"/api/v1/refunds/{rma}").status_code == 404


def test_reconciliation_finds_exactly_the_planted_differences(
    client: TestClient, context: AppContext, order_payload: OrderPayload, tmp_path: Any
) -> None:
    _no_instant(context)
    context.gateway = SandboxGateway(context.clock, settle_after=timedelta(0))
    worker = Worker(context, FileMailer(tmp_path))
    first = _inspected(client)
    second = _file(client, lines=[{"line_no": 2, "quantity": 1, "reason_code": "no_reason"}])
    for action, body in (
        ("ship", {"carrier": "顺丰速运", "tracking_no": "SF1234567891"}),
        ("receive", None),
        ("inspect", {"passed": True}),
    ):
        step = client.post(f"/api/v1/returns/{second}/{action}", json=body)
        assert step.status_code == 200, step.text
    worker.tick()
    worker.tick()
    ids = {
        r: client.get(f"/api/v1/refunds/{r}").json()["gateway_refund_id"] for r in (first, second)
    }
    clean = client.get("/api/v1/finance/reconciliation").json()
    assert (clean["matched"], clean["differences"]) == (2, [])
    # the gateway's file: the first refund matches, the second is missing, a stranger appears
    planted = (
        "gateway_refund_id,amount,currency,reference\n"
        f"{ids[first]},84.00,CNY,{first}\nsbx_re_999999,12.34,CNY,\n"
    )
    report = client.post(
        "/api/v1/finance/reconciliation", content=planted, headers={"Content-Type": "text/csv"}
    ).json()
    assert [(d["kind"], d["gateway_refund_id"]) for d in report["differences"]] == [
        ("missing_at_gateway", ids[second]),
        ("missing_with_us", "sbx_re_999999"),
    ]
    assert report["settled"] == 1
    assert _balances(context)["gateway_clearing"] == -8400 - 3900 + 8400  # one settled
    # amount differs and duplicate, read back from the CSV and the XLSX downloads
    planted = (
        "gateway_refund_id,amount,currency\n"
        f"{ids[first]},84.00,CNY\n{ids[second]},80.00,CNY\n{ids[first]},84.00,CNY\n"
    )
    csv_text = client.post("/api/v1/finance/reconciliation?format=csv", content=planted).text
    lines = csv_text.strip().splitlines()
    assert lines[0] == "kind,gateway_refund_id,rma_no,ours,theirs,currency,count"
    assert lines[1:] == [
        f"amount_differs,{ids[second]},{second},39.00,80.00,CNY,1",
        f"duplicate,{ids[first]},{first},84.00,84.00,CNY,2",
    ]
    xlsx = client.post("/api/v1/finance/reconciliation?format=xlsx", content=planted)
    sheet = load_workbook(io.BytesIO(xlsx.content))["differences"]
    rows = [tuple(c.value for c in row) for row in sheet.iter_rows(min_row=2)]
    assert rows == [
        ("amount_differs", ids[second], second, "39.00", "80.00", "CNY", 1),
        ("duplicate", ids[first], first, "84.00", "84.00", "CNY", 2),
    ]
    bad = client.post("/api/v1/finance/reconciliation", content="nothing,useful\n1,2\n")
    assert (bad.status_code, bad.json()["code"]) == (422, "settlement_file_invalid")


def test_concurrent_refund_requests_make_exactly_one_refund(
    client: TestClient, context: AppContext
) -> None:
    _by_hand(context)
    rma = _inspected(client)

    def ask(_: int) -> int:
        return int(client.post(f"/api/v1/returns/{rma}/refund").status_code)

    with ThreadPoolExecutor(max_workers=6) as pool:
        codes = sorted(pool.map(ask, range(10)))
    assert codes.count(200) == 1 and set(codes) == {200, 409}
    with context.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(RefundRow)) == 1
        submits = session.scalar(
            select(func.count()).select_from(OutboxRow).where(OutboxRow.topic == "refund.submit")
        )
    assert submits == 1
    assert _balances(context) == {"sales_returns": 8400, "refunds_payable": 8400}
