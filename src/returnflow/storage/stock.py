"""Stock reservations for replacements, against what the order system says is available.

A SKU the order system never reported is not limited here (the order system stays the
judge of its own stock); a reported one may not be reserved beyond it. The level row
is locked while a reservation is counted, so two exchanges never both take the last one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from returnflow.domain.events import DomainEvent
from returnflow.domain.exchanges import out_of_stock
from returnflow.storage.schema.resolutions import (
    ExchangeOrderRow,
    StockLevelRow,
    StockReservationRow,
)

RESERVED, SHIPPED, RELEASED = "reserved", "shipped", "released"
# the warehouse system hears reservations too (R15.1): held, then shipped or released
RESERVED_TOPIC, SETTLED_TOPIC = "inventory.reserved", "inventory.reservation_settled"


@dataclass(frozen=True, slots=True)
class Reservation:
    """Units of a SKU held for one exchange: reserved, then shipped or released."""

    sku: str
    quantity: int
    status: str


class Stock:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._events: list[DomainEvent] = []  # handed to the unit of work on commit

    def flush_changes(self) -> list[DomainEvent]:
        """The reservations' events of this unit of work, handed over once."""
        events, self._events = self._events, []
        return events

    def report(self, merchant_id: str, sku: str, available: int, now: datetime) -> None:
        """The order system's count of a SKU (from the catalogue feed)."""
        row = self.session.get(StockLevelRow, (merchant_id, sku))
        if row is None:
            self.session.add(
                StockLevelRow(
                    merchant_id=merchant_id, sku=sku, available=available, reported_at=now
                )
            )
        else:
            row.available, row.reported_at = available, now
        self.session.flush()

    def reserve(
        self, rma_no: str, merchant_id: str, sku: str, quantity: int, now: datetime
    ) -> None:
        """Hold `quantity` for the exchange of `rma_no`; refused when too few are left."""
        level = self.session.scalars(
            select(StockLevelRow)
            .where(StockLevelRow.merchant_id == merchant_id, StockLevelRow.sku == sku)
            .with_for_update()
        ).first()
        if level is not None:
            reserved = self.reserved(merchant_id, sku)
            if reserved + quantity > level.available:
                raise out_of_stock(sku, level.available, reserved, quantity)
        self.session.add(
            StockReservationRow(
                exchange_id=self._exchange_id(rma_no),
                merchant_id=merchant_id,
                sku=sku,
                quantity=quantity,
                status=RESERVED,
                created_at=now,
                updated_at=now,
            )
        )
        self.session.flush()
        self._announce(RESERVED_TOPIC, now, rma_no, merchant_id, sku, quantity, RESERVED)

    def reserved(self, merchant_id: str, sku: str) -> int:
        found = self.session.scalar(
            select(func.coalesce(func.sum(StockReservationRow.quantity), 0)).where(
                StockReservationRow.merchant_id == merchant_id,
                StockReservationRow.sku == sku,
                StockReservationRow.status == RESERVED,
            )
        )
        return int(found or 0)

    def settle(self, rma_no: str, status: str, now: datetime) -> None:
        """Reserved → shipped (it left) or released (it will not)."""
        held = select(StockReservationRow).where(
            StockReservationRow.exchange_id == self._exchange_id(rma_no),
            StockReservationRow.status == RESERVED,
        )
        for row in self.session.scalars(held).all():
            row.status, row.updated_at = status, now
            self._announce(
                SETTLED_TOPIC, now, rma_no, row.merchant_id, row.sku, row.quantity, status
            )
        self.session.flush()

    def _announce(
        self,
        topic: str,
        now: datetime,
        rma_no: str,
        merchant_id: str,
        sku: str,
        quantity: int,
        status: str,
    ) -> None:
        data = {"rma_no": rma_no, "merchant_id": merchant_id, "sku": sku, "quantity": quantity}
        self._events.append(DomainEvent(topic, now, {**data, "status": status}))

    def for_exchange(self, rma_no: str) -> list[Reservation]:
        rows = self.session.scalars(
            select(StockReservationRow)
            .join(ExchangeOrderRow, ExchangeOrderRow.id == StockReservationRow.exchange_id)
            .where(ExchangeOrderRow.rma_no == rma_no)
            .order_by(StockReservationRow.id)
        )
        return [Reservation(row.sku, row.quantity, row.status) for row in rows]

    def _exchange_id(self, rma_no: str) -> int:
        self.session.flush()  # an exchange added in this unit of work has its id now
        found = self.session.scalar(
            select(ExchangeOrderRow.id).where(ExchangeOrderRow.rma_no == rma_no)
        )
        if found is None:
            raise LookupError(f"no exchange order for {rma_no}")
        return int(found)
