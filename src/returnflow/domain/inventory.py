"""The inventory ledger of returned goods (R5.4): every movement, append-only.

Stock is never stored as a number someone edits: it is the sum of movements per SKU,
location and grade. A movement takes units from one place (and grade) to another.
Places starting with "@" are outside the warehouse (the customer's parcel arriving,
the vendor, the scrap contractor, a buyer): they hold no stock, so a movement from
"@ARRIVAL" adds stock and one to "@SCRAPPED" removes it. `Stock.apply` refuses any
movement that would take more than a place holds, so stock is never negative.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from returnflow.domain.events import DomainEvent
from returnflow.domain.text import DomainError, Text

MOVED_TOPIC = "inventory.moved"  # the warehouse system hears every booked movement (R15.1)
ARRIVAL = "@ARRIVAL"  # the returned parcel, before it is in the inspection area
INSPECTION_AREA = "INSPECT"
CUSTOMER = "@CUSTOMER"
VENDOR = "@VENDOR"
SCRAPPED = "@SCRAPPED"
SOLD = "@SOLD"
UNGRADED = "-"  # goods in the inspection area before they are graded

# a bin: zone letter, aisle, shelf: "A-01-03"; RTV staging areas are "RTV-<batch>"
BIN_PATTERN = re.compile(r"^[A-Z]-\d{2}-\d{2}$")


class MovementKind(StrEnum):
    RECEIVE = "receive"  # into the inspection area
    GRADE = "grade"  # ungraded → graded, in the inspection area
    PUT_AWAY = "put_away"  # inspection area → bin
    MOVE = "move"  # bin → bin
    RTV_PICK = "rtv_pick"  # into a return-to-vendor batch's staging area
    TO_VENDOR = "to_vendor"  # the batch leaves
    SCRAP = "scrap"
    SELL = "sell"
    SEND_BACK = "send_back"  # failed inspection: back to the customer

    @property
    def label(self) -> Text:
        return _KIND_LABELS[self]


def is_outside(location: str) -> bool:
    return location.startswith("@")


def check_bin(code: str) -> str:
    code = code.strip().upper()
    if not BIN_PATTERN.match(code):
        raise DomainError(
            "bin_invalid",
            Text("库位编码格式为 区-排-层，如 A-01-03", "A bin is zone-aisle-shelf, like A-01-03"),
            field="bin",
        )
    return code


@dataclass(frozen=True, slots=True)
class Movement:
    kind: MovementKind
    sku: str
    quantity: int
    from_location: str
    to_location: str
    from_grade: str
    to_grade: str
    actor: str
    at: datetime
    rma_no: str | None = None
    merchant_id: str = ""
    note: str = ""
    id: int | None = None  # its number in the ledger, once booked

    def __post_init__(self) -> None:
        if self.quantity <= 0:
            raise DomainError(
                "quantity_invalid",
                Text("数量必须大于 0", "The quantity must be above 0"),
                field="quantity",
            )
        if self.from_location == self.to_location and self.from_grade == self.to_grade:
            raise DomainError(
                "movement_pointless",
                Text("起止库位与等级相同", "From and to are the same place and grade"),
                field="to_location",
            )


StockKey = tuple[str, str, str]  # sku, location, grade


@dataclass(frozen=True, slots=True)
class StockLevel:
    """Units of one merchant's SKU in one place and grade, as the ledger sums them."""

    merchant_id: str
    sku: str
    location: str
    grade: str
    quantity: int


@dataclass(frozen=True, slots=True)
class StockFilter:
    """Which stock levels and movements a list shows; None: any."""

    merchant_id: str | None = None
    sku: str | None = None
    location: str | None = None
    grade: str | None = None


@dataclass
class Stock:
    """Units per (SKU, location, grade), for places inside the warehouse."""

    levels: dict[StockKey, int] = field(default_factory=dict)

    def on_hand(self, sku: str, location: str, grade: str) -> int:
        return self.levels.get((sku, location, grade), 0)

    def apply(self, movement: Movement) -> None:
        """Book one movement, or refuse it whole if the source does not hold enough."""
        if not is_outside(movement.from_location):
            key = (movement.sku, movement.from_location, movement.from_grade)
            held = self.levels.get(key, 0)
            if held < movement.quantity:
                raise insufficient_stock(movement, held)
            if held == movement.quantity:
                del self.levels[key]
            else:
                self.levels[key] = held - movement.quantity
        if not is_outside(movement.to_location):
            key = (movement.sku, movement.to_location, movement.to_grade)
            self.levels[key] = self.levels.get(key, 0) + movement.quantity

    @classmethod
    def of(cls, movements: Iterable[Movement]) -> Stock:
        stock = cls()
        for movement in movements:
            stock.apply(movement)
        return stock


_MANUAL: dict[str, tuple[MovementKind, str | None]] = {
    "move": (MovementKind.MOVE, None),
    "sell": (MovementKind.SELL, SOLD),
    "scrap": (MovementKind.SCRAP, SCRAPPED),
}


def manual_movement(
    kind: str,
    *,
    merchant_id: str,
    sku: str,
    grade: str,
    quantity: int,
    from_location: str,
    to_location: str,
    actor: str,
    at: datetime,
    note: str = "",
) -> Movement:
    """What a person may do with stored goods: move them between bins, sell or scrap them."""
    if kind not in _MANUAL:
        raise DomainError(
            "movement_kind_invalid",
            Text("只能移库、售出或报废", "Only move, sell or scrap"),
            field="kind",
        )
    movement_kind, fixed_target = _MANUAL[kind]
    source = from_location.strip().upper()
    if is_outside(source):
        raise DomainError(
            "movement_source_invalid",
            Text("只能从仓内库位移出", "Goods can only move from a place inside"),
            field="from_location",
        )
    return Movement(
        movement_kind,
        sku=sku,
        quantity=quantity,
        from_location=source,
        to_location=fixed_target or check_bin(to_location),
        from_grade=grade,
        to_grade=grade,
        actor=actor,
        at=at,
        merchant_id=merchant_id,
        note=note,
    )


def moved_event(movement: Movement) -> DomainEvent:
    """The booked movement as the warehouse system hears it: `inventory.moved`.

    `movement.id` is its ledger number (given when booked): integrators deduplicate on it.
    Places starting with "@" are outside the warehouse (arrival, vendor, scrap, buyer).
    """
    return DomainEvent(
        MOVED_TOPIC,
        movement.at,
        {
            "movement_id": movement.id,
            "reason": movement.kind.value,
            "merchant_id": movement.merchant_id,
            "sku": movement.sku,
            "quantity": movement.quantity,
            "from_location": movement.from_location,
            "to_location": movement.to_location,
            "from_grade": movement.from_grade,
            "to_grade": movement.to_grade,
            "rma_no": movement.rma_no or "",
            "note": movement.note,
        },
    )


def insufficient_stock(movement: Movement, held: int) -> DomainError:
    return DomainError(
        "insufficient_stock",
        Text(
            "{loc} 的 {sku}（{grade} 级）只有 {held} 件，不能移出 {qty} 件",
            "{loc} holds {held} of {sku} (grade {grade}); {qty} cannot be moved out",
        ).format(
            loc=movement.from_location,
            sku=movement.sku,
            grade=movement.from_grade,
            held=held,
            qty=movement.quantity,
        ),
        field="quantity",
    )


def net_by_key(movements: Iterable[Movement]) -> Mapping[StockKey, int]:
    """The plain sum of movements per key (outside places included), for audits."""
    sums: dict[StockKey, int] = {}
    for m in movements:
        out = (m.sku, m.from_location, m.from_grade)
        into = (m.sku, m.to_location, m.to_grade)
        sums[out] = sums.get(out, 0) - m.quantity
        sums[into] = sums.get(into, 0) + m.quantity
    return sums


_KIND_LABELS = {
    MovementKind.RECEIVE: Text("收货入检验区", "received into inspection"),
    MovementKind.GRADE: Text("定级", "graded"),
    MovementKind.PUT_AWAY: Text("上架", "put away"),
    MovementKind.MOVE: Text("移库", "moved"),
    MovementKind.RTV_PICK: Text("拣入退供批次", "picked for return to vendor"),
    MovementKind.TO_VENDOR: Text("退回供应商", "sent to vendor"),
    MovementKind.SCRAP: Text("报废", "scrapped"),
    MovementKind.SELL: Text("售出", "sold"),
    MovementKind.SEND_BACK: Text("退回顾客", "sent back to the customer"),
}
