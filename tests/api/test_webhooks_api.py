"""Outbound webhooks through the API on both databases (R15.1), against a real HTTP
subscriber on 127.0.0.1: signed, every status change of a return in order, a 500
retried, replays, the log, permissions and problems for bad input."""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.domain.webhooks import PERSONAL_KEYS, is_integration_event
from returnflow.integrations.webhooks import SIGNATURE_HEADER, verify
from returnflow.jobs.webhooks import WebhookJobs
from returnflow.storage.schema import OutboxRow
from returnflow.storage.schema.webhooks import WebhookSubscriptionRow
from tests.support.apps import shared_app
from tests.support.clock import FakeClock
from tests.support.staff import post_login
from tests.support.webhook_receiver import receiving, verify_returnflow_webhook
from tests.test_console_pages import PASSWORD, csrf_of_session

OrderPayload = Callable[..., dict[str, Any]]
SHIP = {"carrier": "顺丰速运", "tracking_no": "SF1234567890"}


@dataclass
class Subscriber:
    """A stand-in integrator: checks each signature, answers 500 `fail` times first."""

    url: str = ""
    secret: str = ""
    fail: int = 0
    received: list[dict[str, Any]] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)
    bad_signatures: int = 0
    clock: Callable[[], datetime] | None = None

    def handle(self, headers: dict[str, str], body: bytes) -> int:
        header = headers.get(SIGNATURE_HEADER, "")
        now = self.clock().timestamp() if self.clock else None
        if not verify_returnflow_webhook(self.secret, header, body, now=now):
            self.bad_signatures += 1
            return 401
        event = json.loads(body)
        assert headers["Idempotency-Key"] == event["id"]
        assert headers["X-ReturnFlow-Event"] == event["type"]
        assert verify(self.secret, header, body)  # integrations/webhooks.py agrees
        assert not verify_returnflow_webhook("whsec_other", header, body, now=now)
        status = 500 if self.fail > 0 else 204
        self.fail -= 1
        self.answers.append(status)
        if status == 204:
            self.received.append(event)
        return status


@pytest.fixture
def subscriber(clock: FakeClock) -> Iterator[Subscriber]:
    stand_in = Subscriber(clock=clock)
    with receiving(lambda _path, headers, body: stand_in.handle(headers, body)) as base:
        stand_in.url = f"{base}/hooks"
        yield stand_in


@pytest.fixture(autouse=True)
def order(client: TestClient, order_payload: OrderPayload) -> None:
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201


def _subscribe(client: TestClient, subscriber: Subscriber, event_type: str = "return.*") -> int:
    created = client.post(
        "/api/v1/webhooks/subscriptions",
        json={"event_type": event_type, "url": subscriber.url, "description": "订单系统"},
    )
    assert created.status_code == 201, created.text
    body = created.json()
    subscriber.secret = body["secret"]
    assert body["secret"].startswith("whsec_") and body["active"] is True
    listed = client.get("/api/v1/webhooks/subscriptions").json()["items"]
    assert [item["id"] for item in listed] == [body["id"]]
    assert "secret" not in listed[0]  # shown once, at creation
    return int(body["id"])


def _journey(client: TestClient, waybill: str = "SF1234567890") -> str:
    filed = client.post(
        "/api/v1/returns",
        json={
            "order_no": "SO-1001",
            "type": "refund",
            "lines": [{"line_no": 1, "quantity": 1, "reason_code": "no_reason"}],
        },
    )
    assert filed.status_code == 201, filed.text
    rma = str(filed.json()["rma_no"])
    ship = {**SHIP, "tracking_no": waybill}
    for action, body in (("ship", ship), ("receive", None), ("inspect", {"passed": True})):
        response = client.post(f"/api/v1/returns/{rma}/{action}", json=body)
        assert response.status_code == 200, response.text
    return rma


def _topics(context: AppContext, prefix: str) -> list[str]:
    with context.session_factory() as session:
        topics = session.scalars(select(OutboxRow.topic).order_by(OutboxRow.id)).all()
    return [topic for topic in topics if topic.startswith(prefix) and is_integration_event(topic)]


def test_every_status_change_arrives_signed_in_order_and_a_500_is_retried(
    client: TestClient, context: AppContext, clock: FakeClock, subscriber: Subscriber
) -> None:
    subscription = _subscribe(client, subscriber)
    subscriber.fail = 1
    rma = _journey(client)
    expected = _topics(context, "return.")
    assert {"return.created", "return.received"} <= set(expected) and len(expected) >= 4
    jobs = WebhookJobs(context)

    first = jobs.tick(clock())
    assert (first.fanned_out, first.delivered, first.retried) == (len(expected), 0, 1)
    assert subscriber.answers == [500] and subscriber.received == []  # the rest wait in line
    log = client.get("/api/v1/webhooks/deliveries", params={"status": "pending"}).json()
    head = min(log["items"], key=lambda item: item["event_id"])
    failed = next(item for item in log["items"] if item["attempts"] == 1)
    assert (failed["last_status_code"], failed["last_error"]) == (500, "HTTP 500")
    assert jobs.tick(clock()).delivered == 0  # not due before its backoff

    clock.advance(seconds=30)
    second = jobs.tick(clock())
    assert (second.delivered, second.retried) == (len(expected), 0)
    assert [event["type"] for event in subscriber.received] == expected
    assert all(event["data"]["rma_no"] == rma for event in subscriber.received)
    # the customer's contact details stay with us (R14.1)
    assert not any(PERSONAL_KEYS & event["data"].keys() for event in subscriber.received)
    assert subscriber.bad_signatures == 0
    delivered = client.get(
        "/api/v1/webhooks/deliveries",
        params={"subscription": subscription, "status": "delivered"},
    ).json()
    assert delivered["total"] == len(expected) and head["subscription_id"] == subscription
    retried = next(item for item in delivered["items"] if item["id"] == failed["id"])
    assert (retried["attempts"], retried["last_status_code"]) == (2, 204)
    assert jobs.tick(clock()).delivered == 0  # nothing twice

    replayed = client.post(f"/api/v1/webhooks/deliveries/{failed['id']}/replay")
    assert replayed.status_code == 200 and replayed.json()["status"] == "pending"
    assert jobs.tick(clock()).delivered == 1
    assert subscriber.received[-1] == subscriber.received[0]  # the same event, resent


def test_an_event_committed_late_below_the_cursor_is_still_delivered_once(
    client: TestClient, context: AppContext, clock: FakeClock, subscriber: Subscriber
) -> None:
    """On PostgreSQL a lower outbox id can commit after a higher one was fanned out."""
    subscription = _subscribe(client, subscriber, "return.received")
    jobs = WebhookJobs(context)
    with context.session_factory() as session:  # as if a higher id had been read already
        row = session.get_one(WebhookSubscriptionRow, subscription)
        row.cursor += 1_000
        session.commit()
    _journey(client)
    assert jobs.tick(clock()).delivered == 1
    assert [event["type"] for event in subscriber.received] == ["return.received"]
    clock.advance(seconds=30)
    assert jobs.tick(clock()).fanned_out == 0  # nothing twice


def test_a_subscriber_that_keeps_failing_is_given_up_and_paused_ones_hear_nothing(
    client: TestClient, context: AppContext, clock: FakeClock, subscriber: Subscriber
) -> None:
    subscription = _subscribe(client, subscriber, "return.received")
    subscriber.fail = 100
    _journey(client)
    jobs = WebhookJobs(context)
    for _ in range(context.settings.webhook_max_attempts):
        jobs.tick(clock())
        clock.advance(hours=1)
    given_up = client.get("/api/v1/webhooks/deliveries", params={"status": "failed"}).json()
    assert given_up["total"] == 1 and given_up["items"][0]["event_type"] == "return.received"
    assert given_up["items"][0]["attempts"] == context.settings.webhook_max_attempts
    assert len(subscriber.answers) == context.settings.webhook_max_attempts

    paused = client.patch(f"/api/v1/webhooks/subscriptions/{subscription}", json={"active": False})
    assert paused.status_code == 200 and paused.json()["active"] is False
    _journey(client, "SF9876543210")
    assert jobs.tick(clock()).fanned_out == 0
    assert client.delete(f"/api/v1/webhooks/subscriptions/{subscription}").status_code == 204
    assert client.get("/api/v1/webhooks/deliveries").json()["total"] == 0


def test_bad_input_is_a_problem_not_a_500(client: TestClient, subscriber: Subscriber) -> None:
    url = "/api/v1/webhooks/subscriptions"
    for body, code in (
        ({"event_type": "carrier.*", "url": subscriber.url}, "webhook_pattern_invalid"),
        ({"event_type": "return.*", "url": "ftp://x/hook"}, "webhook_url_invalid"),
    ):
        refused = client.post(url, json=body)
        assert refused.status_code == 422 and refused.json()["code"] == code
        assert refused.headers["content-type"].startswith("application/problem+json")
    for body in (
        {},
        {"event_type": "return.*"},
        {"event_type": "return.*", "url": "x" * 600},
        {"event_type": "return.*", "url": subscriber.url, "secret": "mine"},
    ):
        assert client.post(url, json=body).status_code == 422
    assert client.patch(f"{url}/999", json={"active": False}).status_code == 404
    assert client.patch(f"{url}/99999999999", json={"active": False}).status_code == 422
    assert client.post("/api/v1/webhooks/deliveries/5/replay").status_code == 404
    assert client.get("/api/v1/webhooks/deliveries?status=lost").status_code == 422


@pytest.mark.parametrize("role", [Role.AGENT, Role.MANAGER, Role.MERCHANT])
def test_only_administrators_manage_webhooks(
    context: AppContext, tokens: Callable[..., str], role: Role
) -> None:
    merchant = "M001" if role is Role.MERCHANT else None
    with TestClient(shared_app(context)) as other:
        other.headers["Authorization"] = f"Bearer {tokens(role, merchant_id=merchant)}"
        assert other.get("/api/v1/webhooks/subscriptions").status_code == 403
        body = {"event_type": "return.*", "url": "https://erp.example.com/hooks"}
        assert other.post("/api/v1/webhooks/subscriptions", json=body).status_code == 403
        assert other.get("/api/v1/webhooks/deliveries").status_code == 403


def test_the_admin_page_shows_the_secret_once_and_replays(
    context: AppContext,
    clock: FakeClock,
    subscriber: Subscriber,
    client: TestClient,
    tokens: Callable[..., str],
) -> None:
    tokens(Role.ADMIN, username="hooks-admin")  # an account with the tests' password
    with TestClient(shared_app(context)) as browser:
        assert post_login(browser, "hooks-admin", PASSWORD).status_code == 303
        csrf = csrf_of_session(context, browser)
        page = browser.get("/staff/webhooks", headers={"Accept-Language": "zh-CN"})
        assert page.status_code == 200 and "推送记录" in page.text
        created = browser.post(
            "/staff/webhooks",
            data={"csrf_token": csrf, "event_type": "return.*", "url": subscriber.url},
        )
        assert created.status_code == 201 and "data-secret" in created.text
        secret = created.text.split("<code data-secret>")[1].split("</code>")[0]
        assert secret.startswith("whsec_") and secret not in browser.get("/staff/webhooks").text
        subscriber.secret = secret
        bad = browser.post(
            "/staff/webhooks", data={"csrf_token": csrf, "event_type": "x.*", "url": "x"}
        )
        assert bad.status_code == 422 and 'role="alert"' in bad.text
        _journey(client)
        WebhookJobs(context).tick(clock())
        assert subscriber.received and subscriber.bad_signatures == 0
        first = client.get("/api/v1/webhooks/deliveries").json()["items"][-1]["id"]
        replayed = browser.post(
            f"/staff/webhooks/deliveries/{first}/replay",
            data={"csrf_token": csrf},
            follow_redirects=False,
        )
        assert replayed.status_code == 303
        count = len(subscriber.received)
        WebhookJobs(context).tick(clock())
        assert len(subscriber.received) == count + 1
        sub_id = client.get("/api/v1/webhooks/subscriptions").json()["items"][0]["id"]
        paused = browser.post(
            f"/staff/webhooks/{sub_id}/active",
            data={"csrf_token": csrf, "active": "no"},
            follow_redirects=False,
        )
        assert paused.status_code == 303
        assert client.get("/api/v1/webhooks/subscriptions").json()["items"][0]["active"] is False


def test_a_timeout_is_retried_with_the_error_in_the_log(
    client: TestClient, context: AppContext, clock: FakeClock, subscriber: Subscriber
) -> None:
    _subscribe(client, subscriber, "return.created")
    _journey(client)

    def too_slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("no answer", request=request)

    report = WebhookJobs(context, transport=httpx.MockTransport(too_slow)).tick(clock())
    assert (report.delivered, report.retried) == (0, 1)
    entry = client.get("/api/v1/webhooks/deliveries").json()["items"][0]
    assert entry["status"] == "pending" and entry["last_status_code"] is None
    assert entry["last_error"].startswith("ReadTimeout")
    clock.advance(seconds=30)
    assert WebhookJobs(context).tick(clock()).delivered == 1  # the real subscriber, in time
    assert [event["type"] for event in subscriber.received] == ["return.created"]


def test_the_readme_snippet_is_the_check_the_stand_ins_use() -> None:
    """Integrators copy the README's snippet: it must be the function these tests verify with."""
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    source = inspect.getsource(verify_returnflow_webhook)
    assert source in readme
