"""Customer notices that used to be mailed only now take the customer's channels (issue 13):
a parcel trouble ("tracking.notice.*") and the complaint satisfaction invitation reach a
phone-only customer by SMS and in the inbox, once per channel even when retried."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.jobs.complaints import ComplaintJobs
from returnflow.jobs.tracking import TrackingJobs
from returnflow.notify.mailer import FileMailer
from tests.support.apps import shared_app
from tests.support.clock import FakeClock
from tests.support.twilio import (
    PHONE,
    PHONE_ONLY,
    REFUND_REQUEST,
    TwilioStandIn,
    texting,
)

OrderPayload = Callable[..., dict[str, Any]]


@pytest.fixture
def sms_context(
    context: AppContext,
    twilio: TwilioStandIn,
    tokens: Callable[..., str],
    order_payload: OrderPayload,
) -> AppContext:
    found = texting(context, twilio)
    with TestClient(shared_app(found)) as client:
        client.headers["Authorization"] = f"Bearer {tokens(Role.ADMIN, username='root')}"
        assert client.post("/api/v1/orders", json=order_payload(customer=PHONE_ONLY)).status_code
    return found


def _inbox(context: AppContext) -> list[str]:
    with context.uow() as uow:
        page = uow.notices.inbox("c-9", 1, 50)
    return [f"{m.subject.zh} / {m.subject.en}\n{m.body.zh}\n{m.body.en}" for m in page.messages]


def test_a_parcel_trouble_reaches_a_phone_only_customer_by_sms_and_inbox_once(
    sms_context: AppContext, twilio: TwilioStandIn, tmp_path: Path
) -> None:
    payload = {
        "task_id": 7,
        "rma_no": "RMA-T1",
        "kind": "lost",
        "carrier": "顺丰速运",
        "waybill_no": "SF100",
        "detail": {"zh": "丢失", "en": "lost"},
        "raised_at": "2026-11-20T02:00:00+00:00",
        "email": "",
        "order_no": "SO-1001",
        "customer_id": "c-9",
    }
    jobs = TrackingJobs(sms_context, FileMailer(tmp_path))
    twilio.throttle = 1
    with pytest.raises(RuntimeError, match="429"):
        jobs.mail_customer("tracking.notice.lost", payload)  # the outbox retries it
    jobs.mail_customer("tracking.notice.lost", payload)
    jobs.mail_customer("tracking.notice.lost", payload)  # a repeated delivery: nothing more
    [sent] = twilio.received
    assert sent["To"] == PHONE
    assert "SF100" in sent["Body"] and "丢失" in sent["Body"] and "lost" in sent["Body"]
    [kept] = _inbox(sms_context)
    assert "物流提醒" in kept and "About the parcel for return RMA-T1" in kept
    assert list(tmp_path.iterdir()) == []  # no address: nothing mailed


def test_the_complaint_invitation_reaches_a_phone_only_customer_by_sms_and_inbox(
    sms_context: AppContext, twilio: TwilioStandIn, tmp_path: Path
) -> None:
    payload = {
        "complaint_no": "CMP-0001",
        "customer_id": "c-9",
        "email": "",
        "resolved_at": "2026-11-20T02:00:00+00:00",
    }
    jobs = ComplaintJobs(sms_context, FileMailer(tmp_path))
    jobs.invite("complaint.satisfaction_invite", payload)
    jobs.invite("complaint.satisfaction_invite", payload)
    [sent] = twilio.received
    assert "CMP-0001" in sent["Body"] and "已处理完毕" in sent["Body"]
    assert "Rate it from 1 to 5" in sent["Body"]
    [kept] = _inbox(sms_context)
    assert "CMP-0001" in kept and "was resolved" in kept
    # resolved again after a reopening: a new invitation
    jobs.invite("complaint.satisfaction_invite", {**payload, "resolved_at": "2026-11-25T02:00"})
    assert len(twilio.received) == 2


def test_a_phone_only_request_puts_its_customer_on_the_tracking_notice(
    sms_context: AppContext, clock: FakeClock, tokens: Callable[..., str]
) -> None:
    with TestClient(shared_app(sms_context)) as client:
        client.headers["Authorization"] = f"Bearer {tokens(Role.ADMIN, username='root2')}"
        rma = client.post("/api/v1/returns", json=REFUND_REQUEST).json()["rma_no"]
    with sms_context.uow() as uow:
        contact = uow.tracking.request_contact(rma)
    assert contact is not None
    assert (contact.email, contact.customer_id) == ("", "c-9")


def test_a_failed_sms_is_raised_for_the_outbox_to_retry(
    sms_context: AppContext, twilio: TwilioStandIn, tmp_path: Path
) -> None:
    twilio.fail = 1
    payload = {"complaint_no": "CMP-0002", "customer_id": "c-9", "resolved_at": "x"}
    jobs = ComplaintJobs(sms_context, FileMailer(tmp_path))
    with pytest.raises(RuntimeError, match="500"):
        jobs.invite("complaint.satisfaction_invite", payload)
    jobs.invite("complaint.satisfaction_invite", payload)
    assert len(twilio.received) == 1
