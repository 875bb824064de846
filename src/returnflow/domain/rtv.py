"""Return-to-vendor batches (R5.4): goods going back to one merchant together.

A merchant has at most one open batch; disposed lines are picked into it (their goods
move to the batch's staging area `RTV-<id>`) until someone ships it, when every item
leaves the stock for the vendor in one go. A shipped batch takes nothing more and is
never shipped twice; an empty one cannot be shipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from returnflow.domain.events import DomainEvent
from returnflow.domain.inventory import VENDOR, Movement, MovementKind
from returnflow.domain.text import DomainError, Text


def rtv_location(batch_id: int) -> str:
    """The staging area a batch's goods wait in."""
    return f"RTV-{batch_id}"


class BatchStatus(StrEnum):
    OPEN = "open"
    SHIPPED = "shipped"


@dataclass(frozen=True, slots=True)
class RtvItem:
    rma_no: str
    line_no: int
    sku: str
    grade: str
    quantity: int
    value: int  # cents
    added_at: datetime
    added_by: str


@dataclass
class RtvBatch:
    id: int
    merchant_id: str
    opened_at: datetime
    status: BatchStatus = BatchStatus.OPEN
    items: list[RtvItem] = field(default_factory=list)
    shipped_at: datetime | None = None
    shipped_by: str | None = None
    carrier: str | None = None
    waybill_no: str | None = None
    # items added and movements booked since loading, for the repository to write
    added: list[RtvItem] = field(default_factory=list, repr=False)
    moves: list[Movement] = field(default_factory=list, repr=False)
    events: list[DomainEvent] = field(default_factory=list, repr=False)

    @property
    def location(self) -> str:
        return rtv_location(self.id)

    @property
    def is_open(self) -> bool:
        return self.status is BatchStatus.OPEN

    @property
    def units(self) -> int:
        return sum(item.quantity for item in self.items)

    @property
    def value(self) -> int:
        return sum(item.value for item in self.items)

    def add(self, item: RtvItem) -> None:
        """An item picked into the batch (the disposition books the movement into it)."""
        self._require_open()
        self.items.append(item)
        self.added.append(item)

    def ship(self, actor: str, now: datetime, *, carrier: str = "", waybill_no: str = "") -> None:
        """Close the batch and send its goods to the merchant: one movement per item."""
        self._require_open()
        if not self.items:
            raise DomainError(
                "batch_empty", Text("空批次不能发出", "An empty batch cannot be shipped")
            )
        note = f"{carrier} {waybill_no}".strip()
        for item in self.items:
            self.moves.append(
                Movement(
                    MovementKind.TO_VENDOR,
                    sku=item.sku,
                    quantity=item.quantity,
                    from_location=self.location,
                    to_location=VENDOR,
                    from_grade=item.grade,
                    to_grade=item.grade,
                    actor=actor,
                    at=now,
                    rma_no=item.rma_no,
                    merchant_id=self.merchant_id,
                    note=note,
                )
            )
        self.status = BatchStatus.SHIPPED
        self.shipped_at = now
        self.shipped_by = actor
        self.carrier = carrier.strip() or None
        self.waybill_no = waybill_no.strip() or None
        self.events.append(
            DomainEvent(
                "rtv.batch_shipped",
                now,
                {"batch_id": self.id, "merchant_id": self.merchant_id, "units": self.units},
            )
        )

    def _require_open(self) -> None:
        if not self.is_open:
            raise DomainError(
                "batch_already_shipped",
                Text("该批次已发出", "This batch has already been shipped"),
            )
