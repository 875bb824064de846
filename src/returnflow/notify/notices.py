"""What the customer is told at each key step (R1.3, R6.4, R7.3), in both languages.

Every notice carries Chinese first and English after it, so it reads right whatever
language the customer uses.
"""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any
from zoneinfo import ZoneInfo

from returnflow.domain.money import Money
from returnflow.domain.notices import refund_arrival, refund_route
from returnflow.domain.text import Text
from returnflow.notify import alerts
from returnflow.notify.mail_policy import new_message
from returnflow.notify.money_words import money_words

# outbox topic -> (subject, body); {rma_no}, {detail} are filled in
NOTICES: dict[str, tuple[Text, Text]] = {
    "return.created": (
        Text("您的退换货申请 {rma_no} 已提交", "Your return request {rma_no} was received"),
        Text(
            "退换货编号：{rma_no}\n订单号：{order_no}\n审核结果：{outcome_zh}\n{detail_zh}\n{ship_by_zh}",
            "RMA number: {rma_no}\nOrder: {order_no}\nDecision: {outcome_en}\n{detail_en}\n"
            "{ship_by_en}",
        ),
    ),
    "return.approved": (
        Text("退换货申请 {rma_no} 已审核通过", "Return request {rma_no} approved"),
        Text("您的申请已通过审核。{ship_by_zh}", "Your request was approved. {ship_by_en}"),
    ),
    "return.rejected": (
        Text("退换货申请 {rma_no} 未通过审核", "Return request {rma_no} was not approved"),
        Text(
            "原因：{note}\n如有异议，可在退换货页面提出申诉。",
            "Reason: {note}\nIf you disagree, you can appeal on your request page.",
        ),
    ),
    # the carrier booked the way back (services/shipping_carrier.py, issue 13)
    "return.label_ready": (
        Text("退货 {rma_no} 的寄件信息已生成", "Return {rma_no}: your shipping label is ready"),
        Text(
            "快递：{carrier}\n运单号：{waybill_no}\n{dropoff_zh}{ship_by_zh}",
            "Carrier: {carrier}\nWaybill: {waybill_no}\n{dropoff_en}{ship_by_en}",
        ),
    ),
    "return.pickup_booked": (
        Text("退货 {rma_no} 已预约上门取件", "Return {rma_no}: pickup booked"),
        Text(
            "快递：{carrier}\n运单号：{waybill_no}\n取件时间：{pickup_window}\n请届时备好包裹。",
            "Carrier: {carrier}\nWaybill: {waybill_no}\nPickup: {pickup_window}\n"
            "Please have the parcel ready.",
        ),
    ),
    # the first carrier scan (services/tracking.py) or the customer's own tracking number
    "return.in_transit": (
        Text("退货 {rma_no} 已在运输途中", "Return {rma_no} is on its way"),
        Text(
            "快递已揽收您的包裹（{note}），到仓后我们会通知您。",
            "The carrier has your parcel ({note}); we will tell you when it arrives.",
        ),
    ),
    "return.received": (
        Text("退货 {rma_no} 已到仓", "Return {rma_no} arrived at the warehouse"),
        Text(
            "仓库已收到您寄回的商品，正在验收。",
            "The warehouse received your parcel and is inspecting it.",
        ),
    ),
    "return.receipt_discrepancy": (
        Text("退货 {rma_no} 到仓时发现问题", "Return {rma_no}: a problem with your parcel"),
        Text(
            "仓库收到您寄回的包裹，但发现：\n{detail_zh}\n如有疑问请联系客服。",
            "The warehouse received your parcel but found:\n{detail_en}\n"
            "Contact customer service if this looks wrong.",
        ),
    ),
    "return.inspected": (
        Text("退货 {rma_no} 验收通过", "Return {rma_no} passed inspection"),
        Text(
            "您寄回的商品已通过验收，我们正在为您办理后续处理，完成后会再通知您。",
            "Your goods passed inspection; we are now settling your request and will tell you"
            " when it is done.",
        ),
    ),
    "return.inspection_failed": (
        Text("退货 {rma_no} 验收未通过", "Return {rma_no} failed inspection"),
        Text("原因：{note}", "Reason: {note}"),
    ),
    "return.refunded": (
        Text("退款已到账：{rma_no}", "Your refund for {rma_no} has been paid"),
        Text(
            "退款 {amount} 已退至{route_zh}。{arrival_zh}",
            "{amount} has been refunded to {route_en}. {arrival_en}",
        ),
    ),
    # an instant refund paid before the goods arrived (R6.4), and its recovery case
    "return.refund_paid": (
        Text("退款已到账：{rma_no}", "Your refund for {rma_no} has been paid"),
        Text(
            "退款 {amount} 已退至{route_zh}，无需等待仓库验收。{arrival_zh}",
            "{amount} has been refunded to {route_en}, before the warehouse inspected the goods."
            " {arrival_en}",
        ),
    ),
    "return.refund_recovery": (
        Text("退款 {rma_no} 需要退回", "Refund {rma_no} must be returned"),
        Text(
            "您寄回的商品未通过验收（{note}），已先行退还的 {amount} 需要退回，客服会与您联系。",
            "The goods failed inspection ({note}), so the {amount} refunded in advance must"
            " be paid back; our team will contact you.",
        ),
    ),
    "return.exchanged": (
        Text("换货 {rma_no} 已发出", "Replacement for {rma_no} shipped"),
        Text("换货商品已发出，请注意查收。", "Your replacement is on its way."),
    ),
    "return.repaired": (
        Text("维修 {rma_no} 已完成", "Repair {rma_no} done"),
        Text("您的商品已维修完成并寄回。", "Your item was repaired and sent back."),
    ),
    "return.reissued": (
        Text("补发配件 {rma_no} 已发出", "Missing parts for {rma_no} sent"),
        Text("补发的配件已发出，请注意查收。", "The missing parts are on their way."),
    ),
    "return.completed": (
        Text("退换货 {rma_no} 已完成，请确认", "Return {rma_no} completed: please confirm"),
        Text(
            "处理已完成，请在 {confirm_by} 前确认结果，逾期将自动确认。",
            "It is done: please confirm the result by {confirm_by}; after that it confirms itself.",
        ),
    ),
    # one reminder before each deadline the customer must act on (services/timers.py)
    "return.reminder.ship_by": (
        Text("提醒：请在 {deadline} 前寄回 {rma_no}", "Reminder: send {rma_no} back by {deadline}"),
        Text(
            "您的退换货申请已通过，但我们还没有收到寄件信息。请在 {deadline} 前寄出商品，"
            "逾期申请将自动关闭。",
            "Your request was approved but nothing has been sent yet. Please send the goods by"
            " {deadline}; after that the request closes by itself.",
        ),
    ),
    "return.reminder.confirm_by": (
        Text("提醒：请在 {deadline} 前确认 {rma_no}", "Reminder: confirm {rma_no} by {deadline}"),
        Text(
            "处理已完成，请在 {deadline} 前确认结果；如有问题请在此之前联系我们，逾期将自动确认。",
            "It is done: please confirm the result by {deadline}, or tell us before then if"
            " something is wrong; after that it confirms itself.",
        ),
    ),
    "return.closed": (
        Text("退换货申请 {rma_no} 已关闭", "Return request {rma_no} closed"),
        Text(
            "由于未在规定时间内寄回商品，申请已自动关闭。",
            "The goods were not sent back in time, so the request closed itself.",
        ),
    ),
    # R5.3: what follows a failed inspection (services/inspection.py)
    "return.sent_back": (
        Text("退货 {rma_no} 将寄回给您", "Return {rma_no} is being sent back to you"),
        Text(
            "验收未通过，商品将寄回给您。原因：{note}",
            "The inspection failed and the goods are being sent back to you. Reason: {note}",
        ),
    ),
    "return.partial_refund_offered": (
        Text("退货 {rma_no}：部分退款方案", "Return {rma_no}: a partial refund offer"),
        Text(
            "验收发现：{note}\n我们可以为您退款 {amount}（已扣减相应金额），商品不再寄回。"
            "请在退换货页面选择接受或拒绝；拒绝则商品寄回给您。",
            "The inspection found: {note}\nWe can refund you {amount} (less a deduction) and "
            "keep the goods. Accept or decline on your request page; if you decline, the goods "
            "are sent back to you.",
        ),
    ),
    "return.partial_refund_accepted": (
        Text("退货 {rma_no}：您已接受部分退款", "Return {rma_no}: partial refund accepted"),
        Text("我们将为您退款 {amount}。", "We will refund you {amount}."),
    ),
    "return.cancelled": (
        Text("退换货申请 {rma_no} 已取消", "Return request {rma_no} cancelled"),
        Text("您的申请已取消。", "Your request was cancelled."),
    ),
    # after a complaint is resolved (R8, 001 §4.3.2); jobs/complaints.py puts its number in {note}
    "complaint.satisfaction_invite": (
        Text("您的投诉 {note} 已处理完毕", "Your complaint {note} was resolved"),
        Text(
            "请在“我的投诉”页面为本次处理打分（1–5 分）。如问题仍未解决，可重新打开投诉。",
            "How satisfied are you? Rate it from 1 to 5 under “My complaints”; if the problem"
            " is not solved, you can reopen the complaint there.",
        ),
    ),
    # after completion: the satisfaction survey (R7.2, services/surveys.py)
    "return.survey_invite": (
        Text("请评价退换货 {rma_no} 的服务", "How did we do with return {rma_no}?"),
        Text(
            "请在退换货页面为响应速度、服务态度、解决效果和办理流程打分（1–5 分），"
            "并告诉我们您向朋友推荐的可能性（0–10 分）。",
            "Please rate our speed, attitude, effectiveness and process (1 to 5) on your"
            " request page, and tell us how likely you are to recommend us (0 to 10).",
        ),
    ),
    # staff or the merchant wrote in the request's conversation (services/conversations.py)
    "return.message": (
        Text("退换货 {rma_no} 有新留言", "New message about return {rma_no}"),
        Text(
            "客服就您的退换货申请给您留言：\n{note}\n请在退换货页面的“与客服沟通”中查看并回复。",
            "We wrote to you about your return request:\n{note}\n"
            "Read it and reply under “Messages with us” on your request page.",
        ),
    ),
}

TRACKING_PREFIX = "tracking.notice."  # services/tracking.py CUSTOMER_NOTICE_TOPIC + the kind

_OUTCOMES = {
    "approved": Text("已通过", "approved"),  # the ship-by line follows when goods go back
    "pending_review": Text("待人工审核，我们会尽快处理", "waiting for review by our team"),
    "rejected": Text("未通过", "not approved"),
}


def build_notice(topic: str, payload: dict[str, Any], mail_from: str) -> EmailMessage | None:
    """The email for an outbox event, or None when the event has no notice or no address."""
    address = payload.get("email") or ""
    words = render_notice(topic, payload)
    if words is None or not address:
        return None
    return notice_mail(words, address, mail_from)


def notice_mail(words: tuple[Text, Text], address: str, mail_from: str) -> EmailMessage:
    """A rendered notice as an email: Chinese first, English after it."""
    subject, text = words
    message = new_message()
    message["From"] = mail_from
    message["To"] = address
    message["Subject"] = f"{subject.zh} / {subject.en}"
    message["Message-ID"] = make_msgid(domain="returnflow.example")
    message.set_content(
        f"{text.zh}\n\n— ReturnFlow 退换货服务\n\n{text.en}\n\n— ReturnFlow Returns\n"
    )
    return message


def render_notice(topic: str, payload: dict[str, Any]) -> tuple[Text, Text] | None:
    """The notice's subject and body in both languages (any channel), or None: no notice."""
    if topic.startswith(TRACKING_PREFIX):
        return None if payload.get("silent") else alerts.customer_words(payload)
    template = NOTICES.get(topic)
    if template is None or payload.get("silent"):
        return None
    subject, body = template
    values = _values(payload)
    amount = _amount(payload)  # each language in its own money format
    zh, en = {**values, "amount": amount.zh}, {**values, "amount": amount.en}
    return (
        Text(subject.zh.format(**zh), subject.en.format(**en)),
        _tidy(Text(body.zh.format(**zh), body.en.format(**en))),
    )


def _amount(payload: dict[str, Any]) -> Text:
    """The payload's amount in fen, through the platform's one money format (Babel)."""
    if "amount" not in payload:
        return Text("", "")
    return money_words(Money(int(payload["amount"]), str(payload.get("currency") or "CNY")))


def _values(payload: dict[str, Any]) -> dict[str, str]:
    """Every placeholder a notice may use, from the outbox payload (missing: empty)."""
    outcome = _OUTCOMES.get(str(payload.get("outcome", "")), Text("", ""))
    reasons = payload.get("reasons") or []
    zone = payload.get("timezone")
    ship_by = _local_time(payload.get("ship_by"), zone)
    ship_line = _SHIP_BY.format(at=ship_by) if ship_by else Text("", "")
    dropoff = payload.get("dropoff_code")
    dropoff_line = _DROPOFF.format(code=dropoff) if dropoff else Text("", "")
    route, arrival = _refund_words(payload)
    return {
        "rma_no": str(payload.get("rma_no", "")),
        "order_no": str(payload.get("order_no", "")),
        "note": str(payload.get("note", "")),
        "method": str(payload.get("method", "")),
        "confirm_by": _local_time(payload.get("confirm_by"), zone),
        "ship_by": ship_by,
        "deadline": _local_time(payload.get("deadline"), zone),
        "carrier": str(payload.get("carrier", "")),
        "waybill_no": str(payload.get("waybill_no", "")),
        "pickup_window": _window(payload.get("pickup_start"), payload.get("pickup_end"), zone),
        "outcome_zh": outcome.zh,
        "outcome_en": outcome.en,
        "detail_zh": "\n".join(f"· {r['zh']}" for r in reasons),
        "detail_en": "\n".join(f"· {r['en']}" for r in reasons),
        "ship_by_zh": ship_line.zh,
        "ship_by_en": ship_line.en,
        "dropoff_zh": dropoff_line.zh,
        "dropoff_en": dropoff_line.en,
        "route_zh": route.zh,
        "route_en": route.en,
        "arrival_zh": arrival.zh,
        "arrival_en": arrival.en,
    }


_SHIP_BY = Text(
    "请在 {at} 前寄回商品，逾期申请将自动关闭。",
    "Please send the goods back by {at}; after that the request closes by itself.",
)
_DROPOFF = Text("寄件码：{code}（到快递网点出示即可寄出）\n", "Drop-off code: {code}\n")


def _refund_words(payload: dict[str, Any]) -> tuple[Text, Text]:
    """Where the refund went and when it reaches the customer (domain/notices.py)."""
    method = str(payload.get("method", ""))
    days, route = refund_route(method)
    if days == 0:
        return route, Text("即时到账，可立即使用。", "It is available at once.")
    arrives = payload.get("arrives_by")
    if not isinstance(arrives, str) and isinstance(payload.get("occurred_at"), str):
        arrives = refund_arrival(method, datetime.fromisoformat(payload["occurred_at"])).isoformat()
    when = _local_time(arrives, payload.get("timezone"))[:10]
    return route, Text(
        f"预计 {days} 个工作日内到账（最晚 {when}），以银行或支付机构处理为准。",
        f"It reaches you within {days} working day{'s' if days > 1 else ''} (by {when} at the"
        " latest), depending on your bank or payment provider.",
    )


def _window(start: object, end: object, zone: object) -> str:
    if not isinstance(start, str) or not isinstance(end, str):
        return ""
    return f"{_local_time(start, zone)}–{_local_time(end, zone)[11:]}"


def _tidy(text: Text) -> Text:
    """No empty line left where an optional part was empty."""

    def tidy(value: str) -> str:
        return "\n".join(line.rstrip() for line in value.splitlines() if line.strip())

    return Text(tidy(text.zh), tidy(text.en))


def _local_time(moment: object, zone: object) -> str:
    """Times are stored in UTC and shown in the platform's local time."""
    if not isinstance(moment, str):
        return ""
    local = datetime.fromisoformat(moment).astimezone(ZoneInfo(str(zone or "Asia/Shanghai")))
    return local.strftime("%Y-%m-%d %H:%M")
