"""Every route and form that can make money leave the platform, walked (issue 9, R12.3).

`MONEY_ROUTES` lists them; a new write route whose path speaks of refunds, exchanges,
credit, offers, repairs or compensation fails `test_every_money_route_is_listed` until
it is added here with what it can pay. The tests then prove, for each kind of payable:
(a) a role cannot move money beyond its limit without a manager's approval, and both
names stay on the record; (b) a merchant cannot do it for another merchant's return;
(c) no amount exceeds what the customer paid. The order: three ¥8,000.00 laptops.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from returnflow.app_context import AppContext
from returnflow.asgi import create_app
from returnflow.domain.access import Role
from returnflow.domain.ledger import Account
from returnflow.jobs.worker import Worker
from returnflow.notify.mailer import FileMailer
from returnflow.payments.sandbox import SIGNATURE_HEADER, SandboxGateway
from returnflow.storage.schema import (
    ExchangeOrderRow,
    LedgerEntryRow,
    OutboxRow,
    RefundRow,
    StoreCreditLotRow,
)
from tests.support.catalogue import feed
from tests.support.clock import FakeClock
from tests.test_console_pages import csrf_from, sign_in
from tests.test_page_permissions import all_routes

OrderPayload = Callable[..., dict[str, Any]]
Tokens = Callable[..., str]
PAID = 800_000  # one laptop: ¥8,000.00, no discount
SECRET = "money-paths-test-secret"

# (method, path) → what it can pay, and how it is bounded
MONEY_ROUTES: dict[tuple[str, str], str] = {
    ("POST", "/api/v1/returns/{rma_no}/refund"): "refund: the requester's limit",
    ("POST", "/staff/returns/{rma_no}/refund"): "refund (console): the requester's limit",
    ("POST", "/api/v1/returns/{rma_no}/approve"): "refund-only refund: the approver's limit",
    ("POST", "/staff/returns/{rma_no}/approve"): "refund-only refund (console): approver's",
    ("POST", "/api/v1/refunds/{rma_no}/reopen"): "refund retry: gateway asked first",
    ("POST", "/api/v1/returns/{rma_no}/exchange-order"): "exchange gap: chooser's limit",
    ("POST", "/staff/returns/{rma_no}/exchange-order"): "exchange gap (console): chooser's",
    ("POST", "/portal/o/{token}/r/{rma_no}/exchange"): "exchange gap (customer): policy",
    ("POST", "/api/v1/returns/{rma_no}/exchange-order/release"): "books the gap chosen before",
    ("POST", "/staff/returns/{rma_no}/exchange-order/release"): "books the gap chosen before",
    ("POST", "/api/v1/returns/{rma_no}/exchange"): "lifecycle step: moves no money",
    ("POST", "/api/v1/returns/{rma_no}/store-credit"): "credit + bonus: the actor's limit",
    ("POST", "/staff/returns/{rma_no}/store-credit"): "credit + bonus (console): actor's",
    ("POST", "/portal/o/{token}/r/{rma_no}/store-credit"): "credit (customer): policy",
    ("POST", "/api/v1/store-credit/{customer_id}/spend"): "spends granted credit: pays none",
    ("POST", "/api/v1/warehouse/returns/{rma_no}/inspection"): "partial offer: maker's limit",
    ("POST", "/staff/warehouse/returns/{rma_no}/inspect"): "partial offer (console): maker's",
    ("POST", "/api/v1/returns/{rma_no}/inspect"): "lifecycle step: no offer, no money",
    ("POST", "/api/v1/warehouse/returns/{rma_no}/offer"): "the customer's answer to an offer",
    ("POST", "/portal/o/{token}/r/{rma_no}/offer"): "the customer's answer to an offer",
    ("POST", "/api/v1/returns/{rma_no}/repair-order"): "repair order: a charge, not a payable",
    ("POST", "/api/v1/returns/{rma_no}/repair-order/diagnose"): "repair cost ≤ what was paid",
    ("POST", "/api/v1/returns/{rma_no}/repair-order/cost-answer"): "customer accepts a charge",
    ("POST", "/api/v1/returns/{rma_no}/repair-order/repaired"): "repair step: no money",
    ("POST", "/api/v1/returns/{rma_no}/repair-order/ship-back"): "zero-price shipment",
    ("POST", "/staff/returns/{rma_no}/repair-order"): "repair steps (console): as the API",
    ("POST", "/api/v1/returns/{rma_no}/repair"): "lifecycle step: moves no money",
    ("POST", "/api/v1/finance/approvals/{approval_id}/approve"): "a manager's approval",
    ("POST", "/api/v1/finance/approvals/{approval_id}/decline"): "a manager's refusal",
    ("POST", "/staff/finance/approvals/{approval_id}/{decision}"): "approval (console)",
    ("POST", "/api/v1/finance/recoveries/{rma_no}/resolve"): "write-off: the actor's limit",
    ("POST", "/staff/finance/recoveries/{rma_no}/resolve"): "write-off (console): actor's",
    ("POST", "/api/v1/disputes/{dispute_no}/ruling"): "ruling's award: the ruler's limit",
    ("POST", "/staff/disputes/{dispute_no}/ruling"): "ruling's award (console): ruler's",
    ("POST", "/api/v1/logistics/exceptions/{task_id}/resolve"): "lost parcel: resolver's limit",
    ("POST", "/staff/exceptions/{task_id}/resolve"): "lost parcel (console): resolver's",
    ("POST", "/api/v1/returns/{rma_no}/overturn"): "refund follows by policy, as inspected",
    ("POST", "/staff/returns/{rma_no}/overturn"): "overturn (console): as the API",
    ("POST", "/api/v1/returns/{rma_no}/appeal/decision"): "overturned: refund by policy",
    ("POST", "/staff/returns/{rma_no}/appeal/decision"): "appeal decision (console): as the API",
}
# issue 12: rulings, logistics remedies and overturned decisions pay too
MONEY_WORDS = re.compile(
    r"refund|exchange|credit|offer|repair|compensat|ruling|exceptions|overturn|appeal/decision"
)


@pytest.fixture(autouse=True)
def laptop(client: TestClient, order_payload: OrderPayload, context: AppContext) -> None:
    line = {
        "line_no": 1,
        "sku": "LAPTOP-14",
        "title": "轻薄笔记本 14 英寸",
        "category": "baby",
        "unit_price": PAID,
        "quantity": 3,  # three returns may each take one
        "discount": 0,
        "flags": [],
    }
    body = order_payload(lines=[line], shipping_fee=0)
    assert client.post("/api/v1/orders", json=body).status_code == 201
    context.settings.instant_refund_enabled = False
    context.gateway = SandboxGateway(
        context.clock, settle_after=timedelta(0), webhook_secret=SECRET
    )


@pytest.fixture
def manual_refunds(context: AppContext) -> None:
    """The refund is decided by hand: automatic refunds at inspection and instant refunds
    at the first scan are off, so the refund these tests request is not already owed."""
    context.settings.refund_auto_request = False
    context.settings.instant_refund_enabled = False


@pytest.fixture
def worker(context: AppContext, tmp_path: Path) -> Worker:
    return Worker(context, FileMailer(tmp_path))


def bearer(
    tokens: Tokens, role: Role, username: str, merchant_id: str | None = None
) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens(role, merchant_id=merchant_id, username=username)}"}


def file(
    client: TestClient, type_: str = "refund", reason: str = "no_reason", *, approve: bool = True
) -> str:
    body = {
        "order_no": "SO-1001",
        "type": type_,
        "lines": [{"line_no": 1, "quantity": 1, "reason_code": reason}],
    }
    response = client.post("/api/v1/returns", json=body)
    assert response.status_code == 201, response.text
    rma = str(response.json()["rma_no"])
    if response.json()["status"] == "pending_review" and approve:  # ¥8,000: a person reviews
        assert client.post(f"/api/v1/returns/{rma}/approve").status_code == 200
    return rma


def shipped(rma: str) -> dict[str, str]:
    """Each parcel its own waybill (a waybill number is used once)."""
    return {"carrier": "SF", "tracking_no": f"SF{rma[-10:]}"}


def back_and_inspected(client: TestClient, rma: str, passed: bool = True) -> None:
    for action, body in (
        ("ship", shipped(rma)),
        ("receive", None),
        ("inspect", {"passed": passed}),
    ):
        assert client.post(f"/api/v1/returns/{rma}/{action}", json=body).status_code == 200


def refund_of(client: TestClient, rma: str) -> dict[str, Any]:
    body: dict[str, Any] = client.get(f"/api/v1/refunds/{rma}").json()
    return body


def count(context: AppContext, row: type[Any], *where: Any) -> int:
    with context.session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(row).where(*where)) or 0)


def submits(context: AppContext) -> int:
    return count(context, OutboxRow, OutboxRow.topic == "refund.submit")


def approve_as_manager(client: TestClient, tokens: Tokens, rma: str) -> None:
    manager = bearer(tokens, Role.MANAGER, "mona")
    queue = client.get("/api/v1/finance/approvals", headers=manager).json()
    [approval] = [a for a in queue if a["subject"] == rma]
    decided = client.post(f"/api/v1/finance/approvals/{approval['id']}/approve", headers=manager)
    assert decided.status_code == 200, decided.text


# --- the list is complete --------------------------------------------------------------


def test_every_money_route_is_listed(context: AppContext) -> None:
    served = {(m, p) for m, p in all_routes(create_app(context)) if m != "GET"}
    unlisted = sorted(r for r in served if MONEY_WORDS.search(r[1]) and r not in MONEY_ROUTES)
    assert unlisted == [], f"money routes missing from MONEY_ROUTES: {unlisted}"
    gone = sorted(r for r in MONEY_ROUTES if r not in served)
    assert gone == [], f"listed routes the app no longer serves: {gone}"


# --- (a) authority: over the limit, a manager approves; both names on the record --------


def test_exchange_price_comes_from_the_catalogue_never_the_caller(
    client: TestClient, tokens: Tokens
) -> None:
    agent = bearer(tokens, Role.AGENT, "alice")
    rma = file(client, "exchange", "wrong_item")
    item = {"line_no": 1, "sku": "MOUSE-1", "quantity": 1, "unit_price": 0}
    priced = client.post(
        f"/api/v1/returns/{rma}/exchange-order", json={"items": [item]}, headers=agent
    )
    assert priced.status_code == 422  # the old contract's price is refused outright
    del item["unit_price"]
    unknown = client.post(
        f"/api/v1/returns/{rma}/exchange-order", json={"items": [item]}, headers=agent
    )
    assert (unknown.status_code, unknown.json()["code"]) == (422, "replacement_unknown_sku")
    feed(client, "MOUSE-1", 9_900, available=0)
    empty = client.post(
        f"/api/v1/returns/{rma}/exchange-order", json={"items": [item]}, headers=agent
    )
    assert (empty.status_code, empty.json()["code"]) == (422, "replacement_out_of_stock")
    for bad in (0, -1, 10**12):
        refused = client.put(
            "/api/v1/catalog/items",
            json={
                "items": [
                    {
                        "merchant_id": "m-babycare",
                        "sku": "X",
                        "title": "x",
                        "unit_price": bad,
                        "available": 1,
                    }
                ]
            },
        )
        assert refused.status_code == 422, bad
    assert (
        client.put(
            "/api/v1/catalog/items",
            json={
                "items": [
                    {
                        "merchant_id": "m-babycare",
                        "sku": "X",
                        "title": "x",
                        "unit_price": 1,
                        "available": 1,
                    }
                ]
            },
            headers=agent,
        ).status_code
        == 403
    )  # an agent cannot set prices either


def test_like_for_like_swap_without_a_catalogue_price_moves_no_money(
    client: TestClient, tokens: Tokens
) -> None:
    rma = file(client, "exchange", "wrong_item")
    same = {"line_no": 1, "sku": "LAPTOP-14", "quantity": 1}
    chosen = client.post(f"/api/v1/returns/{rma}/exchange-order", json={"items": [same]})
    assert chosen.status_code == 201, chosen.text
    exchange = chosen.json()["exchange"]
    assert (exchange["difference"]["amount"], exchange["settlement"]) == (0, "none")


@pytest.mark.parametrize("channel", ["api", "console"])
def test_an_agents_exchange_gap_waits_for_a_manager_and_names_both(
    client: TestClient, context: AppContext, tokens: Tokens, worker: Worker, channel: str
) -> None:
    """The finding: unit_price 0 made a ¥8,000 gap refund, paid as `system`, unapproved."""
    feed(client, "MOUSE-1", 100)  # the cheapest thing the merchant sells: ¥1.00
    rma = file(client, "exchange", "wrong_item")
    back_and_inspected(client, rma)
    if channel == "api":
        item = {"line_no": 1, "sku": "MOUSE-1", "quantity": 1}
        agent = bearer(tokens, Role.AGENT, "alice")
        chosen = client.post(
            f"/api/v1/returns/{rma}/exchange-order", json={"items": [item]}, headers=agent
        )
        assert chosen.status_code == 201, chosen.text
    else:
        tokens(Role.AGENT, username="alice")
        with sign_in(context, "alice") as page_client:
            page = page_client.get(f"/staff/returns/{rma}").text
            assert 'value="MOUSE-1"' in page and 'value="LAPTOP-14"' in page  # + like-for-like
            form = {
                "csrf_token": csrf_from(page),
                "sku": "MOUSE-1",
                "quantity": "1",
                "price": "0.01",
            }
            sent = page_client.post(
                f"/staff/returns/{rma}/exchange-order", data=form, follow_redirects=False
            )
            assert sent.status_code == 303, sent.text
    worker.tick()
    waiting = refund_of(client, rma)
    assert (waiting["status"], waiting["requested_by"], waiting["trigger"]) == (
        "awaiting_approval",
        "agent:alice",
        "exchange_gap",
    )
    assert waiting["amount"]["amount"] == PAID - 100 <= PAID
    assert submits(context) == 0
    approve_as_manager(client, tokens, rma)
    worker.tick()
    worker.tick()
    paid = refund_of(client, rma)
    assert (paid["status"], paid["requested_by"], paid["approved_by"]) == (
        "succeeded",
        "agent:alice",
        "manager:mona",
    )
    with context.session_factory() as session:  # the books name both, too
        memo = session.scalar(
            select(LedgerEntryRow.memo).where(LedgerEntryRow.key.endswith(":paid"))
        )
    assert memo is not None and "agent:alice" in memo and "manager:mona" in memo


def test_a_gap_within_the_agents_limit_goes_out_in_their_name(
    client: TestClient, tokens: Tokens, worker: Worker
) -> None:
    feed(client, "LAPTOP-14B", PAID - 20_000)  # ¥200 cheaper variant: within ¥500
    rma = file(client, "exchange", "wrong_item")
    back_and_inspected(client, rma)
    item = {"line_no": 1, "sku": "LAPTOP-14B", "quantity": 1}
    agent = bearer(tokens, Role.AGENT, "alice")
    assert (
        client.post(
            f"/api/v1/returns/{rma}/exchange-order", json={"items": [item]}, headers=agent
        ).status_code
        == 201
    )
    worker.tick()
    worker.tick()
    paid = refund_of(client, rma)
    assert (paid["status"], paid["requested_by"], paid["approved_by"]) == (
        "succeeded",
        "agent:alice",
        None,
    )


@pytest.mark.parametrize("channel", ["api", "console"])
@pytest.mark.usefixtures("manual_refunds")
def test_finance_over_its_limit_refund_waits_and_credit_is_refused(
    client: TestClient, context: AppContext, tokens: Tokens, channel: str
) -> None:
    refund, credit = file(client), file(client)
    back_and_inspected(client, refund)
    context.settings.authority_limits = {"finance": 100_000}  # ¥1,000: below the ¥8,000
    tokens(Role.FINANCE, username="fay")
    if channel == "api":
        fay = bearer(tokens, Role.FINANCE, "fay2")
        owed = client.post(f"/api/v1/returns/{refund}/refund", headers=fay)
        assert owed.json()["status"] == "awaiting_approval"
    else:
        with sign_in(context, "fay") as page_client:
            page = page_client.get(f"/staff/returns/{refund}").text
            sent = page_client.post(
                f"/staff/returns/{refund}/refund",
                data={"csrf_token": csrf_from(page)},
                follow_redirects=False,
            )
            assert sent.status_code == 303
        assert refund_of(client, refund)["status"] == "awaiting_approval"
    assert submits(context) == 0
    # store credit: the same ¥8,000 (+ bonus) over the same limit is refused outright
    back_and_inspected(client, credit)
    if channel == "api":
        fay = bearer(tokens, Role.FINANCE, "fay3")
        refused = client.post(f"/api/v1/returns/{credit}/store-credit", headers=fay)
        assert (refused.status_code, refused.json()["code"]) == (403, "authority_exceeded")
    else:
        with sign_in(context, "fay") as page_client:
            page = page_client.get(f"/staff/returns/{credit}").text
            refused = page_client.post(
                f"/staff/returns/{credit}/store-credit", data={"csrf_token": csrf_from(page)}
            )
            assert refused.status_code == 403
    assert count(context, StoreCreditLotRow) == 0
    manager = bearer(tokens, Role.MANAGER, "mona")
    granted = client.post(f"/api/v1/returns/{credit}/store-credit", headers=manager)
    assert granted.status_code == 200, granted.text
    assert granted.json()["credited"]["amount"] <= PAID


def test_an_agents_refund_only_approval_over_the_limit_waits(
    client: TestClient, context: AppContext, tokens: Tokens, worker: Worker
) -> None:
    rma = file(client, "refund_only", "quality", approve=False)
    agent = bearer(tokens, Role.AGENT, "alice")
    assert client.post(f"/api/v1/returns/{rma}/approve", headers=agent).status_code == 200
    worker.tick()
    assert (refund_of(client, rma)["status"], refund_of(client, rma)["requested_by"]) == (
        "awaiting_approval",
        "agent:alice",
    )
    assert submits(context) == 0


def test_a_warehouse_partial_offer_is_paid_only_after_a_manager_approves(
    client: TestClient, context: AppContext, tokens: Tokens, worker: Worker
) -> None:
    rma = file(client)
    assert client.post(f"/api/v1/returns/{rma}/ship", json=shipped(rma)).status_code == 200
    assert client.post(f"/api/v1/returns/{rma}/receive").status_code == 200
    checklist = client.get(f"/api/v1/warehouse/returns/{rma}/checklist").json()
    checks = [
        {"check": c["check"], "mark": "fail" if i == 0 else "pass", "note": "划痕"}
        for i, c in enumerate(checklist["checks"])
    ]
    body = {
        "checks": checks,
        "grade": "B",
        "responsibility": "customer",
        "deduction": {"amount": 100, "reason": "划痕"},
    }
    warehouse = bearer(tokens, Role.WAREHOUSE, "wu.li")
    inspected = client.post(
        f"/api/v1/warehouse/returns/{rma}/inspection", json=body, headers=warehouse
    )
    assert inspected.status_code == 201, inspected.text
    assert (
        client.post(f"/api/v1/warehouse/returns/{rma}/offer", json={"accept": True}).status_code
        == 200
    )
    worker.tick()
    waiting = refund_of(client, rma)
    assert (waiting["status"], waiting["requested_by"]) == ("awaiting_approval", "warehouse:wu.li")
    assert waiting["amount"]["amount"] == PAID - 100
    assert submits(context) == 0


def test_a_write_off_over_the_limit_is_refused(
    client: TestClient, context: AppContext, tokens: Tokens, worker: Worker
) -> None:
    context.settings.instant_refund_enabled = True
    context.settings.instant_refund_max_amount = PAID
    rma = file(client)
    client.post(f"/api/v1/returns/{rma}/ship", json=shipped(rma))
    worker.tick()  # paid in advance
    client.post(f"/api/v1/returns/{rma}/receive")
    client.post(f"/api/v1/returns/{rma}/inspect", json={"passed": False, "notes": "已使用"})
    worker.tick()
    fay = bearer(tokens, Role.FINANCE, "fay")
    body = {"outcome": "written_off"}
    refused = client.post(f"/api/v1/finance/recoveries/{rma}/resolve", json=body, headers=fay)
    assert (refused.status_code, refused.json()["code"]) == (403, "authority_exceeded")
    manager = bearer(tokens, Role.MANAGER, "mona")
    assert (
        client.post(
            f"/api/v1/finance/recoveries/{rma}/resolve", json=body, headers=manager
        ).status_code
        == 204
    )


# --- (b) another merchant's return ------------------------------------------------------


@pytest.mark.usefixtures("manual_refunds")
def test_a_merchant_moves_no_money_on_another_merchants_return(
    client: TestClient, context: AppContext, tokens: Tokens
) -> None:
    feed(client, "MOUSE-1", 100)
    exchange, refund = file(client, "exchange", "wrong_item"), file(client)
    back_and_inspected(client, refund)
    other = bearer(tokens, Role.MERCHANT, "other", merchant_id="m-other")
    item = {"line_no": 1, "sku": "MOUSE-1", "quantity": 1}
    attempts = [
        ("POST", f"/api/v1/returns/{exchange}/exchange-order", {"items": [item]}),
        ("POST", f"/api/v1/returns/{exchange}/exchange-order/release", None),
        ("POST", f"/api/v1/returns/{refund}/refund", None),
        ("POST", f"/api/v1/returns/{refund}/store-credit", None),
        ("POST", f"/api/v1/refunds/{refund}/reopen", None),
        ("POST", f"/api/v1/returns/{refund}/approve", None),
        ("POST", f"/api/v1/returns/{refund}/repair-order/diagnose", {"note": "x", "cost": 1}),
        ("POST", f"/api/v1/warehouse/returns/{refund}/offer", {"accept": True}),
        ("POST", f"/api/v1/finance/recoveries/{refund}/resolve", {"outcome": "written_off"}),
        (
            "PUT",
            "/api/v1/catalog/items",
            {
                "items": [
                    {
                        "merchant_id": "m-babycare",
                        "sku": "MOUSE-1",
                        "title": "m",
                        "unit_price": 1,
                        "available": 1,
                    }
                ]
            },
        ),
    ]
    before = count(context, LedgerEntryRow)
    for method, path, body in attempts:
        answer = client.request(method, path, json=body, headers=other)
        assert answer.status_code in (403, 404), (path, answer.status_code, answer.text)
    assert count(context, LedgerEntryRow) == before
    assert count(context, RefundRow) == count(context, ExchangeOrderRow) == 0


# --- (c) never more than was paid -------------------------------------------------------


@pytest.mark.usefixtures("manual_refunds")
def test_no_payable_exceeds_what_was_paid(
    client: TestClient, context: AppContext, tokens: Tokens, worker: Worker
) -> None:
    feed(client, "MOUSE-1", 1)  # a replacement as cheap as the feed allows
    exchange, refund = file(client, "exchange", "wrong_item"), file(client)
    for rma in (exchange, refund):
        back_and_inspected(client, rma)
    item = {"line_no": 1, "sku": "MOUSE-1", "quantity": 1}
    assert (
        client.post(
            f"/api/v1/returns/{exchange}/exchange-order", json={"items": [item]}
        ).status_code
        == 201
    )
    too_much = {"deductions": [{"code": "x", "reason_zh": "x", "amount": 1}]}
    assert client.post(f"/api/v1/returns/{refund}/refund", json=too_much).status_code == 200
    worker.tick()
    worker.tick()
    with context.session_factory() as session:
        amounts = list(session.scalars(select(RefundRow.amount)))
    assert len(amounts) == 2 and all(0 < a <= PAID for a in amounts)
    repair = file(client, "repair", "quality")
    back_and_inspected(client, repair)
    assert client.post(f"/api/v1/returns/{repair}/repair-order").status_code == 201
    dear = client.post(
        f"/api/v1/returns/{repair}/repair-order/diagnose", json={"note": "x", "cost": PAID + 1}
    )
    assert (dear.status_code, dear.json()["code"]) == (422, "repair_cost_out_of_range")


# --- reopening asks the gateway first (finding 2) ---------------------------------------


def _forged_failure(refund: dict[str, Any], rma: str) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(
        {
            "type": "refund.settled",
            "refund": {
                "id": refund["gateway_refund_id"],
                "status": "failed",
                "amount": refund["amount"]["amount"],
                "currency": "CNY",
                "failure_reason": "forged",
                "metadata": {"rma_no": rma},
            },
        }
    ).encode()
    signature = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return body, {SIGNATURE_HEADER: signature, "Content-Type": "application/json"}


@pytest.mark.usefixtures("manual_refunds")
def test_reopening_a_paid_refund_escalated_by_a_forged_failure_pays_nothing_twice(
    client: TestClient, context: AppContext, worker: Worker, clock: FakeClock
) -> None:
    gateway = SandboxGateway(
        context.clock, settle_after=timedelta(seconds=30), webhook_secret=SECRET
    )
    context.gateway = gateway
    rma = file(client)
    back_and_inspected(client, rma)
    assert client.post(f"/api/v1/returns/{rma}/refund").status_code == 200
    worker.tick()  # submitted: the gateway will pay it
    submitted = refund_of(client, rma)
    assert submitted["status"] == "submitted"
    body, headers = _forged_failure(submitted, rma)
    heard = client.post("/api/v1/payments/sandbox/notifications", content=body, headers=headers)
    assert heard.status_code == 200, heard.text
    assert refund_of(client, rma)["status"] == "escalated"
    clock.advance(seconds=31)  # the gateway has paid it meanwhile
    reopened = client.post(f"/api/v1/refunds/{rma}/reopen")
    assert reopened.status_code == 200, reopened.text
    assert reopened.json()["status"] == "succeeded"
    assert reopened.json()["idempotency_key"] == f"rf-{rma}-refund"
    worker.tick()
    worker.tick()
    assert gateway.refund_count == 1
    assert submits(context) == 1
    report = client.get("/api/v1/finance/reconciliation").json()
    assert (report["matched"], report["differences"]) == (1, [])


# --- one submission, however many callers (finding 6) ----------------------------------


@pytest.mark.usefixtures("manual_refunds")
def test_many_concurrent_calls_on_a_re_requested_refund_queue_one_submission(
    client: TestClient, context: AppContext, tokens: Tokens, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("row locks and real concurrency: PostgreSQL")
    rma = file(client)
    back_and_inspected(client, rma)
    context.settings.authority_limits = {"finance": 100}
    fay = bearer(tokens, Role.FINANCE, "fay")
    approval = client.post(f"/api/v1/returns/{rma}/refund", headers=fay).json()["approval_id"]
    declined = client.post(
        f"/api/v1/finance/approvals/{approval}/decline", json={"note": "照片不足"}
    )
    assert declined.status_code == 200
    assert refund_of(client, rma)["status"] == "declined"

    def ask(_: int) -> int:
        return int(client.post(f"/api/v1/returns/{rma}/refund").status_code)

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(ask, range(200)))
    assert codes.count(200) == 1 and set(codes) <= {200, 409}, sorted(set(codes))
    assert submits(context) == 1
    assert count(context, RefundRow) == 1


def test_a_declined_gap_is_no_longer_owed(
    client: TestClient, context: AppContext, tokens: Tokens, worker: Worker
) -> None:
    feed(client, "MOUSE-1", 100)
    rma = file(client, "exchange", "wrong_item")
    back_and_inspected(client, rma)
    agent = bearer(tokens, Role.AGENT, "alice")
    item = {"line_no": 1, "sku": "MOUSE-1", "quantity": 1}
    client.post(f"/api/v1/returns/{rma}/exchange-order", json={"items": [item]}, headers=agent)
    worker.tick()
    manager = bearer(tokens, Role.MANAGER, "mona")
    [approval] = client.get("/api/v1/finance/approvals", headers=manager).json()
    declined = client.post(
        f"/api/v1/finance/approvals/{approval['id']}/decline",
        json={"note": "太多"},
        headers=manager,
    )
    assert declined.status_code == 200, declined.text
    worker.tick()
    assert refund_of(client, rma)["status"] == "declined"
    with context.uow() as uow:
        assert uow.ledger.balance(Account.REFUNDS_PAYABLE, "CNY").cents == 0
    assert submits(context) == 0


@pytest.mark.usefixtures("manual_refunds")
def test_reopening_while_the_gateway_cannot_answer_sends_nothing(
    client: TestClient, context: AppContext, worker: Worker
) -> None:
    gateway = SandboxGateway(context.clock, settle_after=timedelta(0), webhook_secret=SECRET)
    context.gateway = gateway
    context.settings.refund_max_attempts = 1
    rma = file(client)
    back_and_inspected(client, rma)
    assert client.post(f"/api/v1/returns/{rma}/refund").status_code == 200
    gateway.unavailable_next(2)
    worker.tick()  # the one attempt fails: escalated
    assert refund_of(client, rma)["status"] == "escalated"
    refused = client.post(f"/api/v1/refunds/{rma}/reopen")
    assert (refused.status_code, refused.json()["code"]) == (409, "gateway_unavailable")
    assert refund_of(client, rma)["status"] == "escalated"
    reopened = client.post(f"/api/v1/refunds/{rma}/reopen")  # it answers now: nothing made
    assert reopened.json()["idempotency_key"] == f"rf-{rma}-refund"
    worker.tick()
    assert refund_of(client, rma)["status"] == "succeeded"
    assert gateway.refund_count == 1
