"""The kinds a complaint is sorted by, each with its zh/en words, and which handling
step each status allows (`ACTIONS_OPEN`): the vocabulary of domain/complaints.py."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from returnflow.domain.text import DomainError, Text


class Category(StrEnum):
    PRODUCT_QUALITY = "product_quality"
    LOGISTICS = "logistics"
    SERVICE_ATTITUDE = "service_attitude"
    PAYMENT_REFUND = "payment_refund"
    ACCOUNT = "account"
    CUSTOMER_ERROR = "customer_error"
    ORDER_INFO_ERROR = "order_info_error"
    OTHER = "other"

    @property
    def label(self) -> Text:
        return CATEGORY_LABELS[self.value]


class Urgency(StrEnum):
    URGENT = "urgent"
    ORDINARY = "ordinary"

    @property
    def label(self) -> Text:
        return URGENCY_LABELS[self.value]


class Channel(StrEnum):
    PORTAL = "portal"
    APP = "app"
    HOTLINE = "hotline"
    EMAIL = "email"

    @property
    def label(self) -> Text:
        return CHANNEL_LABELS[self.value]


class ComplaintStatus(StrEnum):
    OPEN = "open"
    RESPONDED = "responded"
    ESCALATED = "escalated"
    RESOLVED = "resolved"
    REOPENED = "reopened"

    @property
    def label(self) -> Text:
        return STATUS_LABELS[self.value]


class Flag(StrEnum):
    SUSPECTED_MALICIOUS_REVIEW = "suspected_malicious_review"
    ABNORMAL_ORDER = "abnormal_order"

    @property
    def label(self) -> Text:
        return FLAG_LABELS[self.value]


_HANDLING = ("respond", "escalate", "resolve", "classify", "flag")
# which handling step each status allows: the pages' forms and the aggregate's checks
ACTIONS_OPEN: dict[ComplaintStatus, tuple[str, ...]] = {
    ComplaintStatus.OPEN: _HANDLING,
    ComplaintStatus.RESPONDED: _HANDLING,
    ComplaintStatus.ESCALATED: ("respond", "resolve", "classify", "flag"),
    ComplaintStatus.REOPENED: _HANDLING,
    ComplaintStatus.RESOLVED: ("reopen", "flag"),
}

E = TypeVar("E", bound=StrEnum)


def parse(kind: type[E], value: str, field_name: str) -> E:
    """`value` as one of `kind`'s members, or a refusal naming the field."""
    try:
        return kind(value)
    except ValueError:
        raise DomainError(
            f"complaint_{field_name}_unknown",
            Text("未知的{f}：{v}", "Unknown {f}: {v}").format(f=field_name, v=value[:40]),
            field=field_name,
        ) from None


CATEGORY_LABELS = {
    "product_quality": Text("商品质量", "Product quality"),
    "logistics": Text("物流配送", "Logistics"),
    "service_attitude": Text("服务态度", "Service attitude"),
    "payment_refund": Text("支付退款", "Payment and refund"),
    "account": Text("账户问题", "Account"),
    "customer_error": Text("顾客操作失误", "Customer error"),
    "order_info_error": Text("订单信息错误", "Order information error"),
    "other": Text("其他", "Other"),
}

URGENCY_LABELS = {
    "urgent": Text("紧急", "Urgent"),
    "ordinary": Text("一般", "Ordinary"),
}

CHANNEL_LABELS = {
    "portal": Text("网页", "Web portal"),
    "app": Text("手机 App", "App"),
    "hotline": Text("客服热线", "Hotline"),
    "email": Text("电子邮件", "Email"),
}

STATUS_LABELS = {
    "open": Text("待响应", "open"),
    "responded": Text("已响应", "responded"),
    "escalated": Text("已升级", "escalated"),
    "resolved": Text("已解决", "resolved"),
    "reopened": Text("已重新打开", "reopened"),
}

FLAG_LABELS = {
    "suspected_malicious_review": Text("疑似恶意评价", "Suspected malicious review"),
    "abnormal_order": Text("异常订单", "Abnormal order"),
}
