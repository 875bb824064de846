"""Return requests: the `ReturnRequest` aggregates, and what the rules ask of all of them.

Loaded aggregates are remembered for the unit of work: on commit `flush_changes` writes
them back (the row's `version` column refuses a write based on a stale read) and hands
over their new events for the outbox. Rows never leave this module and `return_rows.py`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from returnflow.domain.kinds import Reason, RequestType
from returnflow.domain.lifecycle import Status
from returnflow.domain.money import Money
from returnflow.domain.refunds import HeldLine, OrderHistory, order_history
from returnflow.domain.returns import ReturnRequest
from returnflow.storage.identity_map import TrackingRepository, one_row
from returnflow.storage.return_rows import new_row, request_from_row, write_back
from returnflow.storage.schema import ReturnLineRow, ReturnRow


class ReturnRepository(TrackingRepository[str, ReturnRequest, ReturnRow]):
    """Return requests. Loaded aggregates are remembered so the unit of work saves them."""

    def __init__(self, session: Session) -> None:
        super().__init__(session, write_back)

    def add(self, request: ReturnRequest, order_id: int) -> None:
        row = new_row(request, order_id)
        self.session.add(row)
        self._map.remember(request.rma_no, request, row)

    def get(self, rma_no: str, *, for_update: bool = False) -> ReturnRequest | None:
        known = self._map.recall(rma_no)
        if known is not None:
            if for_update:
                # read earlier without a lock: take it now, or two writers (say a refund
                # and a store-credit refund) each insert under the other's feet and
                # PostgreSQL breaks the tie with a deadlock; the version check still
                # refuses a write based on what was read before the lock
                self.session.execute(
                    select(ReturnRow.id).where(ReturnRow.rma_no == rma_no).with_for_update()
                )
            return known
        query = (
            select(ReturnRow)
            .where(ReturnRow.rma_no == rma_no)
            .options(
                selectinload(ReturnRow.lines),
                selectinload(ReturnRow.history),
                selectinload(ReturnRow.refund),
            )
        )
        row = one_row(self.session, query, for_update=for_update)
        return None if row is None else self._map.remember(rma_no, request_from_row(row), row)

    def forget(self, rma_no: str) -> None:
        """Drop a remembered request (say after a rollback): the next `get` reads it afresh."""
        self._map.forget(rma_no)

    def sync(self) -> None:
        """Write every remembered aggregate back to its row, so queries see the changes;
        each aggregate learns the version its row now has."""
        super().sync()
        for request, row in self._map.pairs():
            request.version = row.version

    def history_for_order(self, order_no: str, *, exclude: str | None = None) -> OrderHistory:
        """What live requests on an order already hold, line by line."""
        self.sync()  # requests changed earlier in this unit of work count as they are now
        query = (
            select(
                ReturnRow.request_type,
                ReturnRow.estimate,
                ReturnLineRow.line_no,
                ReturnLineRow.quantity,
                ReturnLineRow.refund_amount,
                ReturnLineRow.reason_code,
                ReturnRow.currency,
            )
            .join(ReturnLineRow, ReturnLineRow.return_id == ReturnRow.id)
            .where(ReturnRow.order_no == order_no)
            .where(ReturnRow.status.not_in([s.value for s in Status if not s.holds_goods]))
        )
        if exclude is not None:
            query = query.where(ReturnRow.rma_no != exclude)
        rows = self.session.execute(query).all()
        currency = rows[0][-1] if rows else "CNY"
        held = (
            HeldLine(
                request_type=RequestType(rtype),
                reason=Reason(reason),
                line_no=line_no,
                quantity=quantity,
                refund_amount=Money(amount, cur),
                claims_shipping=estimate.get("shipping_fee", 0) > 0,
            )
            for rtype, estimate, line_no, quantity, amount, reason, cur in rows
        )
        return order_history(held, currency)

    def due_for_auto_close(self, now: datetime, limit: int = 500) -> list[str]:
        query = (
            select(ReturnRow.rma_no)
            .where(ReturnRow.status == Status.APPROVED.value, ReturnRow.ship_by <= now)
            .limit(limit)
        )
        return list(self.session.scalars(query))

    def due_for_auto_confirm(self, now: datetime, limit: int = 500) -> list[str]:
        query = (
            select(ReturnRow.rma_no)
            .where(ReturnRow.status == Status.COMPLETED.value, ReturnRow.confirm_by <= now)
            .limit(limit)
        )
        return list(self.session.scalars(query))
