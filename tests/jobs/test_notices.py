"""Customer notices on every channel (issue 13): Twilio SMS against a local stand-in,
the customer's channel choice, once per channel on retry, the inbox (portal and API)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.domain.notices import EMAIL, SMS, channels_for
from returnflow.domain.text import Text
from returnflow.jobs.notices import NoticeJobs, notice_key
from returnflow.jobs.worker import Worker
from returnflow.notify.mailer import FileMailer, SmtpMailer
from returnflow.notify.sms import SmsError, SmsThrottled, TwilioSms
from tests.support.apps import shared_app
from tests.support.clock import FakeClock
from tests.support.smtp import SmtpSink
from tests.support.twilio import (
    PHONE_ONLY,
    REFUND_REQUEST,
    SENDER,
    SID,
    TOKEN,
    TwilioStandIn,
    texting,
)

OrderPayload = Callable[..., dict[str, Any]]
SECRET = "notices-test-secret"


@pytest.fixture
def sms_context(context: AppContext, twilio: TwilioStandIn) -> AppContext:
    return texting(context, twilio, secret_key=SECRET)


def _file(client: TestClient, order_payload: OrderPayload, **customer: str) -> str:
    order = order_payload(customer={**PHONE_ONLY, **customer})
    assert client.post("/api/v1/orders", json=order).status_code == 201
    answer = client.post("/api/v1/returns", json=REFUND_REQUEST)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["rma_no"])


# -- the adapter against the stand-in ----------------------------------------------------


def test_twilio_request_follows_the_messages_api(twilio: TwilioStandIn) -> None:
    with TwilioSms(twilio.base_url, SID, TOKEN, SENDER) as sms:
        sid = sms.send("+8613700137000", "退换货编号 RMA-1 / RMA number RMA-1")
    assert sid.startswith("SM")
    assert twilio.received == [
        {"To": "+8613700137000", "From": SENDER, "Body": "退换货编号 RMA-1 / RMA number RMA-1"}
    ]


def test_wrong_token_is_refused_by_the_stand_in(twilio: TwilioStandIn) -> None:
    with TwilioSms(twilio.base_url, SID, "wrong", SENDER) as sms, pytest.raises(SmsError) as err:
        sms.send("+8613700137000", "hello")
    assert "401" in str(err.value) and "20003" in str(err.value)
    assert twilio.received == []


def test_throttling_and_failure_raise_for_a_retry(twilio: TwilioStandIn) -> None:
    twilio.throttle, twilio.fail = 1, 1
    with TwilioSms(twilio.base_url, SID, TOKEN, SENDER) as sms:
        with pytest.raises(SmsThrottled):
            sms.send("+8613700137000", "hello")
        with pytest.raises(SmsError) as err:
            sms.send("+8613700137000", "hello")
        assert not isinstance(err.value, SmsThrottled) and "500" in str(err.value)
        sms.send("+8613700137000", "hello")
    assert len(twilio.received) == 1


def test_the_stand_in_checks_basic_auth_itself(twilio: TwilioStandIn) -> None:
    path = f"/2010-04-01/Accounts/{SID}/Messages.json"
    form = {"To": "+1", "From": SENDER, "Body": "x"}
    assert httpx.post(twilio.base_url + path, data=form).status_code == 401
    assert httpx.post(twilio.base_url + path, data=form, auth=(SID, TOKEN)).status_code == 201


# -- which channels ----------------------------------------------------------------------


def test_channels_follow_the_choice_among_what_the_customer_can_receive() -> None:
    assert channels_for(None, "a@example.com", "+861", True) == (EMAIL,)
    assert channels_for(None, "", "+861", True) == (SMS,)  # phone only: SMS
    assert channels_for(None, "", "+861", False) == ()  # SMS switched off
    assert channels_for((EMAIL, SMS), "a@example.com", "+861", True) == (EMAIL, SMS)
    assert channels_for((SMS,), "a@example.com", "+861", True) == (SMS,)
    assert channels_for((EMAIL,), "", "+861", True) == (SMS,)  # cannot receive the choice


# -- through the worker ------------------------------------------------------------------


def test_phone_only_customer_gets_the_rma_by_sms_once_even_when_retried(
    sms_context: AppContext,
    twilio: TwilioStandIn,
    tokens: Callable[..., str],
    order_payload: OrderPayload,
    smtp_server: SmtpSink,
    clock: FakeClock,
) -> None:
    with TestClient(shared_app(sms_context)) as client:
        client.headers["Authorization"] = f"Bearer {tokens(Role.ADMIN, username='root')}"
        rma = _file(client, order_payload)
    twilio.throttle = 1
    worker = Worker(sms_context, SmtpMailer(smtp_server.host, smtp_server.port))
    assert worker.tick().outbox.retried == 1  # 429: the outbox tries again later
    assert twilio.received == []
    clock.advance(minutes=1)
    assert worker.tick().outbox.sent == 1
    assert len(twilio.received) == 1
    text = twilio.received[0]["Body"]
    assert twilio.received[0]["To"] == PHONE_ONLY["phone"]
    assert f"退换货编号：{rma}" in text and f"RMA number: {rma}" in text
    assert smtp_server.messages == []  # no address: no mail
    clock.advance(hours=1)
    worker.tick()
    assert len(twilio.received) == 1


def test_a_retry_never_repeats_a_channel_already_sent(
    sms_context: AppContext,
    twilio: TwilioStandIn,
    tokens: Callable[..., str],
    order_payload: OrderPayload,
    smtp_server: SmtpSink,
    clock: FakeClock,
) -> None:
    with TestClient(shared_app(sms_context)) as client:
        client.headers["Authorization"] = f"Bearer {tokens(Role.ADMIN, username='root')}"
        rma = _file(client, order_payload, email="zhao@example.com")
    with sms_context.uow() as uow:
        uow.notices.choose("c-9", (EMAIL, SMS), clock.now)
        uow.commit(clock.now)
    twilio.fail = 1
    worker = Worker(sms_context, SmtpMailer(smtp_server.host, smtp_server.port))
    assert worker.tick().outbox.retried == 1
    assert len(smtp_server.messages) == 1  # the mail went; the SMS failed
    clock.advance(minutes=1)
    assert worker.tick().outbox.sent == 1
    assert len(smtp_server.messages) == 1  # not mailed again
    assert len(twilio.received) == 1 and rma in twilio.received[0]["Body"]


def test_failures_are_in_the_delivery_log(
    sms_context: AppContext, twilio: TwilioStandIn, tmp_path: Path
) -> None:
    key = notice_key("return.approved", {"rma_no": "RMA-X"})
    words = (Text("已通过", "Approved"), Text("请寄回", "Send it back"))
    twilio.fail = 1
    with TwilioSms(twilio.base_url, SID, TOKEN, SENDER) as sms:
        jobs = NoticeJobs(sms_context, FileMailer(tmp_path), sms)
        outcomes = [
            jobs._once(key, SMS, "return.approved", "c-9", "", "+861", words) for _ in range(3)
        ]
    assert outcomes[0] is not None and "500" in outcomes[0]
    assert outcomes[1:] == [None, None]
    with sms_context.uow() as uow:
        log = uow.notices.deliveries(key)
    assert log == {SMS: ("sent", 2)}  # failed once, sent on the second try, then skipped
    assert len(twilio.received) == 1


# -- the inbox -----------------------------------------------------------------------------


def test_inbox_in_the_portal_and_the_api_in_both_languages(
    sms_context: AppContext,
    twilio: TwilioStandIn,
    tokens: Callable[..., str],
    order_payload: OrderPayload,
    smtp_server: SmtpSink,
) -> None:
    with TestClient(shared_app(sms_context), follow_redirects=False) as client:
        client.headers["Authorization"] = f"Bearer {tokens(Role.ADMIN, username='root')}"
        rma = _file(client, order_payload)
        Worker(sms_context, SmtpMailer(smtp_server.host, smtp_server.port)).tick()
        api = client.get("/api/v1/customers/c-9/messages")
        assert api.status_code == 200, api.text
        found = api.json()
        assert found["total"] == 1 and found["unread"] == 1
        message = found["messages"][0]
        assert rma in message["subject"]["zh"] and "已提交" in message["subject"]["zh"]
        assert "received" in message["subject"]["en"] and message["unread"] is True
        assert client.get("/api/v1/customers/c-2/messages").json()["total"] == 0
        del client.headers["Authorization"]
        link = client.post(
            "/portal/lookup", data={"order_no": "SO-1001", "contact": PHONE_ONLY["phone"]}
        ).headers["location"]
        page = client.get(f"{link}/messages")
        assert page.status_code == 200
        assert f"退换货编号：{rma}" in page.text and 'data-unread="1"' in page.text
        english = client.get(f"{link}/messages?lang=en")
        assert f"RMA number: {rma}" in english.text and "Messages" in english.text
        assert 'data-unread="1"' not in english.text  # read when first shown
        assert re.search(r'value="sms"[^>]*checked', english.text)
        chose = client.post(f"{link}/channels", data={"channels": ["sms"]})
        assert chose.status_code == 303
        refused = client.post(f"{link}/channels", data={"channels": ["fax"]})
        assert refused.status_code in (400, 409, 422)


def test_messages_api_needs_the_export_permission(
    context: AppContext, tokens: Callable[..., str]
) -> None:
    with TestClient(shared_app(context)) as client:
        client.headers["Authorization"] = f"Bearer {tokens(Role.WAREHOUSE)}"
        assert client.get("/api/v1/customers/c-1/messages").status_code == 403
