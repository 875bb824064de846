"""Exchange orders ⇄ rows, and the questions an exchange asks of the stored past.

The repository remembers every exchange it loaded or added in this unit of work, so
one request's exchange is one object however many services ask for it; `save` writes it
back at once (queries in the same transaction see it), `flush_changes` writes them all
and hands over their new events (`RequestOrders`, which repairs share). The optimistic
`version` column refuses a write based on a stale read (`ConcurrentUpdate`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from returnflow.domain.events import DomainEvent, RaisesEvents
from returnflow.domain.exchanges import (
    CustomerRecord,
    ExchangeOrder,
    ExchangeStatus,
    ExchangeStep,
    ReplacementItem,
    Settlement,
)
from returnflow.domain.lifecycle import Action, Status
from returnflow.domain.money import Money
from returnflow.storage.identity_map import TrackingRepository, one_row
from returnflow.storage.schema.refunds import RefundRecoveryRow
from returnflow.storage.schema.resolutions import ExchangeOrderRow
from returnflow.storage.schema.returns import ReturnEventRow, ReturnRow

_LIVE_AFTER_SHIPPING = [ExchangeStatus.REQUESTED.value, ExchangeStatus.SHIPPED.value]


def steps_json(steps: list[Any]) -> list[dict[str, str]]:
    """An exchange's or a repair's steps as stored (and as the API shows them)."""
    return [
        {"at": s.at.isoformat(), "actor": s.actor, "step": s.step, "note": s.note} for s in steps
    ]


class RequestOrder(RaisesEvents, Protocol):
    """An order kept one to one with a return request: an exchange, a repair."""

    @property
    def rma_no(self) -> str: ...


OrderT = TypeVar("OrderT", bound=RequestOrder)
RowT = TypeVar("RowT")


class RequestOrders(TrackingRepository[str, OrderT, RowT]):
    """Orders kept one to one with a return request, remembered by RMA number.

    `save` writes one back at once (queries in the same transaction see it);
    `flush_changes` writes them all, each dated `now` or else by its last event, and
    hands over their new events. `sync(session, order, row, now)` writes one onto its
    row, moving `updated_at` only on a change (`now` None: the order's last event).
    """

    def __init__(
        self,
        session: Session,
        select_row: Callable[[str], Select[RowT]],
        build: Callable[[RowT], OrderT],
        sync: Callable[[Session, OrderT, RowT, datetime | None], None],
    ) -> None:
        super().__init__(session, lambda order, row: sync(session, order, row, None))
        self._select_row, self._build, self._sync = select_row, build, sync

    def _insert(self, order: OrderT, row: RowT, now: datetime) -> None:
        self._sync(self.session, order, row, now)
        self.session.add(row)
        self.session.flush()
        self._map.remember(order.rma_no, order, row)

    def get(self, rma_no: str, *, for_update: bool = False) -> OrderT | None:
        query = self._select_row(rma_no)
        return self._map.recall_or_load(
            rma_no, lambda: one_row(self.session, query, for_update=for_update), self._build
        )

    def save(self, order: OrderT, now: datetime) -> None:
        """Write one order back now, so what follows in this transaction sees it."""
        self._sync(self.session, order, self._map.row_of(order.rma_no), now)
        self.session.flush()

    def flush_changes(self, now: datetime | None = None) -> list[DomainEvent]:
        """Write back every order of this unit of work; hand over their new events, once."""
        self._map.write_back(lambda order, row: self._sync(self.session, order, row, now))
        self.session.flush()
        return self._map.take_events()


class ExchangeRepository(RequestOrders[ExchangeOrder, ExchangeOrderRow]):
    def __init__(self, session: Session) -> None:
        super().__init__(session, _select_exchange, _exchange, _sync)

    def add(self, order: ExchangeOrder, now: datetime) -> None:
        row = ExchangeOrderRow(
            rma_no=order.rma_no,
            merchant_id=order.merchant_id,
            customer_id=order.customer_id,
            currency=order.currency,
            fast=order.fast,
            created_at=now,
        )
        self._insert(order, row, now)

    # --- what the sweeps look for --------------------------------------------------

    def overdue(self, now: datetime, limit: int = 500) -> list[str]:
        """Fast exchanges out before the return, past the return deadline."""
        query = (
            select(ExchangeOrderRow.rma_no)
            .where(
                ExchangeOrderRow.fast.is_(True),
                ExchangeOrderRow.status.in_(_LIVE_AFTER_SHIPPING),
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
                ReturnRow.status.in_([Status.INSPECTED.value, Status.INSPECTION_FAILED.value]),
            )
            .limit(limit)
        )
        return list(self.session.scalars(query))

    # --- what choosing a replacement asks of the past -------------------------------

    def units_exchanged(self, order_no: str, *, excluding: str) -> dict[int, int]:
        """Units per order line already valued by live exchanges of the order's other
        requests (so a second exchange values the units before the first one's)."""
        rows = self.session.scalars(
            select(ExchangeOrderRow)
            .join(ReturnRow, ReturnRow.rma_no == ExchangeOrderRow.rma_no)
            .where(
                ReturnRow.order_no == order_no,
                ExchangeOrderRow.rma_no != excluding,
                ExchangeOrderRow.status != ExchangeStatus.CANCELLED.value,
            )
        )
        units: dict[int, int] = {}
        for row in rows:
            counted: set[int] = set()
            for item in row.items:
                line_no = int(item["line_no"])
                if line_no not in counted:
                    counted.add(line_no)
                    units[line_no] = units.get(line_no, 0) + int(item.get("returned_units", 0))
        return units

    def customer_record(self, customer_id: str) -> CustomerRecord:
        """The customer's past as the fast-exchange rules weigh it."""
        completed = self.session.scalar(
            select(func.count())
            .select_from(ReturnRow)
            .where(
                ReturnRow.customer_id == customer_id,
                ReturnRow.status.in_([Status.COMPLETED.value, Status.CONFIRMED.value]),
            )
        )
        failed = self.session.scalar(
            select(func.count())
            .select_from(ReturnEventRow)
            .join(ReturnRow, ReturnRow.id == ReturnEventRow.return_id)
            .where(
                ReturnRow.customer_id == customer_id,
                ReturnEventRow.action == Action.INSPECT_FAIL.value,
            )
        )
        return CustomerRecord(
            int(completed or 0), int(failed or 0), self._open_recoveries(customer_id)
        )

    def _open_recoveries(self, customer_id: str) -> int:
        """Unreturned fast exchanges charged, plus instant refunds whose goods then failed
        inspection, neither yet paid back or written off."""
        charged = self.session.scalar(
            select(func.count())
            .select_from(ExchangeOrderRow)
            .where(
                ExchangeOrderRow.customer_id == customer_id,
                ExchangeOrderRow.status == ExchangeStatus.CHARGED.value,
            )
        )
        recoveries = self.session.scalar(
            select(func.count())
            .select_from(RefundRecoveryRow)
            .where(RefundRecoveryRow.customer_id == customer_id, RefundRecoveryRow.status == "open")
        )
        return int(charged or 0) + int(recoveries or 0)


def last_change(events: list[DomainEvent], otherwise: datetime) -> datetime:
    return events[-1].occurred_at if events else otherwise


def _select_exchange(rma_no: str) -> Select[ExchangeOrderRow]:
    return select(ExchangeOrderRow).where(ExchangeOrderRow.rma_no == rma_no)


def _sync(
    session: Session, order: ExchangeOrder, row: ExchangeOrderRow, now: datetime | None
) -> None:
    """The aggregate onto its row; `updated_at` (and the version) move only on a change."""
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
    row.history = steps_json(order.history)
    if row.id is None or session.is_modified(row):
        row.updated_at = now or last_change(order.events, row.updated_at)


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
