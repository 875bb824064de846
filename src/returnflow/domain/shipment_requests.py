"""Outbound parcels we ask the order system to send (R6.2, R6.3).

Replacements, reissued parts and repaired goods all leave the same way: a shipment
request the order system receives by webhook (and may poll), answered with the carrier
and waybill once the parcel left. The waybill then performs the step the parcel was
for: the exchange's, the repair's or the reissue's. A report is idempotent: the same
carrier and waybill again changes nothing; a different one for a shipped request is
refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from returnflow.domain.events import DomainEvent
from returnflow.domain.money import Money
from returnflow.domain.text import DomainError, Text


class Purpose(StrEnum):
    EXCHANGE = "exchange"
    REISSUE = "reissue"
    REPAIR = "repair"


PENDING, SHIPPED = "pending", "shipped"


@dataclass
class ShipmentRequest:
    """One outbound parcel; `request_id` is the number the order system answers to."""

    rma_no: str
    purpose: Purpose
    merchant_id: str
    customer_id: str
    order_no: str
    items: tuple[dict[str, Any], ...]
    price: Money
    created_at: datetime
    status: str = PENDING
    carrier: str | None = None
    waybill_no: str | None = None
    shipped_at: datetime | None = None
    shipped_by: str | None = None
    request_id: int = 0  # set when stored
    events: list[DomainEvent] = field(default_factory=list, repr=False)

    @property
    def currency(self) -> str:
        return self.price.currency

    def repeats(self, carrier: str, waybill_no: str) -> bool:
        """Whether this is the report already recorded (nothing more happens);
        a different report for a parcel that already left is refused."""
        if self.status != SHIPPED:
            return False
        if (self.carrier, self.waybill_no) == (carrier, waybill_no):
            return True
        raise DomainError(
            "shipment_request_shipped",
            Text("该发货请求已发出", "This shipment request has already shipped"),
        )

    def shipped(self, carrier: str, waybill_no: str, actor: str, now: datetime) -> None:
        """The parcel left: the step it was sent for follows (the event says which)."""
        if self.repeats(carrier, waybill_no):
            return
        self.status, self.carrier, self.waybill_no = SHIPPED, carrier, waybill_no
        self.shipped_at, self.shipped_by = now, actor
        self.events.append(
            DomainEvent(
                "outbound.shipped",
                now,
                {
                    "rma_no": self.rma_no,
                    "purpose": self.purpose.value,
                    "shipment_request_id": self.request_id,
                    "carrier": carrier,
                    "waybill_no": waybill_no,
                },
            )
        )


def tracking(carrier: str, waybill_no: str) -> tuple[str, str]:
    """Carrier and waybill as reported, both required."""
    carrier, waybill_no = carrier.strip(), waybill_no.strip()
    if not carrier or not waybill_no:
        raise DomainError(
            "tracking_required",
            Text("请填写快递公司和运单号", "Give the carrier and the tracking number"),
            field="waybill_no" if carrier else "carrier",
        )
    return carrier, waybill_no


def waybill_in_use() -> DomainError:
    return DomainError(
        "waybill_in_use",
        Text("该运单号已被使用", "This waybill number is already in use"),
        field="waybill_no",
    )
