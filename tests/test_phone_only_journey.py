"""Issue 13's acceptance line for the customer: a phone-only customer hears every step.

A customer with a phone number and no e-mail files through the API; the real worker
ticks with the Twilio stand-in (tests/support/twilio.py) behind the SMS adapter. The
stand-in receives the RMA number by SMS (after one throttled 429 that is retried, never
duplicated); the portal inbox lists every step in both languages; the refund completes
the request on its own and the survey invitation arrives by SMS.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.jobs.worker import Worker
from returnflow.notify.mailer import SmtpMailer
from returnflow.payments.sandbox import SandboxGateway
from tests.support.apps import shared_app
from tests.support.clock import FakeClock
from tests.support.smtp import SmtpSink
from tests.support.twilio import (
    PHONE,
    PHONE_ONLY,
    SENDER,
    TwilioStandIn,
    texting,
)

OrderPayload = Callable[..., dict[str, Any]]
# a quality fault waits for a person's review, so "approved" is a step of its own
REQUEST = {
    "order_no": "SO-1001",
    "type": "refund",
    "lines": [{"line_no": 1, "quantity": 1, "reason_code": "quality"}],
}
# (topic, words in Chinese, words in English) of every step, in order
STEPS = [
    ("return.created", "已提交", "was received"),
    ("return.approved", "已审核通过", "approved"),
    ("return.in_transit", "运输途中", "on its way"),
    ("return.received", "已到仓", "arrived at the warehouse"),
    ("return.inspected", "验收通过", "passed inspection"),
    ("return.refunded", "退款已到账", "has been paid"),
    ("return.completed", "已完成", "completed"),
    ("return.survey_invite", "请评价", "How did we do"),
]


@pytest.fixture
def phone_context(context: AppContext, twilio: TwilioStandIn) -> AppContext:
    # the ordinary refund, after inspection
    found = texting(context, twilio, instant_refund_enabled=False)
    found.gateway = SandboxGateway(found.clock, settle_after=timedelta(0))
    return found


def _texts(twilio: TwilioStandIn) -> list[str]:
    assert all(sent["To"] == PHONE and sent["From"] == SENDER for sent in twilio.received)
    return [sent["Body"] for sent in twilio.received]


def _step(client: TestClient, rma: str, action: str, body: dict[str, Any] | None = None) -> None:
    answer = client.post(f"/api/v1/returns/{rma}/{action}", json=body)
    assert answer.status_code == 200, answer.text


def _walk(
    client: TestClient, worker: Worker, twilio: TwilioStandIn, clock: FakeClock, rma: str
) -> None:
    """Approved by a person, shipped, received, inspected; the worker ticks in between."""
    _step(client, rma, "approve")
    worker.tick()
    _step(client, rma, "ship", {"carrier": "顺丰速运", "tracking_no": "SF1234567890"})
    worker.tick()
    clock.advance(days=1)
    _step(client, rma, "receive")
    _step(client, rma, "inspect", {"passed": True, "notes": "完好"})
    for _ in range(4):  # the refund is paid, the request completes itself, the notices leave
        clock.advance(minutes=1)
        worker.tick()


def test_a_phone_only_customer_hears_every_step_by_sms_and_in_the_inbox(
    phone_context: AppContext,
    twilio: TwilioStandIn,
    tokens: Callable[..., str],
    order_payload: OrderPayload,
    smtp_server: SmtpSink,
    clock: FakeClock,
) -> None:
    worker = Worker(phone_context, SmtpMailer(smtp_server.host, smtp_server.port))
    with TestClient(shared_app(phone_context), follow_redirects=False) as client:
        client.headers["Authorization"] = f"Bearer {tokens(Role.ADMIN, username='root')}"
        assert client.post("/api/v1/orders", json=order_payload(customer=PHONE_ONLY)).status_code
        filed = client.post("/api/v1/returns", json=REQUEST)
        assert filed.status_code == 201, filed.text
        rma = str(filed.json()["rma_no"])
        assert filed.json()["status"] == "pending_review"

        # the first send is throttled (429): retried with backoff, and sent once
        twilio.throttle = 1
        assert worker.tick().outbox.retried >= 1
        assert twilio.received == []
        clock.advance(minutes=1)
        worker.tick()
        texts = _texts(twilio)
        assert len(texts) == 1
        assert f"退换货编号：{rma}" in texts[0] and f"RMA number: {rma}" in texts[0]

        _walk(client, worker, twilio, clock, rma)
        request = client.get(f"/api/v1/returns/{rma}").json()
        assert request["status"] == "completed"  # the refund completed it on its own
        assert request["timeline"][-1]["actor"] == "system"

        texts = _texts(twilio)
        for topic, zh, en in STEPS:
            said = [text for text in texts if zh in text and en in text]
            assert len(said) == 1, f"{topic}: {len(said)} texts"  # once each, never repeated
        invite = next(text for text in texts if "请评价" in text)
        assert rma in invite and "recommend us" in invite
        approved = next(text for text in texts if "已审核通过" in text)
        assert (
            "请在 " in approved
            and "前寄回商品" in approved
            and "send the goods back by" in approved
        )
        refunded = next(text for text in texts if "退款已到账" in text)
        assert "您的支付宝账户" in refunded and "working day" in refunded
        assert smtp_server.messages == []  # no address: nothing mailed
        clock.advance(hours=1)
        worker.tick()
        assert len(_texts(twilio)) == len(texts)  # nothing sent twice

        # every step is in the portal inbox, in both languages
        del client.headers["Authorization"]
        link = client.post(
            "/portal/lookup", data={"order_no": "SO-1001", "contact": PHONE}
        ).headers["location"]
        chinese = client.get(f"{link}/messages?lang=zh").text
        english = client.get(f"{link}/messages?lang=en").text
        for topic, zh, en in STEPS:
            assert zh in chinese, topic
            assert en in english, topic
