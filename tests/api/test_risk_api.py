"""Risk at intake through the API on both databases (issue 15, R10.3): the answer, the
signals from planted histories, linked accounts, the actions, staff's verdict and the
watch list."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.jobs.worker import Worker
from returnflow.notify.mailer import FileMailer
from returnflow.payments.sandbox import SandboxGateway
from returnflow.storage.schema.risk import CustomerIdentifierRow, RiskFeedbackRow
from tests.api.test_receiving_api import photo_b64
from tests.support.clock import FakeClock

OrderPayload = Callable[..., dict[str, Any]]
SHIP = {"carrier": "顺丰速运", "tracking_no": "SF1234567890"}


def _order(
    client: TestClient,
    order_payload: OrderPayload,
    order_no: str,
    customer: str = "c-1",
    phone: str = "13800138000",
    **changes: Any,
) -> None:
    body = order_payload(
        order_no=order_no,
        customer={"id": customer, "name": "王小明", "phone": phone, "email": f"{customer}@ex.cn"},
        **changes,
    )
    response = client.post("/api/v1/orders", json=body)
    assert response.status_code == 201, response.text


def _file(client: TestClient, order_no: str, lang: str = "en", **extra: Any) -> dict[str, Any]:
    body = {
        "order_no": order_no,
        "type": "refund",
        "lines": [{"line_no": 1, "quantity": 1, "reason_code": "no_reason"}],
        **extra,
    }
    response = client.post("/api/v1/returns", json=body, params={"lang": lang})
    assert response.status_code == 201, response.text
    return dict(response.json())


def _signals(answer: dict[str, Any]) -> dict[str, int]:
    return {s["code"]: s["points"] for s in answer["risk"]["signals"]}


def test_a_first_request_scores_zero_and_is_approved(
    client: TestClient, order_payload: OrderPayload
) -> None:
    _order(client, order_payload, "SO-1")
    answer = _file(client, "SO-1", device_id="phone-app-1")
    assert answer["risk"] == {"score": 0, "level": "low", "signals": [], "actions": []}
    assert answer["status"] == "approved"
    detail = client.get(f"/api/v1/returns/{answer['rma_no']}/risk").json()
    assert (detail["score"], detail["feedback"]) == (0, [])


def test_journey_serial_no_reason_returner_with_a_shared_phone(
    client: TestClient,
    order_payload: OrderPayload,
    context: AppContext,
    clock: FakeClock,
    tmp_path: Any,
) -> None:
    """Five no-reason returns in 30 days and a phone shared with another account: the
    next request goes to review with those signals and no instant refund; staff mark it
    safe and the next one passes."""
    context.gateway = SandboxGateway(context.clock, settle_after=timedelta(0))
    _order(client, order_payload, "SO-OTHER", customer="c-2")  # same phone, other account
    _file(client, "SO-OTHER")
    for n in range(5):
        _order(client, order_payload, f"SO-{n}")
        _file(client, f"SO-{n}")
        clock.advance(days=5)
    _order(client, order_payload, "SO-5")
    risky = _file(client, "SO-5")
    assert _signals(risky) == {"returns_30d": 20, "no_reason_repeat": 25, "linked_accounts": 25}
    assert (risky["risk"]["score"], risky["risk"]["level"]) == (70, "high")
    messages = [s["message"] for s in risky["risk"]["signals"]]
    assert "5 no-reason returns in the last 30 days" in messages
    assert risky["status"] == "pending_review"
    assert [r["code"] for r in risky["decision"]["reasons"]] == ["risk_review"]
    assert set(risky["risk"]["actions"]) >= {"review", "no_instant_refund", "hold_refund"}
    rma = risky["rma_no"]
    # a person approves it; at the first scan no instant refund goes out
    assert client.post(f"/api/v1/returns/{rma}/approve", json={}).status_code == 200
    assert client.post(f"/api/v1/returns/{rma}/ship", json=SHIP).status_code == 200
    Worker(context, FileMailer(tmp_path)).tick()
    assert client.get(f"/api/v1/refunds/{rma}").status_code == 404
    # the score listed the customer on the watch list
    watched = client.get("/api/v1/risk/watch-list").json()
    assert [e["customer_id"] for e in watched["items"]] == ["c-1"]
    # staff mark it safe: the feedback is kept, the watch entry ends
    judged = client.post(
        f"/api/v1/returns/{rma}/risk/feedback", json={"verdict": "safe", "note": "known buyer"}
    )
    assert judged.status_code == 200, judged.text
    assert judged.json()["feedback"][0]["verdict"] == "safe"
    assert judged.json()["feedback"][0]["score"] == 70
    assert "no_instant_refund" not in judged.json()["actions"]
    assert client.get("/api/v1/risk/watch-list").json()["total"] == 0
    # the next one passes
    clock.advance(days=1)
    _order(client, order_payload, "SO-6")
    passed = _file(client, "SO-6")
    assert _signals(passed)["cleared"] == -40
    assert (passed["risk"]["score"], passed["risk"]["level"]) == (30, "low")
    assert passed["status"] == "approved"


def test_linked_accounts_across_three_identifiers(
    client: TestClient, order_payload: OrderPayload, context: AppContext
) -> None:
    """A shares a phone with B, B an address with C: A and C are linked."""
    address = {
        "name": "王",
        "phone": "13900000002",
        "province": "上海市",
        "city": "上海市",
        "district": "浦东新区",
        "detail": "世纪大道 100 号",
    }
    other = dict(
        address, detail="世纪大道100号", phone="13900000003"
    )  # the same, spelled otherwise
    _order(client, order_payload, "SO-C", customer="c-C", phone="13900000003", ship_to=other)
    _file(client, "SO-C", device_id="dev-C")
    _order(client, order_payload, "SO-B", customer="c-B", phone="13900000001", ship_to=address)
    _file(client, "SO-B")
    _order(client, order_payload, "SO-A", customer="c-A", phone="13900000001")
    answer = _file(client, "SO-A")
    signal = next(s for s in answer["risk"]["signals"] if s["code"] == "linked_accounts")
    assert signal["message"] == "Linked to 2 other accounts by a shared address, phone"
    # the table holds hashes only
    with context.session_factory() as session:
        hashes = session.scalars(select(CustomerIdentifierRow.value_hash)).all()
    assert hashes and all(len(h) == 64 and not h.startswith("139") for h in hashes)
    # a stranger is linked to nobody
    _order(client, order_payload, "SO-Z", customer="c-Z", phone="13700000000")
    assert "linked_accounts" not in _signals(_file(client, "SO-Z"))


def test_device_id_links_and_contact_mismatch(
    client: TestClient, order_payload: OrderPayload
) -> None:
    _order(client, order_payload, "SO-1", customer="c-1", phone="13900000001")
    _file(client, "SO-1", device_id="dev-9")
    _order(client, order_payload, "SO-2", customer="c-2", phone="13900000002")
    answer = _file(client, "SO-2", device_id="dev-9", contact={"phone": "13600000000"})
    assert _signals(answer) == {"linked_accounts": 25, "contact_mismatch": 10}


def test_planted_findings_and_recoveries_raise_the_score(
    client: TestClient, order_payload: OrderPayload, context: AppContext, tmp_path: Any
) -> None:
    """An earlier parcel arrived empty and its instant refund is being recovered."""
    context.gateway = SandboxGateway(context.clock, settle_after=timedelta(0))
    worker = Worker(context, FileMailer(tmp_path))
    _order(client, order_payload, "SO-1")
    rma = _file(client, "SO-1")["rma_no"]
    client.post(f"/api/v1/returns/{rma}/ship", json=SHIP)
    worker.tick()  # the instant refund is paid
    photo = [{"filename": "box.png", "content_base64": photo_b64()}]
    receipt = client.post(
        f"/api/v1/returns/{rma}/receipt",
        json={
            "lines": [{"line_no": 1, "received": 0}],
            "mismatches": [{"kind": "empty_box", "note": "箱内无物", "photos": photo}],
        },
    )
    assert receipt.status_code == 201, receipt.text
    client.post(f"/api/v1/returns/{rma}/inspect", json={"passed": False, "notes": "空包"})
    worker.tick()
    worker.tick()
    _order(client, order_payload, "SO-2")
    signals = _signals(_file(client, "SO-2"))
    assert signals["earlier_empty_box"] == 30
    assert signals["open_recovery"] == 20


def test_watch_list_api_and_bad_input(client: TestClient, clock: FakeClock) -> None:
    bad = client.post("/api/v1/risk/watch-list", json={"customer_id": "", "reason": "x"})
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    past = (clock.now - timedelta(days=1)).isoformat()
    late = client.post(
        "/api/v1/risk/watch-list", json={"customer_id": "c-9", "reason": "x", "expires_at": past}
    )
    assert late.status_code == 422 and late.json()["code"] == "expiry_invalid"
    until = (clock.now + timedelta(days=10)).isoformat()
    added = client.post(
        "/api/v1/risk/watch-list",
        json={"customer_id": "c-9", "reason": "chargebacks", "expires_at": until},
    )
    assert added.status_code == 201
    entry = added.json()["id"]
    listed = client.get("/api/v1/risk/watch-list", params={"page_size": 1}).json()
    assert (listed["total"], listed["items"][0]["reason"]) == (1, "chargebacks")
    clock.advance(days=11)
    assert client.get("/api/v1/risk/watch-list").json()["total"] == 0  # expired
    assert client.delete(f"/api/v1/risk/watch-list/{entry}").status_code == 204
    gone = client.delete(f"/api/v1/risk/watch-list/{entry}")
    assert gone.status_code == 404 and gone.json()["code"] == "watch_entry_not_found"
    assert client.get("/api/v1/risk/watch-list", params={"page": 0}).status_code == 422


def test_feedback_bad_input_and_unknown_request(
    client: TestClient, order_payload: OrderPayload, context: AppContext
) -> None:
    _order(client, order_payload, "SO-1")
    rma = _file(client, "SO-1")["rma_no"]
    wrong = client.post(f"/api/v1/returns/{rma}/risk/feedback", json={"verdict": "maybe"})
    assert wrong.status_code == 422
    assert wrong.headers["content-type"].startswith("application/problem+json")
    missing = client.post("/api/v1/returns/RMA0/risk/feedback", json={"verdict": "safe"})
    assert missing.status_code == 404 and missing.json()["code"] == "return_not_found"
    fraud = client.post(f"/api/v1/returns/{rma}/risk/feedback", json={"verdict": "fraud"})
    assert fraud.status_code == 200
    with context.session_factory() as session:
        kept = session.scalars(select(RiskFeedbackRow)).all()
    assert [(f.verdict, f.score, f.by) for f in kept] == [("fraud", 0, "admin:root")]
    # fraud lists the customer; their next request carries the watch-list signal
    assert client.get("/api/v1/risk/watch-list").json()["items"][0]["customer_id"] == "c-1"


@pytest.mark.parametrize("role", [Role.MERCHANT, Role.WAREHOUSE, Role.FINANCE])
def test_risk_routes_are_closed_to_roles_without_risk_permissions(
    client: TestClient, order_payload: OrderPayload, tokens: Callable[..., str], role: Role
) -> None:
    _order(client, order_payload, "SO-1")
    rma = _file(client, "SO-1")["rma_no"]
    merchant = "m-babycare" if role is Role.MERCHANT else None
    headers = {"Authorization": f"Bearer {tokens(role, merchant)}"}
    assert client.get(f"/api/v1/returns/{rma}/risk", headers=headers).status_code == 403
    feedback = client.post(
        f"/api/v1/returns/{rma}/risk/feedback", json={"verdict": "safe"}, headers=headers
    )
    assert feedback.status_code == 403
    assert client.get("/api/v1/risk/watch-list", headers=headers).status_code == 403


def test_a_high_risk_refund_only_request_holds_its_refund_until_marked_safe(
    client: TestClient, order_payload: OrderPayload, context: AppContext, tmp_path: Any
) -> None:
    """Watch-listed (30) + a shared phone (25) + another contact (10) + ¥1,500 (10) = 75."""
    context.gateway = SandboxGateway(context.clock, settle_after=timedelta(0))
    worker = Worker(context, FileMailer(tmp_path))
    _order(client, order_payload, "SO-OTHER", customer="c-2")
    _file(client, "SO-OTHER")
    watch = {"customer_id": "c-1", "reason": "chargebacks"}
    assert client.post("/api/v1/risk/watch-list", json=watch).status_code == 201
    line = dict(order_payload()["lines"][0], unit_price=150_000, discount=0)
    _order(client, order_payload, "SO-1", lines=[line])
    risky = _file(
        client,
        "SO-1",
        type="refund_only",
        lines=[{"line_no": 1, "quantity": 1, "reason_code": "quality"}],
        contact={"phone": "13600000000"},
    )
    assert _signals(risky) == {
        "high_value": 10,
        "linked_accounts": 25,
        "contact_mismatch": 10,
        "watch_listed": 30,
    }
    assert (risky["risk"]["score"], risky["risk"]["level"]) == (75, "high")
    rma = risky["rma_no"]
    assert client.post(f"/api/v1/returns/{rma}/approve", json={}).status_code == 200
    worker.tick()
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "approved"
    assert client.get(f"/api/v1/refunds/{rma}").status_code == 404  # held
    safe = client.post(f"/api/v1/returns/{rma}/risk/feedback", json={"verdict": "safe"})
    assert "hold_refund" not in safe.json()["actions"]
    worker.tick()  # the safety net asks for it now the hold is lifted
    assert client.get(f"/api/v1/refunds/{rma}").status_code == 200
