"""Staff and merchant notifications on the real databases (issue 13): the repository, the
routes, the review-deadline sweep at its boundary, and the merchant's mail over SMTP.

The acceptance line: a request filed through the API is in the merchant's notifications
at once (the message bus), and the merchant's address gets it by mail, once.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterable
from datetime import timedelta
from email.message import EmailMessage
from typing import Any, cast

import pytest
from fastapi.testclient import TestClient

from returnflow.app_context import AppContext
from returnflow.domain.access import Principal, Role
from returnflow.domain.staff_notice_words import drafts_for
from returnflow.domain.staff_notices import local_time
from returnflow.jobs import staff_notices as jobs
from returnflow.jobs.worker import Worker
from returnflow.notify.mailer import SmtpMailer
from returnflow.services import accounts
from returnflow.services import staff_notices as service
from returnflow.services.classifying import LabelledText, Suggestion
from tests.support.clock import FakeClock
from tests.support.smtp import SmtpSink

OrderPayload = Callable[..., dict[str, Any]]
ADDRESS = "ops@babycare.example"
TICK = timedelta(microseconds=1)


def _account(
    context: AppContext, username: str, role: Role, merchant_id: str | None = None
) -> tuple[Principal, str]:
    now = context.clock()
    with context.uow() as uow:
        principal = accounts.add_user(
            uow,
            username=username,
            display_name=username,
            password="correct horse battery",
            role=role,
            now=now,
            merchant_id=merchant_id,
        )
        token = accounts.issue_api_token(uow, principal, "tests", now)
        uow.commit(now)
    return principal, token


def _file(client: TestClient, order_payload: OrderPayload, reason: str = "quality") -> str:
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201
    body = {
        "order_no": "SO-1001",
        "type": "refund",
        "lines": [{"line_no": 1, "quantity": 1, "reason_code": reason}],
    }
    answer = client.post("/api/v1/returns", json=body)
    assert answer.status_code == 201, answer.text
    assert answer.json()["status"] == "pending_review"  # a fault without photos: reviewed
    return str(answer.json()["rma_no"])


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def merchant(context: AppContext) -> tuple[Principal, str]:
    principal, token = _account(context, "babycare-ops", Role.MERCHANT, "m-babycare")
    with context.uow() as uow:
        service.set_email(uow, principal.user_id, ADDRESS)
        uow.commit(context.clock())
    return principal, token


def test_a_filed_request_reaches_the_merchant_at_once_and_by_mail_once(
    context: AppContext,
    client: TestClient,
    order_payload: OrderPayload,
    merchant: tuple[Principal, str],
    smtp_server: SmtpSink,
    clock: FakeClock,
) -> None:
    rma = _file(client, order_payload)
    answer = client.get("/api/v1/notifications", headers=_bearer(merchant[1]))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["total"], body["unread"]) == (1, 1)
    [notice] = body["notifications"]
    assert notice["kind"] == "request_filed" and notice["rma_no"] == rma and notice["unread"]
    assert notice["subject"] == {
        "zh": f"新退货申请 {rma} 待您审核",
        "en": f"New request {rma} is waiting for your review",
    }
    assert notice["link"] == f"/staff/returns/{rma}"
    worker = Worker(context, SmtpMailer(smtp_server.host, smtp_server.port))
    worker.tick()
    mine = [m for m in smtp_server.messages if m["To"] == ADDRESS]
    assert len(mine) == 1
    assert rma in str(mine[0]["Subject"]) and "待您审核" in str(mine[0]["Subject"])
    text = cast(EmailMessage, mine[0]).get_content()
    assert "waiting for your review" in text and "等待您审核" in text
    clock.advance(hours=1)
    worker.tick()
    assert len([m for m in smtp_server.messages if m["To"] == ADDRESS]) == 1


def test_a_failed_mail_is_retried_and_sent_once(
    context: AppContext,
    client: TestClient,
    order_payload: OrderPayload,
    merchant: tuple[Principal, str],
    smtp_server: SmtpSink,
    clock: FakeClock,
) -> None:
    rma = _file(client, order_payload)
    with socket.socket() as sock:  # a port nobody listens on: the connection is refused
        sock.bind(("127.0.0.1", 0))
        dead = int(sock.getsockname()[1])
    filed = {"rma_no": rma, "merchant_id": "m-babycare", "status": "pending_review"}
    payload = {"dedupe_key": drafts_for("return.created", filed)[0].dedupe_key}
    failing = jobs.StaffNoticeJobs(context, SmtpMailer("127.0.0.1", dead, timeout=2))
    with pytest.raises(RuntimeError, match="mail to account"):
        failing.deliver(service.MAIL_TOPIC, payload)
    working = jobs.StaffNoticeJobs(context, SmtpMailer(smtp_server.host, smtp_server.port))
    working.deliver(service.MAIL_TOPIC, payload)
    working.deliver(service.MAIL_TOPIC, payload)  # delivered again: not mailed again
    assert [m["To"] for m in smtp_server.messages if m["To"] == ADDRESS] == [ADDRESS]
    with context.uow() as uow:
        found = uow.staff_notices.by_key(payload["dedupe_key"])
        assert found is not None
        log = uow.staff_notices.mail_log(found[0])
    assert list(log.values()) == [("sent", 2)]  # one failed attempt, then sent


def test_reading_one_and_all_is_per_account_and_others_are_not_found(
    context: AppContext,
    client: TestClient,
    order_payload: OrderPayload,
    merchant: tuple[Principal, str],
) -> None:
    _file(client, order_payload)
    _, colleague = _account(context, "babycare-2", Role.MERCHANT, "m-babycare")
    _, stranger = _account(context, "acme-ops", Role.MERCHANT, "m-acme")
    [notice] = client.get("/api/v1/notifications", headers=_bearer(merchant[1])).json()[
        "notifications"
    ]
    url = f"/api/v1/notifications/{notice['id']}/read"
    refused = client.post(url, headers=_bearer(stranger))
    assert refused.status_code == 404 and refused.json()["code"] == "notification_not_found"
    read = client.post(url, headers=_bearer(merchant[1]))
    assert read.status_code == 200 and read.json()["id"] == notice["id"]
    mine = client.get("/api/v1/notifications?unread=true", headers=_bearer(merchant[1])).json()
    assert (mine["total"], mine["unread"]) == (0, 0)
    theirs = client.get("/api/v1/notifications", headers=_bearer(colleague)).json()
    assert theirs["unread"] == 1
    done = client.post("/api/v1/notifications/read-all", headers=_bearer(colleague))
    assert done.json() == {"marked": 1, "unread": 0}
    assert client.get("/api/v1/notifications", headers=_bearer(colleague)).json()["unread"] == 0
    assert client.get("/api/v1/notifications", headers=_bearer(stranger)).json()["total"] == 0


def test_pages_are_bounded_and_newest_first(context: AppContext, client: TestClient) -> None:
    principal, token = _account(context, "manager-wu", Role.MANAGER)
    now = context.clock()
    with context.uow() as uow:
        for n in range(3):
            data = {"complaint_no": f"CP-{n}", "deadline": "respond"}
            service.notify(uow, drafts_for("complaint.breached", data), now + timedelta(minutes=n))
        uow.commit(now)
    page = client.get("/api/v1/notifications?page_size=2", headers=_bearer(token)).json()
    assert [n["complaint_no"] for n in page["notifications"]] == ["CP-2", "CP-1"]
    assert (page["total"], page["pages"], page["unread"]) == (3, 2, 3)
    second = client.get("/api/v1/notifications?page=2&page_size=2", headers=_bearer(token))
    assert [n["complaint_no"] for n in second.json()["notifications"]] == ["CP-0"]
    too_big = client.get("/api/v1/notifications?page_size=101", headers=_bearer(token))
    assert too_big.status_code == 422
    del principal


def test_the_review_warning_sweep_at_its_boundary(
    context: AppContext,
    client: TestClient,
    order_payload: OrderPayload,
    merchant: tuple[Principal, str],
    clock: FakeClock,
) -> None:
    filed_at = clock.now
    rma = _file(client, order_payload)
    due = filed_at + timedelta(days=context.settings.review_auto_approve_days)
    with context.uow() as uow:  # the filing notification read: only the warning counts
        service.mark_all_read(uow, merchant[0], clock.now)
        uow.commit(clock.now)
    clock.now = due - timedelta(hours=24) - TICK
    assert jobs.sweep(context, clock.now) == 0
    clock.now = due - timedelta(hours=24)
    assert jobs.sweep(context, clock.now) == 1
    assert jobs.sweep(context, clock.now + timedelta(hours=2)) == 0  # once
    unread = client.get("/api/v1/notifications?unread=true", headers=_bearer(merchant[1])).json()
    [warning] = unread["notifications"]
    assert warning["kind"] == "review_due_soon"
    assert warning["subject"]["en"] == f"Answer {rma} by {local_time(due)}"
    assert warning["subject"]["zh"] == f"请在 {local_time(due)} 前审核 {rma}"


def _kinds(client: TestClient, token: str) -> list[str]:
    found = client.get("/api/v1/notifications", headers=_bearer(token)).json()
    return [n["kind"] for n in found["notifications"]]


def test_an_appeal_and_a_dispute_reach_agents_the_merchant_and_the_mediators(
    context: AppContext,
    client: TestClient,
    order_payload: OrderPayload,
    merchant: tuple[Principal, str],
) -> None:
    _, agent = _account(context, "alice", Role.AGENT)
    _, mediator = _account(context, "mediator-wu", Role.MEDIATOR)
    rma = _file(client, order_payload)
    steps = (
        ("reject", {"reason": "照片显示为人为损坏"}),
        ("appeal", {"statement": "收到时就是坏的"}),
        ("appeal/decision", {"decision": "uphold", "reason": "维持原判"}),
    )
    for path, step in steps:
        answer = client.post(f"/api/v1/returns/{rma}/{path}", json=step)
        assert answer.status_code in (200, 201), answer.text
    assert _kinds(client, agent) == ["appeal_filed"]
    opened = client.post(
        f"/api/v1/returns/{rma}/disputes", json={"statement": "商品有裂纹"}, headers=_bearer(agent)
    )
    assert opened.status_code == 201, opened.text
    no = opened.json()["dispute_no"]
    assert _kinds(client, merchant[1]) == ["dispute_opened", "request_filed"]
    assert _kinds(client, mediator) == []  # the merchant has not been heard yet
    photo = {"kind": "photo", "photo_ids": ["a" * 32 + ".jpg"]}
    added = client.post(f"/api/v1/disputes/{no}/evidence", json=photo, headers=_bearer(merchant[1]))
    assert added.status_code == 201 and added.json()["status"] == "under_review"
    waiting = client.get("/api/v1/notifications", headers=_bearer(mediator)).json()
    [notice] = waiting["notifications"]
    assert (notice["kind"], notice["dispute_no"], notice["link"]) == (
        "dispute_waiting",
        no,
        f"/staff/disputes/{no}",
    )
    assert jobs.sweep(context, context.clock()) == 0  # the sweep finds it already told


class _Ordinary:
    def suggest(self, text: str) -> Suggestion:
        return Suggestion("product_quality", 0.6, "ordinary", 0.6)

    def learn(self, corrections: Iterable[LabelledText]) -> None:
        pass


def test_a_complaint_reaches_its_merchant_and_its_breach_the_managers_once(
    context: AppContext,
    client: TestClient,
    order_payload: OrderPayload,
    merchant: tuple[Principal, str],
    smtp_server: SmtpSink,
    clock: FakeClock,
) -> None:
    context.classifier = _Ordinary()
    _, manager = _account(context, "manager-wu", Role.MANAGER)
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201
    sent = {"channel": "hotline", "urgency": "urgent", "text": "奶瓶漏水", "order_no": "SO-1001"}
    filed = client.post("/api/v1/complaints", json=sent)
    assert filed.status_code == 201, filed.text
    no = filed.json()["complaint_no"]
    assert _kinds(client, merchant[1]) == ["complaint_filed"]
    worker = Worker(context, SmtpMailer(smtp_server.host, smtp_server.port))
    clock.advance(hours=1)  # an urgent complaint unanswered for an hour breaches
    worker.tick()
    assert client.get(f"/api/v1/complaints/{no}").json()["status"] == "escalated"
    found = client.get("/api/v1/notifications", headers=_bearer(manager)).json()
    assert [(n["kind"], n["complaint_no"]) for n in found["notifications"]] == [
        ("complaint_breached", no)
    ]  # the breach and its escalation: one notification
    assert [m["To"] for m in smtp_server.messages if m["To"] == ADDRESS] == [ADDRESS]
