"""What resolving a logistics exception does for the request (R4.4): the remedies.

Closing a task with a note leaves a lost parcel's request in transit for ever; a remedy
moves it on. Which remedies fit depends on what went wrong (`OFFERED`): money without
the goods for a parcel lost or damaged on the carrier's watch, a new parcel for one the
carrier brought back to the customer or never collected, goodwill for a delay or damage
the customer accepts, or the note alone. The remedy taken is kept on the task
(`RemedyTaken`), so the queue shows what was done and not only who closed it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from returnflow.domain.money import Money
from returnflow.domain.shipment_alerts import AlertKind
from returnflow.domain.text import Text


class Remedy(StrEnum):
    REFUND_WITHOUT_GOODS = "refund_without_goods"
    NEW_LABEL = "new_label"
    COMPENSATION = "compensation"
    CLOSE = "close"

    @property
    def label(self) -> Text:
        return _LABELS[self]

    @property
    def explanation(self) -> Text:
        return _EXPLANATIONS[self]


_LABELS = {
    Remedy.REFUND_WITHOUT_GOODS: Text("不退货直接退款", "Refund without the goods"),
    Remedy.NEW_LABEL: Text("重新安排寄回", "New return label"),
    Remedy.COMPENSATION: Text("补偿购物金", "Compensation as store credit"),
    Remedy.CLOSE: Text("仅记录处理结果", "Close with a note"),
}

_EXPLANATIONS = {
    Remedy.REFUND_WITHOUT_GOODS: Text(
        "包裹在运输中丢失或损坏，责任在承运商：按系统计算的退款金额全额退款，"
        "申请结束为已退款，并向承运商索赔。超出您权限的金额需主管审批。",
        "The parcel was lost or damaged in transit, the carrier's fault: the full refund "
        "the system computes is paid, the request ends refunded and the carrier is "
        "claimed against. Above your limit a manager approves it first.",
    ),
    Remedy.NEW_LABEL: Text(
        "包裹被退回寄件人或快递未揽收：取消旧运单，用同样的方式重新安排寄回，"
        "申请保持原状态，寄回期限不会因快递的问题对顾客不利。",
        "The parcel went back to the sender or was never collected: the old waybill is "
        "dropped and a new return parcel is booked the same way; the request keeps its "
        "status and the carrier's failure does not count against the customer's deadline.",
    ),
    Remedy.COMPENSATION: Text(
        "顾客接受延误或损坏：向顾客发放购物金作为补偿，不影响退货申请本身；"
        "金额不超过商品价值，也不超过您的权限。",
        "The customer accepts the delay or the damage: store credit is granted as "
        "compensation and the request carries on as it is; at most the goods' value "
        "and within your limit.",
    ),
    Remedy.CLOSE: Text(
        "不做其他处理，只记录处理结果。",
        "Nothing else is done: the note records what happened.",
    ),
}

_ALWAYS = (Remedy.COMPENSATION, Remedy.CLOSE)
# what each kind of trouble may be resolved with, the likeliest remedy first
OFFERED: dict[AlertKind, tuple[Remedy, ...]] = {
    AlertKind.LOST: (Remedy.REFUND_WITHOUT_GOODS, *_ALWAYS),
    AlertKind.DAMAGED: (Remedy.REFUND_WITHOUT_GOODS, *_ALWAYS),
    # silence the carrier then confirms as a loss is settled like a reported one
    AlertKind.STALLED: (*_ALWAYS, Remedy.REFUND_WITHOUT_GOODS),
    AlertKind.RETURNED_TO_SENDER: (Remedy.NEW_LABEL, *_ALWAYS),
    AlertKind.NO_FIRST_SCAN: (Remedy.NEW_LABEL, *_ALWAYS),
    AlertKind.LATE: _ALWAYS,
}
# remedies about the customer's own parcel, never about one we send out
RETURN_PARCEL_ONLY = frozenset({Remedy.REFUND_WITHOUT_GOODS, Remedy.NEW_LABEL})


def offered(kind: AlertKind, direction: str = "return") -> tuple[Remedy, ...]:
    """The remedies for a task of this kind on a parcel going this way."""
    return tuple(
        remedy
        for remedy in OFFERED[kind]
        if direction == "return" or remedy not in RETURN_PARCEL_ONLY
    )


@dataclass(frozen=True, slots=True)
class RemedyTaken:
    """What resolving the task did, as the queue shows it afterwards.

    `amount`: the refund asked for or the credit granted; `awaiting_approval`: the
    refund waits for a manager; `shipment_id`/`method`: the new return parcel.
    """

    remedy: Remedy
    amount: Money | None = None
    awaiting_approval: bool = False
    shipment_id: int | None = None
    method: str | None = None

    @property
    def label(self) -> Text:
        return self.remedy.label

    def to_json(self) -> dict[str, Any]:
        return {
            "amount": None if self.amount is None else self.amount.cents,
            "currency": None if self.amount is None else self.amount.currency,
            "awaiting_approval": self.awaiting_approval,
            "shipment_id": self.shipment_id,
            "method": self.method,
        }

    @classmethod
    def from_json(cls, remedy: str, detail: dict[str, Any] | None) -> RemedyTaken:
        found = detail or {}
        cents, currency = found.get("amount"), found.get("currency")
        return cls(
            Remedy(remedy),
            Money(int(cents), str(currency)) if cents is not None and currency else None,
            bool(found.get("awaiting_approval", False)),
            found.get("shipment_id"),
            found.get("method"),
        )
