"""Complaints by mail through a real local SMTP server delivering into a Maildir (R8.1).

aiosmtpd's Mailbox handler delivers what it receives into the inbound Maildir, as a
mail server would; the poller files each message once, moves it to `.filed`, and moves
a message it cannot file to `.failed` with the reason.
"""

from __future__ import annotations

import mailbox
import shutil
import smtplib
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from fastapi.testclient import TestClient

from returnflow.app_context import AppContext
from returnflow.jobs import complaint_mail
from returnflow.jobs.worker import Worker
from returnflow.notify.mailer import FileMailer
from returnflow.services.complaint_queries import ComplaintDetail, detail, queue

ZH_TEXT = (
    "你好，我买的充电宝昨天晚上充电的时候冒烟了，还有很重的焦味，差点着火，太危险了！\n"
    "订单号：SO-1001，请尽快处理。"
)
EN_TEXT = (
    "Hello, I was charged twice for order no. SO-4040: two identical payments on my card.\n"
    "Please refund the duplicate charge."
)


@dataclass(frozen=True)
class Inbound:
    root: Path
    port: int

    def send(self, message: EmailMessage) -> None:
        with smtplib.SMTP("127.0.0.1", self.port, "localhost", timeout=10) as smtp:
            smtp.send_message(message)

    def send_raw(self, sender: str, raw: bytes) -> None:
        with smtplib.SMTP("127.0.0.1", self.port, "localhost", timeout=10) as smtp:
            smtp.sendmail(sender, ["complaints@returnflow.test"], raw)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def inbound(tmp_path: Path) -> Iterator[Inbound]:
    root = tmp_path / "inbound"
    port = _free_port()
    controller = Controller(
        Mailbox(root), hostname="127.0.0.1", port=port, server_hostname="localhost"
    )
    controller.start()
    yield Inbound(root, port)
    controller.stop()


@pytest.fixture
def mail_context(
    context: AppContext,
    client: TestClient,
    order_payload: Callable[..., dict[str, Any]],
    inbound: Inbound,
) -> AppContext:
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201  # SO-1001
    context.settings = context.settings.model_copy(update={"complaint_maildir": str(inbound.root)})
    return context


def _zh_mail() -> EmailMessage:
    message = EmailMessage()
    message["From"] = "王芳 <wangfang@example.cn>"
    message["To"] = "complaints@returnflow.test"
    message["Subject"] = "投诉：充电宝冒烟"
    message["Message-ID"] = "<zh-1@example.cn>"
    message.set_content(ZH_TEXT, charset="gb18030")
    return message


def _en_mail() -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Jane Doe <jane.doe@example.com>"
    message["To"] = "complaints@returnflow.test"
    message["Subject"] = "Charged twice"
    message["Message-ID"] = "<en-1@example.com>"
    message.set_content(EN_TEXT)
    html = "<html><body><p>" + EN_TEXT.replace("\n", "<br>") + "</p></body></html>"
    message.add_alternative(html, subtype="html")
    return message


def _filed(context: AppContext) -> dict[str, ComplaintDetail]:
    now = context.clock()
    with context.uow() as uow:
        page = queue(uow, now, per_page=50)
        found = [detail(uow, item.complaint_no, now) for item in page.items]
    return {item.contact_email: item for item in found}


def _inbox(inbound: Inbound, folder: str | None = None) -> list[mailbox.MaildirMessage]:
    box = mailbox.Maildir(inbound.root, create=False)
    box = box.get_folder(folder) if folder else box
    return list(box.itervalues())


def test_mailed_complaints_are_filed_once_in_either_language(
    mail_context: AppContext, inbound: Inbound
) -> None:
    inbound.send(_zh_mail())
    inbound.send(_en_mail())
    assert len(_inbox(inbound)) == 2

    report = complaint_mail.poll(mail_context, mail_context.clock())
    assert (report.filed, report.failed, report.left) == (2, 0, 0)

    filed = _filed(mail_context)
    assert set(filed) == {"wangfang@example.cn", "jane.doe@example.com"}
    zh, en = filed["wangfang@example.cn"], filed["jane.doe@example.com"]
    assert zh.summary.channel == en.summary.channel == "email"
    assert zh.summary.category == "product_quality" and zh.summary.urgency == "urgent"
    assert en.summary.category == "payment_refund"
    assert zh.summary.order_no == "SO-1001"  # named in the words, and known
    assert en.summary.order_no is None  # SO-4040 is nobody's order: filed without it
    assert "SO-4040" in en.text and "<" not in en.text
    assert zh.summary.subject == "投诉：充电宝冒烟" and "冒烟" in zh.text

    assert _inbox(inbound) == []
    kept = _inbox(inbound, complaint_mail.FILED)
    assert len(kept) == 2 and all("S" in message.get_flags() for message in kept)

    again = complaint_mail.poll(mail_context, mail_context.clock())
    assert again.filed == 0
    assert len(_filed(mail_context)) == 2


def test_a_restart_between_filing_and_moving_files_nothing_twice(
    mail_context: AppContext, inbound: Inbound
) -> None:
    inbound.send(_en_mail())
    (waiting,) = (inbound.root / "new").iterdir()
    saved = inbound.root.parent / "saved-copy"
    shutil.copy(waiting, saved)
    assert complaint_mail.poll(mail_context, mail_context.clock()).filed == 1
    shutil.copy(saved, inbound.root / "new" / waiting.name)  # as if the move never happened

    report = complaint_mail.poll(mail_context, mail_context.clock())
    assert (report.filed, report.already) == (0, 1)
    assert len(_filed(mail_context)) == 1
    assert _inbox(inbound) == []


def test_a_message_that_cannot_be_filed_is_moved_aside_with_the_reason(
    mail_context: AppContext, inbound: Inbound, caplog: pytest.LogCaptureFixture
) -> None:
    inbound.send_raw(
        "ghost@example.com", b"To: complaints@returnflow.test\r\nSubject: \r\n\r\n\r\n"
    )
    report = complaint_mail.poll(mail_context, mail_context.clock())
    assert (report.filed, report.failed) == (0, 1)
    (aside,) = _inbox(inbound, complaint_mail.FAILED)
    assert aside["X-ReturnFlow-Failure"] == "no sender address"
    assert "no sender address" in caplog.text
    assert _inbox(inbound) == [] and _filed(mail_context) == {}


def test_the_worker_polls_the_configured_maildir(
    mail_context: AppContext, inbound: Inbound, tmp_path: Path
) -> None:
    inbound.send(_zh_mail())
    Worker(mail_context, FileMailer(tmp_path / "outgoing")).tick()
    assert list(_filed(mail_context)) == ["wangfang@example.cn"]


def test_no_maildir_no_intake(context: AppContext) -> None:
    assert context.settings.complaint_maildir == ""
    assert complaint_mail.poll(context, context.clock()) == complaint_mail.MailReport()
