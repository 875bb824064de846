"""An overturned failed inspection withdraws the warehouse's partial-refund offer (R3.2, R5.3),
SQLite and PostgreSQL: the portal no longer offers it, an answer to it is refused, and
the refund is paid in full, without the deduction. Both ways: an appeal decided as
overturned, and staff overturning the failed inspection directly."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from returnflow.app_context import AppContext
from returnflow.domain.inspection import Grade, Responsibility
from returnflow.domain.inspection_record import OfferStatus
from returnflow.domain.text import DomainError
from returnflow.payments.sandbox import SandboxGateway
from returnflow.web.portal_links import PortalAccess, make_token
from tests.domain.test_inspection import NOW, _inspected, _offer
from tests.support.apps import shared_app
from tests.support.refunds import pay_refunds

OrderPayload = Callable[..., dict[str, Any]]
SECRET = "offer-withdrawn-secret"
W = "/api/v1/warehouse"
BABY = ["appearance", "accessories", "packaging", "hygiene_seal"]
EN = {"Accept-Language": "en"}
NOTES = {"appearance": "瓶身划痕"}


@pytest.fixture
def context(context: AppContext) -> AppContext:
    settings = context.settings.model_copy(
        update={"secret_key": SECRET, "instant_refund_enabled": False}
    )
    return dataclasses.replace(context, settings=settings)


@pytest.fixture(autouse=True)
def order(client: TestClient, order_payload: OrderPayload) -> None:
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201


def _offered(client: TestClient) -> str:
    """A no-reason return, received, failed at inspection with a 20 yuan deduction offered."""
    body = {
        "order_no": "SO-1001",
        "type": "refund",
        "lines": [{"line_no": 1, "quantity": 1, "reason_code": "no_reason"}],
    }
    rma = str(client.post("/api/v1/returns", json=body).json()["rma_no"])
    ship = {"carrier": "SF", "tracking_no": "SF1234567890"}
    assert client.post(f"/api/v1/returns/{rma}/ship", json=ship).status_code == 200
    assert client.post(f"/api/v1/returns/{rma}/receive").status_code == 200
    checks = [
        {"check": n, "mark": "fail" if n == "appearance" else "pass", "note": NOTES.get(n, "")}
        for n in BABY
    ]
    inspected = client.post(
        f"{W}/returns/{rma}/inspection",
        json={
            "checks": checks,
            "grade": "B",
            "responsibility": "customer",
            "deduction": {"amount": 2000, "reason": "瓶身划痕，扣减 20 元"},
        },
    )
    assert inspected.status_code == 201, inspected.text
    assert inspected.json()["offer"]["status"] == "offered"
    return rma


def _portal(context: AppContext, rma: str) -> str:
    token = make_token(SECRET, PortalAccess("SO-1001", "c-1"), context.clock())
    with TestClient(shared_app(context)) as web:
        page = web.get(f"/portal/o/{token}/r/{rma}", headers=EN)
    assert page.status_code == 200, page.text
    return str(page.text)


def _overturn_by_appeal(client: TestClient, rma: str) -> None:
    filed = client.post(f"/api/v1/returns/{rma}/appeal", json={"statement": "划痕是原有的"})
    assert (filed.status_code, filed.json()["subject"]) == (201, "partial_offer"), filed.text
    decided = client.post(
        f"/api/v1/returns/{rma}/appeal/decision",
        json={"decision": "overturn", "reason": "出库照片已有划痕"},
    )
    assert decided.status_code == 200, decided.text


def _overturn_by_staff(client: TestClient, rma: str) -> None:
    done = client.post(f"/api/v1/returns/{rma}/overturn", json={"reason": "复检通过"})
    assert done.status_code == 200, done.text


@pytest.mark.parametrize("overturn", [_overturn_by_appeal, _overturn_by_staff])
def test_an_overturn_withdraws_the_open_offer(
    client: TestClient, context: AppContext, overturn: Callable[[TestClient, str], None]
) -> None:
    rma = _offered(client)
    before = _portal(context, rma)
    assert 'data-offer="offered"' in before and 'value="accept"' in before
    overturn(client, rma)
    assert client.get(f"{W}/returns/{rma}").json()["offer"]["status"] == "withdrawn"
    after = _portal(context, rma)
    assert 'data-offer="withdrawn"' in after
    assert 'value="accept"' not in after and 'value="decline"' not in after
    assert "This offer was withdrawn" in after
    answered = client.post(f"{W}/returns/{rma}/offer", json={"accept": True})
    assert answered.status_code == 404  # no offer is waiting any more
    context.gateway = SandboxGateway(context.clock, settle_after=timedelta(0))
    pay_refunds(context, ticks=3)
    refund = client.get(f"/api/v1/refunds/{rma}").json()
    assert refund["status"] == "succeeded"
    assert refund["amount"] == {"amount": 8400, "currency": "CNY"}  # no deduction kept


def test_an_answered_offer_is_left_as_it_was(client: TestClient) -> None:
    rma = _offered(client)
    declined = client.post(f"{W}/returns/{rma}/offer", json={"accept": False})
    assert declined.status_code == 200, declined.text
    _overturn_by_staff(client, rma)
    assert client.get(f"{W}/returns/{rma}").json()["offer"]["status"] == "declined"


def test_only_an_open_offer_is_withdrawn_and_then_no_longer_answered() -> None:
    failed = _inspected(Grade.B, Responsibility.CUSTOMER)
    assert not failed.withdraw_offer(NOW)  # nothing offered: nothing to withdraw
    offer = _offer(failed, 2000)
    assert failed.withdraw_offer(NOW)
    assert offer.status is OfferStatus.WITHDRAWN and offer.answered_at == NOW
    assert not offer.is_open and not offer.accepted
    assert failed.events[-1].name == "inspection.offer_withdrawn"
    assert not failed.withdraw_offer(NOW)  # once
    with pytest.raises(DomainError) as answered:
        failed.answer_offer(True, NOW)
    assert answered.value.code == "offer_not_open"
