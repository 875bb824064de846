"""Frequent-returner care (issue 15, R10.4) over the API and the pages, on both databases.

Planted: customer "c-size" files three no-reason returns whose words speak of size
(theme "size"); "c-two" two quality returns, plus a third that is rejected; "c-old"
three quality returns, one of them 91 days before now. Hand count: only c-size is a
frequent returner. Outreach puts exactly one outbox message per click or key, and the
effect compares counted requests in the 90 days after with the 90 days before.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from email import message_from_bytes
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from returnflow.app_context import AppContext
from returnflow.domain.access import Principal, Role
from returnflow.jobs.returner_care import care_consumer
from returnflow.jobs.worker import Worker
from returnflow.notify.mailer import FileMailer
from returnflow.services import returner_care
from returnflow.storage.schema import OutboxRow, ReturnRow
from tests.support.apps import shared_app
from tests.support.clock import FakeClock
from tests.test_console_pages import csrf_from, sign_in

OrderPayload = Callable[..., dict[str, Any]]
CARE = "/api/v1/risk/care"
_serial = iter(range(1, 10_000))


def file_return(
    client: TestClient,
    clock: FakeClock,
    order_payload: OrderPayload,
    customer: str,
    reason: str,
    text: str = "",
) -> str:
    order_no = f"SO-C{next(_serial)}"
    body = order_payload(
        order_no=order_no,
        customer={"id": customer, "name": "王小明", "phone": "13800138000",
                  "email": "xiaoming@example.com"},
        placed_at=(clock.now - timedelta(days=3)).isoformat(),
        delivered_at=(clock.now - timedelta(days=1)).isoformat(),
    )  # fmt: skip
    assert client.post("/api/v1/orders", json=body).status_code == 201
    line = {"line_no": 2, "quantity": 1, "reason_code": reason, "reason_text": text}
    made = client.post("/api/v1/returns", json={"order_no": order_no, "type": "refund",
                                                 "lines": [line]})  # fmt: skip
    assert made.status_code == 201, made.text
    return str(made.json()["rma_no"])


def _reject(context: AppContext, rma_no: str) -> None:
    with context.uow() as uow:
        uow.session.execute(
            update(ReturnRow).where(ReturnRow.rma_no == rma_no).values(status="rejected")
        )
        uow.session.commit()


def _outbox(context: AppContext, topic: str) -> list[dict[str, Any]]:
    with context.uow() as uow:
        rows = uow.session.scalars(select(OutboxRow).where(OutboxRow.topic == topic))
        return [dict(r.payload) for r in rows]


@pytest.fixture
def planted(
    context: AppContext, client: TestClient, clock: FakeClock, order_payload: OrderPayload
) -> None:
    start = clock.now
    clock.now = start - timedelta(days=91)
    file_return(client, clock, order_payload, "c-old", "quality")
    clock.now = start - timedelta(days=20)
    for words in ("尺码偏小", "Size too small", "穿着太紧，码数不对"):
        file_return(client, clock, order_payload, "c-size", "no_reason", words)
    for _ in range(2):
        file_return(client, clock, order_payload, "c-two", "quality")
        file_return(client, clock, order_payload, "c-old", "quality")
    _reject(context, file_return(client, clock, order_payload, "c-two", "quality"))
    clock.now = start


def test_the_rule_at_its_boundary(client: TestClient, planted: None) -> None:
    found = client.get(CARE).json()
    assert (found["window_days"], found["min_requests"]) == (90, 3)
    assert [(r["customer_id"], r["reason"], r["requests"]) for r in found["returners"]] == [
        ("c-size", "size", 3)
    ]  # c-two: 2 + a rejected one; c-old: 2 + one 91 days ago
    row = found["returners"][0]
    assert "size guide" in row["likely_cause"]["en"] and row["last_outreach_at"] is None
    assert client.get(CARE, params={"reason": "size"}).json()["total"] == 1
    assert client.get(CARE, params={"reason": "quality"}).json()["returners"] == []
    bad = client.get(CARE, params={"reason": "nonsense"})
    assert bad.status_code == 422 and bad.headers["content-type"].startswith(
        "application/problem+json"
    )
    detail = client.get(f"{CARE}/c-two").json()
    assert detail["reasons"] == {"quality": 2} and detail["frequent_reasons"] == []


def test_outreach_sends_once_per_key(
    context: AppContext, client: TestClient, planted: None
) -> None:
    body = {"reason": "size", "action": "size_guide", "link": "https://shop.example.com/size"}
    key = {"Idempotency-Key": "care-1"}
    first = client.post(f"{CARE}/c-size/outreach", json=body, headers=key)
    assert first.status_code == 201, first.text
    again = client.post(f"{CARE}/c-size/outreach", json=body, headers=key)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    reused = client.post(f"{CARE}/c-size/outreach", json={**body, "note": "x"}, headers=key)
    assert reused.status_code == 422 and reused.json()["code"] == "idempotency_key_reused"
    sent = _outbox(context, "care.advice")
    assert len(sent) == 1 and sent[0]["customer_id"] == "c-size"
    assert "https://shop.example.com/size" in sent[0]["body"]["en"]
    coupon = {"reason": "size", "action": "coupon", "coupon_amount": 1000}
    made = client.post(f"{CARE}/c-size/outreach", json=coupon, headers={"Idempotency-Key": "c2"})
    client.post(f"{CARE}/c-size/outreach", json=coupon, headers={"Idempotency-Key": "c2"})
    asked = _outbox(context, "integration.coupon_requested")
    assert len(asked) == 1 and asked[0]["amount"] == 1000
    assert asked[0]["coupon_code"] == made.json()["coupon_code"].upper()
    assert asked[0]["coupon_code"].startswith("CARE-") and len(_outbox(context, "care.advice")) == 1


def test_outreach_refusals_are_problems(client: TestClient, planted: None) -> None:
    cases = [
        ("c-two", {"reason": "quality", "action": "advice", "note": "hi"}, 409,
         "not_a_frequent_returner"),
        ("c-size", {"reason": "size", "action": "advice"}, 422, "note_required"),
        ("c-size", {"reason": "size", "action": "size_guide", "link": "ftp://x"}, 422,
         "invalid_link"),
        ("c-size", {"reason": "size", "action": "coupon", "coupon_amount": 50}, 422,
         "invalid_coupon_value"),
        ("nobody", {"reason": "size", "action": "advice", "note": "hi"}, 404,
         "customer_not_found"),
        ("c-size", {"reason": "size", "action": "call"}, 422, None),
    ]  # fmt: skip
    for customer, body, status, code in cases:
        answer = client.post(f"{CARE}/{customer}/outreach", json=body)
        assert answer.status_code == status, (body, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
        if code:
            assert answer.json()["code"] == code


def test_outcome_and_effect(
    client: TestClient, clock: FakeClock, order_payload: OrderPayload, planted: None
) -> None:
    made = client.post(
        f"{CARE}/c-size/outreach", json={"reason": "size", "action": "advice", "note": "试试尺码表"}
    ).json()
    url = f"{CARE}/c-size/outreach/{made['id']}"
    done = client.put(url, json={"outcome": "reached"})
    assert done.status_code == 200 and done.json()["outcome"] == "reached"
    assert client.put(url, json={"outcome": "maybe"}).status_code == 422
    assert (
        client.put(f"{CARE}/c-two/outreach/{made['id']}", json={"outcome": "reached"}).json()[
            "code"
        ]
        == "outreach_not_found"
    )
    start = clock.now
    clock.now = start + timedelta(days=30)
    file_return(client, clock, order_payload, "c-size", "no_reason")
    clock.now = start + timedelta(days=40)
    file_return(client, clock, order_payload, "c-size", "no_reason")
    clock.now = start + timedelta(days=45)
    shown = client.get(f"{CARE}/c-size").json()["outreach"][0]
    assert (shown["returns_before"], shown["returns_after"], shown["effect_complete"]) == (
        3,
        2,
        False,
    )
    clock.now = start + timedelta(days=100)
    file_return(client, clock, order_payload, "c-size", "no_reason")  # after the 90 days
    shown = client.get(f"{CARE}/c-size").json()["outreach"][0]
    assert (shown["returns_before"], shown["returns_after"], shown["effect_complete"]) == (
        3,
        2,
        True,
    )


def test_permissions_and_masking(
    context: AppContext, tokens: Callable[..., str], clock: FakeClock, planted: None
) -> None:

    agent = {"Authorization": f"Bearer {tokens(Role.AGENT, username='agent.wu')}"}
    shop = tokens(Role.MERCHANT, merchant_id="m-babycare", username="m.one")
    merchant = {"Authorization": f"Bearer {shop}"}
    advice = {"reason": "size", "action": "advice", "note": "看看尺码表"}
    with TestClient(shared_app(context)) as c:
        assert c.get(CARE, headers=merchant).status_code == 403
        assert c.get(f"{CARE}/c-size", headers=merchant).status_code == 403
        assert c.post(f"{CARE}/c-size/outreach", json=advice, headers=merchant).status_code == 403
        assert c.post(f"{CARE}/c-size/outreach", json=advice, headers=agent).status_code == 201
        assert c.get(f"{CARE}/c-size", headers=agent).json()["phone"] == "13800138000"
    nobody = Principal(1, "w", "w", Role.WAREHOUSE)  # no customers.contact
    with context.uow() as uow:
        seen = returner_care.customer(uow, "c-size", nobody, clock.now)
    assert (seen.phone, seen.email) == ("138****8000", "x***@example.com")


def test_pages_list_and_a_double_click_records_one_outreach(
    context: AppContext, tokens: Callable[..., str], planted: None
) -> None:
    tokens(Role.AGENT, username="li.na")
    tokens(Role.MERCHANT, merchant_id="m-babycare", username="shop.m")
    with sign_in(context, "shop.m") as shop:
        assert shop.get("/staff/risk/care").status_code == 403
        assert shop.get("/staff/risk/register").status_code == 403
    with sign_in(context, "li.na") as page:
        listing = page.get("/staff/risk/care")
        assert listing.status_code == 200 and 'data-customer="c-size"' in listing.text
        assert 'data-customer="c-two"' not in listing.text
        assert page.get("/staff/risk/care?reason=bogus").status_code == 422
        detail = page.get("/staff/risk/care/c-size")
        assert detail.status_code == 200 and "data-outreach-form" in detail.text
        once = detail.text.split('name="once" value="')[1].split('"')[0]
        form = {"csrf_token": csrf_from(detail.text), "once": once, "reason": "size",
                "action": "advice", "note": "建议先看尺码表"}  # fmt: skip
        for _ in range(2):  # a double click
            sent = page.post("/staff/risk/care/c-size/outreach", data=form, follow_redirects=False)
            assert sent.status_code == 303
        bad = page.post("/staff/risk/care/c-size/outreach", data={**form, "once": "b", "note": ""})
        assert bad.status_code == 422 and "data-error" in bad.text
        register = page.get("/staff/risk/register")
        assert register.status_code == 200 and "data-edit=" not in register.text  # agents read
        assert page.post("/staff/risk/register/logistics", data={}).status_code == 403
    assert len(_outbox(context, "care.advice")) == 1
    with context.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(OutboxRow).where(
            OutboxRow.topic == "care.advice")) == 1  # fmt: skip


def test_the_advice_reaches_the_inbox_and_mail_once(
    context: AppContext, client: TestClient, planted: None, tmp_path: Path
) -> None:
    body = {"reason": "size", "action": "advice", "note": "建议参考尺码表"}
    assert client.post(f"{CARE}/c-size/outreach", json=body).status_code == 201
    (payload,) = _outbox(context, "care.advice")
    Worker(context, FileMailer(tmp_path)).dispatcher.run_once(context.clock(), batch=200)
    care_consumer(context, FileMailer(tmp_path))("care.advice", payload)  # a retry: no second
    with context.uow() as uow:
        inbox = uow.notices.inbox("c-size", 1, 50)
    advice = [m for m in inbox.messages if m.topic == "care.advice"]
    assert len(advice) == 1 and "尺码" in advice[0].body.zh
    assert advice[0].subject.en == "A tip about your recent returns"
    subjects = [
        str(message_from_bytes(p.read_bytes(), policy=default)["Subject"])
        for p in tmp_path.glob("*.eml")
    ]
    assert sum("A tip about your recent returns" in s for s in subjects) == 1, subjects
