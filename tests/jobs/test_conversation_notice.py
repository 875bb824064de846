"""A staff message in a request's conversation reaches the customer (issue 13, R11.1):
kept in their inbox and sent on their channel (a phone-only customer: SMS, through the
Twilio stand-in), once, in both languages; the customer's own message is not sent back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.jobs.worker import Worker
from returnflow.notify.mailer import SmtpMailer
from tests.support.apps import shared_app
from tests.support.clock import FakeClock
from tests.support.smtp import SmtpSink
from tests.support.twilio import (
    PHONE_ONLY,
    REFUND_REQUEST,
    TwilioStandIn,
    texting,
)


@pytest.fixture
def sms_context(context: AppContext, twilio: TwilioStandIn) -> AppContext:
    return texting(context, twilio)


def test_an_agents_message_reaches_a_phone_only_customer_once(
    sms_context: AppContext,
    twilio: TwilioStandIn,
    tokens: Callable[..., str],
    order_payload: Callable[..., dict[str, Any]],
    smtp_server: SmtpSink,
    clock: FakeClock,
) -> None:
    worker = Worker(sms_context, SmtpMailer(smtp_server.host, smtp_server.port))
    with TestClient(shared_app(sms_context)) as client:
        client.headers["Authorization"] = f"Bearer {tokens(Role.ADMIN, username='root')}"
        assert (
            client.post("/api/v1/orders", json=order_payload(customer=PHONE_ONLY)).status_code
            == 201
        )
        rma = client.post("/api/v1/returns", json=REFUND_REQUEST).json()["rma_no"]
        worker.tick()  # the filing notice
        filed = len(twilio.received)
        app = {"Authorization": f"Bearer {tokens(Role.INTEGRATION)}"}
        asked = {"body": "我的快递单号填错了，怎么改？"}
        assert (
            client.post(f"/api/v1/returns/{rma}/messages", json=asked, headers=app).status_code
            == 201
        )
        worker.tick()
        assert len(twilio.received) == filed  # the customer's own words are not sent back
        agent = {"Authorization": f"Bearer {tokens(Role.AGENT)}"}
        answer = {"body": "您好，请在退换货页面重新填写运单号即可。"}
        assert (
            client.post(f"/api/v1/returns/{rma}/messages", json=answer, headers=agent).status_code
            == 201
        )
        twilio.throttle = 1
        assert worker.tick().outbox.retried == 1  # 429: tried again later, not twice
        clock.advance(minutes=1)
        worker.tick()
        assert len(twilio.received) == filed + 1
        text = twilio.received[-1]["Body"]
        assert f"退换货 {rma} 有新留言" in text and "请在退换货页面重新填写运单号即可。" in text
        assert f"New message about return {rma}" in text
        clock.advance(hours=1)
        worker.tick()
        assert len(twilio.received) == filed + 1
        inbox = client.get("/api/v1/customers/c-9/messages").json()
        newest = inbox["messages"][0]
        assert newest["topic"] == "return.message" and rma in newest["subject"]["zh"]
        assert "Messages with us" in newest["body"]["en"]
    assert smtp_server.messages == []  # no address: no mail
