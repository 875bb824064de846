"""Appeals and overturns through the API on both databases (R3.2): once, within the
window, with reasons, by the right people, and an overturned inspection paid once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.payments.sandbox import SandboxGateway
from returnflow.storage.schema import RefundRow
from tests.support.apps import shared_app
from tests.support.clock import FakeClock
from tests.support.refunds import pay_refunds

OrderPayload = Callable[..., dict[str, Any]]
SHIP = {"carrier": "顺丰速运", "tracking_no": "SF1234567890"}
WORDS = {"statement": "奶瓶有裂纹，照片可以看到"}


@pytest.fixture(autouse=True)
def order(client: TestClient, order_payload: OrderPayload) -> None:
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201


def _file(client: TestClient, reason: str = "quality", **extra: Any) -> dict[str, Any]:
    body = {
        "order_no": "SO-1001",
        "type": "refund",
        "lines": [{"line_no": 1, "quantity": 1, "reason_code": reason}],
        **extra,
    }
    response = client.post("/api/v1/returns", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def _rejected(client: TestClient) -> str:
    filed = _file(client)  # a fault without photos: a person reviews it
    assert filed["status"] == "pending_review"
    rma = str(filed["rma_no"])
    rejected = client.post(f"/api/v1/returns/{rma}/reject", json={"reason": "照片看不出问题"})
    assert rejected.status_code == 200, rejected.text
    return rma


def _failed(client: TestClient) -> str:
    rma = str(_file(client, reason="no_reason")["rma_no"])  # approved at once
    for action, body in (
        ("ship", SHIP),
        ("receive", None),
        ("inspect", {"passed": False, "notes": "有使用痕迹"}),
    ):
        response = client.post(f"/api/v1/returns/{rma}/{action}", json=body)
        assert response.status_code == 200, response.text
    return rma


def test_a_rejection_is_appealed_once_and_overturned(client: TestClient, clock: FakeClock) -> None:
    rma = _rejected(client)
    clock.advance(hours=2)
    filed = client.post(f"/api/v1/returns/{rma}/appeal", json=WORDS)
    assert filed.status_code == 201, filed.text
    body = filed.json()
    assert (body["rma_no"], body["subject"], body["status"]) == (rma, "rejection", "open")
    assert body["filed_at"] is not None
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "pending_review"
    again = client.post(f"/api/v1/returns/{rma}/appeal", json=WORDS)
    assert (again.status_code, again.json()["code"]) == (409, "already_appealed")
    queue = client.get("/api/v1/appeals", params={"status": "open"}).json()
    assert [item["rma_no"] for item in queue["items"]] == [rma] and queue["total"] == 1

    decided = client.post(
        f"/api/v1/returns/{rma}/appeal/decision",
        json={"decision": "overturn", "reason": "照片可见裂纹"},
    )
    assert decided.status_code == 200, decided.text
    assert (decided.json()["status"], decided.json()["reason"]) == ("overturned", "照片可见裂纹")
    request = client.get(f"/api/v1/returns/{rma}").json()
    assert request["status"] == "approved" and request["ship_by"] is not None
    twice = client.post(
        f"/api/v1/returns/{rma}/appeal/decision", json={"decision": "uphold", "reason": "x"}
    )
    assert twice.status_code == 409
    assert client.get("/api/v1/appeals", params={"status": "open"}).json()["total"] == 0


def test_an_appeal_after_the_window_is_refused(
    client: TestClient, clock: FakeClock, context: AppContext
) -> None:
    rma = _rejected(client)
    clock.advance(days=context.settings.appeal_window_days, seconds=1)
    late = client.post(f"/api/v1/returns/{rma}/appeal", json=WORDS)
    assert (late.status_code, late.json()["code"]) == (422, "appeal_window_closed")
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "rejected"


def test_bad_input_is_refused_without_a_500(client: TestClient) -> None:
    rma = _rejected(client)
    for body in (
        {},
        {"statement": ""},
        {"statement": "x" * 2001},
        {**WORDS, "photo_ids": ["x"] * 10},
    ):
        assert client.post(f"/api/v1/returns/{rma}/appeal", json=body).status_code == 422
    photo = client.post(f"/api/v1/returns/{rma}/appeal", json={**WORDS, "photo_ids": ["../x"]})
    assert (photo.status_code, photo.json()["code"]) == (422, "photo_not_found")
    missing = client.post("/api/v1/returns/RMA-NONE/appeal", json=WORDS)
    assert missing.status_code == 404
    nothing = client.post(
        f"/api/v1/returns/{rma}/appeal/decision", json={"decision": "uphold", "reason": "x"}
    )
    assert (nothing.status_code, nothing.json()["code"]) == (404, "appeal_not_found")


def test_overturn_needs_a_reason_and_an_automated_decision(
    client: TestClient, clock: FakeClock
) -> None:
    clock.advance(days=10)  # past the 7-day no-reason window: rejected automatically
    filed = _file(client, reason="no_reason")
    assert filed["status"] == "rejected"
    rma = filed["rma_no"]
    for body in ({}, {"reason": ""}):
        assert client.post(f"/api/v1/returns/{rma}/overturn", json=body).status_code == 422
    blank = client.post(f"/api/v1/returns/{rma}/overturn", json={"reason": "  "})
    assert (blank.status_code, blank.json()["code"]) == (422, "reason_required")
    done = client.post(f"/api/v1/returns/{rma}/overturn", json={"reason": "物流延误，顾客无责"})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "approved" and done.json()["ship_by"] is not None
    person = _rejected(client)
    refused = client.post(f"/api/v1/returns/{person}/overturn", json={"reason": "x"})
    assert (refused.status_code, refused.json()["code"]) == (409, "not_overturnable")


def test_who_may_file_decide_and_overturn(
    client: TestClient, context: AppContext, tokens: Callable[..., str]
) -> None:
    rma = _rejected(client)

    def as_role(role: Role, merchant_id: str | None = None) -> TestClient:
        api = TestClient(shared_app(context))
        token = tokens(
            role, merchant_id=merchant_id, username=f"{role.value}-{merchant_id or 'staff'}"
        )
        api.headers["Authorization"] = f"Bearer {token}"
        return api

    warehouse = as_role(Role.WAREHOUSE)
    assert warehouse.post(f"/api/v1/returns/{rma}/appeal", json=WORDS).status_code == 403
    agent = as_role(Role.AGENT)  # files for the customer on the hotline
    assert agent.post(f"/api/v1/returns/{rma}/appeal", json=WORDS).status_code == 201
    decision = {"decision": "uphold", "reason": "维持"}
    url = f"/api/v1/returns/{rma}/appeal/decision"
    assert warehouse.post(url, json=decision).status_code == 403
    stranger = as_role(Role.MERCHANT, "m-other")
    assert stranger.post(url, json=decision).status_code == 404
    assert stranger.get("/api/v1/appeals").json()["total"] == 0
    merchant = as_role(Role.MERCHANT, "m-babycare")
    assert merchant.get("/api/v1/appeals").json()["total"] == 1
    assert merchant.post(url, json=decision).status_code == 200
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "rejected"


def test_an_overturned_failed_inspection_is_refunded_exactly_once(
    client: TestClient, context: AppContext
) -> None:
    context.gateway = SandboxGateway(context.clock, settle_after=timedelta(0))
    context.settings.instant_refund_enabled = False  # nothing paid at the first scan
    rma = _failed(client)
    pay_refunds(context)  # a failed inspection without an accepted offer pays nothing
    assert client.get(f"/api/v1/refunds/{rma}").status_code == 404
    filed = client.post(f"/api/v1/returns/{rma}/appeal", json=WORDS)
    assert (filed.status_code, filed.json()["subject"]) == (201, "inspection")
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "inspection_failed"
    decided = client.post(
        f"/api/v1/returns/{rma}/appeal/decision",
        json={"decision": "overturn", "reason": "复检无使用痕迹"},
    )
    assert decided.status_code == 200, decided.text
    pay_refunds(context, ticks=3)
    pay_refunds(context, ticks=2)  # the safety nets run again: nothing more is paid
    assert client.get(f"/api/v1/refunds/{rma}").json()["status"] == "succeeded"
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "completed"
    gateway = context.gateway
    assert isinstance(gateway, SandboxGateway) and gateway.refund_count == 1
    with context.uow() as uow:
        rows = uow.session.scalar(select(func.count()).select_from(RefundRow))
    assert rows == 1  # the only request: one refund row


@pytest.mark.parametrize(
    ("button", "body", "outcome"),
    [("approve", None, "overturned"), ("reject", {"reason": "仍看不出问题"}, "upheld")],
)
def test_the_ordinary_review_buttons_decide_an_open_appeal(
    client: TestClient, button: str, body: dict[str, str] | None, outcome: str
) -> None:
    rma = _rejected(client)
    assert client.post(f"/api/v1/returns/{rma}/appeal", json=WORDS).status_code == 201
    assert client.post(f"/api/v1/returns/{rma}/{button}", json=body).status_code == 200
    appeal = client.get(f"/api/v1/returns/{rma}/appeal").json()
    assert (appeal["status"], appeal["decided_by"]) == (outcome, "admin:root")
    if body:
        assert appeal["reason"] == body["reason"]
    assert client.get("/api/v1/appeals", params={"status": "open"}).json()["total"] == 0
