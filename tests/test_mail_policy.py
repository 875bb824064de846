"""Issue 11: every mail is built under one policy whose header classes are made once."""

from __future__ import annotations

from email.headerregistry import HeaderRegistry
from email.message import EmailMessage

from returnflow.domain.text import Text
from returnflow.notify.mail_policy import MAIL_POLICY, new_message
from returnflow.notify.notices import notice_mail


def _filled(message: EmailMessage) -> bytes:
    message["From"] = "ReturnFlow <noreply@example.com>"
    message["To"] = "顾客 <c@example.com>"
    message["Subject"] = "退货申请已通过 / Return approved"
    message["Message-ID"] = "<notice.1@returnflow.example>"
    message.set_content("您的退货申请已通过。\n\nYour return was approved.\n")
    return message.as_bytes()


def test_a_header_class_is_made_once_per_name() -> None:
    registry = MAIL_POLICY.header_factory
    assert isinstance(registry, HeaderRegistry)
    assert registry["Subject"] is registry["subject"]  # the stock registry makes two


def test_the_mail_is_the_same_bytes_as_under_the_stock_policy() -> None:
    assert _filled(new_message()) == _filled(EmailMessage())


def test_notices_are_built_under_it() -> None:
    mail = notice_mail((Text("主题", "Subject"), Text("正文", "Body")), "c@example.com", "a@b.c")
    assert mail.policy is MAIL_POLICY
    assert mail["Subject"] == "主题 / Subject"
