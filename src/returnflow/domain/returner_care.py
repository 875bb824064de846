"""Frequent-returner care (issue 15, R10.4; seed 002 §4.3: reach out to customers who
return often, find the cause, advise).

The rule: a customer is a frequent returner for a theme when at least `MIN_REQUESTS`
(3) of their requests filed in the last `WINDOW_DAYS` (90) days carry that theme, not
counting rejected or cancelled ones (domain/metrics.py NOT_COUNTED). A request's theme
is each of its lines' reason, except that a line whose words speak of size or fit
(尺码, 偏大, 偏小, size, fit …) has the theme "size" whatever reason was picked: there
is no size reason code, and size is the commonest cause the seed's care is for.
A request with two lines of different themes counts once for each.

An outreach is one agent's action for one customer: an advice message (a customer
notice), a size-guide link (a notice carrying the link) or a coupon code the order
system issues (an outbox message to it). Its outcome (reached, declined, no answer) is
recorded later; its effect is the customer's counted requests in the 90 days after the
outreach against the 90 days before it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from returnflow.domain.kinds import Reason
from returnflow.domain.text import DomainError, Text

WINDOW_DAYS = 90
WINDOW = timedelta(days=WINDOW_DAYS)
MIN_REQUESTS = 3
MAX_NOTE = 1000
MAX_LINK = 500
COUPON_MIN, COUPON_MAX = 100, 10_000  # fen: ¥1 to ¥100
SIZE = "size"
# words in a line's reason text that make its theme "size" (matched case-insensitively)
SIZE_WORDS = ("尺码", "尺寸", "偏大", "偏小", "大了", "小了", "码数", "size", "fit")


class Action(StrEnum):
    ADVICE = "advice"
    SIZE_GUIDE = "size_guide"
    COUPON = "coupon"

    @property
    def label(self) -> Text:
        return _ACTION_LABELS[self]


class Outcome(StrEnum):
    REACHED = "reached"
    DECLINED = "declined"
    NO_ANSWER = "no_answer"

    @property
    def label(self) -> Text:
        return _OUTCOME_LABELS[self]


THEMES = (SIZE, *(r.value for r in Reason))


def theme_label(theme: str) -> Text:
    if theme == SIZE:
        return Text("尺码不合适", "Size or fit")
    try:
        return Reason(theme).label
    except ValueError:
        return Text(theme, theme)


def likely_cause(theme: str) -> Text:
    """The likely cause behind a run of returns for one theme, and what to suggest."""
    return _CAUSES.get(theme, Text("原因不明，请联系客户了解", "Unclear: ask the customer"))


def suggested_action(theme: str) -> Action:
    return Action.SIZE_GUIDE if theme == SIZE else Action.ADVICE


@dataclass(frozen=True, slots=True)
class Outreach:
    id: int
    customer_id: str
    theme: str
    action: Action
    note: str
    link: str
    coupon_code: str
    coupon_fen: int
    created_by: str
    created_at: datetime
    outcome: Outcome | None = None
    outcome_by: str = ""
    outcome_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class OutreachAsk:
    theme: str
    action: Action
    note: str
    link: str
    coupon_fen: int

    def check(self) -> None:
        if self.theme not in THEMES:
            raise DomainError("invalid_theme", Text("原因无效", "Unknown reason"), field="theme")
        if len(self.note) > MAX_NOTE:
            raise DomainError(
                "note_too_long", Text("留言最多 1000 字", "Up to 1,000 characters"), field="note"
            )
        if self.action is Action.ADVICE and not self.note.strip():
            raise DomainError(
                "note_required",
                Text("请填写给客户的建议", "Write the advice for the customer"),
                field="note",
            )
        if self.action is Action.SIZE_GUIDE and not _is_link(self.link):
            raise DomainError(
                "invalid_link",
                Text("请填写以 https:// 开头的尺码表链接", "Give the size guide's https:// link"),
                field="link",
            )
        if self.action is Action.COUPON and not COUPON_MIN <= self.coupon_fen <= COUPON_MAX:
            raise DomainError(
                "invalid_coupon_value",
                Text("优惠券金额须在 1 到 100 元之间", "A coupon is worth CN¥1.00 to CN¥100.00"),
                field="coupon_fen",
            )


def _is_link(link: str) -> bool:
    return link.startswith("https://") and 12 <= len(link) <= MAX_LINK and " " not in link


def coupon_code(customer_id: str, once_key: str) -> str:
    """The code the order system is asked to issue: the same for the same outreach."""
    digest = hashlib.sha256(f"{customer_id}|{once_key}".encode()).hexdigest()[:10].upper()
    return f"CARE-{digest}"


def advice_words(ask: OutreachAsk) -> tuple[Text, Text]:
    """The customer notice's subject and body for an advice or a size-guide outreach."""
    subject = Text("关于您近期退货的贴心建议", "A tip about your recent returns")
    cause = likely_cause(ask.theme)
    lines_zh = [f"我们注意到您最近的几次退货原因相近（{theme_label(ask.theme).zh}）。", cause.zh]
    lines_en = [
        f"We noticed your recent returns share a reason ({theme_label(ask.theme).en}).",
        cause.en,
    ]
    if ask.note.strip():
        lines_zh.append(ask.note.strip())
        lines_en.append(ask.note.strip())
    if ask.action is Action.SIZE_GUIDE:
        lines_zh.append(f"尺码表：{ask.link}")
        lines_en.append(f"Size guide: {ask.link}")
    return subject, Text("\n".join(lines_zh), "\n".join(lines_en))


_CAUSES = {
    SIZE: Text(
        "尺码可能偏大或偏小，建议下单前查看尺码表。",
        "Sizes may run small or large: suggest the size guide before ordering.",
    ),
    Reason.QUALITY.value: Text(
        "商品可能存在质量问题，请检查该商品及其商家。",
        "The product may have a quality problem: check the product and its merchant.",
    ),
    Reason.NOT_AS_DESCRIBED.value: Text(
        "商品描述可能不清楚或与实物不符，请商家完善商品信息。",
        "The listing may be unclear or differ from the goods: ask for a better listing.",
    ),
    Reason.NO_REASON.value: Text(
        "可能是冲动购买，建议下单前多了解商品、使用收藏或购物车。",
        "Likely impulse buying: suggest reading up and using the wish list before buying.",
    ),
    Reason.WRONG_ITEM.value: Text(
        "可能是商家发错货，请核查商家的拣货流程。",
        "The merchant may be picking wrong items: check its picking.",
    ),
    Reason.DAMAGED_IN_TRANSIT.value: Text(
        "运输途中损坏，请检查包装和承运商。",
        "Damaged on the way: check the packing and the carrier.",
    ),
    Reason.MISSING_PARTS.value: Text(
        "配件缺失，请检查商家的包装清单。",
        "Parts missing: check the merchant's packing list.",
    ),
    Reason.NOT_DELIVERED.value: Text(
        "未收到货，请检查配送地址和承运商。",
        "Not delivered: check the delivery address and the carrier.",
    ),
}
_ACTION_LABELS = {
    Action.ADVICE: Text("发送建议", "Advice message"),
    Action.SIZE_GUIDE: Text("发送尺码表链接", "Size-guide link"),
    Action.COUPON: Text("发放优惠券", "Coupon code"),
}
_OUTCOME_LABELS = {
    Outcome.REACHED: Text("已联系上", "Reached"),
    Outcome.DECLINED: Text("客户婉拒", "Declined"),
    Outcome.NO_ANSWER: Text("无人应答", "No answer"),
}
