"""Rows ⇄ domain for exchanges, stock reservations, shipment requests, repairs, credit.

Store-credit spends are guarded twice: the account row is updated with a conditional
`balance = balance - x WHERE balance >= x` (atomic on both databases, so of two
concurrent spends the balance covers only one succeeds) and a CHECK constraint makes a
negative balance unstorable whatever the code does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from returnflow.domain.exchanges import (
    ExchangeOrder,
    ExchangeStatus,
    ExchangeStep,
    ReplacementItem,
    Settlement,
)
from returnflow.domain.money import Money
from returnflow.domain.repairs import RepairOrder, RepairStatus, RepairStep
from returnflow.domain.store_credit import CreditLot, EntryKind
from returnflow.storage import chain
from returnflow.storage.schema import (
    ExchangeOrderRow,
    RefundIntentRow,
    RepairOrderRow,
    ReturnRow,
    ShipmentRequestRow,
    StockLevelRow,
    StockReservationRow,
    StoreCreditAccountRow,
    StoreCreditEntryRow,
    StoreCreditLotRow,
)


def _steps_json(steps: list[Any]) -> list[Any]:
    return [
        {"at": s.at.isoformat(), "actor": s.actor, "step": s.step, "note": s.note} for s in steps
    ]


class ExchangeRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        # per session, so every repository made in one unit of work sees the same objects
        self._rows: dict[str, tuple[ExchangeOrder, ExchangeOrderRow]] = session.info.setdefault(
            "exchange_orders", {}
        )

    def add(self, order: ExchangeOrder, now: datetime) -> int:
        row = ExchangeOrderRow(
            rma_no=order.rma_no,
            merchant_id=order.merchant_id,
            customer_id=order.customer_id,
            currency=order.currency,
            fast=order.fast,
            created_at=now,
        )
        self._sync(order, row, now)
        self.session.add(row)
        self.session.flush()
        self._rows[order.rma_no] = (order, row)
        return row.id

    def get(self, rma_no: str, *, for_update: bool = False) -> ExchangeOrder | None:
        if rma_no in self._rows:
            return self._rows[rma_no][0]
        query = select(ExchangeOrderRow).where(ExchangeOrderRow.rma_no == rma_no)
        if for_update:
            query = query.with_for_update()
        row = self.session.scalars(query).first()
        if row is None:
            return None
        order = _exchange(row)
        self._rows[rma_no] = (order, row)
        return order

    def id_of(self, rma_no: str) -> int:
        return self._rows[rma_no][1].id

    def save(self, order: ExchangeOrder, now: datetime) -> None:
        self._sync(order, self._rows[order.rma_no][1], now)
        self.session.flush()

    def overdue(self, now: datetime, limit: int = 500) -> list[str]:
        query = (
            select(ExchangeOrderRow.rma_no)
            .where(
                ExchangeOrderRow.fast.is_(True),
                ExchangeOrderRow.status.in_(
                    [ExchangeStatus.REQUESTED.value, ExchangeStatus.SHIPPED.value]
                ),
                ExchangeOrderRow.return_due_at <= now,
            )
            .limit(limit)
        )
        return list(self.session.scalars(query))

    def fast_shipped_and_inspected(self, limit: int = 500) -> list[str]:
        """Fast replacements already out whose returned goods inspection just judged."""
        query = (
            select(ExchangeOrderRow.rma_no)
            .join(ReturnRow, ReturnRow.rma_no == ExchangeOrderRow.rma_no)
            .where(
                ExchangeOrderRow.fast.is_(True),
                ExchangeOrderRow.status == ExchangeStatus.SHIPPED.value,
                ReturnRow.status.in_(["inspected", "inspection_failed"]),
            )
            .limit(limit)
        )
        return list(self.session.scalars(query))

    def units_exchanged(self, rma_numbers: list[str]) -> dict[int, int]:
        """Units per order line already valued by live exchanges of these requests."""
        units: dict[int, int] = {}
        if not rma_numbers:
            return units
        rows = self.session.scalars(
            select(ExchangeOrderRow).where(
                ExchangeOrderRow.rma_no.in_(rma_numbers),
                ExchangeOrderRow.status != ExchangeStatus.CANCELLED.value,
            )
        )
        for row in rows:
            counted: set[int] = set()
            for item in row.items:
                line_no = int(item["line_no"])
                if line_no not in counted:
                    counted.add(line_no)
                    units[line_no] = units.get(line_no, 0) + int(item.get("returned_units", 0))
        return units

    def unsettled_charges(self, customer_id: str) -> int:
        """Open recoveries: unreturned fast exchanges the customer has been charged for."""
        found = self.session.scalar(
            select(func.count())
            .select_from(ExchangeOrderRow)
            .where(
                ExchangeOrderRow.customer_id == customer_id,
                ExchangeOrderRow.status == ExchangeStatus.CHARGED.value,
            )
        )
        return int(found or 0)

    def _sync(self, order: ExchangeOrder, row: ExchangeOrderRow, now: datetime) -> None:
        row.status = order.status.value
        row.items = [
            {**item.as_json(), "returned_units": order.returned_units.get(item.line_no, 0)}
            for item in order.items
        ]
        row.returned_value = order.returned_value.cents
        row.replacement_value = order.replacement_value.cents
        row.difference = order.difference.cents
        row.settlement = order.settlement.value
        row.return_due_at = order.return_due_at
        row.charged_amount = order.charged.cents if order.charged else 0
        row.history = _steps_json(order.history)
        row.updated_at = now


def _exchange(row: ExchangeOrderRow) -> ExchangeOrder:
    return ExchangeOrder(
        rma_no=row.rma_no,
        merchant_id=row.merchant_id,
        customer_id=row.customer_id,
        items=tuple(ReplacementItem.from_json(item, row.currency) for item in row.items),
        returned_units={
            int(item["line_no"]): int(item.get("returned_units", 0)) for item in row.items
        },
        returned_value=Money(row.returned_value, row.currency),
        fast=row.fast,
        status=ExchangeStatus(row.status),
        settlement=Settlement(row.settlement),
        return_due_at=row.return_due_at,
        charged=Money(row.charged_amount, row.currency) if row.charged_amount else None,
        history=[
            ExchangeStep(datetime.fromisoformat(s["at"]), s["actor"], s["step"], s["note"])
            for s in row.history
        ],
    )


# --- stock ----------------------------------------------------------------------------


class StockInsufficient(Exception):
    def __init__(self, sku: str, available: int, reserved: int, wanted: int) -> None:
        super().__init__(sku)
        self.sku, self.available, self.reserved, self.wanted = sku, available, reserved, wanted


class Stock:
    """Reservations against what the order system says is available.

    A SKU the order system never reported is not limited here (the order system stays
    the judge of its own stock); a reported one may not be reserved beyond it.
    """

    def __init__(self, session: Session) -> None:
        self.session = session

    def report(self, merchant_id: str, sku: str, available: int, now: datetime) -> None:
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
        self, exchange_id: int, merchant_id: str, sku: str, quantity: int, now: datetime
    ) -> None:
        level = self.session.scalars(
            select(StockLevelRow)
            .where(StockLevelRow.merchant_id == merchant_id, StockLevelRow.sku == sku)
            .with_for_update()
        ).first()
        if level is not None:
            reserved = self.reserved(merchant_id, sku)
            if reserved + quantity > level.available:
                raise StockInsufficient(sku, level.available, reserved, quantity)
        self.session.add(
            StockReservationRow(
                exchange_id=exchange_id,
                merchant_id=merchant_id,
                sku=sku,
                quantity=quantity,
                status="reserved",
                created_at=now,
                updated_at=now,
            )
        )
        self.session.flush()

    def reserved(self, merchant_id: str, sku: str) -> int:
        found = self.session.scalar(
            select(func.coalesce(func.sum(StockReservationRow.quantity), 0)).where(
                StockReservationRow.merchant_id == merchant_id,
                StockReservationRow.sku == sku,
                StockReservationRow.status == "reserved",
            )
        )
        return int(found or 0)

    def settle(self, exchange_id: int, status: str, now: datetime) -> None:
        """Reserved → shipped (it left) or released (it will not)."""
        self.session.execute(
            update(StockReservationRow)
            .where(
                StockReservationRow.exchange_id == exchange_id,
                StockReservationRow.status == "reserved",
            )
            .values(status=status, updated_at=now)
        )

    def for_exchange(self, exchange_id: int) -> list[StockReservationRow]:
        return list(
            self.session.scalars(
                select(StockReservationRow)
                .where(StockReservationRow.exchange_id == exchange_id)
                .order_by(StockReservationRow.id)
            )
        )


# --- shipment requests -----------------------------------------------------------------


class ShipmentRequests:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: ShipmentRequestRow) -> ShipmentRequestRow:
        self.session.add(row)
        self.session.flush()
        return row

    def get(self, request_id: int, *, for_update: bool = False) -> ShipmentRequestRow | None:
        query = select(ShipmentRequestRow).where(ShipmentRequestRow.id == request_id)
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def listing(
        self, *, status: str | None, merchant_scope: str | None, rma_no: str | None = None
    ) -> list[ShipmentRequestRow]:
        query = select(ShipmentRequestRow).order_by(ShipmentRequestRow.id)
        if status:
            query = query.where(ShipmentRequestRow.status == status)
        if merchant_scope is not None:
            query = query.where(ShipmentRequestRow.merchant_id == merchant_scope)
        if rma_no is not None:
            query = query.where(ShipmentRequestRow.rma_no == rma_no)
        return list(self.session.scalars(query.limit(500)))


# --- repairs ----------------------------------------------------------------------------


class RepairRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._rows: dict[str, tuple[RepairOrder, RepairOrderRow]] = session.info.setdefault(
            "repair_orders", {}
        )

    def add(self, order: RepairOrder, now: datetime) -> None:
        row = RepairOrderRow(
            rma_no=order.rma_no,
            customer_id=order.customer_id,
            currency=order.currency,
            created_at=now,
        )
        self._sync(order, row, now)
        self.session.add(row)
        self.session.flush()
        self._rows[order.rma_no] = (order, row)

    def get(self, rma_no: str, *, for_update: bool = False) -> RepairOrder | None:
        if rma_no in self._rows:
            return self._rows[rma_no][0]
        query = select(RepairOrderRow).where(RepairOrderRow.rma_no == rma_no)
        if for_update:
            query = query.with_for_update()
        row = self.session.scalars(query).first()
        if row is None:
            return None
        order = RepairOrder(
            rma_no=row.rma_no,
            customer_id=row.customer_id,
            currency=row.currency,
            status=RepairStatus(row.status),
            diagnosis=row.diagnosis,
            cost=Money(row.cost, row.currency),
            cost_approved=row.cost_approved,
            steps=[
                RepairStep(datetime.fromisoformat(s["at"]), s["actor"], s["step"], s["note"])
                for s in row.steps
            ],
        )
        self._rows[rma_no] = (order, row)
        return order

    def save(self, order: RepairOrder, now: datetime) -> None:
        self._sync(order, self._rows[order.rma_no][1], now)
        self.session.flush()

    def _sync(self, order: RepairOrder, row: RepairOrderRow, now: datetime) -> None:
        row.status = order.status.value
        row.diagnosis = order.diagnosis
        row.cost = order.cost.cents if order.cost else 0
        row.cost_approved = order.cost_approved
        row.steps = _steps_json(order.steps)
        row.updated_at = now


# --- store credit ------------------------------------------------------------------------


@dataclass(frozen=True)
class CreditEntryView:
    kind: EntryKind
    amount: Money
    balance_after: Money
    at: datetime
    rma_no: str
    reference: str
    actor: str
    key: str


class StoreCredit:
    def __init__(self, session: Session) -> None:
        self.session = session

    def balance(self, customer_id: str, currency: str = "CNY") -> Money:
        row = self.session.get(StoreCreditAccountRow, customer_id)
        return Money(row.balance, row.currency) if row else Money.zero(currency)

    def entry(self, key: str) -> CreditEntryView | None:
        row = self.session.scalars(
            select(StoreCreditEntryRow).where(StoreCreditEntryRow.key == key)
        ).first()
        return None if row is None else _entry_view(row)

    def entries(self, customer_id: str, limit: int = 200) -> list[CreditEntryView]:
        rows = self.session.scalars(
            select(StoreCreditEntryRow)
            .where(StoreCreditEntryRow.customer_id == customer_id)
            .order_by(StoreCreditEntryRow.id.desc())
            .limit(limit)
        )
        return [_entry_view(row) for row in rows]

    def add_lot(
        self, customer_id: str, amount: Money, now: datetime, expires_at: datetime, source: str
    ) -> None:
        account = self.session.get(StoreCreditAccountRow, customer_id, with_for_update=True)
        if account is None:
            account = StoreCreditAccountRow(
                customer_id=customer_id, currency=amount.currency, balance=0, updated_at=now
            )
            self.session.add(account)
            self.session.flush()
        self.session.execute(
            update(StoreCreditAccountRow)
            .where(StoreCreditAccountRow.customer_id == customer_id)
            .values(balance=StoreCreditAccountRow.balance + amount.cents, updated_at=now)
        )
        self.session.add(
            StoreCreditLotRow(
                customer_id=customer_id,
                currency=amount.currency,
                amount=amount.cents,
                remaining=amount.cents,
                granted_at=now,
                expires_at=expires_at,
                source=source,
            )
        )
        self.session.flush()

    def take(self, customer_id: str, amount: Money, now: datetime) -> bool:
        """Lower the balance by `amount` only if it covers it; False when it does not."""
        result = self.session.execute(
            update(StoreCreditAccountRow)
            .where(
                StoreCreditAccountRow.customer_id == customer_id,
                StoreCreditAccountRow.balance >= amount.cents,
            )
            .values(balance=StoreCreditAccountRow.balance - amount.cents, updated_at=now)
        )
        return int(result.rowcount) == 1  # type: ignore[attr-defined]

    def open_lots(
        self, customer_id: str, now: datetime
    ) -> list[tuple[CreditLot, StoreCreditLotRow]]:
        rows = self.session.scalars(
            select(StoreCreditLotRow)
            .where(StoreCreditLotRow.customer_id == customer_id, StoreCreditLotRow.remaining > 0)
            .order_by(StoreCreditLotRow.expires_at, StoreCreditLotRow.id)
        )
        return [(_lot(row), row) for row in rows]

    def lapsed(self, now: datetime, limit: int = 500) -> list[int]:
        return list(
            self.session.scalars(
                select(StoreCreditLotRow.id)
                .where(StoreCreditLotRow.remaining > 0, StoreCreditLotRow.expires_at <= now)
                .order_by(StoreCreditLotRow.id)
                .limit(limit)
            )
        )

    def lot(self, lot_id: int) -> StoreCreditLotRow | None:
        return self.session.get(StoreCreditLotRow, lot_id)

    def record(
        self,
        *,
        key: str,
        customer_id: str,
        kind: EntryKind,
        amount: Money,
        now: datetime,
        actor: str,
        rma_no: str = "",
        reference: str = "",
    ) -> None:
        self.session.flush()
        entry = StoreCreditEntryRow(
            key=key,
            customer_id=customer_id,
            kind=kind.value,
            amount=amount.cents,
            currency=amount.currency,
            balance_after=self.balance(customer_id, amount.currency).cents,
            rma_no=rma_no,
            reference=reference,
            actor=actor,
            at=now,
        )
        chain.seal(self.session, chain.STORE_CREDIT, entry)  # one chain per customer
        self.session.add(entry)
        self.session.flush()

    def customers(self, limit: int = 200) -> list[StoreCreditAccountRow]:
        return list(
            self.session.scalars(
                select(StoreCreditAccountRow)
                .order_by(StoreCreditAccountRow.updated_at.desc())
                .limit(limit)
            )
        )


def _lot(row: StoreCreditLotRow) -> CreditLot:
    return CreditLot(
        row.id,
        Money(row.amount, row.currency),
        Money(row.remaining, row.currency),
        row.granted_at,
        row.expires_at,
    )


def _entry_view(row: StoreCreditEntryRow) -> CreditEntryView:
    return CreditEntryView(
        EntryKind(row.kind),
        Money(row.amount, row.currency),
        Money(row.balance_after, row.currency),
        row.at,
        row.rma_no,
        row.reference,
        row.actor,
        row.key,
    )


class RefundIntents:
    """Price gaps we owe back, until the refunds slice pays them (see the notes)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, key: str, rma_no: str, customer_id: str, amount: Money, now: datetime) -> None:
        self.session.add(
            RefundIntentRow(
                key=key,
                rma_no=rma_no,
                customer_id=customer_id,
                amount=amount.cents,
                currency=amount.currency,
                status="pending",
                created_at=now,
            )
        )
        self.session.flush()

    def cancel_for(self, rma_no: str) -> int:
        result = self.session.execute(
            update(RefundIntentRow)
            .where(RefundIntentRow.rma_no == rma_no, RefundIntentRow.status == "pending")
            .values(status="cancelled")
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def for_rma(self, rma_no: str) -> list[RefundIntentRow]:
        return list(
            self.session.scalars(select(RefundIntentRow).where(RefundIntentRow.rma_no == rma_no))
        )

    def paid(self, rma_no: str) -> None:
        """The refund carrying the gap has paid it."""
        self.session.execute(
            update(RefundIntentRow)
            .where(RefundIntentRow.rma_no == rma_no, RefundIntentRow.status == "refunding")
            .values(status="paid")
        )

    def declined(self, rma_no: str) -> None:
        """A manager refused the gap refund: the intent ends without payment."""
        self.session.execute(
            update(RefundIntentRow)
            .where(RefundIntentRow.rma_no == rma_no, RefundIntentRow.status == "refunding")
            .values(status="declined")
        )

    def get(self, key: str, *, for_update: bool = False) -> RefundIntentRow | None:
        query = select(RefundIntentRow).where(RefundIntentRow.key == key)
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def payable(self, statuses: list[str], limit: int = 200) -> list[str]:
        """Keys of pending intents whose request has reached one of `statuses`."""
        query = (
            select(RefundIntentRow.key)
            .join(ReturnRow, ReturnRow.rma_no == RefundIntentRow.rma_no)
            .where(RefundIntentRow.status == "pending", ReturnRow.status.in_(statuses))
            .order_by(RefundIntentRow.id)
            .limit(limit)
        )
        return list(self.session.scalars(query))
