"""The vocabulary of a return request: its types, reasons, channels and payers."""

from __future__ import annotations

from enum import StrEnum

from returnflow.domain.text import Text


class RequestType(StrEnum):
    REFUND = "refund"  # return the goods, get the money back
    EXCHANGE = "exchange"
    REPAIR = "repair"
    REISSUE = "reissue"  # missing parts are sent; nothing comes back
    REFUND_ONLY = "refund_only"  # money back without returning anything

    @property
    def label(self) -> Text:
        return _TYPE_LABELS[self]

    @property
    def ships_back(self) -> bool:
        """Whether the customer sends goods back to the warehouse."""
        return self in _SHIPS_BACK


class Reason(StrEnum):
    NO_REASON = "no_reason"
    QUALITY = "quality"
    NOT_AS_DESCRIBED = "not_as_described"
    WRONG_ITEM = "wrong_item"
    DAMAGED_IN_TRANSIT = "damaged_in_transit"
    MISSING_PARTS = "missing_parts"
    NOT_DELIVERED = "not_delivered"

    @property
    def label(self) -> Text:
        return _REASON_LABELS[self]

    @property
    def is_fault(self) -> bool:
        """A fault of the merchant or the carrier, not the customer's change of mind."""
        return self in FAULT_REASONS

    @property
    def needs_photos(self) -> bool:
        """Damage and faults are judged on photos (R1.2)."""
        return self in _NEEDS_PHOTOS


def reason_label(code: str) -> Text:
    """A stored reason code in words; a code that names no reason reads as itself,
    underscores turned into spaces (pages, downloads and reports use this one)."""
    try:
        return Reason(code).label
    except ValueError:
        return Text(code, code.replace("_", " "))


FAULT_REASONS = frozenset(
    {
        Reason.QUALITY,
        Reason.NOT_AS_DESCRIBED,
        Reason.WRONG_ITEM,
        Reason.DAMAGED_IN_TRANSIT,
        Reason.MISSING_PARTS,
    }
)


# sets, not tuples: the policy asks these for every line it judges
_SHIPS_BACK = frozenset({RequestType.REFUND, RequestType.EXCHANGE, RequestType.REPAIR})
_NEEDS_PHOTOS = frozenset({Reason.QUALITY, Reason.NOT_AS_DESCRIBED, Reason.DAMAGED_IN_TRANSIT})


class Channel(StrEnum):
    WEB = "web"
    APP = "app"
    HOTLINE = "hotline"


class ShippingPayer(StrEnum):
    """Who pays for sending the goods back (R2.4)."""

    CUSTOMER = "customer"
    MERCHANT = "merchant"
    INSURANCE = "insurance"  # the customer's return-shipping insurance
    NONE = "none"  # nothing is shipped back

    @property
    def rank(self) -> int:
        """When lines of one parcel disagree, the higher rank pays for the parcel."""
        return _PAYER_RANK[self]


class Outcome(StrEnum):
    APPROVED = "approved"
    PENDING_REVIEW = "pending_review"
    REJECTED = "rejected"


_PAYER_RANK = {
    ShippingPayer.NONE: 0,
    ShippingPayer.CUSTOMER: 1,
    ShippingPayer.INSURANCE: 2,
    ShippingPayer.MERCHANT: 3,
}

_TYPE_LABELS = {
    RequestType.REFUND: Text("退货退款", "return and refund"),
    RequestType.EXCHANGE: Text("换货", "exchange"),
    RequestType.REPAIR: Text("维修", "repair"),
    RequestType.REISSUE: Text("补发配件", "reissue of missing parts"),
    RequestType.REFUND_ONLY: Text("仅退款", "refund without return"),
}

_REASON_LABELS = {
    Reason.NO_REASON: Text("七天无理由", "no reason (7-day return)"),
    Reason.QUALITY: Text("质量问题", "quality fault"),
    Reason.NOT_AS_DESCRIBED: Text("与描述不符", "not as described"),
    Reason.WRONG_ITEM: Text("发错货", "wrong item"),
    Reason.DAMAGED_IN_TRANSIT: Text("运输途中损坏", "damaged in transit"),
    Reason.MISSING_PARTS: Text("少件或缺配件", "missing parts"),
    Reason.NOT_DELIVERED: Text("未收到货", "not delivered"),
}
