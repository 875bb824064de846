"""Money a ruling or a lost parcel awards the customer, and who bears it (R8.4, R4.4).

A dispute's ruling (issue 12) or a parcel lost in transit settles the request with
money and without its goods: the refund the server computes for the request (or less,
for a split ruling) plus any compensation on top. It is paid through the request's one
refund (services/refunds.py, trigger "ruling" or "lost_in_transit"), so authority
limits, the gateway's idempotency and "paid once" hold as for every refund. Who bears
the cost is booked once the money is paid: the merchant (deducted from their
settlement), the carrier (a claim), the platform (goodwill) or the customer (nothing
is paid for their own error).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from returnflow.domain.money import Money
from returnflow.domain.text import DomainError, Text

RULING = "ruling"
LOST_IN_TRANSIT = "lost_in_transit"
SETTLING_TRIGGERS = frozenset({RULING, LOST_IN_TRANSIT})


class Liable(StrEnum):
    MERCHANT = "merchant"  # quality, service (000 §4.3.2)
    CARRIER = "carrier"  # logistics: the platform settles and claims from the carrier
    PLATFORM = "platform"  # order-information errors, goodwill
    CUSTOMER = "customer"  # the customer's own error

    @property
    def label(self) -> Text:
        return _LIABLE_LABELS[self]


_LIABLE_LABELS = {
    Liable.MERCHANT: Text("商家", "merchant"),
    Liable.CARRIER: Text("承运商", "carrier"),
    Liable.PLATFORM: Text("平台", "platform"),
    Liable.CUSTOMER: Text("顾客", "customer"),
}


@dataclass(frozen=True, slots=True)
class Award:
    """What is paid and who bears it; `refund` None means the full computed refund."""

    source: str  # RULING | LOST_IN_TRANSIT: the refund's trigger
    reference: str  # the dispute number or the shipment exception it comes from
    liable: Liable
    party: str  # the merchant id or carrier code the cost is booked against ("" otherwise)
    compensation: Money
    refund: Money | None = None

    def total(self, refundable: Money) -> Money:
        """Refund plus compensation, each checked against what the server computed.

        `refundable` is the request's refund as policy computes it (price paid, shared
        discounts, deductions). The refund part may not exceed it; compensation may not
        exceed it either (a ruling compensates for the goods' trouble, not beyond
        their value): a larger sum is a mistake, not a decision.
        """
        refund = refundable if self.refund is None else self.refund
        for part in (refund, self.compensation):
            if part.currency != refundable.currency:
                raise award_error(
                    "award_currency", "币种与订单不符", "The currency is not the order's"
                )
            if part.cents < 0:
                raise award_error("award_negative", "金额不能为负数", "Amounts cannot be negative")
        if refund.cents > refundable.cents:
            raise award_error(
                "award_exceeds_refundable",
                "退款不能超过可退金额 {max}",
                "The refund cannot exceed the refundable {max}",
                refundable,
            )
        if self.compensation.cents > refundable.cents:
            raise award_error(
                "compensation_too_high",
                "补偿不能超过商品可退金额 {max}",
                "Compensation cannot exceed the goods' refundable {max}",
                refundable,
            )
        total = Money(refund.cents + self.compensation.cents, refundable.currency)
        if total.is_zero:
            raise award_error("award_empty", "裁决没有需要支付的金额", "The award pays nothing")
        return total

    def workings(self, refundable: Money) -> dict[str, Any]:
        """What the refund's workings keep of it: the liability booking reads them."""
        refund = refundable if self.refund is None else self.refund
        return {
            "source": self.source,
            "reference": self.reference,
            "liable": self.liable.value,
            "party": self.party,
            "refund": refund.cents,
            "compensation": self.compensation.cents,
            "currency": refundable.currency,
        }


def award_error(code: str, zh: str, en: str, limit: Money | None = None) -> DomainError:
    text = Text(zh, en)
    if limit is not None:
        text = text.format(max=str(limit))
    return DomainError(code, text)
