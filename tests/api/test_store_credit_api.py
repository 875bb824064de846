"""Store credit through the API: refund as credit with a bonus, spend, expiry (R6.2)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.domain.ledger import Account, trial_balance_is_zero
from returnflow.jobs import resolutions as resolution_jobs
from returnflow.storage.schema import RefundRow
from tests.support.clock import FakeClock

OrderPayload = Callable[..., dict[str, Any]]


@pytest.fixture(autouse=True)
def order(client: TestClient, order_payload: OrderPayload) -> None:
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201


@pytest.fixture
def manual_refunds(context: AppContext) -> None:
    """The refund is decided by hand: automatic refunds at inspection and instant refunds
    at the first scan are off, so the refund is still open to be taken as store credit."""
    context.settings.refund_auto_request = False
    context.settings.instant_refund_enabled = False


def credited_refund(client: TestClient) -> str:
    """A refund-only claim on line 1 (84.00), taken as store credit."""
    body = {
        "order_no": "SO-1001",
        "type": "refund",
        "lines": [{"line_no": 1, "quantity": 1, "reason_code": "wrong_item"}],
    }
    rma: str = client.post("/api/v1/returns", json=body).json()["rma_no"]
    for action, payload in (
        ("ship", {"carrier": "SF", "tracking_no": "SF1234567890"}),
        ("receive", None),
        ("inspect", {"passed": True, "notes": "ok"}),
    ):
        assert client.post(f"/api/v1/returns/{rma}/{action}", json=payload).status_code == 200
    return rma


def spend(client: TestClient, amount: int, key: str, **headers: str) -> Any:
    return client.post(
        "/api/v1/store-credit/c-1/spend",
        json={"amount": amount, "key": key, "reference": "SO-2002"},
        headers=headers,
    )


@pytest.mark.usefixtures("manual_refunds")
def test_credit_with_bonus_then_spend_then_expiry(
    client: TestClient, context: AppContext, clock: FakeClock
) -> None:
    rma = credited_refund(client)
    granted = client.post(f"/api/v1/returns/{rma}/store-credit")
    assert granted.status_code == 200, granted.text
    body = granted.json()
    assert (body["status"], body["credited"]["amount"], body["bonus"]["amount"]) == (
        "refunded",
        8400,
        420,  # 5 % bonus
    )
    assert body["balance"]["amount"] == 8820
    again = client.post(f"/api/v1/returns/{rma}/store-credit")
    assert again.status_code == 409  # the refund is already made: nothing is granted twice
    with context.session_factory() as session:
        refund = session.scalars(select(RefundRow)).one()
        assert (refund.method, refund.amount) == ("store_credit", 8400)

    first = spend(client, 5000, "order-2002")
    assert first.status_code == 201, first.text
    assert first.json()["balance"]["amount"] == 3820
    replay = spend(client, 5000, "order-2002")
    assert (replay.status_code, replay.headers["Idempotent-Replayed"]) == (200, "true")
    assert replay.json()["balance"]["amount"] == 3820
    too_much = spend(client, 3821, "order-2003")
    assert (too_much.status_code, too_much.json()["code"]) == (409, "store_credit_insufficient")

    clock.advance(days=366)  # credit lasts 12 months
    assert resolution_jobs.sweep(context, clock.now).expired == 2  # what is left of both lots
    view = client.get("/api/v1/store-credit/c-1").json()
    assert view["balance"]["amount"] == 0
    kinds = [(e["kind"], e["amount"]["amount"]) for e in view["entries"]]
    # newest first; the spend used the refund's lot first (same expiry, older lot)
    assert kinds == [
        ("expire", -420), ("expire", -3400), ("spend", -5000), ("bonus", 420), ("grant", 8400)
    ]  # fmt: skip
    assert sum(amount for _, amount in kinds) == 0
    with context.uow() as uow:
        assert uow.ledger.balance(Account.STORE_CREDIT, "CNY", "c-1").cents == 0
        assert uow.ledger.balance(Account.EXPIRED_CREDIT).cents == 3820
        assert uow.ledger.balance(Account.COMPENSATION).cents == 420
        assert trial_balance_is_zero(uow.ledger.postings())


@pytest.mark.usefixtures("manual_refunds")
def test_the_order_system_may_spend_but_not_agents(
    client: TestClient, tokens: Callable[..., str]
) -> None:
    client.post(f"/api/v1/returns/{credited_refund(client)}/store-credit")
    system = {"Authorization": f"Bearer {tokens(Role.INTEGRATION)}"}
    agent = {"Authorization": f"Bearer {tokens(Role.AGENT)}"}
    assert spend(client, 100, "k-1", **system).status_code == 201
    assert spend(client, 100, "k-2", **agent).status_code == 403


@pytest.mark.usefixtures("manual_refunds")
def test_concurrent_spends_never_overdraw(
    client: TestClient, context: AppContext, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("real concurrency needs PostgreSQL")
    client.post(f"/api/v1/returns/{credited_refund(client)}/store-credit")  # 88.20
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda i: spend(client, 5000, f"race-{i}"), range(6)))
    codes = sorted(a.status_code for a in answers)
    assert codes == [201, 409, 409, 409, 409, 409], [a.text for a in answers]
    view = client.get("/api/v1/store-credit/c-1").json()
    assert view["balance"]["amount"] == 3820
    assert sum(e["amount"]["amount"] for e in view["entries"]) == 3820
