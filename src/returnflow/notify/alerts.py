"""What staff and customers are told when a return parcel runs into trouble (R4.4).

Staff get one mail per new exceptions-queue task at the operations address; the
customer hears that we noticed and are on it, so they need not chase us. Both are
written Chinese first, English after, like every other notice.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from returnflow.domain.shipment_alerts import AlertKind
from returnflow.domain.text import Text
from returnflow.notify.mail_policy import new_message

_CUSTOMER: dict[AlertKind, Text] = {
    AlertKind.NO_FIRST_SCAN: Text(
        "您的退货包裹尚未被快递揽收。如您已寄出，无需处理；如未寄出，请尽快寄出。",
        "Your return parcel has not been scanned by the carrier yet. If you have sent it, "
        "there is nothing to do; if not, please send it soon.",
    ),
    AlertKind.STALLED: Text(
        "您的退货包裹已有一段时间没有物流更新，我们正在与快递公司核实。",
        "Your return parcel has had no tracking update for a while; we are checking "
        "with the carrier.",
    ),
    AlertKind.LATE: Text(
        "您的退货包裹未能在承诺时间内送达，我们正在跟进。",
        "Your return parcel did not arrive by the promised time; we are following it up.",
    ),
    AlertKind.LOST: Text(
        "您的退货包裹可能已丢失。我们正在与快递公司处理，您的退换货不会因此受影响。",
        "Your return parcel may have been lost. We are handling it with the carrier; "
        "your return will not suffer for it.",
    ),
    AlertKind.DAMAGED: Text(
        "快递报告您的退货包裹在运输途中受损，我们正在与快递公司处理，您的退换货不会因此受影响。",
        "The carrier reports that your return parcel was damaged in transit. We are "
        "handling it with the carrier; your return will not suffer for it.",
    ),
    AlertKind.RETURNED_TO_SENDER: Text(
        "快递已将您的退货包裹退回给您。我们的客服会与您联系，安排重新寄回。",
        "The carrier is sending your return parcel back to you. Our service team will "
        "contact you to arrange sending it again.",
    ),
}


def _message(to: str, mail_from: str, subject: Text, body: Text) -> EmailMessage:
    message = new_message()
    message["From"] = mail_from
    message["To"] = to
    message["Subject"] = f"{subject.zh} / {subject.en}"
    message["Message-ID"] = make_msgid(domain="returnflow.example")
    message.set_content(
        f"{body.zh}\n\n— ReturnFlow 退换货服务\n\n{body.en}\n\n— ReturnFlow Returns\n"
    )
    return message


def _kind(payload: dict[str, Any]) -> AlertKind | None:
    try:
        return AlertKind(str(payload.get("kind", "")))
    except ValueError:
        return None


def staff_alert(payload: dict[str, Any], to: str, mail_from: str) -> EmailMessage | None:
    """The operations mail for a new exceptions-queue task."""
    kind = _kind(payload)
    if kind is None or not to:
        return None
    detail = payload.get("detail") or {}
    values = {
        "rma": payload.get("rma_no", ""),
        "carrier": payload.get("carrier", ""),
        "waybill": payload.get("waybill_no", ""),
        "task": payload.get("task_id", ""),
    }
    subject = Text("物流异常：{rma} {kind_zh}", "Logistics exception: {rma} {kind_en}").format(
        kind_zh=kind.label.zh, kind_en=kind.label.en, **values
    )
    body = Text(
        "退换货编号：{rma}\n快递：{carrier} {waybill}\n异常：{kind_zh}\n{detail_zh}\n"
        "请在异常队列中处理：/staff/exceptions（任务 {task}）",
        "RMA: {rma}\nCarrier: {carrier} {waybill}\nException: {kind_en}\n{detail_en}\n"
        "Handle it in the exceptions queue: /staff/exceptions (task {task})",
    ).format(
        kind_zh=kind.label.zh,
        kind_en=kind.label.en,
        detail_zh=str(detail.get("zh", "")),
        detail_en=str(detail.get("en", "")),
        **values,
    )
    return _message(to, mail_from, subject, body)


def customer_words(payload: dict[str, Any]) -> tuple[Text, Text] | None:
    """The customer's notice for a trouble with their return parcel, on any channel."""
    kind = _kind(payload)
    if kind is None:
        return None
    rma = str(payload.get("rma_no", ""))
    subject = Text("退货 {rma} 物流提醒", "About the parcel for return {rma}").format(rma=rma)
    intro = Text(
        "退换货编号：{rma}\n运单号：{waybill}\n\n", "RMA number: {rma}\nWaybill: {waybill}\n\n"
    ).format(rma=rma, waybill=str(payload.get("waybill_no", "")))
    text = _CUSTOMER[kind]
    return subject, Text(intro.zh + text.zh, intro.en + text.en)


def customer_notice(payload: dict[str, Any], mail_from: str) -> EmailMessage | None:
    """The customer's mail for a trouble with their return parcel."""
    words = customer_words(payload)
    address = str(payload.get("email") or "")
    if words is None or not address:
        return None
    return _message(address, mail_from, *words)
