"""Reading one inbound complaint mail: charsets, HTML, the order or RMA named, refusals."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from returnflow.jobs.inbound_mail import MAX_TEXT, Unreadable, html_text, read_message


def _mail(body: str, subject: str = "投诉", **options: str) -> bytes:
    message = EmailMessage()
    message["From"] = "李雷 <lilei@example.cn>"
    message["Subject"] = subject
    message.set_content(body, **options)  # type: ignore[arg-type]
    return bytes(message)


def test_a_gbk_body_and_an_encoded_subject_are_decoded() -> None:
    mail = read_message(_mail("快递五天没有更新了", subject="物流太慢了", charset="gbk"))
    assert (mail.sender, mail.subject, mail.text) == (
        "lilei@example.cn",
        "物流太慢了",
        "快递五天没有更新了",
    )
    assert mail.key.startswith("sha256:")  # no Message-ID: the bytes name it


@pytest.mark.parametrize(
    ("words", "order_no", "rma_no"),
    [
        ("订单号：SO-1001，耳机坏了", "SO-1001", None),
        ("我的订单 20261120123456000001 还没到", "20261120123456000001", None),
        ("退货单 RMA202611200000042 的退款没到", None, "RMA202611200000042"),
        ("Order #A-77 arrived broken; return rma202611200000042", "A-77", "RMA202611200000042"),
        ("my order was late, nothing else", None, None),
        ("Refund for order no. SO-1002. Thanks", "SO-1002", None),
    ],
)
def test_the_order_and_rma_named(words: str, order_no: str | None, rma_no: str | None) -> None:
    mail = read_message(_mail(words))
    assert (mail.order_no, mail.rma_no) == (order_no, rma_no)


def test_a_bare_marketplace_order_number_is_found() -> None:
    assert read_message(_mail("包裹 202611201234123456 丢了")).order_no == "202611201234123456"


def test_html_is_stripped_to_its_words() -> None:
    markup = (
        "<html><head><style>p{}</style></head><body><p>Broken&nbsp;kettle</p>"
        "<script>x()</script>It leaks &amp; sparks</body></html>"
    )
    words = ["Broken", "kettle", "It", "leaks", "&", "sparks"]
    assert html_text(markup).split() == words
    mail = read_message(_mail(markup, subtype="html"))
    assert mail.text.split() == words


def test_a_long_body_is_cut_to_what_a_complaint_holds() -> None:
    assert len(read_message(_mail("太慢了" * 5000)).text) == MAX_TEXT


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"Subject: hi\n\nno sender here", "no sender address"),
        (b"From: a@example.com\nSubject: \n\n   \n", "no words"),
        (
            b"From: a@example.com\nContent-Type: text/plain; charset=x-nonsense\n\nabc",
            "undecodable",
        ),
        (b"From: a@example.com\n\n" + b"x" * 2_000_001, "more than"),
    ],
)
def test_what_cannot_be_filed_says_why(raw: bytes, reason: str) -> None:
    with pytest.raises(Unreadable) as refused:
        read_message(raw)
    assert reason in refused.value.reason
