"""Codes in words (issue 16): every code a page, a notice or a PDF shows goes through
`label(value, kind)`.

The catalog lives here, in the services, so that every reader of a code words it the
same way: pages (`web/code_words.py` re-exports `label` for the templates' `label`
filter), the evidence bundle's PDF, the periodic reports and the worker's notices.

Enum members with their own `label` (statuses, reasons, request types …) speak for
themselves; this module holds the words of the codes that have none — the inspection
marks, who pays the delivery, tracking states, payment methods, product categories,
ledger accounts — so a template never prints a code. An unknown code reads as itself
with its underscores turned into spaces (never `snake_case`).
"""

from __future__ import annotations

import re
from enum import Enum

from returnflow.domain.access import Role
from returnflow.domain.analyses import category_label
from returnflow.domain.inventory import MovementKind
from returnflow.domain.kinds import Reason, RequestType
from returnflow.domain.lifecycle import Status
from returnflow.domain.refund_life import RefundState
from returnflow.domain.risk_register import RiskStatus
from returnflow.domain.text import Text
from returnflow.services.history_words import actor_label
from returnflow.services.journal import ACCOUNT_LABELS

T = Text
# kinds whose codes are the values of an enum with its own labels
ENUMS: dict[str, type[Enum]] = {
    "risk_status": RiskStatus,
    "role": Role,
    "movement": MovementKind,
    "status": Status,
    "request_type": RequestType,
    "reason": Reason,
    "refund_state": RefundState,
}
WORDS: dict[str, dict[str, Text]] = {
    "mark": {"pass": T("合格", "Pass"), "fail": T("不合格", "Fail"), "na": T("不适用", "N/A")},
    "payer": {
        "customer": T("顾客承担", "paid by the customer"),
        "merchant": T("商家承担", "paid by the merchant"),
        "insurance": T("运费险承担", "covered by shipping insurance"),
        "platform": T("平台承担", "paid by the platform"),
        "none": T("无需寄回", "nothing to ship"),
    },
    "responsibility": {
        "customer": T("顾客", "the customer"),
        "merchant": T("商家", "the merchant"),
        "carrier": T("承运商", "the carrier"),
        "none": T("无", "no one"),
    },
    "payment": {
        "alipay": T("支付宝", "Alipay"),
        "wechat": T("微信支付", "WeChat Pay"),
        "wechat_pay": T("微信支付", "WeChat Pay"),
        "unionpay": T("银联", "UnionPay"),
        "card": T("银行卡", "bank card"),
        "store_credit": T("购物金", "store credit"),
        "cod": T("货到付款", "cash on delivery"),
    },
    "tracking": {
        "accepted": T("已揽收", "Picked up"),
        "in_transit": T("运输中", "In transit"),
        "out_for_delivery": T("派送中", "Out for delivery"),
        "delivered": T("已签收", "Delivered"),
        "exception": T("异常", "Exception"),
        "returned_to_sender": T("已退回寄件人", "Returned to the sender"),
    },
    "shipment": {
        "requested": T("等待承运商受理", "Waiting for the carrier"),
        "arranged": T("已安排", "Arranged"),
        "in_transit": T("运输中", "In transit"),
        "cancelling": T("取消中", "Being cancelled"),
        "cancelled": T("已取消", "Cancelled"),
        "failed": T("安排失败", "Could not be arranged"),
        "delivered": T("已签收", "Delivered"),
    },
    "purpose": {
        "exchange": T("换货发出", "replacement"),
        "reissue": T("补发配件", "missing parts"),
        "repair": T("维修寄回", "repaired item"),
    },
    "outbound": {"pending": T("待发出", "Waiting to ship"), "shipped": T("已发出", "Shipped")},
    "reservation": {
        "reserved": T("已预留", "Reserved"),
        "released": T("已释放", "Released"),
        "shipped": T("已发出", "Shipped"),
        "consumed": T("已出库", "Taken from stock"),
    },
    "offer": {
        "offered": T("待顾客确认", "Waiting for the customer"),
        "accepted": T("顾客已接受", "Accepted by the customer"),
        "declined": T("顾客已拒绝", "Declined by the customer"),
        "withdrawn": T("已撤回", "Withdrawn"),
    },
    "appeal_outcome": {"uphold": T("维持原决定", "upheld"), "overturn": T("改判", "overturned")},
    "verdict": {
        "pass": T("通过", "passes"),
        "review": T("需人工", "needs a person"),
        "fail": T("不通过", "fails"),
    },
    "gateway": {"sandbox": T("沙箱支付通道", "sandbox gateway"), "stripe": T("Stripe", "Stripe")},
    "gateway_error": {
        "sandbox_forced_failure": T("沙箱模拟的退款失败", "a failure the sandbox was told to give"),
        "card_declined": T("银行卡拒绝", "card declined"),
        "insufficient_funds": T("余额不足", "insufficient funds"),
    },
    "carrier": {
        "simulated": T("演示快递", "Demo carrier"),
        "演示快递": T("演示快递", "Demo carrier"),  # the simulated carrier's own name
        "manual": T("自行寄回", "Self-ship"),
    },
    "approval_kind": {"refund": T("退款", "refund"), "compensation": T("补偿", "compensation")},
    "approval": {
        "pending": T("待审批", "Waiting"),
        "escalated": T("已上报", "Escalated"),
        "approved": T("已批准", "Approved"),
        "declined": T("已拒绝", "Declined"),
    },
    # words pages take from the catalogs (staff/macros.html), here for PDFs and notices;
    # kept last so a bare `label(code)` finds the kinds above first, as it always did
    "channel": {
        "web": T("网页", "Web"),
        "app": T("App", "App"),
        "hotline": T("客服电话", "Hotline"),
    },
    "outcome": {
        "approved": T("审核通过", "Approved"),
        "rejected": T("已拒绝", "Rejected"),
        "pending_review": T("待人工审核", "Waiting for review"),
    },
    "action": {
        "submit": T("提交申请", "Filed"),
        "auto_approve": T("自动审核通过", "Approved automatically"),
        "refer": T("转人工审核", "Sent to review"),
        "auto_reject": T("自动拒绝", "Rejected automatically"),
        "approve": T("审核通过", "Approved"),
        "reject": T("已拒绝", "Rejected"),
        "ship": T("顾客寄回", "Shipped back"),
        "receive": T("仓库收货", "Received"),
        "inspect_pass": T("验收通过", "Inspection passed"),
        "inspect_fail": T("验收未通过", "Inspection failed"),
        "refund": T("已退款", "Refunded"),
        "exchange": T("换货已发出", "Replacement shipped"),
        "repair": T("已维修", "Repaired"),
        "reissue": T("配件已补发", "Parts sent"),
        "complete": T("已完成", "Completed"),
        "confirm": T("顾客确认", "Confirmed"),
        "auto_confirm": T("自动确认", "Confirmed automatically"),
        "cancel": T("已取消", "Cancelled"),
        "auto_close": T("自动关闭", "Closed automatically"),
        "appeal": T("提出申诉", "Appeal filed"),
        "overturn": T("决定已改判", "Decision overturned"),
        "settle": T("无需退货，已按裁决/理赔退款", "Settled without the goods"),
    },
}


def label(value: object, kind: str = "") -> Text | str:
    """The words of a code: an enum's own label, else the words of `kind`, else itself."""
    if value is None:
        return ""
    if isinstance(value, Text):
        return value
    own = getattr(value, "label", None)
    if isinstance(own, Text):
        return own
    code = value.value if isinstance(value, Enum) else str(value)
    if not code:
        return ""
    if kind == "category":
        return category_label(code)
    if kind == "account":
        return ACCOUNT_LABELS.get(code, _plain(code))
    if kind == "actor" and not code.startswith("carrier:"):
        return actor_label(code)
    if kind in ENUMS:
        member = next((m for m in ENUMS[kind] if m.value == code), None)
        return label(member) if member is not None else _sides(code)
    if kind == "bilingual" or kind.startswith("risk_"):  # a register's measure, a scan's words
        return _sides(code)
    if kind == "actor" and code.startswith("carrier:"):
        name = label(code.removeprefix("carrier:"), "carrier")
        return Text(f"承运商 {_zh(name)}", f"carrier {_en(name)}")
    if kind == "error" and code.startswith("gateway: "):
        said = label(code.removeprefix("gateway: "), "gateway_error")
        return Text(f"支付通道：{_zh(said)}", f"gateway: {_en(said)}")
    words = WORDS.get(kind, {}) if kind else next((w for w in WORDS.values() if code in w), {})
    return words.get(code) or _plain(code)


_BILINGUAL = re.compile(r"^(?P<zh>.*[\u3400-\u9fff][^/]*?) / (?P<en>[^\u3400-\u9fff]+)$")
# "严格筛选供应商；……资格。 Screen suppliers strictly; …": Chinese, then the English
_ONE_AFTER_OTHER = re.compile(
    r"^(?P<zh>.*[\u3400-\u9fff][^A-Za-z]*?[。！？）”])\s+(?P<en>[A-Z][^\u3400-\u9fff]+)$"
)


def _sides(words: str) -> Text | str:
    """A note written in both languages ("所有检查项通过 / Every check passed"), one side."""
    zh, en, split = [], [], False
    for part in re.split(r"\n\s*\n|(?<=[.!?。])[ \t]{2,}", words.strip()):
        found = _BILINGUAL.match(part) or _ONE_AFTER_OTHER.match(part)
        split = split or found is not None
        zh.append(found["zh"] if found else part)
        en.append(found["en"] if found else part)
    return Text(" ".join(zh), " ".join(en)) if split else words


def _zh(words: Text | str) -> str:
    return words.zh if isinstance(words, Text) else words


def _en(words: Text | str) -> str:
    return words.en if isinstance(words, Text) else words


def _plain(code: str) -> Text | str:
    if "_" not in code:
        return code
    return code.replace("_", " ")
