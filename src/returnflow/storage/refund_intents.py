"""Price gaps we owe back (an exchange's replacement cost less), until a refund pays them.

An intent is `pending` from the exchange's release, `refunding` once the request's
refund row carries it, then `paid` or `declined` with that refund; `cancelled` when an
unreturned fast exchange is charged instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from returnflow.domain.money import Money
from returnflow.storage.schema.resolutions import RefundIntentRow
from returnflow.storage.schema.returns import ReturnRow

PENDING, REFUNDING, PAID, DECLINED, CANCELLED = (
    "pending",
    "refunding",
    "paid",
    "declined",
    "cancelled",
)


@dataclass(frozen=True, slots=True)
class OwedGap:
    """One refund intent as stored."""

    key: str
    rma_no: str
    customer_id: str
    amount: Money
    status: str


class RefundIntents:
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
                status=PENDING,
                created_at=now,
            )
        )
        self.session.flush()

    def get(self, key: str, *, for_update: bool = False) -> OwedGap | None:
        query = select(RefundIntentRow).where(RefundIntentRow.key == key)
        if for_update:
            query = query.with_for_update()
        row = self.session.scalars(query).first()
        return None if row is None else _gap(row)

    def for_rma(self, rma_no: str) -> list[OwedGap]:
        rows = self.session.scalars(
            select(RefundIntentRow)
            .where(RefundIntentRow.rma_no == rma_no)
            .order_by(RefundIntentRow.id)
        )
        return [_gap(row) for row in rows]

    def payable(self, statuses: list[str], limit: int = 200) -> list[str]:
        """Keys of pending intents whose request has reached one of `statuses`."""
        query = (
            select(RefundIntentRow.key)
            .join(ReturnRow, ReturnRow.rma_no == RefundIntentRow.rma_no)
            .where(RefundIntentRow.status == PENDING, ReturnRow.status.in_(statuses))
            .order_by(RefundIntentRow.id)
            .limit(limit)
        )
        return list(self.session.scalars(query))

    # --- its moves --------------------------------------------------------------------

    def refunding(self, key: str) -> None:
        """The request's refund row now carries the gap."""
        self._move(RefundIntentRow.key == key, PENDING, REFUNDING)

    def cancel_for(self, rma_no: str) -> int:
        """The gap is no longer owed (the replacement was charged instead)."""
        return self._move(RefundIntentRow.rma_no == rma_no, PENDING, CANCELLED)

    def paid(self, rma_no: str) -> None:
        """The refund carrying the gap has paid it."""
        self._move(RefundIntentRow.rma_no == rma_no, REFUNDING, PAID)

    def declined(self, rma_no: str) -> None:
        """A manager refused the gap refund: the intent ends without payment."""
        self._move(RefundIntentRow.rma_no == rma_no, REFUNDING, DECLINED)

    def _move(self, which: ColumnElement[bool], source: str, target: str) -> int:
        result = self.session.execute(
            update(RefundIntentRow)
            .where(which, RefundIntentRow.status == source)
            .values(status=target)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]


def _gap(row: RefundIntentRow) -> OwedGap:
    return OwedGap(
        row.key, row.rma_no, row.customer_id, Money(row.amount, row.currency), row.status
    )
