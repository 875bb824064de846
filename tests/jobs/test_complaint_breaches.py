"""The worker and complaints (R8.2), on both databases: a hotline complaint filed as
urgent breaches at exactly +1 h when nobody answers, goes to a manager and leads the
queue; an answered one does not; the satisfaction invitation leaves by mail."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from email.message import EmailMessage, Message
from typing import Any

import pytest
from fastapi.testclient import TestClient

from returnflow.app_context import AppContext
from returnflow.jobs.worker import Worker
from returnflow.notify.mailer import SmtpMailer
from returnflow.services.classifying import LabelledText, Suggestion
from tests.support.clock import FakeClock
from tests.support.smtp import SmtpSink

OrderPayload = Callable[..., dict[str, Any]]
URL = "/api/v1/complaints"


class Ordinary:
    def suggest(self, text: str) -> Suggestion:
        return Suggestion("product_quality", 0.6, "ordinary", 0.6)

    def learn(self, corrections: Iterable[LabelledText]) -> None:
        pass


@pytest.fixture(autouse=True)
def order(client: TestClient, context: AppContext, order_payload: OrderPayload) -> None:
    context.classifier = Ordinary()
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201


@pytest.fixture
def worker(context: AppContext, smtp_server: SmtpSink) -> Worker:
    return Worker(context, SmtpMailer(smtp_server.host, smtp_server.port))


def _hotline(client: TestClient, **body: Any) -> str:
    sent = {"channel": "hotline", "urgency": "urgent", "text": "奶瓶漏水，孩子要用", **body}
    answer = client.post(URL, json=sent)
    assert answer.status_code == 201, answer.text
    no: str = answer.json()["complaint_no"]
    return no


def _get(client: TestClient, no: str) -> dict[str, Any]:
    out: dict[str, Any] = client.get(f"{URL}/{no}").json()
    return out


def test_an_unanswered_urgent_complaint_breaches_at_exactly_one_hour(
    client: TestClient, clock: FakeClock, worker: Worker
) -> None:
    ordinary = _hotline(client, urgency="ordinary", text="包装有点破")
    urgent = _hotline(client, order_no="SO-1001")
    clock.advance(minutes=59, seconds=59)
    worker.tick()
    assert _get(client, urgent)["first_response_breached_at"] is None
    assert _get(client, urgent)["status"] == "open"
    due = clock.advance(seconds=1)  # +1 h exactly
    worker.tick()
    out = _get(client, urgent)
    assert out["first_response_breached_at"] is not None
    assert out["breached"] and out["status"] == "escalated" and out["escalated_to"] == "manager"
    assert [h["action"] for h in out["history"]][-2:] == ["breach", "escalate"]
    assert out["history"][-1]["actor"] == "system"
    assert out["first_response_due_at"] == out["first_response_breached_at"]
    assert out["time_left_seconds"] == 0
    assert out["first_response_breached_at"].startswith(due.isoformat()[:19])
    queue = client.get(URL).json()["items"]
    assert [item["complaint_no"] for item in queue] == [urgent, ordinary]
    breached = client.get(URL, params={"breached": "true"}).json()["items"]
    assert [item["complaint_no"] for item in breached] == [urgent]
    clock.advance(hours=1)
    worker.tick()  # marked once
    assert [h["action"] for h in _get(client, urgent)["history"]].count("breach") == 1


def test_an_answered_complaint_does_not_breach(
    client: TestClient, clock: FakeClock, worker: Worker
) -> None:
    no = _hotline(client)
    clock.advance(minutes=30)
    assert client.post(f"{URL}/{no}/respond", json={"message": "已联系"}).status_code == 200
    clock.advance(hours=1)
    worker.tick()
    out = _get(client, no)
    assert (out["status"], out["breached"]) == ("responded", False)


def _text(message: Message) -> str:
    assert isinstance(message, EmailMessage)  # the sink parses with the default policy
    body = message.get_body(preferencelist=("plain",))
    assert isinstance(body, EmailMessage)
    return str(body.get_content())


def test_resolution_invites_the_customer_to_rate_by_mail(
    client: TestClient, worker: Worker, smtp_server: SmtpSink
) -> None:
    no = _hotline(client, order_no="SO-1001")
    assert client.post(f"{URL}/{no}/resolve", json={"resolution": "已换新"}).status_code == 200
    worker.tick()
    invites = [m for m in smtp_server.messages if no in str(m["Subject"])]
    assert len(invites) == 1
    mail = invites[0]
    assert mail["To"] == "xiaoming@example.com"
    assert "已处理完毕" in str(mail["Subject"]) and "was resolved" in str(mail["Subject"])
    body = _text(mail)
    assert "1–5" in body and "from 1 to 5" in body
    worker.tick()
    assert len([m for m in smtp_server.messages if no in str(m["Subject"])]) == 1
