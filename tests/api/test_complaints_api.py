"""Complaints through the API on both databases (R8.1, R8.2, R8.5): filing with the
classifier's suggestion, the queue and its filters, handling, satisfaction, permissions,
merchants' scope, bad input answered as problem+json in both languages (never a 500)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.services.classifying import LabelledText, Suggestion
from returnflow.storage.schema import OutboxRow
from returnflow.storage.schema.complaints import ComplaintEntryRow, ComplaintLabelRow
from returnflow.storage.schema.orders import CustomerRow

OrderPayload = Callable[..., dict[str, Any]]
URL = "/api/v1/complaints"


class FixedClassifier:
    def suggest(self, text: str) -> Suggestion:
        if "快递" in text or "parcel" in text:
            return Suggestion("logistics", 0.81, "urgent", 0.7)
        return Suggestion("product_quality", 0.6, "ordinary", 0.6)

    def learn(self, corrections: Iterable[LabelledText]) -> None:
        pass


@pytest.fixture(autouse=True)
def orders(client: TestClient, context: AppContext, order_payload: OrderPayload) -> None:
    context.classifier = FixedClassifier()
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201
    other = order_payload(order_no="SO-2002", merchant_id="m-other")
    assert client.post("/api/v1/orders", json=other).status_code == 201


def _file(client: TestClient, **body: Any) -> dict[str, Any]:
    answer = client.post(URL, json={"channel": "hotline", "text": "快递三天没动", **body})
    assert answer.status_code == 201, answer.text
    out: dict[str, Any] = answer.json()
    return out


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_filing_answers_number_category_and_deadlines(
    client: TestClient, context: AppContext
) -> None:
    now = context.clock()
    out = _file(client, order_no="SO-1001")
    assert set(out) == {
        "complaint_no",
        "category",
        "category_confidence",
        "urgency",
        "status",
        "first_response_due_at",
        "resolve_due_at",
    }
    assert out["complaint_no"].startswith("CP") and out["complaint_no"][-7:-6] == "-"
    assert (out["category"], out["category_confidence"], out["urgency"], out["status"]) == (
        "logistics",
        0.81,
        "urgent",
        "open",
    )
    assert _at(out["first_response_due_at"]) == now + timedelta(hours=1)
    assert _at(out["resolve_due_at"]) == now + timedelta(hours=48)
    second = _file(client, category="account", urgency="ordinary")
    assert (second["category"], second["category_confidence"], second["urgency"]) == (
        "account",
        1.0,
        "ordinary",
    )
    assert int(second["complaint_no"][-6:]) == int(out["complaint_no"][-6:]) + 1


def test_handling_end_to_end_with_history_and_invitation(
    client: TestClient, context: AppContext
) -> None:
    no = _file(client, order_no="SO-1001")["complaint_no"]
    steps = [
        ("respond", {"message": "正在核实 / checking"}),
        ("classify", {"category": "logistics", "urgency": "ordinary"}),
        ("flag", {"flag": "abnormal_order", "note": "同一地址多单"}),
        ("escalate", {"reason": "需要经理"}),
        ("resolve", {"resolution": "已补发"}),
    ]
    for step, body in steps:
        answer = client.post(f"{URL}/{no}/{step}", json=body)
        assert answer.status_code == 200, (step, answer.text)
    out = answer.json()
    assert (out["status"], out["flag"], out["routed_to"]) == ("resolved", "abnormal_order", "risk")
    assert [h["action"] for h in out["history"]] == [
        "filed",
        "respond",
        "classify",
        "flag",
        "escalate",
        "resolve",
    ]
    assert out["contact_email"] == "xiaoming@example.com"  # an admin may see it
    rated = client.post(f"{URL}/{no}/satisfaction", json={"score": 5, "comment": "快"}).json()
    assert rated["satisfaction"]["score"] == 5 and rated["satisfaction_score"] == 5
    reopened = client.post(f"{URL}/{no}/reopen", json={"reason": "又坏了"}).json()
    assert reopened["status"] == "reopened"
    with context.uow() as uow:
        topics = uow.session.scalars(select(OutboxRow.topic)).all()
        entries = uow.session.scalars(select(ComplaintEntryRow.action)).all()
        labels = uow.session.scalars(select(ComplaintLabelRow.corrected)).all()
    assert "complaint.satisfaction_invite" in topics and "complaint.resolved" in topics
    assert len(entries) == 8  # filed … rate, reopen: each stored once
    assert labels == [True]  # urgent → ordinary was a correction


def test_the_queue_filters_and_puts_the_breached_first(
    client: TestClient, context: AppContext
) -> None:
    ordinary = _file(client, text="商品有划痕")["complaint_no"]
    urgent = _file(client)["complaint_no"]
    context.clock.advance(hours=2)  # type: ignore[attr-defined]
    page = client.get(URL).json()
    assert [item["complaint_no"] for item in page["items"]] == [urgent, ordinary]
    assert page["items"][0]["time_left_seconds"] == -3600
    assert page["total"] == 2 and page["page_size"] == 50
    assert client.get(URL, params={"breached": "true"}).json()["items"] == []  # no worker yet
    quality = client.get(URL, params={"category": "product_quality"}).json()
    assert [item["complaint_no"] for item in quality["items"]] == [ordinary]
    assert client.get(URL, params={"status": "resolved"}).json()["total"] == 0
    one = client.get(f"{URL}/{urgent}", headers={"Accept-Language": "en"}).json()
    assert one["category_label"] == "Logistics" and one["suggested_category"] == "logistics"


def test_key_accounts_go_to_their_team(client: TestClient, context: AppContext) -> None:
    with context.uow() as uow:
        uow.session.get_one(CustomerRow, "c-1").key_account = True
        uow.session.commit()
    no = _file(client, order_no="SO-1001")["complaint_no"]
    assert client.get(f"{URL}/{no}").json()["team"] == "key_accounts"
    listed = client.get(URL, params={"team": "key_accounts"}).json()
    assert [item["complaint_no"] for item in listed["items"]] == [no]


@pytest.mark.parametrize(
    ("language", "words"), [("en", "Complaint CP-NONE was not found"), ("zh-CN", "找不到投诉")]
)
def test_errors_speak_the_callers_language(client: TestClient, language: str, words: str) -> None:
    answer = client.get(f"{URL}/CP-NONE", headers={"Accept-Language": language})
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["code"] == "complaint_not_found" and words in answer.json()["detail"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"channel": "pigeon", "text": "x"}, 422),
        ({"channel": "app", "text": ""}, 422),
        ({"channel": "app", "text": "x" * 10_001}, 422),
        ({"channel": "app", "text": "x", "urgency": "asap"}, 422),
        ({"channel": "app", "text": "x", "category": "weather"}, 422),
        ({"channel": "app", "text": "x", "order_no": "SO-404"}, 404),
        ({"channel": "app", "text": "x", "order_no": "SO-1001", "customer_id": "c-9"}, 404),
        ({"channel": "app", "text": "x", "rma_no": "RMA-NONE"}, 404),
        ({"channel": "app", "text": "x", "order_no": "a b/../c"}, 422),
        ({"channel": "app", "text": "x", "surprise": 1}, 422),
        ({"channel": "app", "text": "   "}, 422),
    ],
)
def test_bad_filings_are_problems_never_500(
    client: TestClient, body: dict[str, Any], status: int
) -> None:
    answer = client.post(URL, json=body)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")


def test_bad_handling_is_a_problem(client: TestClient) -> None:
    no = _file(client)["complaint_no"]
    assert client.post(f"{URL}/{no}/reopen", json={"reason": "x"}).status_code == 409
    assert client.post(f"{URL}/{no}/satisfaction", json={"score": 3}).status_code == 422
    assert client.post(f"{URL}/{no}/satisfaction", json={"score": 9}).status_code == 422
    assert client.post(f"{URL}/{no}/respond", json={"message": ""}).status_code == 422
    assert client.post(f"{URL}/{no}/flag", json={"flag": "x"}).status_code == 422
    assert client.post(f"{URL}/{'x' * 40}/respond", json={"message": "a"}).status_code == 422
    assert client.get(URL, params={"page": 0}).status_code == 422
    assert client.get(URL, params={"status": "lost"}).status_code == 422


def test_permissions_and_merchant_scope(
    client: TestClient, tokens: Callable[..., str], context: AppContext
) -> None:
    mine = _file(client, order_no="SO-1001")["complaint_no"]
    theirs = _file(client, order_no="SO-2002")["complaint_no"]
    merchant = {"Authorization": f"Bearer {tokens(Role.MERCHANT, merchant_id='m-babycare')}"}
    listed = client.get(URL, headers=merchant).json()
    assert [item["complaint_no"] for item in listed["items"]] == [mine]
    assert client.get(f"{URL}/{mine}", headers=merchant).json()["contact_email"] == ""
    assert client.get(f"{URL}/{theirs}", headers=merchant).status_code == 404
    refused = client.post(f"{URL}/{mine}/respond", json={"message": "hi"}, headers=merchant)
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    app = {"Authorization": f"Bearer {tokens(Role.INTEGRATION)}"}
    filed = client.post(URL, json={"channel": "app", "text": "parcel?"}, headers=app)
    assert filed.status_code == 201
    assert (
        client.post(f"{URL}/{mine}/resolve", json={"resolution": "x"}, headers=app).status_code
        == 403
    )
    warehouse = {"Authorization": f"Bearer {tokens(Role.WAREHOUSE)}"}
    assert client.get(URL, headers=warehouse).status_code == 403
    nobody = client.post(URL, json={"channel": "app", "text": "x"}, headers={"Authorization": ""})
    assert nobody.status_code == 401
